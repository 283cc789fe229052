// The timer half of the dead scheduler finding (issue 30), as tables: what `systemctl show` and
// `systemd-analyze calendar` print, parsed; the timers' states in, the finding out; and `--timer`
// parsed. The outputs are systemd 252's (Debian 12), as test/check/timerFacts.test.ts's real
// systemd prints them.
import { expect } from 'chai';
import { judgeTimers, type TimerSchedulerFacts, type TimerState } from '../../../src/check/rules/scheduler.js';
import { parseCalendarNext, parseTimerShow, parseUtcTimestamp, timerSchedulerFacts } from '../../../src/check/timerFacts.js';
import { OPTIONS } from '../../../src/common/options.js';

const NOW = new Date(2026, 11, 7, 9, 0, 0);
const at = (h: number, m = 0, day = 7) => new Date(2026, 11, day, h, m, 0);

const timer = (t: Partial<TimerState>): TimerState => ({
  job: 'pull_a',
  unit: 'pull-a.timer',
  loadState: 'loaded',
  activeState: 'inactive',
  next: null,
  calendar: ['*-*-* 03:00:00'],
  monotonic: false,
  ...t,
});
const facts = (timers: TimerState[], f: Partial<TimerSchedulerFacts> = {}): TimerSchedulerFacts => ({ mode: 'auto', windowSeconds: 86_400, timers, ...f });

describe('parseTimerShow(): systemctl show, a block a unit, to one state a timer asked for', () => {
  const OUT = [
    'TimersMonotonic={ OnBootUSec=1h ; next_elapse=0 }',
    'TimersCalendar={ OnCalendar=Sun *-*-* 04:00:00 ; next_elapse=(null) }',
    'TimersCalendar={ OnCalendar=*-*-* 03:00:00 ; next_elapse=(null) }',
    'NextElapseUSecRealtime=',
    'Id=two.timer',
    'LoadState=loaded',
    'ActiveState=inactive',
    '',
    'TimersCalendar={ OnCalendar=*-*-* 03:00:00 ; next_elapse=Tue 2026-12-08 03:00:00 UTC }',
    'NextElapseUSecRealtime=Tue 2026-12-08 03:00:00 UTC',
    'Id=demo.timer',
    'LoadState=loaded',
    'ActiveState=active',
    '',
    'NextElapseUSecRealtime=',
    'Id=nonexistent.timer',
    'LoadState=not-found',
    'ActiveState=inactive',
    '',
  ].join('\n');
  const asked = [
    { job: 'a', unit: 'demo.timer' },
    { job: 'b', unit: 'two.timer' },
    { job: 'c', unit: 'nonexistent.timer' },
    { job: 'd', unit: 'unanswered.timer' },
  ];
  const got = parseTimerShow(OUT, asked);
  const ROWS: Array<[string, number, Partial<TimerState>]> = [
    [
      'active, with its next elapse',
      0,
      { loadState: 'loaded', activeState: 'active', next: new Date('2026-12-08T03:00:00Z'), calendar: ['*-*-* 03:00:00'], monotonic: false },
    ],
    [
      'stopped: no next elapse, its calendar kept, monotonic seen',
      1,
      { activeState: 'inactive', next: null, calendar: ['Sun *-*-* 04:00:00', '*-*-* 03:00:00'], monotonic: true },
    ],
    ['a unit systemd does not have', 2, { loadState: 'not-found', activeState: 'inactive', calendar: [] }],
    ['a unit with no block at all', 3, { loadState: 'not answered', activeState: 'unknown' }],
  ];
  for (const [name, i, want] of ROWS) it(name, () => expect(got[i]).to.deep.include({ ...asked[i], ...want }));
});

describe('parseCalendarNext() and parseUtcTimestamp(): systemd-analyze calendar, UTC or the (in UTC) line', () => {
  it('the host in UTC: Next elapse; never is null; order kept', () => {
    const out =
      'Normalized form: *-*-* 03:00:00\n    Next elapse: Tue 2026-12-08 03:00:00 UTC\n       From now: 14h left\n\n  Original form: 2001-01-01\nNormalized form: 2001-01-01 00:00:00\n    Next elapse: never\n';
    expect(parseCalendarNext(out)).to.deep.equal([new Date('2026-12-08T03:00:00Z'), null]);
  });
  it('the host in another zone: the (in UTC) line, not the local one', () => {
    const out =
      'Normalized form: *-*-* 03:00:00\n    Next elapse: Tue 2026-07-08 03:00:00 BST\n       (in UTC): Tue 2026-07-08 02:00:00 UTC\n       From now: 14h left\n';
    expect(parseCalendarNext(out)).to.deep.equal([new Date('2026-07-08T02:00:00Z')]);
  });
  it('only UTC times are read: a local zone name or an empty value is null', () => {
    expect(parseUtcTimestamp('Tue 2026-12-08 03:00:00 Europe')).to.equal(null);
    expect(parseUtcTimestamp('')).to.equal(null);
  });
});

describe('judgeTimers(): a stopped timer whose job is due is CRITICAL, naming both', () => {
  const ROWS: Array<[string, TimerSchedulerFacts, number, string, boolean]> = [
    ['all active: OK, not news', facts([timer({ activeState: 'active', next: at(3, 0, 8) })]), 0, 'systemd timers are active', false],
    [
      'stopped, job due within the window: CRITICAL naming the timer, the job and when',
      facts([timer({ next: at(3, 0, 8) })]),
      2,
      'systemd timer not active: pull-a.timer (inactive); 1 job due in the next 24h: pull_a (Dec 8 03:00)',
      true,
    ],
    [
      'stopped, next run beyond the window: WARNING',
      facts([timer({ next: at(4, 0, 12) })]),
      1,
      'systemd timer not active: pull-a.timer (inactive); its job pull_a is not due in the next 24h',
      true,
    ],
    [
      'two stopped, neither due: WARNING, counting their jobs',
      facts([timer({ next: at(4, 0, 12) }), timer({ job: 'pull_b', unit: 'pull-b.timer', next: null })]),
      1,
      'systemd timers not active: pull-a.timer (inactive) and pull-b.timer (inactive); none of their 2 jobs is due in the next 24h',
      true,
    ],
    [
      'failed counts as down; the active one beside it is not named',
      facts([timer({ activeState: 'failed', next: at(10) }), timer({ job: 'pull_b', unit: 'pull-b.timer', activeState: 'active', next: at(11) })]),
      2,
      'systemd timer not active: pull-a.timer (failed); 1 job due in the next 24h: pull_a (10:00)',
      true,
    ],
    [
      'no such unit: CRITICAL, when unknown',
      facts([timer({ loadState: 'not-found', calendar: [] })]),
      2,
      'systemd timer not active: pull-a.timer (not-found); 1 job due in the next 24h: pull_a (when: unknown)',
      true,
    ],
    [
      'stopped, monotonic only: when it would run cannot be known, so due',
      facts([timer({ calendar: [], monotonic: true })]),
      2,
      'systemd timer not active: pull-a.timer (inactive); 1 job due in the next 24h: pull_a (when: unknown)',
      true,
    ],
    [
      'stopped, calendar never elapses again and no monotonic trigger: WARNING',
      facts([timer({ next: null })]),
      1,
      'systemd timer not active: pull-a.timer (inactive); its job pull_a is not due in the next 24h',
      true,
    ],
    [
      'stopped, its calendar could not be computed (systemd-analyze failed): when unknown, so due',
      facts([timer({ next: null, nextUnknown: true })]),
      2,
      'systemd timer not active: pull-a.timer (inactive); 1 job due in the next 24h: pull_a (when: unknown)',
      true,
    ],
    [
      'systemctl cannot answer, found by auto: said, state unchanged',
      facts([], { error: "systemctl show said: System has not been booted with systemd as init system (PID 1). Can't operate." }),
      0,
      "whether the systemd timers are active cannot be seen (systemctl show said: System has not been booted with systemd as init system (PID 1). Can't operate.)",
      true,
    ],
    [
      'asked for by name (--scheduler systemd) and cannot be seen: UNKNOWN',
      facts([], { mode: 'systemd', error: 'x' }),
      3,
      'whether the systemd timers are active cannot be seen (x)',
      true,
    ],
  ];
  for (const [name, f, state, summary, news] of ROWS)
    it(name, () => {
      const got = judgeTimers(f, NOW);
      expect([got.state, got.summary, got.news]).to.deep.equal([state, summary, news]);
    });

  it('the long output says how to start each down timer, and names more due jobs than the first line', () => {
    const many = ['a', 'b', 'c', 'd'].map((j, i) => timer({ job: `pull_${j}`, unit: `pull-${j}.timer`, next: at(10 + i) }));
    const got = judgeTimers(facts(many), NOW);
    expect(got.summary).to.equal(
      'systemd timers not active: pull-a.timer (inactive), pull-b.timer (inactive), pull-c.timer (inactive) and 1 more; 4 jobs due in the next 24h: pull_a (10:00), pull_b (11:00), pull_c (12:00) and 1 more',
    );
    expect(got.detail[0]).to.equal(
      'pull-a.timer of job pull_a is inactive: start it (systemctl start pull-a.timer) and see why it stopped (systemctl status pull-a.timer)',
    );
    expect(got.detail[4]).to.equal('due in the next 24h: pull_a (10:00), pull_b (11:00), pull_c (12:00) and pull_d (13:00)');
  });
});

describe('timerSchedulerFacts(): when the timers are looked at', () => {
  const asked = { job: 'pull_a', unit: 'pull-a.timer' };
  const states = async () => ({ timers: [timer({ activeState: 'active' })] });
  const ROWS: Array<[string, Parameters<typeof timerSchedulerFacts>[0], string]> = [
    ['auto and no --timer: not looked at', { scheduler: 'auto', deadline: Infinity }, 'null'],
    ['cron: not looked at', { scheduler: 'cron', timer: [asked], deadline: Infinity }, 'null'],
    ['none: not looked at', { scheduler: 'none', timer: [asked], deadline: Infinity }, 'null'],
    ['auto and a --timer: looked at', { scheduler: 'auto', timer: [asked], deadline: Infinity }, 'looked'],
    [
      'systemd and no --timer: cannot be seen, saying to give --timer',
      { scheduler: 'systemd', deadline: Infinity },
      'no timer given: name each timer-driven job with --timer JOB:UNIT',
    ],
  ];
  for (const [name, o, want] of ROWS)
    it(name, async () => {
      const f = await timerSchedulerFacts(o, { states });
      expect(f === null ? 'null' : (f.error ?? 'looked')).to.equal(want);
    });
});

describe('--timer JOB:UNIT: repeatable or a comma list, .timer added, bad ones named', () => {
  const parse = (raw: string[]) => OPTIONS.timer.parse(raw as never, '--timer');
  it('each form', () =>
    expect(parse(['pull_a:pull-a.timer,pull_b:pull-b', 'pull_c:c@x.timer'])).to.deep.equal([
      { job: 'pull_a', unit: 'pull-a.timer' },
      { job: 'pull_b', unit: 'pull-b.timer' },
      { job: 'pull_c', unit: 'c@x.timer' },
    ]));
  for (const bad of ['pull_a', 'pull_a:', ':x.timer', 'a:b:c', 'pull_a:x y.timer'])
    it(`"${bad}" is refused, naming the form`, () => expect(() => parse([bad])).to.throw(/--timer .*use JOB:UNIT/));
});
