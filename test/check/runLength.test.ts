import { expect } from 'chai';
import { judge, summarise } from '../../src/check/judge.js';
import { bytesWords, median, MIN_SUCCESSES, runLengthRule } from '../../src/check/rules/runLength.js';
import type { CheckFacts } from '../../src/check/types.js';
import { OK, WARNING } from '../../src/common/states.js';
import { convert } from '../../src/common/options.js';
import { carriedOptions } from '../../src/cli/configGen.js';
import { applyRun } from '../../src/markers/store.js';
import { emptyJobState, type JobState, type Run } from '../../src/markers/types.js';
import { NO_FACTS, policyFor } from '../support/checkFacts.js';
import { makeRun } from '../support/runs.js';

// A successful run far off the job's usual duration or output, against the median of its earlier
// successes: in-process tables, then the same rule through judge() with the option table's defaults.
const NOW = new Date(2026, 10, 24, 8, 0, 0);
const DAY = 86_400_000;

let n = 0;
function run(daysAgo: number, minutes: number, bytes: number, extra: Partial<Run> = {}): Run {
  const start = new Date(NOW.getTime() - daysAgo * DAY);
  n += 1;
  return makeRun('pull_x', {
    runId: `r-${n}`,
    wrapperPid: 4100,
    childPid: 4101,
    bootId: 'boot-a',
    start: start.toISOString(),
    end: new Date(start.getTime() + minutes * 60_000).toISOString(),
    durationSeconds: minutes * 60,
    outcome: 'success',
    exitCode: 0,
    output: { lines: 10, bytes, tail: ['done'] },
    ...extra,
  });
}

const state = (...runs: Run[]): JobState => runs.reduce((s, r) => applyRun(s, r, new Date(r.end ?? r.start)), emptyJobState('pull_x'));
/** `count` nightly successes of 47–52 minutes and about 1 MiB of output, before the last one. */
const usual = (count: number, extra: Partial<Run> = {}) =>
  Array.from({ length: count }, (_, i) => run(count - i + 1, 47 + (i % 6), 1_000_000 + i * 1000, extra));

const ON = { durationLow: 0.25, durationHigh: 4, outputLow: 0.25, outputHigh: 4 };
const facts = (st: JobState): CheckFacts => ({ ...NO_FACTS, jobState: st });

describe('too short, too long (rules/runLength.ts)', () => {
  const rows: Array<[string, JobState, Partial<typeof ON>, RegExp[]]> = [
    ['a usual run', state(...usual(12), run(0.3, 49, 1_000_000)), {}, []],
    [
      'a run far shorter than usual',
      state(...usual(12), run(0.3, 2, 1_000_000)),
      {},
      [/^last run took 2m; its last 12 successes took 47m–52m \(less than --duration-low 0\.25 of their median 49m\)$/],
    ],
    [
      'a run far longer than usual',
      state(...usual(12), run(0.3, 250, 1_000_000)),
      {},
      [/^last run took 4h 10m; its last 12 successes took 47m–52m \(more than --duration-high 4 times their median 49m\)$/],
    ],
    [
      'a run that wrote far less than usual (duration as usual)',
      state(...usual(12), run(0.3, 49, 2000)),
      {},
      [/^last run wrote 2\.0 KiB; its last 12 successes wrote 977 KiB–987 KiB \(less than --output-low 0\.25 of their median 982 KiB\)$/],
    ],
    ['a run far shorter and far quieter: two findings', state(...usual(12), run(0.3, 2, 2000)), {}, [/^last run took 2m;/, /^last run wrote 2\.0 KiB;/]],
    ['fewer than 5 earlier successes: no judgement', state(...usual(MIN_SUCCESSES - 1), run(0.3, 2, 2000)), {}, []],
    ['exactly 5 earlier successes: judged', state(...usual(MIN_SUCCESSES), run(0.3, 2, 1_000_000)), {}, [/its last 5 successes took/]],
    ['--duration-low 0 and --output-low 0: off', state(...usual(12), run(0.3, 2, 2000)), { durationLow: 0, outputLow: 0 }, []],
    ['--duration-high 0: off', state(...usual(12), run(0.3, 250, 1_000_000)), { durationHigh: 0 }, []],
    ['a last run that failed is not judged by its length', state(...usual(12), run(0.3, 2, 2000, { outcome: 'failure', exitCode: 1 })), {}, []],
    [
      'failures in the history do not count as usual',
      state(...usual(12), ...Array.from({ length: 10 }, (_, i) => run(0.9 - i / 100, 1, 10, { outcome: 'failure', exitCode: 1 })), run(0.3, 49, 1_000_000)),
      {},
      [],
    ],
    [
      'history entries from before output bytes were kept count for the duration only',
      (() => {
        const st = state(...usual(12), run(0.3, 49, 2000));
        return { ...st, history: st.history.map(({ outputBytes: _, ...h }) => h) };
      })(),
      {},
      [],
    ],
    [
      'a job that usually writes nothing is not judged by its output',
      state(...usual(12).map((r) => ({ ...r, output: { ...r.output, bytes: 0 } })), run(0.3, 49, 5000)),
      {},
      [],
    ],
    [
      "a part is judged against its own part's successes",
      state(
        ...usual(12, { part: 'mysql' }),
        ...usual(12, { part: 'mongo' }).map((r) => ({ ...r, durationSeconds: 60 })),
        run(0.3, 49, 1_000_000, { part: 'mysql' }),
      ),
      {},
      [],
    ],
    [
      'a short part says which part',
      state(...usual(12, { part: 'mysql' }), run(0.3, 2, 1_000_000, { part: 'mysql' })),
      {},
      [/^part mysql took 2m; its last 12 successes took/],
    ],
  ];
  for (const [name, st, policy, want] of rows) {
    it(name, () => {
      const got = runLengthRule(facts(st), { ...ON, ...policy }, NOW);
      expect(got.map((r) => r.state)).to.deep.equal(want.map(() => WARNING));
      for (const [i, re] of want.entries()) expect(got[i]!.text).to.match(re);
    });
  }

  it('takes the median, not the mean, of the usual runs', () => {
    expect(median([1, 2, 100])).to.equal(2);
    expect(median([4, 1, 3, 2])).to.equal(2.5);
    expect(bytesWords(512)).to.equal('512 B');
    expect(bytesWords(310 * 1024 * 1024)).to.equal('310 MiB');
  });

  it('is off in a policy that does not name the factors, and on with the option table defaults (every view that judges)', () => {
    const st = state(...usual(12), run(0.3, 2, 1_000_000));
    const bare = policyFor('pull_x');
    expect(runLengthRule(facts(st), bare, NOW)).to.deep.equal([]);
    for (const cmd of ['check_env_sync', 'check_env_sync_all', 'env-sync status', 'env-sync show', 'env-sync metrics'] as const) {
      const o = convert(cmd, cmd === 'check_env_sync' ? { job: 'pull_x' } : {}, {}) as unknown as typeof ON;
      expect({ cmd, ...ON }).to.deep.equal({ cmd, durationLow: o.durationLow, durationHigh: o.durationHigh, outputLow: o.outputLow, outputHigh: o.outputHigh });
    }
    const o = convert('check_env_sync', { job: 'pull_x', 'duration-low': '0' }, {});
    expect(o.durationLow).to.equal(0);
    expect(() => convert('check_env_sync', { job: 'pull_x', 'duration-low': '2' }, {})).to.throw(
      /--duration-low: "2" must be 0 \(off\) or a number between 0 and 1/,
    );
  });

  it('env-sync config carries a factor other than the default into the checks it generates', () => {
    expect(carriedOptions({ values: { durationLow: 0, durationHigh: 4, outputLow: 0.1 }, user: null, grace: 3600 })).to.deep.equal([
      ['durationLow', '0'],
      ['outputLow', '0.1'],
    ]);
  });

  it('makes a success WARNING through judge(), one line added to its findings', () => {
    const policy = policyFor('pull_x', ON);
    const s = summarise(judge(facts(state(...usual(12), run(0.3, 2, 1_000_000))), policy, NOW));
    expect(s.state).to.equal(WARNING);
    expect(s.summary).to.match(/^pull_x last run took 2m; its last 12 successes took 47m–52m .*; last run succeeded at .* after 2m$/);
    expect(summarise(judge(facts(state(...usual(12), run(0.3, 49, 1_000_000))), policy, NOW)).state).to.equal(OK);
  });
});
