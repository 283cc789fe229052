import { shellQuote } from '../common/shell.js';
import type { CronJob } from './crontab.js';

const isIonice = (w: string) => /(^|\/)ionice$/.test(w);
const isRebootLock = (w: string) => /(^|\/)with_reboot_lock$/.test(w);

/**
 * The cron line without what is only for cron: the schedule, `ionice …` (I/O priority for the night),
 * `with_reboot_lock [NAME]` (a person re-running by hand decides about reboots), but with `envdir DIR`
 * (the job needs its environment), and with env-sync-run in front of the sync so markers stay true.
 */
export function rerunArgv(job: CronJob): string[] {
  let w = [...job.words];
  if (isIonice(w[0] ?? '')) {
    let i = 1;
    while (i < w.length && w[i]!.startsWith('-')) i += /^-[cnt]$/.test(w[i]!) ? 2 : 1;
    w = w.slice(i);
  }
  if (isRebootLock(w[0] ?? '')) {
    // New form: a lock name follows; old form: the command (an absolute path) follows directly.
    w = w.slice(w[1] && !w[1].startsWith('/') ? 2 : 1);
  }
  if (job.wrapped) return w;
  let at = 0;
  if (/(^|\/)envdir$/.test(w[0] ?? '')) at = 2;
  return [...w.slice(0, at), 'env-sync-run', '--job', job.job, '--', ...w.slice(at)];
}

export function rerunCommandLine(job: CronJob, user: string, currentUser: string): string {
  // A line that needs the shell cannot be taken apart safely: hand it to sh as cron would.
  const argv = job.shellOperator ? ['sh', '-c', job.command] : rerunArgv(job);
  return user === currentUser ? shellQuote(argv) : `sudo -u ${shellQuote([user])} ${shellQuote(argv)}`;
}
