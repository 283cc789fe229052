// Follows the journal as entries arrive (`journalctl --follow`, for `env-sync logs --follow`). journalctl
// watches the journal directory itself, so it carries on into the new file when journald rotates.
import { spawn } from 'node:child_process';
import type { LogProblem } from '../log/line.js';
import { DEFAULT_EXTRA_FIELDS, epochArg, matchArgs, outputFieldsArg, selectionArgs, sourceLabel } from './args.js';
import { LineSplitter, entryFromJson } from './entry.js';
import { exitProblems, preflightProblems, spawnProblem, systemJournalAccessProblems } from './problems.js';
import type { JournalEntry, JournalMatch, JournalSelection } from './types.js';

export interface FollowOptions extends JournalSelection {
  /** Groups OR'ed, as for readJournal. */
  matches: JournalMatch[];
  /**
   * Show entries from this time on, then follow. Without since or backlog: from the moment
   * followJournal is called, so a line written right after the call is shown even if journalctl has
   * not opened the journal yet.
   */
  since?: Date;
  /** Instead of since: show the newest N entries first (journalctl -n N), then follow. */
  backlog?: number;
  /** Extra fields for entry.fields (default ENV_SYNC_JOB, ENV_SYNC_RUN, ENV_SYNC_EVENT). */
  fields?: string[];
}

export interface FollowEnd {
  /**
   * With their fix: why it could not start or ended by itself, and why entries may be missing (only
   * the user's own entries readable: known at the start, in JournalFollower.problems too).
   */
  problems: LogProblem[];
  /** Entries handed to onEntry. */
  count: number;
  /** True when stop() ended it. */
  stopped: boolean;
}

export interface JournalFollower {
  /** journalctl's pid (undefined when it could not be started). */
  readonly pid: number | undefined;
  /** Known when it started: why it could not start, or why some entries will not be shown. */
  readonly problems: LogProblem[];
  /** Resolves when journalctl has ended, by stop() or by itself (an error, or its journal gone). */
  readonly ended: Promise<FollowEnd>;
  /** Stops journalctl by its pid (SIGTERM, SIGKILL after a second) and resolves once it has exited. */
  stop(): Promise<FollowEnd>;
}

export function followArgs(o: FollowOptions, now: Date): string[] {
  const args = ['--no-pager', '--follow', '--output=json', '--all', outputFieldsArg(o.fields ?? DEFAULT_EXTRA_FIELDS), ...selectionArgs(o)];
  if (o.backlog !== undefined && o.since === undefined) {
    if (!Number.isInteger(o.backlog) || o.backlog < 0) throw new TypeError(`backlog ${o.backlog} is not a whole number`);
    args.push(`--lines=${o.backlog}`);
  } else args.push(`--since=${epochArg(o.since ?? now)}`);
  args.push('--', ...matchArgs(o.matches));
  return args;
}

/**
 * Calls onEntry with each matching entry, oldest first, as journald writes it, until stop(). onEntry
 * runs in a stream's data handler: it must not throw. Bad matches throw TypeError at once.
 */
export function followJournal(o: FollowOptions, onEntry: (e: JournalEntry) => void): JournalFollower {
  const journalctl = o.journalctl ?? 'journalctl';
  const args = followArgs(o, new Date());
  const source = sourceLabel(o);
  const extra = o.fields ?? DEFAULT_EXTRA_FIELDS;
  const end: FollowEnd = { problems: preflightProblems(o), count: 0, stopped: false };
  if (end.problems.length) return { pid: undefined, problems: [...end.problems], ended: Promise.resolve(end), stop: () => Promise.resolve(end) };
  end.problems = systemJournalAccessProblems(o);

  const child = spawn(journalctl, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid;
  let stderr = '';
  const splitter = new LineSplitter((line) => {
    if (end.stopped) return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      return;
    }
    const entry = json && typeof json === 'object' ? entryFromJson(json as Record<string, unknown>, source, extra) : null;
    if (!entry) return;
    end.count++;
    onEntry(entry);
  });
  child.stdout!.on('data', (d: Buffer) => splitter.push(d));
  child.stderr!.on('data', (d: Buffer) => {
    if (stderr.length < 4096) stderr += d.toString();
  });
  const ended = new Promise<FollowEnd>((resolve) => {
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (pid !== undefined) return;
      end.problems.push(spawnProblem(journalctl, err));
      resolve(end);
    });
    child.on('close', (code, signal) => {
      if (pid === undefined) return; // could not start: 'error' said why
      if (!end.stopped) {
        splitter.end();
        for (const p of exitProblems(o, code, signal, stderr)) if (!end.problems.some((seen) => seen.fix === p.fix)) end.problems.push(p);
        if (end.problems.length === 0)
          end.problems.push({
            path: source,
            problem: `journalctl stopped following by itself (exit ${code})`,
            fix: `run ${journalctl} ${args.join(' ')} by hand to see why`,
          });
      }
      resolve(end);
    });
  });
  return {
    pid,
    problems: [...end.problems],
    ended,
    async stop() {
      if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return ended;
      end.stopped = true;
      const signal = (sig: NodeJS.Signals) => {
        try {
          process.kill(pid, sig);
        } catch {
          // already gone
        }
      };
      signal('SIGTERM');
      const killer = setTimeout(() => signal('SIGKILL'), 1000);
      const r = await ended;
      clearTimeout(killer);
      return r;
    },
  };
}
