// Why a journal read may have missed entries, each with what to do about it (the shape of syslog's
// problems, so the checks report both the same way).
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { currentUser } from '../common/host.js';
import type { LogProblem } from '../log/line.js';
import { namespaceNameProblem } from '../common/journalNamespace.js';
import { sourceLabel } from './args.js';
import type { JournalSelection } from './types.js';

function machineId(): string | null {
  try {
    const id = readFileSync('/etc/machine-id', 'utf8').trim();
    return /^[0-9a-f]{32}$/.test(id) ? id : null;
  } catch {
    return null;
  }
}

function isDir(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

export function groupFix(): string {
  const u = currentUser();
  return `add user ${u} to group systemd-journal or adm to read the system journal (usermod -aG systemd-journal ${u}; it applies to new logins and services started after)`;
}

/**
 * What can be told before running journalctl, which says nothing at all (and exits 0) for a namespace
 * or a system journal that does not exist. Only cheap stat()s: a readable journal is journalctl's to judge.
 */
export function preflightProblems(sel: JournalSelection): LogProblem[] {
  const path = sourceLabel(sel);
  if (sel.file !== undefined) {
    const st = statSync(sel.file, { throwIfNoEntry: false });
    if (!st) return [{ path, problem: 'does not exist', fix: `check the journal file's path (${sel.file})` }];
    if (!st.isFile()) return [{ path, problem: 'is not a regular file', fix: 'give a journal file (*.journal)' }];
    return [];
  }
  if (sel.directory !== undefined) {
    if (!isDir(sel.directory)) return [{ path, problem: 'is not a directory', fix: `check the journal directory's path (${sel.directory})` }];
    return [];
  }
  if (sel.namespace !== undefined) {
    const bad = namespaceNameProblem(sel.namespace);
    if (bad) return [{ path, problem: bad, fix: 'give the name systemd-journald@NAME.service runs under' }];
  }
  const id = machineId();
  if (id === null) return [];
  const dirs =
    sel.namespace !== undefined
      ? [`/var/log/journal/${id}.${sel.namespace}`, `/run/log/journal/${id}.${sel.namespace}`]
      : [`/var/log/journal/${id}`, `/run/log/journal/${id}`];
  if (dirs.some(isDir)) return [];
  if (sel.namespace !== undefined) {
    return [
      {
        path,
        problem: `no journal namespace ${sel.namespace} on this host (neither ${dirs[0]} nor ${dirs[1]} exists)`,
        fix: `check the namespace name; its journald is systemd-journald@${sel.namespace}.service`,
      },
    ];
  }
  return [
    {
      path,
      problem: `no system journal on this host (neither ${dirs[0]} nor ${dirs[1]} exists)`,
      fix: 'read the syslog file instead (--log syslog), or start systemd-journald',
    },
  ];
}

/**
 * The system's entries unreadable while the user's own are: journalctl then shows the user's own
 * entries and, in systemd 252 with --namespace, says nothing about the rest (no hint, exit 0). So the
 * reader looks for itself whether it may read system.journal.
 */
export function systemJournalAccessProblems(sel: JournalSelection): LogProblem[] {
  if (sel.file !== undefined || sel.directory !== undefined || process.getuid?.() === 0) return [];
  const id = machineId();
  if (id === null) return [];
  const suffix = sel.namespace !== undefined ? `.${sel.namespace}` : '';
  for (const dir of [`/var/log/journal/${id}${suffix}`, `/run/log/journal/${id}${suffix}`]) {
    const file = `${dir}/system.journal`;
    try {
      accessSync(file, constants.R_OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM') {
        return [
          {
            path: sourceLabel(sel),
            problem: `permission denied: ${file} cannot be read, so only this user's own entries are seen, not the system's or other users'`,
            fix: groupFix(),
          },
        ];
      }
    }
  }
  return [];
}

/** journalctl could not be started. */
export function spawnProblem(journalctl: string, err: NodeJS.ErrnoException): LogProblem {
  if (err.code === 'ENOENT')
    return { path: journalctl, problem: 'journalctl is not installed', fix: 'install package systemd (apt-get install systemd), which has journalctl' };
  if (err.code === 'EACCES')
    return { path: journalctl, problem: 'journalctl cannot be run (permission denied)', fix: `check the permissions of ${journalctl}` };
  return { path: journalctl, problem: `journalctl could not be started (${err.code ?? err.message})`, fix: `check ${journalctl}` };
}

const NO_PERMISSION = 'No journal files were opened due to insufficient permissions';
const OWN_ONLY = 'Hint: You are currently not seeing messages from other users and the system';

/**
 * journalctl prints the permission hint (and exits 0) when it could read only the user's own journal
 * file: entries of other users and of the system were left out, so that is a problem even with
 * entries read. It prints it before any entry, so a read stopped early still sees it.
 */
export function permissionProblems(sel: JournalSelection, stderr: string): LogProblem[] {
  const path = sourceLabel(sel);
  if (stderr.includes(NO_PERMISSION)) return [{ path, problem: 'permission denied: no journal file could be read', fix: groupFix() }];
  if (stderr.includes(OWN_ONLY))
    return [{ path, problem: "permission denied: only this user's own entries could be read, not the system's or other users'", fix: groupFix() }];
  return [];
}

/** What journalctl's stderr and exit status say once it has ended by itself. */
export function exitProblems(sel: JournalSelection, code: number | null, signal: NodeJS.Signals | null, stderr: string): LogProblem[] {
  const path = sourceLabel(sel);
  const problems = permissionProblems(sel, stderr);
  if (problems.length) return problems;
  if (signal) return [{ path, problem: `journalctl was killed by ${signal}`, fix: 'run the same journalctl by hand to see why' }];
  if (code === 0) return [];
  const first =
    stderr
      .split('\n')
      .map((l) => l.trim())
      .find(Boolean) ?? '(nothing on stderr)';
  if (/Permission denied/.test(first)) {
    return [
      {
        path,
        problem: `permission denied (journalctl: ${first})`,
        fix: sel.file !== undefined || sel.directory !== undefined ? `make ${path} readable by user ${currentUser()}` : groupFix(),
      },
    ];
  }
  return [
    {
      path,
      problem: `journalctl exited ${code}: ${first}`,
      fix:
        sel.file !== undefined
          ? `check that ${sel.file} is a journal file (journalctl --file ${sel.file} --verify)`
          : 'run the same journalctl by hand to see why',
    },
  ];
}
