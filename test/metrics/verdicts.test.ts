import { expect } from 'chai';
import { VERDICT_DEFS } from '../../src/metrics/definitions.js';
import { verdictText, type JobVerdict } from '../../src/metrics/verdicts.js';
import { sampleLines } from '../support/runs.js';

const NOW = new Date('2026-11-24T01:30:00.500Z');

describe('metrics: the verdict file', () => {
  it('each job: its state, next and previous scheduled run, grace, whether its running wrapper is alive; then when it was judged', () => {
    const text = verdictText(
      [
        { job: 'pull_x', state: 0, nextRunSeconds: 1795565880, previousRunSeconds: 1795479480, grace: 3600, wrapperAlive: true },
        { job: 'push_y', state: 2, nextRunSeconds: 1795565880, previousRunSeconds: 1795479480, grace: 7200, wrapperAlive: false },
      ],
      NOW,
    );
    expect(sampleLines(text)).to.deep.equal([
      'env_sync_verdict_state{job_name="pull_x"} 0',
      'env_sync_verdict_state{job_name="push_y"} 2',
      'env_sync_verdict_next_run_timestamp_seconds{job_name="pull_x"} 1795565880',
      'env_sync_verdict_next_run_timestamp_seconds{job_name="push_y"} 1795565880',
      'env_sync_verdict_previous_run_timestamp_seconds{job_name="pull_x"} 1795479480',
      'env_sync_verdict_previous_run_timestamp_seconds{job_name="push_y"} 1795479480',
      'env_sync_verdict_schedule_grace_seconds{job_name="pull_x"} 3600',
      'env_sync_verdict_schedule_grace_seconds{job_name="push_y"} 7200',
      'env_sync_verdict_wrapper_alive{job_name="pull_x"} 1',
      'env_sync_verdict_wrapper_alive{job_name="push_y"} 0',
      'env_sync_verdict_generated_timestamp_seconds 1795483800.5',
    ]);
  });

  it('what is not known is left out: no schedule, no run in progress (null or absent alike)', () => {
    const text = verdictText(
      [
        { job: 'pull_x', state: 3 },
        { job: 'pull_y', state: 1, nextRunSeconds: null, previousRunSeconds: null, grace: null, wrapperAlive: null },
      ],
      NOW,
    );
    expect(sampleLines(text)).to.deep.equal([
      'env_sync_verdict_state{job_name="pull_x"} 3',
      'env_sync_verdict_state{job_name="pull_y"} 1',
      'env_sync_verdict_generated_timestamp_seconds 1795483800.5',
    ]);
  });

  it('no job at all still says when it judged, so a host without jobs is not a stale file', () => {
    expect(sampleLines(verdictText([], NOW))).to.deep.equal(['env_sync_verdict_generated_timestamp_seconds 1795483800.5']);
  });

  it('HELP and TYPE lines come from the one table', () => {
    const text = verdictText([{ job: 'pull_x', state: 0, nextRunSeconds: 1, previousRunSeconds: 0, grace: 3600, wrapperAlive: true }], NOW);
    const comments = text.split('\n').filter((l) => l.startsWith('#'));
    expect(comments).to.deep.equal(VERDICT_DEFS.flatMap((d) => [`# HELP ${d.name} ${d.help}`, `# TYPE ${d.name} ${d.type}`]));
  });

  it('refuses two verdicts for one job (a duplicated series), a state outside 0-3, a bad job name, a time that is not a number', () => {
    expect(() =>
      verdictText(
        [
          { job: 'a', state: 0 },
          { job: 'a', state: 2 },
        ],
        NOW,
      ),
    ).to.throw('two verdicts for job a');
    expect(() => verdictText([{ job: 'a', state: 4 } as unknown as JobVerdict], NOW)).to.throw('verdict of a: state 4 is not 0-3');
    expect(() => verdictText([{ job: 'a b', state: 0 }], NOW)).to.throw('not a valid job name');
    expect(() => verdictText([{ job: 'a', state: 0, nextRunSeconds: NaN }], NOW)).to.throw(
      'env_sync_verdict_next_run_timestamp_seconds: NaN is not a number of seconds',
    );
  });
});
