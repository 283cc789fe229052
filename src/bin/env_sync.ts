import { realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DEFAULT_BOOT_ID_FILE, DEFAULT_REBOOT_LOCK_DIR, stateDirFrom, syslogFrom } from '../common/defaults.js';
import { parseDuration } from '../common/duration.js';
import { currentUser } from '../common/host.js';
import { validateName } from '../common/jobName.js';
import { quickParse } from '../common/quickArgs.js';
import { VERSION } from '../common/version.js';
import { evaluate, rerunCommand } from '../check/evaluate.js';
import { gather } from '../check/gather.js';
import { judgeHost, loadCrontab, type HostOptions } from '../check/hostJobs.js';
import { clock, duration, shellQuote } from '../check/words.js';
import { rerunArgv, rerunCommandLine } from '../cron/rerun.js';
import { icinga2Config, nrpeConfig } from '../cli/configGen.js';
import { followLogs, printLogs } from '../cli/logs.js';
import { renderTable, statusRows } from '../cli/status.js';
import { MarkerError, readJobState } from '../markers/read.js';
import { evaluateOrder } from '../check/order.js';
import { render, STATE_NAMES } from '../output/pluginOutput.js';

interface Common {
  'state-dir'?: string;
  syslog?: string;
  rotated: number;
  'boot-id-file': string;
  user: string;
  crontab?: string;
  'reboot-lock-dir': string;
  grace: string;
}

class CliError extends Error {}

function hostOptions(a: Common, skipEvidence: boolean): HostOptions {
  if (!Number.isInteger(a.rotated) || a.rotated < 0 || a.rotated > 30) {
    throw new CliError('--rotated must be a whole number from 0 to 30 (1 reads FILE.1, 2 adds FILE.2.gz …)');
  }
  return {
    stateDir: stateDirFrom(a['state-dir']),
    syslog: syslogFrom(a.syslog),
    rotated: a.rotated,
    bootIdFile: a['boot-id-file'],
    rebootLockDir: a['reboot-lock-dir'],
    crontab: a.crontab,
    // The crontab of --user is read only when no file is given (reading another user's needs root).
    user: a.crontab ? undefined : a.user,
    graceSeconds: parseDuration(a.grace, '--grace'),
    missing: 1,
    neverRun: 1,
    verbose: 0,
    deadline: Date.now() + 60_000,
    skipEvidence,
  };
}

function jobArg(job: unknown): string {
  try {
    return validateName(String(job), 'job');
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}

/** `--order FIRST:THEN[:WITHIN]`: a copy job and the job that must follow it (default within 2h). */
function orderVerdicts(specs: string[], stateDir: string, now: Date) {
  return specs.map((spec) => {
    const [first, then, within = '2h'] = spec.split(':');
    if (!first || !then) throw new CliError(`--order ${JSON.stringify(spec)}: use FIRST:THEN[:WITHIN], e.g. copy_data_to_staging:data_sync_complete:2h`);
    jobArg(first);
    jobArg(then);
    let withinSeconds: number;
    try {
      withinSeconds = parseDuration(within, '--order');
    } catch (err) {
      throw new CliError((err as Error).message);
    }
    const v = evaluateOrder(readJobState(stateDir, first), readJobState(stateDir, then), { first, then, withinSeconds }, now);
    return { first, then, withinSeconds, state: v.state, stateName: STATE_NAMES[v.state], summary: v.summary };
  });
}

async function status(a: Common & { json: boolean; order: string[] }): Promise<number> {
  const now = new Date();
  const o = hostOptions(a, true);
  const view = await judgeHost(o, now);
  const rows = await statusRows(view.jobs, now);
  const orders = orderVerdicts(a.order ?? [], o.stateDir, now);
  if (a.json) {
    process.stdout.write(`${JSON.stringify({ schema: 1, generated: now.toISOString(), stateDir: o.stateDir, problems: view.problems, jobs: rows, orders }, null, 2)}\n`);
  } else {
    for (const ord of orders) process.stdout.write(`ORDER ${ord.stateName}: ${ord.summary}\n`);
    const colour = !!process.stdout.isTTY && !process.env.NO_COLOR;
    if (rows.length === 0) process.stdout.write(`no jobs found in ${o.stateDir}${o.crontab ? ` or ${o.crontab}` : ''}\n`);
    else process.stdout.write(renderTable(rows, now, colour));
    for (const p of view.problems) process.stderr.write(`env-sync: ${p}\n`);
  }
  return Math.max(0, ...rows.map((r) => r.state), ...orders.map((r) => r.state));
}

async function show(a: Common & { job: string; json: boolean }): Promise<number> {
  const job = jobArg(a.job);
  const now = new Date();
  const o = hostOptions(a, false);
  const cron = (await loadCrontab(o)).jobs.find((c) => c.job === job) ?? null;
  const facts = await gather({ ...o, job, schedule: cron?.schedule, onStage: () => undefined }, now);
  const verdict = evaluate(facts, { ...o, job, schedule: cron?.schedule, missing: 1, verbose: 2 }, now);
  const rerun = cron ? rerunCommandLine(cron, cron.wrapped ? a.user : a.user, currentUser()) : null;
  if (a.json) {
    process.stdout.write(`${JSON.stringify({ schema: 1, job, verdict, schedule: cron?.schedule ?? null, rerun, history: facts.jobState?.history ?? [] }, null, 2)}\n`);
    return verdict.state;
  }
  process.stdout.write(render(verdict, 1 << 20));
  const history = facts.jobState?.history ?? [];
  if (history.length) {
    process.stdout.write(`\nLast runs (newest first):\n`);
    for (const h of history.slice(-10).reverse()) {
      process.stdout.write(`  ${clock(new Date(h.start), now).padEnd(17)} ${h.outcome.padEnd(15)} exit ${String(h.exitCode ?? '-').padEnd(4)} ${h.durationSeconds != null ? duration(h.durationSeconds) : '-'}${h.part ? `  part ${h.part}` : ''}  ${h.runId}\n`);
    }
  }
  if (rerun) process.stdout.write(`\nRe-run from the crontab line ${cron!.lineNo}: ${rerun}\n`);
  return verdict.state;
}

async function rerun(a: Common & { job: string; exec: boolean }): Promise<number> {
  const job = jobArg(a.job);
  const o = hostOptions(a, true);
  const cron = (await loadCrontab(o)).jobs.find((c) => c.job === job) ?? null;
  let argv: string[];
  let user = a.user;
  if (cron) {
    argv = rerunArgv(cron);
    if (cron.shellOperator && a.exec) throw new CliError(`the crontab line ${cron.lineNo} of ${job} uses the shell ('${cron.shellOperator}'); run it yourself:\n${rerunCommandLine(cron, user, currentUser())}`);
  } else {
    const { readJobState } = await import('../markers/read.js');
    const last = readJobState(o.stateDir, job)?.last;
    if (!last) throw new CliError(`${job} is neither in the crontab (${o.crontab ?? `of ${o.user}`}) nor recorded in ${o.stateDir}: nothing to re-run`);
    if (last.argv.some((w) => w.includes('***@'))) throw new CliError(`the recorded command of ${job} had credentials redacted; re-run it from the crontab (--crontab FILE or --user USER)`);
    user = last.user;
    argv = ['env-sync-run', '--job', job, ...(last.part ? ['--part', last.part] : []), '--', ...last.argv];
  }
  const printed = cron ? rerunCommandLine(cron, user, currentUser()) : rerunCommand(job, { argv: argv.slice(argv.indexOf('--') + 1), user, part: null });
  if (!a.exec) {
    process.stdout.write(`${printed}\n`);
    return 0;
  }
  // Run our own env-sync-run, whatever PATH holds, as the job's user so the markers stay theirs.
  const self = join(dirname(realpathSync(process.argv[1] ?? '.')), 'env-sync-run');
  const real = argv.map((w) => (w === 'env-sync-run' ? self : w));
  const asUser = user === currentUser() ? real : process.getuid?.() === 0 ? ['runuser', '-u', user, '--', ...real] : ['sudo', '-u', user, ...real];
  process.stderr.write(`env-sync: running ${shellQuote(asUser)}\n`);
  // Loaded here: child_process brings net and the stream modules, 5 ms of every `env-sync status`.
  const { spawn } = await import('node:child_process');
  const child = spawn(asUser[0]!, asUser.slice(1), { stdio: 'inherit' });
  return new Promise((resolve) => {
    child.on('error', (err) => {
      process.stderr.write(`env-sync: cannot run ${asUser[0]}: ${err.message}\n`);
      resolve(127);
    });
    child.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? 15 : 0)));
  });
}

async function logs(a: Common & { job: string; follow: boolean }): Promise<number> {
  const job = jobArg(a.job);
  const syslog = syslogFrom(a.syslog);
  await printLogs({ job, syslog, rotated: a.rotated, out: process.stdout });
  if (a.follow) await followLogs({ job, syslog, out: process.stdout, onReady: () => process.stderr.write(`env-sync: following ${syslog} (Ctrl-C to stop)\n`) });
  return 0;
}

async function config(a: Common & { kind: string }): Promise<number> {
  const now = new Date();
  const o = hostOptions(a, true);
  const view = await judgeHost(o, now);
  const jobs = view.jobs.map((j) => ({ job: j.job, cron: j.cron }));
  process.stdout.write(a.kind === 'icinga2' ? icinga2Config(jobs, a.grace) : nrpeConfig(jobs, a.grace));
  for (const p of view.problems) process.stderr.write(`env-sync: ${p}\n`);
  return 0;
}

const GLOBAL_OPTIONS = {
  'state-dir': { type: 'string', describe: 'State directory [env ENV_SYNC_STATE_DIR, default /var/lib/env-sync]' },
  syslog: { type: 'string', describe: 'Syslog file [env ENV_SYNC_SYSLOG, default /var/log/syslog]' },
  // A number to yargs; quickParse reads it as a word and it is converted as yargs would.
  rotated: { type: 'string', default: '1', describe: 'Rotated syslog files to read (2 adds syslog.2.gz)' },
  'boot-id-file': { type: 'string', default: DEFAULT_BOOT_ID_FILE, describe: 'Boot id file' },
  user: { type: 'string', default: 'govuk-backup', describe: 'The jobs\' user: its crontab is read with crontab -l -u USER' },
  crontab: { type: 'string', describe: 'Read jobs from this crontab file instead of the user\'s' },
  'reboot-lock-dir': { type: 'string', default: DEFAULT_REBOOT_LOCK_DIR, describe: 'with_reboot_lock\'s directory' },
  grace: { type: 'string', default: '2h', describe: 'How late a scheduled run may start' },
} as const;
const STATUS_JSON = { type: 'boolean', default: false, describe: 'Machine-readable output' } as const;

async function main(): Promise<number> {
  // `env-sync status` with plain options (what scripts and the 500-job benchmark run) skips yargs,
  // about 30 ms; anything else (help, --order, options before the command) goes to yargs below.
  const args = process.argv.slice(2);
  if (args[0] === 'status') {
    const quick = quickParse(args.slice(1), { ...GLOBAL_OPTIONS, json: STATUS_JSON });
    if (quick) return status({ ...(quick.values as unknown as Common & { json: boolean }), rotated: Number(quick.values.rotated), order: [] });
  }
  let result: Promise<number> | null = null;
  let failure: string | null = null;
  const run = <T>(fn: (a: T) => Promise<number>) => (a: T) => {
    result = fn(a);
  };
  // yargs is bundled apart (dist/lazy/) and loaded here, as every executable does.
  const { default: yargs } = await import('yargs');
  await yargs(args)
    .scriptName('env-sync')
    .usage('Usage: env-sync <command> [options]\n\nThe on-call engineer\'s view of the data-sync jobs on this host.')
    .parserConfiguration({ 'parse-positional-numbers': false })
    .options({ ...GLOBAL_OPTIONS, rotated: { type: 'number', default: 1, describe: GLOBAL_OPTIONS.rotated.describe } })
    .command(
      'status',
      'One row a job, worst first',
      (y) =>
        y
          .option('json', STATUS_JSON)
          .option('order', { type: 'string', array: true, default: [] as string[], describe: 'FIRST:THEN[:WITHIN]: THEN must follow FIRST (e.g. copy_data_to_staging:data_sync_complete:2h)' }),
      run(status as never),
    )
    .command('show <job>', 'The last runs, the evidence from syslog and the re-run command', (y) => y.positional('job', { type: 'string' }).option('json', { type: 'boolean', default: false }), run(show as never))
    .command('logs <job>', "The job's lines from syslog.1 and syslog", (y) => y.positional('job', { type: 'string' }).option('follow', { alias: 'f', type: 'boolean', default: false, describe: 'Keep following, across rotation' }), run(logs as never))
    .command('rerun <job>', 'Print (or with --exec run) the job\'s command under env-sync-run as its user', (y) => y.positional('job', { type: 'string' }).option('exec', { type: 'boolean', default: false, describe: 'Run it now' }), run(rerun as never))
    .command('config <kind>', 'Icinga 2 host variables or NRPE command lines for the jobs found', (y) => y.positional('kind', { choices: ['icinga2', 'nrpe'] as const }), run(config as never))
    .demandCommand(1, 'give a command: status, show JOB, logs JOB, rerun JOB, config icinga2|nrpe')
    .strict()
    .help()
    .alias('h', 'help')
    .version(VERSION)
    .alias('V', 'version')
    .wrap(100)
    .exitProcess(false)
    .fail((msg, err) => {
      failure = msg ?? err?.message ?? 'bad arguments';
    })
    .parseAsync();
  if (failure) {
    process.stderr.write(`env-sync: ${failure}\nTry 'env-sync --help'.\n`);
    return 2;
  }
  return result ? await result : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    const msg = err instanceof CliError || err instanceof MarkerError ? err.message : `${(err as Error)?.message ?? String(err)}`;
    process.stderr.write(`env-sync: ${msg}\n`);
    process.exitCode = 2;
  },
);
