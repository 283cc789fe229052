import { expect } from 'chai';
import { emptyJobState } from '../../src/markers/types.js';
import { RUN_FACT_DEFS } from '../../src/metrics/definitions.js';
import { runFactsText } from '../../src/metrics/runFacts.js';
import { runningMarker, sampleLines, stateAfter } from '../support/runs.js';

const outcomes = (labels: string, current: string) =>
  ['success', 'failure', 'timeout', 'signal', 'spawn-error', 'interrupted'].map(
    (o) => `env_sync_last_run_outcome{${labels},outcome="${o}"} ${o === current ? 1 : 0}`,
  );

describe('metrics: the wrapper facts of one job', () => {
  it('one successful run: its start, end, duration, exit code and success, the last success, no failures, nothing running', () => {
    const s = stateAfter('pull_x', [{ start: '2026-11-24T00:18:00.250Z', end: '2026-11-24T00:41:00Z', durationSeconds: 1379.75 }]);
    expect(sampleLines(runFactsText(s, []))).to.deep.equal([
      'env_sync_last_run_start_timestamp_seconds{job_name="pull_x"} 1795479480.25',
      'env_sync_last_run_end_timestamp_seconds{job_name="pull_x"} 1795480860',
      'env_sync_last_run_duration_seconds{job_name="pull_x"} 1379.75',
      'env_sync_last_run_exit_code{job_name="pull_x"} 0',
      'env_sync_last_run_success{job_name="pull_x"} 1',
      ...outcomes('job_name="pull_x"', 'success'),
      'env_sync_last_success_timestamp_seconds{job_name="pull_x"} 1795480860',
      'env_sync_consecutive_failures{job_name="pull_x"} 0',
      'env_sync_last_start_attempt_timestamp_seconds{job_name="pull_x"} 1795479480.25',
      'env_sync_running{job_name="pull_x"} 0',
    ]);
  });

  it('failures after a success: the failed run is the last run, the success stays the last success, the streak counts', () => {
    const s = stateAfter('push_y', [
      { start: '2026-11-23T00:18:00Z', end: '2026-11-23T00:41:00Z' },
      { start: '2026-11-23T12:00:00Z', end: '2026-11-23T12:01:00Z', durationSeconds: 60, outcome: 'timeout', exitCode: 124 },
      { start: '2026-11-24T00:18:00Z', end: '2026-11-24T00:41:00Z', outcome: 'failure', exitCode: 3 },
    ]);
    const lines = sampleLines(runFactsText(s, []));
    expect(lines).to.include.members([
      'env_sync_last_run_start_timestamp_seconds{job_name="push_y"} 1795479480',
      'env_sync_last_run_exit_code{job_name="push_y"} 3',
      'env_sync_last_run_success{job_name="push_y"} 0',
      'env_sync_last_run_outcome{job_name="push_y",outcome="failure"} 1',
      'env_sync_last_run_outcome{job_name="push_y",outcome="timeout"} 0',
      'env_sync_last_success_timestamp_seconds{job_name="push_y"} 1795394460',
      'env_sync_consecutive_failures{job_name="push_y"} 2',
    ]);
  });

  it('a job that never succeeded has no last-success series (never a 0 that reads as 1970)', () => {
    const text = runFactsText(stateAfter('push_y', [{ outcome: 'failure', exitCode: 1 }]), []);
    expect(text).not.to.contain('env_sync_last_success_timestamp_seconds');
    expect(sampleLines(text)).to.include('env_sync_consecutive_failures{job_name="push_y"} 1');
  });

  it('an interrupted run: no end, duration or exit code series, success 0, outcome interrupted', () => {
    const s = stateAfter('pull_x', [{ end: null, durationSeconds: null, exitCode: null, outcome: 'interrupted', message: 'interrupted by a reboot' }]);
    const lines = sampleLines(runFactsText(s, []));
    expect(lines.filter((l) => /_(end_timestamp|duration|exit_code)/.test(l))).to.deep.equal([]);
    expect(lines).to.include.members([
      'env_sync_last_run_success{job_name="pull_x"} 0',
      'env_sync_last_run_outcome{job_name="pull_x",outcome="interrupted"} 1',
    ]);
  });

  it('runs in progress: how many, and the start of the oldest; the last start attempt is the newest start', () => {
    const s = stateAfter('pull_x', [{}]);
    const text = runFactsText(s, [runningMarker('pull_x', { start: '2026-11-24T02:00:00Z' }), runningMarker('pull_x', { start: '2026-11-24T01:30:00Z' })]);
    expect(sampleLines(text)).to.include.members([
      'env_sync_running{job_name="pull_x"} 2',
      'env_sync_running_since_timestamp_seconds{job_name="pull_x"} 1795483800',
      'env_sync_last_start_attempt_timestamp_seconds{job_name="pull_x"} 1795485600',
    ]);
  });

  it('the first run of a job, still going: only the running facts, the streak 0 and the start', () => {
    const text = runFactsText(emptyJobState('pull_new'), [runningMarker('pull_new', { start: '2026-11-24T01:30:00Z' })]);
    expect(sampleLines(text)).to.deep.equal([
      'env_sync_consecutive_failures{job_name="pull_new"} 0',
      'env_sync_last_start_attempt_timestamp_seconds{job_name="pull_new"} 1795483800',
      'env_sync_running{job_name="pull_new"} 1',
      'env_sync_running_since_timestamp_seconds{job_name="pull_new"} 1795483800',
    ]);
  });

  it('a skipped start: its time, and it counts as the last start attempt; the last run is unchanged', () => {
    const s = stateAfter('pull_x', [
      {},
      { start: '2026-11-24T01:30:00Z', end: '2026-11-24T01:30:00Z', durationSeconds: 0, outcome: 'skipped-overlap', exitCode: 75 },
    ]);
    const lines = sampleLines(runFactsText(s, []));
    expect(lines).to.include.members([
      'env_sync_last_skipped_timestamp_seconds{job_name="pull_x"} 1795483800',
      'env_sync_last_start_attempt_timestamp_seconds{job_name="pull_x"} 1795483800',
      'env_sync_last_run_start_timestamp_seconds{job_name="pull_x"} 1795479480',
      'env_sync_last_run_exit_code{job_name="pull_x"} 0',
    ]);
  });

  it('a job run in parts: the job series over all parts, and each part its own last run and runs in progress', () => {
    const s = stateAfter('copy_data', [
      { part: 'assets', start: '2026-11-23T00:18:00Z', end: '2026-11-23T00:41:00Z' },
      { part: 'mysql-normal', outcome: 'failure', exitCode: 1, durationSeconds: 12 },
    ]);
    const text = runFactsText(s, [runningMarker('copy_data', { part: 'postgresql-backend', start: '2026-11-24T01:30:00Z' })]);
    const part = (p: string) => `job_name="copy_data",part="${p}"`;
    expect(sampleLines(text)).to.deep.equal([
      'env_sync_last_run_start_timestamp_seconds{job_name="copy_data"} 1795479480',
      `env_sync_last_run_start_timestamp_seconds{${part('assets')}} 1795393080`,
      `env_sync_last_run_start_timestamp_seconds{${part('mysql-normal')}} 1795479480`,
      'env_sync_last_run_end_timestamp_seconds{job_name="copy_data"} 1795480860',
      `env_sync_last_run_end_timestamp_seconds{${part('assets')}} 1795394460`,
      `env_sync_last_run_end_timestamp_seconds{${part('mysql-normal')}} 1795480860`,
      'env_sync_last_run_duration_seconds{job_name="copy_data"} 12',
      `env_sync_last_run_duration_seconds{${part('assets')}} 1380`,
      `env_sync_last_run_duration_seconds{${part('mysql-normal')}} 12`,
      'env_sync_last_run_exit_code{job_name="copy_data"} 1',
      `env_sync_last_run_exit_code{${part('assets')}} 0`,
      `env_sync_last_run_exit_code{${part('mysql-normal')}} 1`,
      'env_sync_last_run_success{job_name="copy_data"} 0',
      `env_sync_last_run_success{${part('assets')}} 1`,
      `env_sync_last_run_success{${part('mysql-normal')}} 0`,
      ...outcomes('job_name="copy_data"', 'failure'),
      ...outcomes(part('assets'), 'success'),
      ...outcomes(part('mysql-normal'), 'failure'),
      'env_sync_last_success_timestamp_seconds{job_name="copy_data"} 1795394460',
      'env_sync_consecutive_failures{job_name="copy_data"} 1',
      'env_sync_last_start_attempt_timestamp_seconds{job_name="copy_data"} 1795483800',
      'env_sync_running{job_name="copy_data"} 1',
      `env_sync_running{${part('assets')}} 0`,
      `env_sync_running{${part('mysql-normal')}} 0`,
      `env_sync_running{${part('postgresql-backend')}} 1`,
      'env_sync_running_since_timestamp_seconds{job_name="copy_data"} 1795483800',
      `env_sync_running_since_timestamp_seconds{${part('postgresql-backend')}} 1795483800`,
    ]);
  });

  it('HELP and TYPE lines come from the one table, once per family, before its samples', () => {
    const s = stateAfter('copy_data', [{ part: 'assets' }, { outcome: 'skipped-overlap', exitCode: 75 }]);
    const text = runFactsText(s, [runningMarker('copy_data', { part: 'mysql' })]);
    const lines = text.trimEnd().split('\n');
    for (const d of RUN_FACT_DEFS) {
      const help = lines.indexOf(`# HELP ${d.name} ${d.help}`);
      expect(help, d.name).to.be.greaterThan(-1);
      expect(lines[help + 1]).to.equal(`# TYPE ${d.name} ${d.type}`);
      const own = lines.map((l, i) => [l, i] as const).filter(([l]) => l.startsWith(`${d.name}{`) || l.startsWith(`${d.name} `));
      expect(own.length, d.name).to.be.greaterThan(0);
      for (const [k, [, i]] of own.entries()) expect(i, d.name).to.equal(help + 2 + k);
    }
    expect(lines.filter((l) => l.startsWith('# ')).length).to.equal(2 * RUN_FACT_DEFS.length);
  });

  it('refuses a running marker of another job and a job name that is not one', () => {
    expect(() => runFactsText(emptyJobState('pull_x'), [runningMarker('pull_y', { runId: 'r-9' })])).to.throw(
      'running marker r-9 is of job pull_y, not pull_x',
    );
    expect(() => runFactsText(emptyJobState('bad"name'), [])).to.throw('not a valid job name');
  });

  it('parts are written in name order, whatever order the state file lists them in', () => {
    const s = stateAfter('pull_x', [{ part: 'b' }, { part: 'a', outcome: 'failure', exitCode: 2 }]);
    const ab = { ...s, parts: { a: s.parts.a!, b: s.parts.b! } };
    const ba = { ...s, parts: { b: s.parts.b!, a: s.parts.a! } };
    expect(runFactsText(ab, [])).to.equal(runFactsText(ba, []));
    const order = sampleLines(runFactsText(ba, []))
      .filter((l) => l.startsWith('env_sync_running{'))
      .map((l) => /part="(\w)"/.exec(l)?.[1] ?? '-');
    expect(order).to.deep.equal(['-', 'a', 'b']);
  });
});
