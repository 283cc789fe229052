import { defaultJobName, isValidName } from '../common/jobName.js';
import { splitWords } from './words.js';

export interface CronJob {
  job: string;
  /** 5-field schedule, or an @keyword translated to one. */
  schedule: string;
  /** The command part of the line, as written: what cron hands to /bin/sh -c. */
  command: string;
  /** The crontab's VAR=value lines in force for this line, which cron puts in the job's environment. */
  env: Record<string, string>;
  words: string[];
  shellOperator: string | null;
  puppetName: string | null;
  lineNo: number;
  /** Already wrapped by env-sync-run. */
  wrapped: boolean;
}

/** crontab(5)'s @keywords as the five fields they stand for. */
export const KEYWORDS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const SYNC_COMMANDS = /(^|\/)(govuk_env_sync\.sh|env-sync-run|sync)$/;

function jobOf(words: string[], puppetName: string | null): { job: string | null; wrapped: boolean } {
  const at = words.findIndex((w) => /(^|\/)env-sync-run$/.test(w));
  if (at !== -1) {
    for (let i = at + 1; i < words.length && words[i] !== '--'; i++) {
      const w = words[i]!;
      if (w === '--job') return { job: words[i + 1] ?? null, wrapped: true };
      if (w.startsWith('--job=')) return { job: w.slice(6), wrapped: true };
    }
    return { job: defaultJobName(words.slice(at + 1)) ?? puppetName, wrapped: true };
  }
  return { job: defaultJobName(words) ?? puppetName, wrapped: false };
}

/**
 * The data-sync jobs of a crontab: lines running govuk_env_sync.sh (or already env-sync-run). Other
 * lines of the user are not jobs of ours and are left out. `# Puppet Name:` comments name the line below.
 */
export function parseCrontab(text: string): CronJob[] {
  const jobs: CronJob[] = [];
  const env: Record<string, string> = {};
  let puppetName: string | null = null;
  text.split('\n').forEach((raw, idx) => {
    const line = raw.trim();
    if (line === '') return;
    const puppet = /^#\s*Puppet Name:\s*(\S+)/.exec(line);
    if (puppet) {
      puppetName = puppet[1]!;
      return;
    }
    if (line.startsWith('#')) return;
    const setting = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (setting) {
      // cron(8): NAME = value, the value optionally in quotes, which are taken off.
      const raw = setting[2]!;
      env[setting[1]!] = /^(["']).*\1$/.test(raw) ? raw.slice(1, -1) : raw;
      return;
    }
    let schedule: string;
    let command: string;
    if (line.startsWith('@')) {
      const [kw, ...rest] = line.split(/\s+/);
      schedule = KEYWORDS[kw!] ?? '';
      command = rest.join(' ');
      if (!schedule) return; // @reboot and unknown keywords: no schedule to judge
    } else {
      const m = /^(\S+\s+\S+\s+\S+\s+\S+\s+\S+)\s+(.+)$/.exec(line);
      if (!m) return;
      schedule = m[1]!;
      command = m[2]!;
    }
    const { words, shellOperator } = splitWords(command);
    const isSync = words.some((w) => SYNC_COMMANDS.test(w));
    const name = puppetName;
    puppetName = null;
    if (!isSync) return;
    const { job, wrapped } = jobOf(words, name);
    if (!job || !isValidName(job)) return;
    jobs.push({ job, schedule, command, env: { ...env }, words, shellOperator, puppetName: name, lineNo: idx + 1, wrapped });
  });
  return jobs;
}

/** The crontab of a user (`crontab -l -u USER`), or null with the reason when it cannot be read. */
export async function readUserCrontab(user: string): Promise<{ text: string | null; problem: string | null }> {
  const { execa } = await import('execa');
  const r = await execa('crontab', ['-l', '-u', user], { reject: false, timeout: 5000, maxBuffer: 1024 * 1024 });
  if (r.exitCode === 0) return { text: r.stdout, problem: null };
  const why = String(r.stderr || r.message || 'unknown error').split('\n')[0];
  return { text: null, problem: `crontab of ${user} not read (${why}); give --crontab FILE with a readable copy` };
}
