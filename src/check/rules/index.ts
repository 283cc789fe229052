// The judgement's rules, in the order their findings are listed (the worst leads the summary; equally
// bad ones keep this order). A new verdict is a module in this directory and one entry here
// (docs/architecture.md, "A verdict").
import { age } from './age.js';
import type { Rule } from './context.js';
import { failedParts } from './failedParts.js';
import { futureRecords } from './futureRecords.js';
import { lastRun } from './lastRun.js';
import { missedRun } from './missedRun.js';
import { rebootLock } from './rebootLock.js';
import { runLength } from './runLength.js';
import { runsInProgress } from './runsInProgress.js';
import { skippedStart } from './skippedStart.js';
import { staleMarkers } from './staleMarkers.js';
import { stateDirMissing } from './stateDirMissing.js';
import { syslogRun } from './syslogRun.js';
import { unrecordedEnds } from './unrecordedEnds.js';

export { noRecord } from './noRecord.js';
export type { JudgeContext, Rule } from './context.js';

export const RULES: readonly Rule[] = [
  stateDirMissing,
  runsInProgress,
  lastRun,
  failedParts,
  unrecordedEnds,
  syslogRun,
  staleMarkers,
  age,
  missedRun,
  skippedStart,
  runLength,
  futureRecords,
  rebootLock,
];
