// "Is the job running?" answered once (observedRun.ts jobRunning) and the same in every view: the
// judge's `running` metric, check_env_sync_all's count (aggregate.ts) and `env-sync status`.
import { expect } from 'chai';
import { jobVerdict } from '../../src/check/aggregate.js';
import { judge } from '../../src/check/judge.js';
import { jobRunning } from '../../src/check/observedRun.js';
import type { CheckFacts } from '../../src/check/types.js';
import { statusRow } from '../../src/cli/status.js';
import type { RunLiveness } from '../../src/common/host.js';
import type { RunningMarker } from '../../src/markers/types.js';
import { NOW, OPTS } from './judge.test.js';
import { NO_FACTS } from '../support/checkFacts.js';

const H = 3600_000;
const marker = (liveness: RunLiveness) => ({
  marker: { runId: `r-${liveness}`, start: new Date(NOW.getTime() - H).toISOString(), wrapperPid: 4100, childPid: 4101, part: null } as RunningMarker,
  liveness,
});
const script = (extra: Partial<NonNullable<CheckFacts['syslogOnly']>>): CheckFacts['syslogOnly'] => ({
  run: { start: new Date(NOW.getTime() - H), end: null, outcome: 'running', argv: 'x', errorLine: null, lines: [] },
  lastSuccessEnd: null,
  primary: true,
  ...extra,
});

const ROWS: Array<[string, Partial<CheckFacts>, boolean]> = [
  ['a wrapped run whose wrapper lives', { running: [marker('alive')] }, true],
  ['a sync whose wrapper was killed', { running: [marker('orphaned')] }, true],
  ['a wrapped run whose processes are gone', { running: [marker('dead')] }, false],
  ['a wrapped run of an earlier boot', { running: [marker('other-boot')] }, false],
  ['an unwrapped run whose script runs its cfg', { syslogOnly: script({ live: true }) }, true],
  ['an unwrapped run that cannot be seen (hidepid): may be going', { syslogOnly: script({ live: null, hidden: 'hidepid=2' }) }, true],
  ['an unwrapped run whose script is gone', { syslogOnly: script({ live: false }) }, false],
  // Before, check_env_sync_all and env-sync status counted this one as running and the judge did not.
  ['an unwrapped run of an earlier boot (journal _BOOT_ID)', { syslogOnly: script({ live: null, otherBoot: '0123456789abcdef' }) }, false],
  [
    'an unwrapped run from syslog that is not the record',
    { jobState: null, running: [marker('dead')], syslogOnly: script({ live: true, primary: false }) },
    false,
  ],
];

describe('whether a job is running: one answer in every view', () => {
  for (const [what, facts, running] of ROWS) {
    it(`${running ? 'running' : 'not running'}: ${what}`, async () => {
      const f = { ...NO_FACTS, ...facts };
      const j = judge(f, OPTS, NOW);
      const v = jobVerdict('pull_x', f, j, null);
      const row = await statusRow(v, NOW);
      expect({
        jobRunning: jobRunning(f),
        metric: j.metrics.find((m) => m.label === 'running')?.value,
        aggregate: v.running,
        status: row.running,
      }).to.deep.equal({ jobRunning: running, metric: running ? 1 : 0, aggregate: running, status: running });
    });
  }

  it("env-sync status calls an unwrapped run of an earlier boot interrupted, not 'running … ago'", async () => {
    const f = { ...NO_FACTS, syslogOnly: script({ live: null, otherBoot: '0123456789abcdef' }) };
    const row = await statusRow(jobVerdict('pull_x', f, judge(f, OPTS, NOW), null), NOW);
    expect([row.lastRun?.outcome, row.consecutiveFailures]).to.deep.equal(['interrupted', 1]);
  });
});
