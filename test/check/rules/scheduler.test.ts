// The dead scheduler finding (issue 30), as a table: gathered facts in, the finding out; and how
// check_env_sync_all's host verdict puts it before the jobs. The facts come from the real cron in
// test/check/schedulerFacts.test.ts.
import { expect } from 'chai';
import { hostVerdict, type JobVerdict } from '../../../src/check/aggregate.js';
import { judgeScheduler, type DueJob, type SchedulerFacts } from '../../../src/check/rules/scheduler.js';

const NOW = new Date(2026, 11, 7, 9, 0, 0);
const at = (h: number, m = 0, day = 7) => new Date(2026, 11, day, h, m, 0);
const due = (...jobs: Array<[string, Date]>): DueJob[] => jobs.map(([job, next]) => ({ job, next }));

const facts = (f: Partial<SchedulerFacts>): SchedulerFacts => ({
  daemon: 'cron',
  running: false,
  seen: '/run/crond.pid names pid 812, which is gone',
  mode: 'auto',
  windowSeconds: 86_400,
  cronJobs: 4,
  due: [],
  ...f,
});

const HIDDEN = "/proc is mounted with hidepid=2, so nagios cannot see other users' processes; remount /proc with gid=G";

describe('judgeScheduler(): whether a dead cron is news, and how bad', () => {
  const ROWS: Array<[string, Partial<SchedulerFacts>, number, string, boolean]> = [
    ['running: OK, not news', { running: true, seen: 'pid 812 (cron) from /run/crond.pid' }, 0, 'cron is running', false],
    [
      'not running, one job due: CRITICAL naming it and when',
      { due: due(['pull_a', at(9, 30)]) },
      2,
      'cron is not running; 1 job due in the next 24h: pull_a (09:30)',
      true,
    ],
    [
      'not running, three due: each named, soonest first as given',
      { due: due(['pull_b', at(9, 30)], ['pull_a', at(23, 0)], ['pull_c', at(0, 18, 8)]) },
      2,
      'cron is not running; 3 jobs due in the next 24h: pull_b (09:30), pull_a (23:00) and pull_c (Dec 8 00:18)',
      true,
    ],
    [
      'not running, five due: three named, and the rest counted',
      { due: due(['a', at(10)], ['b', at(11)], ['c', at(12)], ['d', at(13)], ['e', at(14)]) },
      2,
      'cron is not running; 5 jobs due in the next 24h: a (10:00), b (11:00), c (12:00) and 2 more',
      true,
    ],
    [
      'not running, nothing due in the window: WARNING (nothing missed yet, the daemon still dead)',
      { cronJobs: 1, windowSeconds: 3600 },
      1,
      'cron is not running; none of the 1 cron job is due in the next 1h',
      true,
    ],
    [
      'cannot be seen (hidepid), found by auto: said in the first line, the state left to the jobs',
      { running: null, hidden: HIDDEN, due: due(['pull_a', at(9, 30)]) },
      0,
      `whether cron is running cannot be seen (${HIDDEN})`,
      true,
    ],
    [
      'cannot be seen, asked for by name (--scheduler cron): UNKNOWN',
      { running: null, hidden: HIDDEN, mode: 'cron' },
      3,
      `whether cron is running cannot be seen (${HIDDEN})`,
      true,
    ],
  ];
  for (const [what, f, state, summary, news] of ROWS) {
    it(what, () => {
      const v = judgeScheduler(facts(f), NOW);
      expect(v.state).to.equal(state);
      expect(v.summary).to.equal(summary);
      expect(v.news).to.equal(news);
    });
  }

  it('not running: the long output says what was seen and what to do; with more due than the first line names, lists them', () => {
    const v = judgeScheduler(facts({ due: due(['a', at(10)], ['b', at(11)], ['c', at(12)], ['d', at(13)]) }), NOW);
    expect(v.detail).to.deep.equal([
      'cron is not running: /run/crond.pid names pid 812, which is gone; start it (systemctl start cron) and look in journalctl -k for the OOM killer ("Out of memory: Killed process")',
      'due in the next 24h: a (10:00), b (11:00), c (12:00) and d (13:00)',
    ]);
  });
});

describe('hostVerdict() with a host finding: it leads the first line and counts in the state', () => {
  const job = (name: string, state: 0 | 1 | 2 | 3): JobVerdict => ({
    job: name,
    state,
    summary: `${name} summary`,
    perfdata: [],
    cron: null,
    facts: null,
    neverRun: false,
    running: false,
  });
  const o = { missing: 1 as const, where: '/var/lib/env-sync', problems: [] };

  it('a dead cron over OK jobs: CRITICAL, the finding first, its detail before the jobs', () => {
    const f = judgeScheduler(facts({ due: due(['a', at(10)]) }), NOW);
    const v = hostVerdict([job('a', 0)], { ...o, host: [f] });
    expect(v.state).to.equal(2);
    expect(v.summary).to.equal('cron is not running; 1 job due in the next 24h: a (10:00); 1 jobs: 1 OK');
    expect(v.longOutput[0]).to.match(/^\[CRITICAL\] cron is not running: /);
    expect(v.longOutput[1]).to.equal('[OK] a summary');
  });

  it('a running cron: the jobs decide the state and the first line; one OK line says cron was seen', () => {
    const f = judgeScheduler(facts({ running: true, seen: 'pid 812 (cron) from /run/crond.pid' }), NOW);
    const v = hostVerdict([job('a', 1)], { ...o, host: [f] });
    expect(v.state).to.equal(1);
    expect(v.summary).to.equal('1 jobs: 1 WARNING (a)');
    expect(v.longOutput).to.deep.equal(['[OK] cron is running: pid 812 (cron) from /run/crond.pid', '[WARNING] a summary']);
  });

  it('an UNKNOWN finding does not hide a CRITICAL job', () => {
    const f = judgeScheduler(facts({ running: null, hidden: HIDDEN, mode: 'cron' }), NOW);
    expect(hostVerdict([job('a', 2)], { ...o, host: [f] }).state).to.equal(2);
  });
});
