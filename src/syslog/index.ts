export { parseLine, inferYear } from './parseLine.js';
export { scanBackwards, rotatedFiles } from './scan.js';
export { collectRunEvidence, findLastSyslogOnlyRun, isErrorLine, type RunEvidence, type SyslogOnlyRun } from './jobQueries.js';
export * from './types.js';
