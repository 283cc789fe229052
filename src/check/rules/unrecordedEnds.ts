// Runs whose end could not be written (their outcome is judged by lastRun, from their marker's name):
// the cause, so that a full disk is seen before the next run cannot record anything either.
import { WARNING } from '../../common/states.js';
import { endNotRecorded } from '../words.js';
import type { Rule } from './context.js';

export const unrecordedEnds: Rule = ({ facts, policy }) =>
  (facts.unrecorded ?? []).map((u) => ({ state: WARNING, text: endNotRecorded({ runId: u.runId, cause: u.cause, stateDir: policy.stateDir, path: u.path }) }));
