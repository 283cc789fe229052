// The two monitoring systems agree: for every verdict of the judge's table test, the state gauge
// env-sync metrics writes is check_env_sync's state. Each row goes the way env-sync metrics takes
// it (judged as judgeHost judges a job, then metricVerdict, then the file's text) and the way the
// plugin takes it (its whole verdict).
import { expect } from 'chai';
import { jobVerdict, unreadableJob } from '../../src/check/aggregate.js';
import { judge } from '../../src/check/judge.js';
import type { CheckFacts } from '../../src/check/types.js';
import { metricVerdict } from '../../src/cli/metrics.js';
import { parseCrontab, type CronJob } from '../../src/cron/crontab.js';
import type { RunningMarker } from '../../src/markers/types.js';
import { verdictText } from '../../src/metrics/verdicts.js';
import { evaluate, NOW, OPTS, ROWS } from '../check/judge.test.js';
import { NO_FACTS } from '../support/checkFacts.js';
import { seriesKey, seriesMap } from './prometheusTools.js';

const gauges = (text: string) => {
  const m = seriesMap(text);
  return (name: string) => m.get(seriesKey(name, { job_name: 'pull_x' }));
};

describe("metrics: env-sync metrics' state gauge is the plugin's state", () => {
  for (const [what, facts, policy, state] of ROWS) {
    it(`${['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'][state]} for ${what}`, async () => {
      const f = { ...NO_FACTS, ...facts };
      const p = { ...OPTS, ...policy };
      const plugin = evaluate(f, p, NOW).state;
      const judged = jobVerdict(p.job, f, judge(f, p, NOW), null);
      const gauge = gauges(verdictText([await metricVerdict(judged, p.grace, NOW)], NOW))('env_sync_verdict_state');
      expect({ gauge, plugin }).to.deep.equal({ gauge: state, plugin: state });
    });
  }

  it('UNKNOWN for a job whose records cannot be read', async () => {
    const judged = unreadableJob('pull_x', 'pull_x: /var/lib/env-sync/pull_x/state.json: not JSON', null);
    expect(gauges(verdictText([await metricVerdict(judged, 3600, NOW)], NOW))('env_sync_verdict_state')).to.equal(3);
  });
});

describe('metrics: the schedule and wrapper facts of a verdict', () => {
  const cron = parseCrontab('18 0 * * * /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_x.cfg\n')[0]!;
  const marker = (liveness: 'alive' | 'dead' | 'other-boot', runId: string) => ({
    marker: { runId, start: new Date(NOW.getTime() - 3600_000).toISOString() } as RunningMarker,
    liveness,
  });
  const of = async (facts: Partial<CheckFacts>, withCron: CronJob | null) => {
    const f = { ...NO_FACTS, ...facts };
    const p = { ...OPTS, schedule: withCron?.schedule };
    return gauges(verdictText([await metricVerdict(jobVerdict('pull_x', f, judge(f, p, NOW), withCron), 5400, NOW)], NOW));
  };

  it('a scheduled job: the next run the schedule gives, the due time the check judged by, and the grace', async () => {
    const due = new Date(2026, 10, 24, 0, 18);
    const g = await of({ previousScheduled: due }, cron);
    expect(g('env_sync_verdict_next_run_timestamp_seconds')).to.equal(new Date(2026, 10, 25, 0, 18).getTime() / 1000);
    expect(g('env_sync_verdict_previous_run_timestamp_seconds')).to.equal(due.getTime() / 1000);
    expect(g('env_sync_verdict_schedule_grace_seconds')).to.equal(5400);
  });

  it('no schedule: no next run, due time or grace', async () => {
    const g = await of({}, null);
    expect([
      g('env_sync_verdict_next_run_timestamp_seconds'),
      g('env_sync_verdict_previous_run_timestamp_seconds'),
      g('env_sync_verdict_schedule_grace_seconds'),
    ]).to.deep.equal([undefined, undefined, undefined]);
  });

  it('wrapper alive: 1 while every running marker has its wrapper, 0 when one is gone or from an earlier boot, absent with none', async () => {
    expect((await of({ running: [marker('alive', 'a')] }, null))('env_sync_verdict_wrapper_alive')).to.equal(1);
    expect((await of({ running: [marker('alive', 'a'), marker('dead', 'b')] }, null))('env_sync_verdict_wrapper_alive')).to.equal(0);
    expect((await of({ running: [marker('other-boot', 'a')] }, null))('env_sync_verdict_wrapper_alive')).to.equal(0);
    expect((await of({}, null))('env_sync_verdict_wrapper_alive')).to.equal(undefined);
  });
});
