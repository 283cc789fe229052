// Everything the wrapper says about a run goes to stderr and to syslog (tag env-sync-run), and the
// command's output lines to syslog under env-sync/<job>.
import { formatEvent } from '../common/wrapperEvent.js';
import type { LineSink } from './outputTap.js';
import { SyslogSink } from './syslogSink.js';
import { outputTag } from '../syslog/jobLines.js';
import { visibleText } from '../output/sanitize.js';

export interface RunReporter {
  /** One `event=…` line under the tag env-sync-run. */
  event(line: string): void;
  /** Said on stderr and logged as an event: something about monitoring went wrong, the sync goes on. */
  warn(message: string): void;
  stdoutSink(): LineSink | null;
  stderrSink(): LineSink | null;
  /** Hands the last lines to syslog (bounded). */
  close(): Promise<void>;
}

export function syslogReporter(o: { job: string; syslogCopy: boolean; syslogSocket: string }): RunReporter {
  let down = false;
  const sayDown = (why: string) => {
    if (down) return;
    down = true;
    process.stderr.write(`env-sync-run: WARNING: syslog unavailable (${why}); output is not copied to syslog, the sync goes on\n`);
  };
  const runLog = o.syslogCopy ? new SyslogSink('env-sync-run', 'user.notice', o.syslogSocket, sayDown) : null;
  const out = o.syslogCopy ? new SyslogSink(outputTag(o.job), 'user.info', o.syslogSocket, sayDown) : null;
  const err = o.syslogCopy ? new SyslogSink(outputTag(o.job), 'user.err', o.syslogSocket, sayDown) : null;
  return {
    event: (line) => runLog?.write(line),
    warn(message) {
      process.stderr.write(`env-sync-run: WARNING: ${visibleText(message)}\n`);
      runLog?.write(formatEvent('warning', o.job, [], message));
    },
    stdoutSink: () => out,
    stderrSink: () => err,
    async close() {
      const dropped = (out?.dropped ?? 0) + (err?.dropped ?? 0);
      if (dropped > 0 && !down)
        runLog?.write(formatEvent('dropped', o.job, [['lines', dropped]], '(syslog could not keep up; the output itself passed through whole)'));
      await Promise.all([out?.close(), err?.close(), runLog?.close()]);
    },
  };
}
