import { expect } from 'chai';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseUnrecordedName } from '../../src/markers/paths.js';
import { MarkerError, readJobState } from '../../src/markers/read.js';
import { applyRun } from '../../src/markers/store.js';
import { emptyJobState, MARKER_SCHEMA, type Run } from '../../src/markers/types.js';
import { makeRun } from '../support/runs.js';
import { tempStateEach } from '../support/tmp.js';

// The fields retries and the run-length rule added without a schema bump: a run's attempts and a
// history entry's output bytes are read and checked when present; markers without them read as before.
const RUN = makeRun('pull_x', { runId: 'r1', output: { lines: 3, bytes: 1234, tail: ['done'] } });
const ATTEMPTS = [
  {
    start: '2026-11-24T00:18:00.000Z',
    end: '2026-11-24T00:20:00.000Z',
    durationSeconds: 120,
    outcome: 'failure',
    exitCode: 1,
    signal: null,
    stoppedBy: null,
    output: { lines: 2, bytes: 50 },
  },
  {
    start: '2026-11-24T00:21:00.000Z',
    end: '2026-11-24T00:41:00.000Z',
    durationSeconds: 1200,
    outcome: 'success',
    exitCode: 0,
    signal: null,
    stoppedBy: null,
    output: { lines: 3, bytes: 1234 },
  },
];

describe('markers: attempts and output bytes (optional fields, schema 3)', () => {
  const t = tempStateEach();
  const write = (state: unknown) => {
    mkdirSync(join(t.state, 'pull_x'), { recursive: true });
    writeFileSync(join(t.state, 'pull_x', 'state.json'), JSON.stringify(state));
  };

  it('records output bytes in the history and reads back attempts and retries', () => {
    write(applyRun(emptyJobState('pull_x'), { ...RUN, retries: 2, attemptTimeoutSeconds: null, attempts: ATTEMPTS as Run['attempts'] }, new Date()));
    const st = readJobState(t.state, 'pull_x', null)!;
    expect(st.schema).to.equal(MARKER_SCHEMA);
    expect(st.history[0]!.outputBytes).to.equal(1234);
    expect(st.last!.retries).to.equal(2);
    expect(st.last!.attempts).to.deep.equal(ATTEMPTS);
  });

  it('reads a marker written before either field, as it was', () => {
    const { outputBytes: _, ...entry } = applyRun(emptyJobState('pull_x'), RUN, new Date()).history[0]!;
    write({ ...applyRun(emptyJobState('pull_x'), RUN, new Date()), history: [entry] });
    const st = readJobState(t.state, 'pull_x', null)!;
    expect(st.history[0]).to.not.have.property('outputBytes');
    expect(st.last!.attempts ?? null).to.equal(null);
  });

  it('refuses attempts or output bytes of the wrong shape, naming the field', () => {
    const bad = (attempts: unknown, re: RegExp) => {
      write(applyRun(emptyJobState('pull_x'), { ...RUN, attempts } as unknown as Run, new Date()));
      expect(() => readJobState(t.state, 'pull_x', null)).to.throw(MarkerError, re);
    };
    bad('twice', /attempts\[0\]\.\(a list\)/);
    bad([{ ...ATTEMPTS[0], outcome: 'interrupted' }], /attempts\[0\]\.outcome/);
    bad([ATTEMPTS[0], { ...ATTEMPTS[1], exitCode: '0' }], /attempts\[1\]\.exitCode/);
    const st = applyRun(emptyJobState('pull_x'), RUN, new Date());
    write({ ...st, history: [{ ...st.history[0], outputBytes: -1 }] });
    expect(() => readJobState(t.state, 'pull_x', null)).to.throw(MarkerError, /history\[0\]\.outputBytes/);
  });

  it('reads the name of an unrecorded run interrupted while waiting to retry', () => {
    expect(parseUnrecordedName('unrecorded-r1.interrupted.143.ENOSPC.json')).to.deep.equal({
      runId: 'r1',
      outcome: 'interrupted',
      exitCode: 143,
      cause: 'ENOSPC',
    });
  });
});
