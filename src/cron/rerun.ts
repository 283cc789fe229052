// The re-run of a job, as cron ran it: /bin/sh -c '<the cron command>' as the job's user, with cron's
// environment (HOME, LOGNAME, SHELL=/bin/sh, PATH=/usr/bin:/bin and the crontab's own VAR= lines),
// in the directory the run started in — less the words that are only for cron (`ionice …`: I/O
// priority for the night; `with_reboot_lock [NAME]`: a person re-running decides about reboots, and
// a stale lock file would make the re-run wait for ever), with env-sync-run in it so the markers
// record the re-run, and with a non-default state directory kept so the alert clears. Everything
// else stays sh text, so VAR=value, ~/, quotes, $VAR and redirections work as they did under cron.
import { shellQuote } from '../common/shell.js';
import type { User } from '../common/users.js';
import { splitWords, type Token } from './words.js';

/** Where a job's command comes from, and what it is. */
export interface CronCommand {
  /** The sh text cron runs (or the recorded cron ancestor ran): the command part of the crontab line. */
  command: string;
  /** The crontab's VAR=value lines in force for it. */
  env: Record<string, string>;
  /** The directory the run started in (the marker's record); null: cron's own, the user's home. */
  cwd: string | null;
  /** `the crontab line 7`, `the job inventory (line 7)`, `the cron command recorded in MARKER`. */
  source: string;
  /** A secret was redacted from it: it cannot be run as shown. */
  redacted: boolean;
}

export interface RerunTarget {
  job: string;
  /** The part of a job run in parts (JOBLIST), when only that part is to run again. */
  part?: string | null | undefined;
  /** The state directory the checks read, kept when it is not the default. */
  stateDir: string;
  defaultStateDir: string;
  /** The env-sync-run to add where the line lacks it (an absolute path: cron's PATH may not have it). */
  envSyncRun: string;
}

export interface RerunPlan {
  user: User;
  /** cron's environment for the user, then the crontab's lines. */
  env: Array<[string, string]>;
  /** The sh text to run. */
  script: string;
  source: string;
}

const CRON_PATH = '/usr/bin:/bin';
const isAssignment = (w: string) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(w);
const isIonice = (w: string) => /(^|\/)ionice$/.test(w);
const isRebootLock = (w: string) => /(^|\/)with_reboot_lock$/.test(w);
const isEnvdir = (w: string) => /(^|\/)envdir$/.test(w);
const isEnv = (w: string) => /(^|\/)env$/.test(w);
const isWrapper = (w: string) => /(^|\/)env-sync-run$/.test(w);

/** The tokens of the first simple command of a line (before any |, ;, & or redirection). */
function firstCommand(line: string): Token[] {
  const { tokens, firstCommandEnd } = splitWords(line);
  return tokens.filter((t) => t.end <= firstCommandEnd);
}

/**
 * The cron command with the words only cron needs taken out and env-sync-run put in: sh text.
 * `ionice [options]` and `with_reboot_lock [NAME]` go (where they lead the command, after any
 * VAR=value words); env-sync-run is added, with --job (and --part, and a non-default --state-dir),
 * right before the command after VAR=value, `envdir DIR` and `env VAR=…` words.
 */
export function rerunScript(cmd: Pick<CronCommand, 'command'>, t: RerunTarget): string {
  let text = cmd.command.trim();
  // Drop the cron-only words, from the text itself.
  for (;;) {
    const toks = firstCommand(text);
    let i = 0;
    while (i < toks.length && isAssignment(toks[i]!.value)) i++;
    const head = toks[i];
    if (!head) break;
    let drop = 0;
    if (isIonice(head.value)) {
      drop = 1;
      while (i + drop < toks.length && toks[i + drop]!.value.startsWith('-')) drop += /^-[cnt]$/.test(toks[i + drop]!.value) ? 2 : 1;
    } else if (isRebootLock(head.value)) {
      // New form: a lock name follows; old form: the command (an absolute path) follows directly.
      const next = toks[i + 1]?.value;
      drop = next !== undefined && !next.startsWith('/') && !isEnvdir(next) && !isEnv(next) && !isAssignment(next) ? 2 : 1;
    } else break;
    const from = head.start;
    const to = toks[i + drop]?.start ?? toks[i + drop - 1]!.end;
    text = text.slice(0, from) + text.slice(to);
  }
  const toks = firstCommand(text);
  const stateDirWords = t.stateDir !== t.defaultStateDir ? ['--state-dir', t.stateDir] : [];
  const wrapperAt = toks.findIndex((k) => isWrapper(k.value));
  if (wrapperAt !== -1) {
    // Already wrapped: keep it, and make sure it writes where the checks read.
    const given = toks.slice(wrapperAt + 1).some((k) => k.value === '--state-dir' || k.value.startsWith('--state-dir='));
    if (!stateDirWords.length || given) return text;
    const at = toks[wrapperAt]!.end;
    return `${text.slice(0, at)} ${shellQuote(stateDirWords)}${text.slice(at)}`;
  }
  let i = 0;
  for (;;) {
    const w = toks[i]?.value;
    if (w === undefined) break;
    if (isAssignment(w)) i++;
    else if (isEnvdir(w)) i += 2;
    else if (isEnv(w)) {
      i++;
      while (toks[i] && isAssignment(toks[i]!.value)) i++;
    } else break;
  }
  const wrapper = [t.envSyncRun, '--job', t.job, ...(t.part ? ['--part', t.part] : []), ...stateDirWords, '--'];
  const at = toks[i]?.start ?? text.length;
  return `${text.slice(0, at)}${shellQuote(wrapper)} ${text.slice(at)}`.trimEnd();
}

/** What to run, as whom, in what environment. */
export function rerunPlan(cmd: CronCommand, user: User, t: RerunTarget): RerunPlan {
  const cwd = cmd.cwd ?? user.home;
  const script = `cd ${shellQuote([cwd || '/'])} && ${rerunScript(cmd, t)}`;
  const env = new Map<string, string>([
    ['HOME', user.home],
    ['LOGNAME', user.name],
    ['SHELL', '/bin/sh'],
    ['PATH', CRON_PATH],
  ]);
  for (const [k, v] of Object.entries(cmd.env)) env.set(k, v);
  return { user, env: [...env], script, source: cmd.source };
}

const inEnv = (plan: RerunPlan) => ['env', '-i', ...plan.env.map(([k, v]) => `${k}=${v}`), '/bin/sh', '-c', plan.script];

/**
 * The words `env-sync rerun` runs, from a process running as `runnerUid`. They run in a session of
 * their own with no terminal (src/cli/detached.ts), as cron runs a job: root switches user with
 * runuser; another user with `sudo -n`, which cannot ask for a password without a terminal.
 */
export function rerunArgv(plan: RerunPlan, runnerUid: number): string[] {
  if (runnerUid === plan.user.uid) return inEnv(plan);
  if (runnerUid === 0) return ['runuser', '-u', plan.user.name, '--', ...inEnv(plan)];
  return ['sudo', '-n', '-u', plan.user.name, ...inEnv(plan)];
}

/**
 * The line a person pastes as root, every word shell-quoted. `runuser -P` gives the job a pty of
 * runuser's, in a session of its own, whether or not the paster's stdin is a terminal: nothing of
 * the job's user holds root's terminal, so TIOCSTI cannot type into root's shell, and Ctrl-C still
 * reaches the job (runuser passes it through its pty). sudo would do so only under `Defaults
 * use_pty`, which sudoers may lack. runuser is root's alone: the job's user runs `env-sync rerun JOB`.
 */
export function pasteLine(plan: RerunPlan): string {
  return shellQuote(['runuser', '-P', '-u', plan.user.name, '--', ...inEnv(plan)]);
}
