// `env-sync rerun JOB [--exec]`: the job's command as a person should run it again, printed or run.
import { realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Values } from '../common/options.js';
import { currentUser } from '../common/host.js';
import { REDACTED } from '../common/redact.js';
import { shellQuote } from '../common/shell.js';
import { rerunCommand } from '../check/explain.js';
import { loadCrontab } from '../check/hostJobs.js';
import { rerunArgv, rerunCommandLine } from '../cron/rerun.js';
import { readJobState } from '../markers/read.js';
import { hintsFor, jobTrust } from '../markers/trust.js';
import { CliError, hostOptions } from './hostOptions.js';

export async function rerun(job: string, a: Values<'env-sync rerun'>): Promise<number> {
  const o = hostOptions(a, true);
  const cron = (await loadCrontab(o)).jobs.find((c) => c.job === job) ?? null;
  let argv: string[];
  let user = a.user;
  if (cron) {
    argv = rerunArgv(cron);
    if (cron.shellOperator && a.exec) throw new CliError(`the crontab line ${cron.lineNo} of ${job} uses the shell ('${cron.shellOperator}'); run it yourself:\n${rerunCommandLine(cron, user, currentUser())}`);
  } else {
    const last = readJobState(o.stateDir, job, jobTrust(o.stateDir, job, hintsFor(a.user)))?.last;
    if (!last) throw new CliError(`${job} is neither in the crontab (${o.crontab ?? `of ${o.user}`}) nor recorded in ${o.stateDir}: nothing to re-run`);
    if (last.argv.some((w) => w.includes(REDACTED))) throw new CliError(`the recorded command of ${job} had secrets redacted; re-run it from the crontab (--crontab FILE or --user USER)`);
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
  // Loaded here: child_process brings net and the stream modules, which `env-sync status` never needs.
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
