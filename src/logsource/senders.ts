// Whose log lines count, and the words for the ones left out: the journal's _UID is set by journald
// from the socket's credentials, so a line another user sent with `logger -t govuk_env_sync.sh` is
// known for what it is.
import { nameOf } from '../common/users.js';
import type { JobTrust } from '../markers/trust.js';
import type { LogRead, SenderFilter } from './types.js';

/** The job's user (the trust rules) and root. */
export function senderFilter(trust: JobTrust): SenderFilter {
  const uids = trust.user && trust.user.uid !== 0 ? [0, trust.user.uid] : [0];
  return { uids, ignored: new Map() };
}

/** `2 lines from uid 1001 (env-sync-test-stranger) ignored: not the job's user govuk-backup or root`, one line a sender. */
export function ignoredLines(log: LogRead, trust: JobTrust): string[] {
  const whose =
    trust.user && trust.user.uid !== 0
      ? `not the job's user ${trust.user.name} (${trust.source}) or root`
      : "not root's, and no job user is known (give --user USER)";
  return log.ignored.map(({ uid, lines }) => {
    const who = uid === null ? 'a sender journald did not record' : `uid ${uid}${nameOf(uid) !== String(uid) ? ` (${nameOf(uid)})` : ''}`;
    return `${lines} line${lines === 1 ? '' : 's'} from ${who} ignored: ${whose}`;
  });
}
