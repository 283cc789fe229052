// The one place cron schedules are read (cron-parser): when the last due run was, when the next one
// is, and whether a schedule is valid. cron-parser brings luxon, which most checks never need, so
// it is loaded only by the runs that have a schedule (its bundle is in dist/lazy/).
// cron-parser reads the fields in UTC, where no hour is skipped or repeated; dst.ts turns those
// wall-clock times into the instants Debian's cron(8) starts the job at in the host's time zone.
import { KEYWORDS } from './crontab.js';
import { cronNext, cronPrevious, type Walls } from './dst.js';

type Parser = typeof import('cron-parser').CronExpressionParser;

let parser: Parser | null = null;
async function cronParser(): Promise<Parser> {
  if (!parser) {
    const mod = (await import('cron-parser')) as typeof import('cron-parser') & { default?: typeof import('cron-parser') };
    parser = mod.CronExpressionParser ?? mod.default!.CronExpressionParser;
  }
  return parser;
}

const MINUTE = 60_000;
const SECOND = 1000;

/** The five fields cron(8) reads, an @keyword written out as crontab(5) defines it. */
function fieldsOf(schedule: string): string[] {
  const s = schedule.trim();
  return (KEYWORDS[s] ?? s).split(/\s+/);
}

async function wallsOf(schedule: string): Promise<Walls> {
  const expr = (await cronParser()).parse(schedule, { tz: 'UTC' });
  const [minute, hour] = fieldsOf(schedule);
  // The expression steps from a moment strictly before or after it; a second inside the minute
  // makes the minute itself count.
  return {
    wildcard: minute!.startsWith('*') || hour!.startsWith('*'),
    atOrBefore(wall) {
      expr.reset(new Date(Math.floor(wall / MINUTE) * MINUTE + SECOND));
      return expr.prev().getTime();
    },
    atOrAfter(wall) {
      expr.reset(new Date(Math.ceil(wall / MINUTE) * MINUTE - SECOND));
      return expr.next().getTime();
    },
  };
}

/** The start of the most recent scheduled run at or before now, as Debian's cron(8) makes it in the host's time zone. */
export async function previousScheduledRun(schedule: string, now: Date): Promise<Date> {
  return new Date(cronPrevious(await wallsOf(schedule), now.getTime()));
}

/** The next scheduled run after now, as cron(8) makes it, or null for a schedule that cannot be read. */
export async function nextScheduledRun(schedule: string, now: Date): Promise<Date | null> {
  try {
    return new Date(cronNext(await wallsOf(schedule), now.getTime()));
  } catch {
    return null;
  }
}

/** Null for a valid schedule, else why not: cron-parser's reason, or a field count cron(8) would refuse. */
export async function scheduleProblem(schedule: string): Promise<string | null> {
  try {
    await previousScheduledRun(schedule, new Date());
  } catch (err) {
    return (err as Error).message;
  }
  const n = fieldsOf(schedule).length;
  return n === 5 ? null : `cron(8) reads 5 fields, minute hour day-of-month month day-of-week; this has ${n}`;
}
