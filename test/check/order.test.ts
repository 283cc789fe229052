import { expect } from 'chai';
import { evaluateOrder } from '../../src/check/order.js';
import { stateAfter } from '../support/runs.js';

// check_env_sync_order's verdict, as a table: the copy's state and its completion job's in, the
// state and the words out. A completion job that ran after the copy and failed is not "waiting".
const O = { first: 'copy_data_to_staging', then: 'data_sync_complete', withinSeconds: 7200 };
const NOW = new Date('2026-11-24T02:00:00Z');
const copyAt = (end: string) => stateAfter(O.first, [{ start: '2026-11-24T00:18:00Z', end }]);

const ROWS: Array<{ name: string; then: ReturnType<typeof stateAfter> | null; state: number; summary: RegExp }> = [
  {
    name: 'followed within the window: OK',
    then: stateAfter(O.then, [{ start: '2026-11-24T01:30:00Z', end: '2026-11-24T01:35:00Z' }]),
    state: 0,
    summary: /^data_sync_complete followed copy_data_to_staging/,
  },
  {
    name: 'not yet run after the copy, within the window: WARNING, waiting',
    then: stateAfter(O.then, [{ start: '2026-11-23T01:30:00Z', end: '2026-11-23T01:35:00Z' }]),
    state: 1,
    summary: /waiting for data_sync_complete \(1h 19m of 2h\)$/,
  },
  {
    name: 'ran after the copy and failed: CRITICAL, not waiting',
    then: stateAfter(O.then, [
      { start: '2026-11-23T01:30:00Z', end: '2026-11-23T01:35:00Z' },
      { start: '2026-11-24T01:30:00Z', end: '2026-11-24T01:31:00Z', outcome: 'failure', exitCode: 2 },
    ]),
    state: 2,
    summary: /^copy_data_to_staging succeeded at 00:41 but data_sync_complete failed with exit 2 at 01:31, after the copy: the environment is half-synced$/,
  },
  {
    name: 'failed before the copy only (an old failure): still waiting',
    then: stateAfter(O.then, [{ start: '2026-11-23T22:00:00Z', end: '2026-11-23T22:01:00Z', outcome: 'failure', exitCode: 2 }]),
    state: 1,
    summary: /waiting for data_sync_complete/,
  },
];

describe('check_env_sync_order: the verdict of a copy and its completion job', () => {
  for (const row of ROWS) {
    it(row.name, () => {
      const got = evaluateOrder(copyAt('2026-11-24T00:41:00Z'), row.then, O, NOW);
      expect(got.state, got.summary).to.equal(row.state);
      expect(got.summary).to.match(row.summary);
    });
  }
});
