// `env-sync rerun JOB [--part P] [--exec | --dry-run]`: the job again, as cron ran it, as its user
// (src/cron/rerun.ts, src/check/rerunChoice.ts). Shows the command and asks; --exec runs it without
// asking, --dry-run prints it. Run as root it reads the crontab; as another user it needs the job
// inventory, and says so rather than guess. The job runs without the terminal env-sync was started
// from (src/cli/detached.ts): nothing of the job's user may hold root's terminal.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { siblingExecutable } from '../common/install.js';
import { optionSpec, type Values } from '../common/options.js';
import { chooseRerun, envSyncRerun } from '../check/rerunChoice.js';
import { loadCrontab } from '../check/hostJobs.js';
import { readInventory } from '../cron/inventory.js';
import { pasteLine, rerunArgv, type RerunPlan } from '../cron/rerun.js';
import { statePath } from '../markers/paths.js';
import { readJobState } from '../markers/read.js';
import { jobTrust } from '../markers/trust.js';
import { runDetached } from './detached.js';
import { CliError, hostOptions } from './hostOptions.js';
import { unknownJob } from './knownJob.js';
import { UsageError } from './usage.js';

/** The plan for the job, or a CliError saying why there is none. */
export async function planRerun(job: string, a: Values<'env-sync rerun'>): Promise<{ plan: RerunPlan; notes: string[] }> {
  const o = hostOptions(a, true);
  const crontab = await loadCrontab(o);
  const cron = crontab.jobs.find((c) => c.job === job) ?? null;
  const trust = jobTrust(o.stateDir, job, { ...o.trust, crontabOwner: crontab.owner });
  const notes: string[] = [];
  let inventory = null;
  try {
    inventory = readInventory(o.stateDir, trust)?.jobs.find((j) => j.job === job) ?? null;
  } catch (err) {
    notes.push(`the job inventory is not used: ${(err as Error).message}`);
  }
  const state = readJobState(o.stateDir, job, trust);
  if (!cron && !inventory && !state) {
    const unknown = await unknownJob(job, o, 'no record of it to re-run from');
    if (unknown) throw unknown;
  }
  const run = a.part ? (state?.parts[a.part] ?? null) : (state?.last ?? null);
  if (a.part && !run) throw new CliError(`${job} has no recorded run of part ${a.part} in ${o.stateDir}: nothing to re-run`);
  if (!cron && !inventory && crontab.problems.length) notes.push(...crontab.problems);
  const choice = chooseRerun(
    { job, user: trust.user, cron, inventory, run, markerPath: run ? statePath(o.stateDir, job) : null },
    { stateDir: o.stateDir, defaultStateDir: String(optionSpec('stateDir').default), envSyncRun: siblingExecutable('env-sync-run') },
    a.part ?? null,
  );
  if (!choice.plan)
    throw new CliError(
      `cannot re-run ${job}: ${choice.why}${notes.length ? ` (${notes.join('; ')})` : ''}; as root, env-sync reads the crontab of the jobs' user: --user USER, or ENV_SYNC_JOB_USER= in /etc/default/env-sync-checks`,
    );
  const lock = join(o.rebootLockDir, `reboot_lock-env-sync_${job}`);
  if (existsSync(lock))
    notes.push(
      `${lock} is there: this re-run does not wait for it (with_reboot_lock is left out), but the next cron run will; remove it if no sync is running`,
    );
  return { plan: choice.plan, notes };
}

export async function rerun(
  job: string,
  a: Values<'env-sync rerun'>,
  io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream; ask: (q: string) => Promise<string> },
): Promise<number> {
  if (a.exec && a.dryRun) throw new UsageError('--exec and --dry-run: give one of them');
  const { plan, notes } = await planRerun(job, a);
  io.out.write(`${pasteLine(plan)}\n`);
  for (const n of notes) io.err.write(`env-sync: ${n}\n`);
  if (a.dryRun) return 0;
  io.err.write(`env-sync: runs as ${plan.user.name}, from ${plan.source}\n`);
  if (!a.exec) {
    const answer = (await io.ask(`Run it now? [y/N] `)).trim().toLowerCase();
    if (answer !== 'y' && answer !== 'yes') {
      io.err.write('env-sync: not run\n');
      return 1;
    }
  }
  const argv = rerunArgv(plan, process.getuid?.() ?? -1);
  io.err.write(`env-sync: running it as ${plan.user.name}, without a terminal, as cron does (Ctrl-C stops it)\n`);
  const status = await runDetached(argv, io);
  if (argv[0] === 'sudo' && status === 1)
    io.err.write(`env-sync: if sudo refused (it cannot ask for a password here), run it as root: ${envSyncRerun(job, a.part)}\n`);
  return status;
}
