import { stateDirFrom } from '../common/defaults.js';
import { parseDuration } from '../common/duration.js';
import { validateName } from '../common/jobName.js';
import { quickParse } from '../common/quickArgs.js';
import { ArgumentError, parsePluginWithYargs } from '../check/cli.js';
import { evaluateOrder } from '../check/order.js';
import { MarkerError, readJobState } from '../markers/read.js';
import { emit, runPlugin, unknown } from '../output/pluginRuntime.js';
import { writeAll } from '../output/writeAll.js';

const USAGE =
  'Usage: check_env_sync_order --first JOB --then JOB --within DURATION [--state-dir DIR]\n\nCRITICAL when FIRST succeeded more than --within ago and THEN has not succeeded since; WARNING while inside the window.';

const OPTIONS = {
  first: { type: 'string', describe: 'The copy job (e.g. copy_data_to_staging)' },
  then: { type: 'string', describe: 'The job that must follow it (e.g. data_sync_complete)' },
  within: { type: 'string', default: '2h', describe: 'How long THEN may take to follow' },
  'state-dir': { type: 'string', describe: 'State directory [env ENV_SYNC_STATE_DIR, default /var/lib/env-sync]' },
  timeout: { alias: 't', type: 'string', default: '10', describe: 'Seconds before the plugin gives up' },
  'max-output': { type: 'string', default: '4096', describe: 'Output bound in bytes' },
} as const;

runPlugin(async () => {
  const args = process.argv.slice(2);
  let argv: Record<string, unknown>;
  try {
    // Help, version and unusual command lines go to yargs (loaded only then), as for check_env_sync.
    const parsed = quickParse(args, OPTIONS)?.values ?? (await parsePluginWithYargs(args, 'check_env_sync_order', USAGE, OPTIONS));
    if ('text' in parsed) {
      writeAll(1, parsed.text as string);
      process.exit(3);
    }
    argv = parsed;
  } catch (err) {
    emit(unknown(err instanceof ArgumentError ? err.message : `bad arguments: ${(err as Error).message}`));
  }
  const first = argv.first as string | undefined;
  const then = argv.then as string | undefined;
  let within: number;
  try {
    if (!first || !then) throw new Error('--first JOB and --then JOB are both required');
    validateName(first);
    validateName(then);
    within = parseDuration(argv.within as string, '--within');
  } catch (err) {
    emit(unknown((err as Error).message));
  }
  const stateDir = stateDirFrom(argv['state-dir'] as string | undefined);
  try {
    const now = new Date();
    emit(evaluateOrder(readJobState(stateDir, first), readJobState(stateDir, then), { first, then, withinSeconds: within }, now), Number(argv['max-output']) || 4096);
  } catch (err) {
    if (err instanceof MarkerError) emit(unknown(err.message));
    throw err;
  }
});
