export { collectJournal, readJournal } from './read.js';
export { followJournal, type FollowEnd, type FollowOptions, type JournalFollower } from './follow.js';
export {
  journalSocketDirFor,
  runEventFields,
  writeJournalEvent,
  writeRunEvent,
  JOURNAL_SOCKET_DIR,
  type JournalEventOptions,
  type JournalEventResult,
  type RunEvent,
} from './event.js';
export { namespaceNameProblem } from '../common/journalNamespace.js';
export { sourceLabel } from './args.js';
export * from './types.js';
