// Which command re-runs a job, and who runs it — for the alert's Re-run line and for `env-sync
// rerun`. Pure: the records in, the choice out.
//
// The command comes from the crontab (root and the job's user can read it), else the job inventory
// in the state directory (nagios can), else the cron command the wrapper recorded in the marker;
// a failed part of a job run in parts is re-run from its recorded command and working directory.
// It is shown in full only when none of it was redacted. Who runs it is the job's user by the trust
// rules (docs/security.md) — never a field the job's user can write: a marker naming another user is
// not used to re-run.
import { shellQuote } from '../common/shell.js';
import type { User } from '../common/users.js';
import type { CronJob } from '../cron/crontab.js';
import type { InventoryJob } from '../cron/inventory.js';
import { rerunPlan, type CronCommand, type RerunPlan, type RerunTarget } from '../cron/rerun.js';
import type { Run } from '../markers/types.js';

export interface RerunSources {
  job: string;
  /** The job's user by the trust rules; null when not known (only root-owned records). */
  user: User | null;
  /** The job's crontab line, when the crontab could be read. */
  cron: CronJob | null;
  /** The job's entry in the inventory. */
  inventory: InventoryJob | null;
  /** The run whose record may hold the command (the last, or the live one), and its file. */
  run: Run | null;
  markerPath: string | null;
}

export type RerunChoice = { plan: RerunPlan } | { plan: null; why: string };

/** The one command every alert names: it reads the crontab as root, shows the command and asks. */
export const envSyncRerun = (job: string, part?: string | null): string => shellQuote(['sudo', 'env-sync', 'rerun', job, ...(part ? ['--part', part] : [])]);

function fromMarker(run: Run, markerPath: string | null, part: string | null): CronCommand | null {
  const where = markerPath ?? 'the marker';
  if (part)
    return {
      command: `JOBLIST=${shellQuote([part])} ${shellQuote(run.argv)}`,
      env: {},
      cwd: run.cwd,
      source: `the command and directory recorded in ${where}`,
      redacted: run.argv.some((w) => w.includes('***')),
    };
  if (run.cronCommand === null) return null;
  return { command: run.cronCommand, env: {}, cwd: run.cronCwd, source: `the cron command recorded in ${where}`, redacted: run.cronCommand.includes('***') };
}

/** The command to re-run the job (or one part of it), or why none can be shown in full. */
export function chooseRerun(s: RerunSources, target: Omit<RerunTarget, 'job' | 'part'>, part: string | null = null): RerunChoice {
  if (!s.user)
    return {
      plan: null,
      why: "the job's user is not known (its records are root's): give --user USER, or name it once for the host as ENV_SYNC_JOB_USER= in /etc/default/env-sync-checks",
    };
  let cmd: CronCommand | null = null;
  if (!part && s.cron)
    cmd = { command: s.cron.command, env: s.cron.env, cwd: null, source: `the crontab line ${s.cron.lineNo}`, redacted: false, crontabText: true };
  else if (!part && s.inventory)
    cmd = {
      command: s.inventory.command,
      env: s.inventory.env,
      cwd: null,
      source: `the job inventory (crontab line ${s.inventory.lineNo})`,
      redacted: s.inventory.redacted,
      crontabText: true,
    };
  else if (s.run) {
    if (s.run.user !== s.user.name)
      return {
        plan: null,
        why: `${s.markerPath ?? 'the marker'} names user ${s.run.user}, not the job's user ${s.user.name}: its command is not used to re-run`,
      };
    cmd = fromMarker(s.run, s.markerPath, part);
  }
  if (!cmd)
    return {
      plan: null,
      why: 'no crontab line, job inventory or recorded cron command names this job (a command read from syslog is never shown as runnable)',
    };
  if (cmd.redacted) return { plan: null, why: `a secret was redacted from ${cmd.source}` };
  const plan = rerunPlan(cmd, s.user, { ...target, job: s.job, part });
  return 'why' in plan ? { plan: null, why: `${cmd.source} cannot be re-run as it is: ${plan.why}` } : { plan };
}
