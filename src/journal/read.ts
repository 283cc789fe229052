// Reads the journal with journalctl, the supported reader of journald's files: field matches and a time
// window go to journalctl, its JSON comes back one entry a line and is parsed as it streams.
//
// node:child_process, not execa: a check started every minute pays for every module it loads, and
// this needs nothing execa adds.
import { spawn } from 'node:child_process';
import { StageTimeoutError } from '../common/deadline.js';
import { DEFAULT_EXTRA_FIELDS, defaultStage, queryArgs, sourceLabel } from './args.js';
import { LineSplitter, entryFromJson } from './entry.js';
import { exitProblems, permissionProblems, preflightProblems, spawnProblem, systemJournalAccessProblems } from './problems.js';
import type { LogProblem } from '../log/line.js';
import type { JournalEntry, JournalQuery, JournalReadResult, JournalVisitor } from './types.js';

const STDERR_KEEP = 4096;

function kill(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Hands each matching entry to visit, newest first unless newestFirst is false; visit returns true to
 * stop. Problems (no journalctl, no permission, no such namespace or file, journalctl failing) come
 * back in the result with their fix, never thrown. Throws StageTimeoutError(stage) when the deadline
 * passes, after killing journalctl; an exception from visit is rethrown after the same.
 */
export function readJournal(q: JournalQuery, visit: JournalVisitor): Promise<JournalReadResult> {
  const journalctl = q.journalctl ?? 'journalctl';
  let args: string[];
  try {
    args = queryArgs(q);
  } catch (err) {
    return Promise.reject(err); // a bad match or count from the caller: a rejection, as any other failure
  }
  const source = sourceLabel(q);
  const extra = q.fields ?? DEFAULT_EXTRA_FIELDS;
  const result: JournalReadResult = {
    source,
    problems: [],
    count: 0,
    stoppedEarly: false,
    countReached: false,
    unparsed: 0,
    skipped: 0,
    argv: [journalctl, ...args],
  };
  const stage = q.stage ?? defaultStage(q);

  result.problems = preflightProblems(q);
  if (result.problems.length) return Promise.resolve(result);
  result.problems = systemJournalAccessProblems(q);
  // journalctl's own word on permissions repeats what the access check above found.
  const add = (ps: LogProblem[]) => {
    for (const p of ps) if (!result.problems.some((seen) => seen.fix === p.fix)) result.problems.push(p);
  };
  if (q.deadline !== undefined && Date.now() >= q.deadline) return Promise.reject(new StageTimeoutError(stage));

  return new Promise((resolve, reject) => {
    const child = spawn(journalctl, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const pid = child.pid;
    let stderr = '';
    let settled = false;
    let stopped = false; // by us: visit said stop, it threw, or the deadline passed
    let timedOut = false;
    let thrown: unknown = null;
    let timer: NodeJS.Timeout | undefined;

    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      fn();
    };

    const splitter = new LineSplitter((line) => {
      if (stopped) return;
      if (q.rawFilter && !q.rawFilter(line)) {
        result.skipped++;
        return;
      }
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch {
        result.unparsed++;
        return;
      }
      const entry: JournalEntry | null = json && typeof json === 'object' ? entryFromJson(json as Record<string, unknown>, source, extra) : null;
      if (!entry) {
        result.unparsed++;
        return;
      }
      result.count++;
      let stop: boolean | void;
      try {
        stop = visit(entry);
      } catch (err) {
        thrown = err;
        stop = true;
      }
      if (stop === true) {
        stopped = true;
        if (thrown === null) result.stoppedEarly = true;
        kill(pid, 'SIGTERM');
      }
    });

    if (q.deadline !== undefined) {
      timer = setTimeout(
        () => {
          timedOut = true;
          stopped = true;
          kill(pid, 'SIGKILL');
        },
        Math.max(0, q.deadline - Date.now()),
      );
    }

    child.stdout!.on('data', (d: Buffer) => splitter.push(d));
    child.stderr!.on('data', (d: Buffer) => {
      if (stderr.length < STDERR_KEEP) stderr += d.toString();
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      // Only a failure to start reaches here with no process to wait for.
      if (pid !== undefined) return;
      finish(() => {
        add([spawnProblem(journalctl, err)]);
        resolve(result);
      });
    });
    child.on('close', (code, signal) => {
      finish(() => {
        if (timedOut) return reject(new StageTimeoutError(stage));
        if (thrown !== null) return reject(thrown);
        if (stopped) add(permissionProblems(q, stderr));
        else {
          splitter.end();
          // With --grep, journalctl exits 1 and says nothing when no entry matched, as grep does.
          const noMatch = q.grep !== undefined && code === 1 && stderr.trim() === '' && result.count + result.unparsed + result.skipped === 0;
          if (!noMatch) add(exitProblems(q, code, signal, stderr));
        }
        result.countReached = q.maxEntries !== undefined && result.count >= q.maxEntries;
        resolve(result);
      });
    });
  });
}

/** readJournal into an array (newest first unless newestFirst is false). */
export async function collectJournal(q: JournalQuery): Promise<JournalReadResult & { entries: JournalEntry[] }> {
  const entries: JournalEntry[] = [];
  const result = await readJournal(q, (e) => {
    entries.push(e);
  });
  return { ...result, entries };
}
