// A job with no marker, no run in progress and no run in the logs: the one finding, in the state
// --missing gives (UNKNOWN when the log it would be in cannot be read). The judge asks no other rule.
import { UNKNOWN } from '../../common/states.js';
import { logWhere, noRecord as noRecordWords, noRecordLogUnreadable } from '../words.js';
import type { Rule } from './context.js';

export const noRecord: Rule = ({ facts, policy }) => {
  const unreadable = facts.syslogProblems[0];
  if (unreadable) return [{ state: UNKNOWN, text: noRecordLogUnreadable({ stateDir: policy.stateDir, ...unreadable }) }];
  const log = logWhere({ journal: facts.log?.source.kind === 'journal' ? facts.log.label : null, syslog: policy.syslog });
  return [{ state: policy.missing, text: noRecordWords({ job: policy.job, stateDir: policy.stateDir, stateDirProblem: facts.stateDirProblem, log }) }];
};
