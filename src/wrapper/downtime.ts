// env-sync-run --downtime-services: the services that depend on the sync (a database a restore
// empties, a search index being rebuilt) are put in an Icinga 2 downtime for the run, and taken out
// of it when the run ends, whatever its outcome. Should the wrapper be killed, the downtime still
// ends by itself: its end is the start plus --timeout and --kill-after, else a day. A failed or slow
// API call never stops the sync nor changes its exit status: each is bounded, and said on stderr and
// in syslog.
import { formatEvent } from '../common/wrapperEvent.js';
import { currentUser } from '../common/host.js';
import type { WrapperOptions } from './options.js';
import type { RunReporter } from './report.js';

/** The longest downtime of a run without --timeout. */
export const RUN_DOWNTIME_MAX_SECONDS = 24 * 3600;
/** Past --timeout and --kill-after: the wrapper records the end and posts, then removes the downtime. */
const RUN_DOWNTIME_SLACK_SECONDS = 300;
/** Each API call's budget: the sync waits for the first one. */
const RUN_DOWNTIME_DEADLINE_MS = 10_000;

export interface RunDowntime {
  /** Ends the downtime (the run has ended). Never throws. */
  end(): Promise<void>;
}

/** When a run's downtime ends by itself, should nobody end it. */
export function runDowntimeEnd(start: Date, timeoutSeconds: number | null, killAfterSeconds: number): Date {
  const seconds = timeoutSeconds !== null ? timeoutSeconds + killAfterSeconds : RUN_DOWNTIME_MAX_SECONDS;
  return new Date(start.getTime() + (seconds + RUN_DOWNTIME_SLACK_SECONDS) * 1000);
}

/** Schedules the run's downtime; null when --downtime-services is not given. */
export async function startRunDowntime(opts: WrapperOptions, reporter: RunReporter, runId: string): Promise<RunDowntime | null> {
  const services = opts.downtimeServices ?? [];
  if (!opts.icinga || services.length === 0) return null;
  const api = { ...opts.icinga, deadlineMs: RUN_DOWNTIME_DEADLINE_MS };
  const start = new Date();
  const end = runDowntimeEnd(start, opts.runTimeout ?? null, opts.killAfter);
  const list = services.map((s) => `${s.host}!${s.service}`).join(',');
  const { scheduleDowntimes, removeDowntimes } = await import('../icinga/downtime.js');
  const made = await scheduleDowntimes(api, services, {
    start,
    end,
    author: `env-sync-run (${currentUser()})`,
    comment: `env-sync-run: ${opts.job} run ${runId} is syncing`,
  });
  for (const w of made.warnings) reporter.warn(`Icinga downtime: ${w}`);
  if (!made.ok) reporter.warn(`${made.message}; the sync runs`);
  if (made.names.length)
    reporter.event(
      formatEvent(
        'downtime',
        opts.job,
        [
          ['run', runId],
          ['until', end.toISOString()],
          ['services', list],
        ],
        'scheduled',
      ),
    );
  return {
    async end() {
      if (made.names.length === 0) return;
      const removed = await removeDowntimes(api, made.names);
      if (removed.ok)
        reporter.event(
          formatEvent(
            'downtime',
            opts.job,
            [
              ['run', runId],
              ['services', list],
            ],
            'removed',
          ),
        );
      else reporter.warn(`${removed.message}; it ends by itself at ${end.toISOString()}`);
    },
  };
}
