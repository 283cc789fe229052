import { expect } from 'chai';
import { CronExpressionParser } from 'cron-parser';
import { judge, summarise } from '../../src/check/judge.js';
import type { CheckFacts } from '../../src/check/types.js';
import { clock } from '../../src/common/timeWords.js';
import { cronNext, cronPrevious, hostOffset, type Walls } from '../../src/cron/dst.js';
import { nextScheduledRun, previousScheduledRun, scheduleProblem } from '../../src/cron/schedule.js';
import { stateAfter } from '../support/runs.js';
import { NO_FACTS, policyFor } from '../support/checkFacts.js';

// When the check says a run was due, across summer-time changes, as Debian's cron(8) starts jobs
// (docs/schedule.md): rows by hand for Europe/London's two 2026 changes, the check's verdict on each,
// and a model of cron.c's own main loop for more zones and schedules.

const MINUTE = 60_000;
/** 'MM-DD HH:MM[:SS]' in 2026, UTC. */
const utc = (s: string) => new Date(`2026-${s.replace(' ', 'T')}${s.length === 11 ? ':00' : ''}Z`);

function inZone(tz: string): void {
  let saved: string | undefined;
  before(() => {
    saved = process.env.TZ;
    process.env.TZ = tz;
  });
  after(() => {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  });
}

// [now, the start due at or before it, the next start], UTC.
type Row = [string, string, string];

// 2026-10-25 01:00 UTC: 02:00 BST becomes 01:00 GMT, and 01:00-01:59 comes twice. 00:20 and 00:50
// are 01:20 and 01:50 BST (the first pass), 00:59:30 is BST's last minute, 01:10 and 01:40 are
// 01:10 and 01:40 GMT (the second pass), 12:00 is later that day.
const OCTOBER: Record<string, Row[]> = {
  // Fixed-time, in the repeated hour: once, at the first 01:30 (00:30 UTC), never at the second.
  '30 1 * * *': [
    ['10-25 00:20', '10-24 00:30', '10-25 00:30'],
    ['10-25 00:50', '10-25 00:30', '10-26 01:30'],
    ['10-25 00:59:30', '10-25 00:30', '10-26 01:30'],
    ['10-25 01:10', '10-25 00:30', '10-26 01:30'],
    ['10-25 01:40', '10-25 00:30', '10-26 01:30'],
    ['10-25 12:00', '10-25 00:30', '10-26 01:30'],
  ],
  // Fixed-time, before the change: untouched.
  '30 0 * * *': [
    ['10-25 00:20', '10-24 23:30', '10-26 00:30'],
    ['10-25 00:50', '10-24 23:30', '10-26 00:30'],
    ['10-25 00:59:30', '10-24 23:30', '10-26 00:30'],
    ['10-25 01:10', '10-24 23:30', '10-26 00:30'],
    ['10-25 01:40', '10-24 23:30', '10-26 00:30'],
    ['10-25 12:00', '10-24 23:30', '10-26 00:30'],
  ],
  // Wildcard: by the clock as it reads, so 01:00, 01:15 ... twice.
  '*/15 * * * *': [
    ['10-25 00:20', '10-25 00:15', '10-25 00:30'],
    ['10-25 00:50', '10-25 00:45', '10-25 01:00'],
    ['10-25 00:59:30', '10-25 00:45', '10-25 01:00'],
    ['10-25 01:10', '10-25 01:00', '10-25 01:15'],
    ['10-25 01:40', '10-25 01:30', '10-25 01:45'],
    ['10-25 12:00', '10-25 12:00', '10-25 12:15'],
  ],
  '0 * * * *': [
    ['10-25 00:20', '10-25 00:00', '10-25 01:00'],
    ['10-25 00:50', '10-25 00:00', '10-25 01:00'],
    ['10-25 00:59:30', '10-25 00:00', '10-25 01:00'],
    ['10-25 01:10', '10-25 01:00', '10-25 02:00'],
    ['10-25 01:40', '10-25 01:00', '10-25 02:00'],
    ['10-25 12:00', '10-25 12:00', '10-25 13:00'],
  ],
  // @hourly is a wildcard job too (cron's entry.c sets HR_STAR for it).
  '@hourly': [
    ['10-25 00:50', '10-25 00:00', '10-25 01:00'],
    ['10-25 01:10', '10-25 01:00', '10-25 02:00'],
  ],
  // Sundays only, and 2026-10-25 is one: as 30 1 * * *, a week apart.
  '45 1 * * 0': [
    ['10-25 00:20', '10-18 00:45', '10-25 00:45'],
    ['10-25 00:50', '10-25 00:45', '11-01 01:45'],
    ['10-25 00:59:30', '10-25 00:45', '11-01 01:45'],
    ['10-25 01:10', '10-25 00:45', '11-01 01:45'],
    ['10-25 01:40', '10-25 00:45', '11-01 01:45'],
    ['10-25 12:00', '10-25 00:45', '11-01 01:45'],
  ],
  // '*' in the minute field: a wildcard job, every minute of both passes.
  '* 1 * * *': [
    ['10-25 00:20', '10-25 00:20', '10-25 00:21'],
    ['10-25 00:50', '10-25 00:50', '10-25 00:51'],
    ['10-25 00:59:30', '10-25 00:59', '10-25 01:00'],
    ['10-25 01:10', '10-25 01:10', '10-25 01:11'],
    ['10-25 01:40', '10-25 01:40', '10-25 01:41'],
    ['10-25 12:00', '10-25 01:59', '10-26 01:00'],
  ],
};

// 2026-03-29 01:00 UTC: 01:00 GMT becomes 02:00 BST, and 01:00-01:59 never comes. 00:50 and 00:59:30
// are GMT, 01:00 is the jump (02:00 BST), 01:10 and 01:40 are 02:10 and 02:40 BST, 11:00 is noon.
const MARCH: Record<string, Row[]> = {
  // Fixed-time, in the skipped hour: right after the jump, 02:00 BST (01:00 UTC).
  '30 1 * * *': [
    ['03-29 00:50', '03-28 01:30', '03-29 01:00'],
    ['03-29 00:59:30', '03-28 01:30', '03-29 01:00'],
    ['03-29 01:00', '03-29 01:00', '03-30 00:30'],
    ['03-29 01:10', '03-29 01:00', '03-30 00:30'],
    ['03-29 01:40', '03-29 01:00', '03-30 00:30'],
    ['03-29 11:00', '03-29 01:00', '03-30 00:30'],
  ],
  '30 0 * * *': [
    ['03-29 00:50', '03-29 00:30', '03-29 23:30'],
    ['03-29 00:59:30', '03-29 00:30', '03-29 23:30'],
    ['03-29 01:00', '03-29 00:30', '03-29 23:30'],
    ['03-29 01:10', '03-29 00:30', '03-29 23:30'],
    ['03-29 01:40', '03-29 00:30', '03-29 23:30'],
    ['03-29 11:00', '03-29 00:30', '03-29 23:30'],
  ],
  // Wildcard: the skipped times are not made up; 02:00 BST is a time like any other.
  '*/15 * * * *': [
    ['03-29 00:50', '03-29 00:45', '03-29 01:00'],
    ['03-29 00:59:30', '03-29 00:45', '03-29 01:00'],
    ['03-29 01:00', '03-29 01:00', '03-29 01:15'],
    ['03-29 01:10', '03-29 01:00', '03-29 01:15'],
    ['03-29 01:40', '03-29 01:30', '03-29 01:45'],
    ['03-29 11:00', '03-29 11:00', '03-29 11:15'],
  ],
  '0 * * * *': [
    ['03-29 00:50', '03-29 00:00', '03-29 01:00'],
    ['03-29 00:59:30', '03-29 00:00', '03-29 01:00'],
    ['03-29 01:00', '03-29 01:00', '03-29 02:00'],
    ['03-29 01:10', '03-29 01:00', '03-29 02:00'],
    ['03-29 01:40', '03-29 01:00', '03-29 02:00'],
    ['03-29 11:00', '03-29 11:00', '03-29 12:00'],
  ],
  '45 1 * * 0': [
    ['03-29 00:50', '03-22 01:45', '03-29 01:00'],
    ['03-29 00:59:30', '03-22 01:45', '03-29 01:00'],
    ['03-29 01:00', '03-29 01:00', '04-05 00:45'],
    ['03-29 01:10', '03-29 01:00', '04-05 00:45'],
    ['03-29 01:40', '03-29 01:00', '04-05 00:45'],
    ['03-29 11:00', '03-29 01:00', '04-05 00:45'],
  ],
  // Every minute of the skipped hour, none of it made up: no run at all on 03-29.
  '* 1 * * *': [
    ['03-29 00:50', '03-28 01:59', '03-30 00:00'],
    ['03-29 00:59:30', '03-28 01:59', '03-30 00:00'],
    ['03-29 01:00', '03-28 01:59', '03-30 00:00'],
    ['03-29 01:10', '03-28 01:59', '03-30 00:00'],
    ['03-29 01:40', '03-28 01:59', '03-30 00:00'],
    ['03-29 11:00', '03-28 01:59', '03-30 00:00'],
  ],
};

const GRACE_SECONDS = 1800;

function verdictAt(schedule: string, now: Date, due: Date, lastStart: Date) {
  const policy = policyFor('nightly', { grace: GRACE_SECONDS, schedule });
  const start = lastStart.toISOString();
  const facts: CheckFacts = { ...NO_FACTS, jobState: stateAfter('nightly', [{ start, end: start, durationSeconds: 0 }]), previousScheduled: due };
  return summarise(judge(facts, policy, now));
}

describe("schedules across Europe/London's 2026 summer-time changes, as cron(8) runs them", function () {
  this.timeout(60_000);
  inZone('Europe/London');

  for (const [month, table] of [
    ['October (01:00-01:59 twice)', OCTOBER],
    ['March (01:00-01:59 skipped)', MARCH],
  ] as const) {
    describe(month, () => {
      for (const [schedule, rows] of Object.entries(table)) {
        it(`'${schedule}': the start due at or before each moment, and the next`, async () => {
          for (const [now, prev, next] of rows) {
            expect((await previousScheduledRun(schedule, utc(now))).toISOString(), `due at ${now}`).to.equal(utc(prev).toISOString());
            expect((await nextScheduledRun(schedule, utc(now)))?.toISOString(), `next after ${now}`).to.equal(utc(next).toISOString());
          }
        });

        it(`'${schedule}': a run when cron started it is not missed; no run since is, once past the grace`, async () => {
          for (const [now, prev] of rows) {
            const at = utc(now);
            const due = await previousScheduledRun(schedule, at);
            const ran = verdictAt(schedule, at, due, utc(prev));
            expect(ran.state, `${now}: ${ran.summary}`).to.equal(0);
            const twoDaysEarlier = new Date(utc(prev).getTime() - 48 * 60 * MINUTE);
            const missed = verdictAt(schedule, at, due, twoDaysEarlier);
            if (at.getTime() - utc(prev).getTime() > GRACE_SECONDS * 1000) {
              expect(missed.state, `${now}: ${missed.summary}`).to.equal(2);
              expect(missed.summary).to.contain(`missed the run due at ${clock(utc(prev), at)} (schedule '${schedule}', grace 30m)`);
            } else {
              expect(missed.state, `${now}: ${missed.summary}`).to.equal(0);
            }
          }
        });
      }
    });
  }

  it("the issue's words: a run at the first 01:30 is not missed all day; a missed one is due at 01:30, and in March at 02:00", async () => {
    const october = utc('10-25 12:00');
    const ranAtFirst = verdictAt('30 1 * * *', october, await previousScheduledRun('30 1 * * *', october), utc('10-25 00:30:04'));
    expect(ranAtFirst.state, ranAtFirst.summary).to.equal(0);
    const notRun = verdictAt('30 1 * * *', october, await previousScheduledRun('30 1 * * *', october), utc('10-24 00:30:04'));
    expect(notRun.summary).to.match(/^nightly missed the run due at 01:30 \(schedule '30 1 \* \* \*', grace 30m\): nothing started since/);
    const march = utc('03-29 11:00');
    const marchMissed = verdictAt('30 1 * * *', march, await previousScheduledRun('30 1 * * *', march), utc('03-28 01:30:04'));
    expect(marchMissed.summary).to.match(/^nightly missed the run due at 02:00 \(schedule '30 1 \* \* \*', grace 30m\): nothing started since/);
  });
});

describe('schedules cron(8) would not read', () => {
  it('six fields (cron-parser takes the first as seconds) are refused, naming the five cron reads', async () => {
    expect(await scheduleProblem('0 30 1 * * *')).to.equal('cron(8) reads 5 fields, minute hour day-of-month month day-of-week; this has 6');
    expect(await scheduleProblem('30 1 * * *')).to.equal(null);
    expect(await scheduleProblem('@daily')).to.equal(null);
  });
});

// --- The model: cron.c's main loop, minute by minute -------------------------------------------------

/** The instants Debian cron's main loop (cron.c) starts a job whose wall-clock minutes are `named`. */
function cronLoop(named: Set<number>, wildcard: boolean, from: number, to: number): number[] {
  const clockTime = (t: number) => Math.floor((t + hostOffset(t)) / MINUTE);
  const starts: number[] = [];
  const findJobs = (t: number, minute: number, doWild: boolean, doNonWild: boolean) => {
    if (named.has(minute * MINUTE) && (wildcard ? doWild : doNonWild)) starts.push(t);
  };
  let virtualTime = clockTime(from);
  let timeRunning = virtualTime;
  for (let t = from + MINUTE; t <= to; t += MINUTE) {
    if (clockTime(t) === timeRunning) continue;
    timeRunning = clockTime(t);
    const timeDiff = timeRunning - virtualTime;
    if (timeDiff === 1) {
      virtualTime = timeRunning;
      findJobs(t, virtualTime, true, true);
    } else if (timeDiff > 180 || timeDiff < -180) {
      virtualTime = timeRunning;
      findJobs(t, timeRunning, true, true);
    } else if (timeDiff > 5) {
      findJobs(t, timeRunning, true, false);
      do findJobs(t, ++virtualTime, false, true);
      while (virtualTime < timeRunning);
    } else if (timeDiff > 0) {
      do findJobs(t, ++virtualTime, true, true);
      while (virtualTime < timeRunning);
    } else {
      findJobs(t, timeRunning, true, false);
    }
  }
  return [...new Set(starts)];
}

/** The instants the zone's offset changes in a year, to the minute. */
function changesIn(year: number): number[] {
  const changes: number[] = [];
  const end = Date.UTC(year + 1, 0, 1);
  for (let t = Date.UTC(year, 0, 1); t < end; t += 3600_000) {
    if (hostOffset(t) === hostOffset(t + 3600_000)) continue;
    let lo = t / MINUTE;
    let hi = lo + 60;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (hostOffset(mid * MINUTE) === hostOffset(t)) lo = mid;
      else hi = mid;
    }
    changes.push(hi * MINUTE);
  }
  return changes;
}

/** A schedule's wall-clock minutes in a span, from cron-parser in UTC, as a Walls for cronPrevious/cronNext. */
function wallsIn(schedule: string, wildcard: boolean, from: number, to: number): { walls: Walls; named: Set<number> } {
  const expr = CronExpressionParser.parse(schedule, { tz: 'UTC', currentDate: new Date(from - 1000), endDate: new Date(to) });
  const list: number[] = [];
  while (expr.hasNext()) list.push(expr.next().getTime());
  const find = (wall: number, before: boolean) => {
    // The list ascends: the last time at or before wall is the one before the first after it.
    const after = list.findIndex((w) => w > wall);
    const i = before ? (after === -1 ? list.length : after) - 1 : list.findIndex((w) => w >= wall);
    if (i === -1) throw new Error(`${schedule}: no time ${before ? 'before' : 'after'} ${new Date(wall).toISOString()} in the model's span`);
    return list[i]!;
  };
  return { walls: { wildcard, atOrBefore: (w) => find(w, true), atOrAfter: (w) => find(w, false) }, named: new Set(list) };
}

// The minute and hour fields as cron's entry.c flags them: '*' first in either makes a wildcard job.
const MODEL_SCHEDULES: Array<[string, boolean]> = [
  ['30 1 * * *', false],
  ['30 0 * * *', false],
  ['0,30 1,2 * * *', false],
  ['59 1 * * *', false],
  ['0 2 * * *', false],
  ['30 2 * * *', false],
  ['15 3 * * *', false],
  ['0 12 * * *', false],
  ['0-59/20 1-3 * * *', false],
  ['*/15 * * * *', true],
  ['0 * * * *', true],
  ['* 1 * * *', true],
  ['*/7 1-3 * * *', true],
  ['5 * * * *', true],
];

const MODEL_ZONES: Array<[string, number]> = [
  ['Europe/London', 2026], // an hour at 01:00 UTC
  ['America/New_York', 2026], // an hour at 02:00 local
  ['Australia/Lord_Howe', 2026], // half an hour
  ['Pacific/Apia', 2011], // DST both ways, and 2011-12-30 skipped whole: a 24-hour jump, a correction to cron
];

describe("the rules against a model of cron.c's main loop", function () {
  this.timeout(120_000);
  for (const [tz, year] of MODEL_ZONES) {
    describe(`${tz} ${year}`, () => {
      inZone(tz);
      it('every start due and every next start, every 7½ minutes (on the minute and half past) for 6 hours either side of each change', () => {
        const changes = changesIn(year);
        expect(changes.length, 'changes found').to.be.greaterThan(1);
        let compared = 0;
        for (const change of changes) {
          const from = change - 2 * 24 * 60 * MINUTE;
          const to = change + 2 * 24 * 60 * MINUTE;
          for (const [schedule, wildcard] of MODEL_SCHEDULES) {
            const { walls, named } = wallsIn(schedule, wildcard, from - 2 * 24 * 60 * MINUTE, to + 2 * 24 * 60 * MINUTE);
            const starts = cronLoop(named, wildcard, from, to);
            for (let now = change - 6 * 60 * MINUTE; now < change + 6 * 60 * MINUTE; now += 7 * MINUTE + 30_000) {
              const what = `${schedule} at ${new Date(now).toISOString()} (${new Date(now).toString()})`;
              const due = starts.filter((t) => t <= now).at(-1);
              const next = starts.find((t) => t > now);
              expect(due && next, `${what}: the model's span holds a start either side`).to.be.a('number');
              expect(new Date(cronPrevious(walls, now)).toISOString(), `due: ${what}`).to.equal(new Date(due!).toISOString());
              expect(new Date(cronNext(walls, now)).toISOString(), `next: ${what}`).to.equal(new Date(next!).toISOString());
              compared++;
            }
          }
        }
        expect(compared).to.be.greaterThan(1000);
      });
    });
  }
});
