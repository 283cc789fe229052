// The wrapper's own `event=finish` lines: the record of a wrapped run that could not write its
// markers (a job directory left root-owned). Any local user can write such a line with logger, so
// what is read here may only make a verdict worse or say the markers look stale, never clear one.
import { WRAPPER_TAG } from './jobLines.js';
import { scanBackwards } from './scan.js';
import type { ScanOptions, SyslogEntry, SyslogProblem } from './types.js';

export interface FinishEvent {
  time: Date;
  runId: string;
  part: string | null;
  outcome: string;
  exitCode: number | null;
  line: SyslogEntry;
}

const FIELD = (name: string) => new RegExp(`(?:^| )${name}=(\\S+)`);
const RUN = FIELD('run');
const PART = FIELD('part');
const OUTCOME = FIELD('outcome');
const EXIT = FIELD('exit');

/** The job's newest `event=finish` line stamped after `after`, if any. */
export async function lastFinishAfter(opts: ScanOptions, job: string, after: Date): Promise<{ event: FinishEvent | null; problems: SyslogProblem[] }> {
  const prefix = `event=finish job=${job} `;
  let event: FinishEvent | null = null;
  const scan = await scanBackwards({ ...opts, stopBefore: after, needles: [prefix], prefilter: (raw) => raw.includes(prefix) }, (e) => {
    if (e.time <= after) return true;
    if (e.tag !== WRAPPER_TAG || !e.message.startsWith(prefix)) return false;
    const outcome = OUTCOME.exec(e.message)?.[1];
    const runId = RUN.exec(e.message)?.[1];
    if (!outcome || !runId) return false;
    const exit = EXIT.exec(e.message)?.[1];
    event = { time: e.time, runId, part: PART.exec(e.message)?.[1] ?? null, outcome, exitCode: exit !== undefined && /^\d+$/.test(exit) ? Number(exit) : null, line: e };
    return true;
  });
  return { event, problems: scan.problems };
}
