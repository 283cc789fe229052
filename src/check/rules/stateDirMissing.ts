// Said whatever the rest: a wrapped run cannot record anything there, so its verdict would come from
// syslog alone without anyone knowing why.
import { WARNING } from '../../common/states.js';
import { stateDirMissing as words } from '../words.js';
import type { Rule } from './context.js';

export const stateDirMissing: Rule = ({ facts }) => (facts.stateDirProblem ? [{ state: WARNING, text: words({ problem: facts.stateDirProblem }) }] : []);
