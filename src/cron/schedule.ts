// The one place cron schedules are read (cron-parser): when the last due run was, when the next one
// is, and whether a schedule is valid. cron-parser brings luxon, which most checks never need, so
// it is loaded only by the runs that have a schedule (its bundle is in dist/lazy/).
type Parser = typeof import('cron-parser').CronExpressionParser;

let parser: Parser | null = null;
async function cronParser(): Promise<Parser> {
  if (!parser) {
    const mod = (await import('cron-parser')) as typeof import('cron-parser') & { default?: typeof import('cron-parser') };
    parser = mod.CronExpressionParser ?? mod.default!.CronExpressionParser;
  }
  return parser;
}

/** The start of the most recent scheduled run at or before now, from a 5-field cron expression. */
export async function previousScheduledRun(schedule: string, now: Date): Promise<Date> {
  return (await cronParser()).parse(schedule, { currentDate: now }).prev().toDate();
}

/** The next scheduled run after now, or null for a schedule that cannot be read. */
export async function nextScheduledRun(schedule: string, now: Date): Promise<Date | null> {
  try {
    return (await cronParser()).parse(schedule, { currentDate: now }).next().toDate();
  } catch {
    return null;
  }
}

/** Null for a valid schedule, else cron-parser's reason. */
export async function scheduleProblem(schedule: string): Promise<string | null> {
  try {
    await previousScheduledRun(schedule, new Date());
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}
