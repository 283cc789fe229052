import yargs from 'yargs';
import { stateDirFrom } from '../common/defaults.js';
import { parseDuration } from '../common/duration.js';
import { validateName } from '../common/jobName.js';
import { standardFlags } from '../common/args.js';
import { evaluateOrder } from '../check/order.js';
import { MarkerError, readJobState } from '../markers/read.js';
import { emit, runPlugin, unknown } from '../output/pluginRuntime.js';

runPlugin(async () => {
  let failure: string | null = null;
  let printed = '';
  const argv = standardFlags(
    yargs(process.argv.slice(2))
    .scriptName('check_env_sync_order')
    .usage('Usage: check_env_sync_order --first JOB --then JOB --within DURATION [--state-dir DIR]\n\nCRITICAL when FIRST succeeded more than --within ago and THEN has not succeeded since; WARNING while inside the window.')
    .options({
      first: { type: 'string', describe: 'The copy job (e.g. copy_data_to_staging)' },
      then: { type: 'string', describe: 'The job that must follow it (e.g. data_sync_complete)' },
      within: { type: 'string', default: '2h', describe: 'How long THEN may take to follow' },
      'state-dir': { type: 'string', describe: 'State directory [env ENV_SYNC_STATE_DIR, default /var/lib/env-sync]' },
      timeout: { alias: 't', type: 'string', default: '10', describe: 'Seconds before the plugin gives up' },
      'max-output': { type: 'string', default: '4096', describe: 'Output bound in bytes' },
    }),
    (m) => (failure = m),
  ).parseSync(process.argv.slice(2), {}, (_e, _a, out) => {
      printed = out;
    });
  if (failure) emit(unknown(`${failure} (see check_env_sync_order --help)`));
  if (argv.help || argv.version) {
    process.stdout.write(printed.endsWith('\n') ? printed : `${printed}\n`);
    process.exit(3);
  }
  let within: number;
  try {
    if (!argv.first || !argv.then) throw new Error('--first JOB and --then JOB are both required');
    validateName(argv.first);
    validateName(argv.then);
    within = parseDuration(argv.within, '--within');
  } catch (err) {
    emit(unknown((err as Error).message));
  }
  const stateDir = stateDirFrom(argv['state-dir']);
  try {
    const now = new Date();
    emit(evaluateOrder(readJobState(stateDir, argv.first!), readJobState(stateDir, argv.then!), { first: argv.first!, then: argv.then!, withinSeconds: within }, now), Number(argv['max-output']) || 4096);
  } catch (err) {
    if (err instanceof MarkerError) emit(unknown(err.message));
    throw err;
  }
});
