// The re-run of a job, as cron ran it: /bin/sh -c '<the cron command>' as the job's user, with cron's
// environment (HOME, LOGNAME, SHELL=/bin/sh, PATH=/usr/bin:/bin and the crontab's own VAR= lines),
// in the directory the run started in — less the words that are only for cron (`ionice …`: I/O
// priority for the night; `with_reboot_lock [NAME]`: a person re-running decides about reboots, and
// a stale lock file would make the re-run wait for ever), with env-sync-run in it so the markers
// record the re-run, and with a non-default state directory kept so the alert clears. Everything
// else stays sh text, so VAR=value, ~/, quotes, $VAR and redirections work as they did under cron.
import { shellQuote } from '../common/shell.js';
import type { User } from '../common/users.js';
import { defaultJobName } from '../common/jobName.js';
import { hasControl } from '../output/sanitize.js';
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
  /** The text is a crontab line's command as written, so cron's `%` rule applies to it. */
  crontabText?: boolean;
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
const SYNC_COMMAND = /(^|\/)govuk_env_sync\.sh$/;

/** A simple command of a list: where it stands in the text. */
interface Segment {
  start: number;
  end: number;
}

/**
 * The simple commands of an sh list, split where sh splits them outside quotes: `&&`, `||`, `;`, `|`,
 * `&` (not the `&` of a redirection such as `2>&1`) and newlines. A `(`, `)`, `{` or `}` word groups
 * commands, which a re-run does not take apart: the reason is returned instead.
 */
function listSegments(text: string): Segment[] | string {
  const out: Segment[] = [];
  let from = 0;
  let lastNonBlank = '';
  const cut = (at: number, width: number) => {
    out.push({ start: from, end: at });
    from = at + width;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'") {
      const close = text.indexOf("'", i + 1);
      i = close === -1 ? text.length : close;
    } else if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === '\\') {
      i++;
    } else if (c === '(' || c === ')') {
      if (text[i - 1] !== '$') return 'it runs commands in a subshell ( … )';
    } else if ((c === '{' || c === '}') && /^\s?$/.test(text[i - 1] ?? '') && /^\s?$/.test(text[i + 1] ?? '')) {
      return 'it groups commands in { … }';
    } else if (c === ';' || c === '\n') {
      cut(i, 1);
    } else if (c === '|' || c === '&') {
      if (text[i + 1] === c) cut(i++, 2);
      else if (c === '&' && (lastNonBlank === '>' || lastNonBlank === '<' || text[i + 1] === '>')) {
        // part of a redirection: 2>&1, <&0, &>file
      } else cut(i, 1);
    }
    if (c !== ' ' && c !== '\t') lastNonBlank = c;
  }
  out.push({ start: from, end: text.length });
  return out.filter((s) => text.slice(s.start, s.end).trim() !== '');
}

/** The tokens of a simple command before its first redirection. */
function commandWords(text: string): Token[] {
  const { tokens, firstCommandEnd } = splitWords(text);
  return tokens.filter((t) => t.end <= firstCommandEnd);
}

/** The index of the simple command that runs the job: the one holding env-sync-run, else the job's own command. */
function syncSegment(text: string, segs: Segment[], job: string): number | string {
  const words = segs.map((s) => commandWords(text.slice(s.start, s.end)).map((t) => t.value));
  const wrapped = words.findIndex((w) => w.some(isWrapper));
  if (wrapped !== -1) return wrapped;
  const named = words.findIndex((w) => defaultJobName(w) === job);
  if (named !== -1) return named;
  const sync = words.findIndex((w) => w.some((x) => SYNC_COMMAND.test(x)));
  if (sync !== -1) return sync;
  if (segs.length === 1) return 0;
  return `none of its ${segs.length} commands names the job (no -f …/${job}.cfg, govuk_env_sync.sh or env-sync-run)`;
}

/**
 * The command with the words only cron needs taken out of the simple command that runs the sync, and
 * env-sync-run put in front of that command (never in front of a `cd DIR`, `test -x F` or other
 * command before it): `ionice [options]` and `with_reboot_lock [NAME]` go (where they lead that
 * command, after any VAR=value words); env-sync-run is added, with --job (and --part, and a
 * non-default --state-dir), after VAR=value, `envdir DIR` and `env VAR=…` words. A command that
 * already holds env-sync-run keeps it, once. Returns the sh text, or why it cannot be re-run as it is.
 */
export function rerunScript(cmd: Pick<CronCommand, 'command'>, t: RerunTarget): { script: string } | { why: string } {
  const whole = cmd.command.trim();
  const segs = listSegments(whole);
  if (typeof segs === 'string') return { why: segs };
  const at = syncSegment(whole, segs, t.job);
  if (typeof at === 'string') return { why: at };
  const seg = segs[at]!;
  const raw = whole.slice(seg.start, seg.end);
  const from = seg.start + raw.length - raw.trimStart().length;
  const to = seg.start + raw.trimEnd().length;
  const body = syncCommand(whole.slice(from, to), t);
  if (typeof body !== 'string') return body;
  return { script: `${whole.slice(0, from)}${body}${whole.slice(to)}` };
}

/** One simple command, re-run as rerunScript says. */
function syncCommand(command: string, t: RerunTarget): string | { why: string } {
  let text = command;
  // Drop the cron-only words, from the text itself.
  for (;;) {
    const toks = commandWords(text);
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
  const toks = commandWords(text);
  if (toks.length === 0) return { why: 'its command starts with a redirection' };
  const stateDirWords = t.stateDir !== t.defaultStateDir ? ['--state-dir', t.stateDir] : [];
  const wrapperAt = toks.findIndex((k) => isWrapper(k.value));
  if (wrapperAt !== -1) {
    // Already wrapped: keep it, and make sure it writes where the checks read.
    const given = toks.slice(wrapperAt + 1).some((k) => k.value === '--state-dir' || k.value.startsWith('--state-dir='));
    if (!stateDirWords.length || given) return text.trimEnd();
    const end = toks[wrapperAt]!.end;
    return `${text.slice(0, end)} ${shellQuote(stateDirWords)}${text.slice(end)}`.trimEnd();
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

/**
 * A crontab line's command as cron hands it to sh (crontab(5)): the first `%` not escaped by a
 * backslash ends the command and the rest, each `%` a newline, becomes its standard input; `\\%` is a
 * literal `%`. A re-run honours the literal; standard input it cannot give in one pasteable line.
 */
export function cronCommandText(line: string): { text: string } | { why: string } {
  let text = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && line[i + 1] === '%') {
      text += '%';
      i++;
    } else if (c === '%') {
      if (line.slice(i + 1) === '') break;
      return { why: "its crontab line gives the command standard input after an unescaped % (cron's rule): re-run it by hand with that input" };
    } else text += c;
  }
  return { text };
}

/** DIR of `cd DIR &&` when that is how the list starts (a Re-run line starts so, and some crontab lines do); and whether DIR is a fixed absolute path. */
function leadingCd(script: string): { dir: string; absolute: boolean } | null {
  const { tokens } = splitWords(script);
  const dir = tokens[1];
  if (tokens[0]?.value !== 'cd' || !dir || tokens[2]?.value !== '&' || tokens[3]?.value !== '&' || tokens[3].start !== tokens[2].end) return null;
  return { dir: dir.value, absolute: dir.value.startsWith('/') && !/[$`]/.test(script.slice(dir.start, dir.end)) };
}

/** Whether a command before the one that runs the job is a `cd`: the shell is elsewhere by the time the job starts. */
function changesDirFirst(script: string, job: string): boolean {
  const segs = listSegments(script);
  if (typeof segs === 'string') return false;
  const at = syncSegment(script, segs, job);
  if (typeof at === 'string') return false;
  return segs.slice(0, at).some((s) => commandWords(script.slice(s.start, s.end)).find((w) => !isAssignment(w.value))?.value === 'cd');
}

/**
 * The directory the command is to start in, and whether the text says so itself. A crontab line
 * starts in the user's home, as cron starts it. A recorded command was recorded with its shell's
 * directory when the job started — after any `cd` in the line before the job: such a line started
 * where its leading `cd ABSOLUTE &&` says (a pasted Re-run line), else where cron starts every line,
 * the home directory (`cd sub && …` recorded in ~/sub began in ~).
 */
function startDir(cmd: CronCommand, script: string, user: User, job: string): { dir: string; inText: boolean } {
  const home = user.home || '/';
  const lead = leadingCd(script);
  let dir = (cmd.cwd ?? home) || '/';
  if (cmd.cwd !== null && changesDirFirst(script, job)) {
    if (lead?.absolute) return { dir: lead.dir, inText: true };
    dir = home;
  }
  return { dir, inText: lead?.dir === dir };
}

/** What to run, as whom, in what environment; or why the command cannot be re-run as it stands. */
export function rerunPlan(cmd: CronCommand, user: User, t: RerunTarget): RerunPlan | { why: string } {
  let command = cmd.command;
  if (cmd.crontabText) {
    const text = cronCommandText(command);
    if ('why' in text) return text;
    command = text.text;
  }
  const made = rerunScript({ command }, t);
  if ('why' in made) return made;
  // A command that starts in its directory already (a pasted Re-run line, recorded) gets no second cd.
  const start = startDir(cmd, made.script, user, t.job);
  const script = start.inText ? made.script : `cd ${shellQuote([start.dir])} && ${made.script}`;
  const env = new Map<string, string>([
    ['HOME', user.home],
    ['LOGNAME', user.name],
    ['SHELL', '/bin/sh'],
    ['PATH', CRON_PATH],
  ]);
  for (const [k, v] of Object.entries(cmd.env)) env.set(k, v);
  // The line is pasted into root's terminal as it stands: a control character in it (an escape
  // sequence, a tab that bash completes on, a bidi control that reorders what root reads) would act
  // there, not be run. Such a line is refused, never shown.
  if (hasControl(script) || [...env].some(([k, v]) => hasControl(k) || hasControl(v))) {
    return {
      why: 'it holds control characters (an escape sequence, a tab or a bidi control), which a terminal would act on: read the crontab line and re-run it by hand',
    };
  }
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
