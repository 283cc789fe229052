// Prometheus' own checker on everything we write, and its rule tester on the alert rules.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { emptyJobState } from '../../src/markers/types.js';
import { ALL_DEFS } from '../../src/metrics/definitions.js';
import { runFactsText } from '../../src/metrics/runFacts.js';
import { verdictText } from '../../src/metrics/verdicts.js';
import { repoRoot } from '../support/proc.js';
import { checkMetrics, promtool } from './prometheusTools.js';
import { runningMarker, stateAfter } from '../support/runs.js';

const RULES = join(repoRoot, 'prometheus', 'env-sync.rules.yml');
const RULE_TESTS = join(repoRoot, 'test', 'metrics', 'rules.test.yml');
const NOW = new Date('2026-11-24T01:30:00Z');

/** Every kind of file the wrapper and env-sync metrics write, by what it holds. */
const FILES: Record<string, string> = {
  'facts: a job with no finished run and none running': runFactsText(emptyJobState('pull_new'), []),
  'facts: the first run, in progress': runFactsText(emptyJobState('pull_new'), [runningMarker('pull_new')]),
  'facts: one success': runFactsText(stateAfter('pull_x', [{}]), []),
  'facts: failures after a success, a skipped start': runFactsText(
    stateAfter('push_y', [{}, { outcome: 'failure', exitCode: 3 }, { outcome: 'timeout', exitCode: 124 }, { outcome: 'skipped-overlap', exitCode: 75 }]),
    [],
  ),
  'facts: an interrupted run': runFactsText(stateAfter('pull_x', [{ outcome: 'interrupted', end: null, durationSeconds: null, exitCode: null }]), []),
  'facts: parts, one failed, one running': runFactsText(
    stateAfter('copy_data', [{ part: 'assets' }, { part: 'mysql-normal', outcome: 'failure', exitCode: 1 }]),
    [runningMarker('copy_data', { part: 'postgresql-backend' }), runningMarker('copy_data', { part: 'postgresql-backend', start: '2026-11-24T00:00:00Z' })],
  ),
  'verdicts: every field': verdictText(
    [
      { job: 'pull_x', state: 0, nextRunSeconds: 1795565880, previousRunSeconds: 1795479480, grace: 3600, wrapperAlive: true },
      { job: 'push_y', state: 2, nextRunSeconds: 1795565880, previousRunSeconds: 1795479480, grace: 3600, wrapperAlive: false },
    ],
    NOW,
  ),
  'verdicts: no schedule, nothing running, UNKNOWN': verdictText([{ job: 'pull_x', state: 3 }], NOW),
  'verdicts: no jobs': verdictText([], NOW),
};

describe('metrics: promtool', function () {
  this.timeout(60_000);

  for (const [what, text] of Object.entries(FILES)) {
    it(`promtool check metrics passes: ${what}`, async () => {
      const r = await checkMetrics(text);
      expect({ code: r.code, out: r.stdout + r.stderr }).to.deep.equal({ code: 0, out: '' });
    });
  }

  it('promtool check metrics, fed the same way, fails a file that breaks the conventions (so the passes above mean something)', async () => {
    const r = await checkMetrics('# HELP env_sync_runs Runs.\n# TYPE env_sync_runs counter\nenv_sync_runs{job_name="x"} 1\n');
    expect(r.code).to.equal(3); // promtool's exit status for lint problems
    expect(r.stdout + r.stderr).to.contain('counter metrics should have "_total" suffix');
  });

  it('promtool check rules passes on prometheus/env-sync.rules.yml', async () => {
    const r = await promtool(['check', 'rules', RULES]);
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.contain('SUCCESS: 7 rules found');
  });

  it('promtool test rules: each alert fires on its series and not on the ones inside its window (test/metrics/rules.test.yml)', async () => {
    const r = await promtool(['test', 'rules', RULE_TESTS]);
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.contain('SUCCESS');
  });

  it('every env_sync_ name in the rules and in their tests is a metric we write (a misspelt one would never fire)', () => {
    const known = new Set(ALL_DEFS.map((d) => d.name));
    for (const file of [RULES, RULE_TESTS]) {
      const used = new Set(readFileSync(file, 'utf8').match(/\benv_sync_[a-z_]*[a-z]\b(?!\.prom)/g));
      const unknown = [...used].filter((n) => !known.has(n));
      expect(unknown, file).to.deep.equal([]);
      expect(used.size, file).to.be.greaterThan(5);
    }
  });
});
