// The wrapper's own `event=finish` lines: the record of a wrapped run that could not write its
// markers (a job directory left root-owned). Any local user can write such a line with logger, so
// what is read here may only make a verdict worse or say the markers look stale, never clear one.
import { eventField, formatEvent, parseEvent } from '../common/wrapperEvent.js';
import { scanLog } from '../logsource/scan.js';
import { WRAPPER_TAG } from '../syslog/jobLines.js';
import type { ScanOptions } from '../logsource/types.js';
import type { LogLine, LogProblem } from '../log/line.js';

export interface FinishEvent {
  time: Date;
  runId: string;
  part: string | null;
  outcome: string;
  exitCode: number | null;
  line: LogLine;
}

/** The job's newest `event=finish` line stamped after `after`, if any. */
export async function lastFinishAfter(opts: ScanOptions, job: string, after: Date): Promise<{ event: FinishEvent | null; problems: LogProblem[] }> {
  const prefix = `${formatEvent('finish', job, [])} `;
  let event: FinishEvent | null = null;
  const scan = await scanLog({ ...opts, stopBefore: after, needles: [prefix], tags: [WRAPPER_TAG], prefilter: (raw) => raw.includes(prefix) }, (e) => {
    if (e.time <= after) return true;
    if (e.tag !== WRAPPER_TAG || !e.message.startsWith(prefix)) return false;
    const parsed = parseEvent(e.message);
    const outcome = parsed && eventField(parsed, 'outcome');
    const runId = parsed && eventField(parsed, 'run');
    if (!parsed || !outcome || !runId) return false;
    const exit = eventField(parsed, 'exit');
    event = {
      time: e.time,
      runId,
      part: eventField(parsed, 'part') ?? null,
      outcome,
      exitCode: exit !== undefined && /^\d+$/.test(exit) ? Number(exit) : null,
      line: e,
    };
    return true;
  });
  return { event, problems: scan.problems };
}
