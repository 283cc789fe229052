// The two logs a check can read, behind one face for table tests: a private rsyslogd writing a syslog
// file, and a private namespaced systemd-journald. Lines go to either through its socket (logger -u,
// the wrapper's --syslog-socket, a sync script's ENV_SYNC_SYSLOG_SOCKET); the check is pointed at it
// with `args`.
import { startJournald, exec, type Journald } from './journald.js';
import { startRsyslog, type Rsyslog } from './rsyslog.js';
import { plugin, sleep } from './proc.js';
import { asUser, JOB_USER } from './users.js';

export interface TestLog {
  kind: 'syslog' | 'journal';
  /** Where lines are sent: rsyslog's socket, or the namespace's dev-log. */
  socket: string;
  /** What a check, env-sync or the wrapper's passive verdict is given to read this log. */
  args: string[];
  /** The label evidence lines start with: the syslog file, or `journal:NS`. */
  label: string;
  /** Resolves once every line sent before the call can be read (rsyslog: the pattern is in its file). */
  settle(pattern: RegExp): Promise<void>;
  /** `logger -u socket --tag TAG MESSAGE`, as USER if given, then settles on the message. */
  log(tag: string, message: string, user?: string): Promise<void>;
  stop(): Promise<void>;
  journald?: Journald;
  rsyslog?: Rsyslog;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export async function syslogLog(): Promise<TestLog> {
  const rs = await startRsyslog({ format: 'rfc3339' });
  const self: TestLog = {
    kind: 'syslog',
    socket: rs.socket,
    args: ['--log', 'syslog', '--syslog', rs.file],
    label: rs.file,
    settle: async (pattern) => void (await rs.waitFor(pattern)),
    async log(tag, message, user) {
      // The same line may be in the file already: wait for one more of it. rsyslog writes a control
      // character as #NNN.
      // eslint-disable-next-line no-control-regex
      const text = escapeRegExp(message).replace(/[\u0000-\u001f]/g, '(?:#\\d{3}|.)');
      const line = new RegExp(` ${escapeRegExp(tag)}(\\[\\d+\\])?: ${text}$`, 'gm');
      const before = (rs.read().match(line) ?? []).length;
      const [cmd, args] = asUser(user, 'logger', ['-u', rs.socket, '--tag', tag, '--', message]);
      const r = await exec(cmd, args);
      if (r.code !== 0) throw new Error(`logger to ${rs.socket} failed: ${r.stderr.trim()}`);
      const end = Date.now() + 10_000;
      while ((rs.read().match(line) ?? []).length <= before) {
        if (Date.now() > end) throw new Error(`rsyslog did not write ${tag}: ${message} to ${rs.file} within 10 s`);
        await sleep(20);
      }
    },
    stop: () => rs.stop(),
    rsyslog: rs,
  };
  return self;
}

export async function journalLog(): Promise<TestLog> {
  const jd = await startJournald();
  return {
    kind: 'journal',
    socket: jd.devLog,
    args: ['--log', 'journal', '--journal-namespace', jd.namespace],
    label: `journal:${jd.namespace}`,
    settle: () => jd.sync(),
    log: (tag, message, user) => jd.log(tag, message, user ? { user } : {}),
    stop: () => jd.stop(),
    journald: jd,
  };
}

/** Both logs, for a table run over each: `for (const make of LOGS) describe(…)`. */
export const LOGS: Array<[TestLog['kind'], () => Promise<TestLog>]> = [
  ['syslog', syslogLog],
  ['journal', journalLog],
];

/** `sh -c script` wrapped by env-sync-run as job `job`, run by the job's user, logging to `log`. */
export function wrappedByJobUser(log: TestLog, state: string, job: string, script: string) {
  return exec(...asUser(JOB_USER, plugin('env-sync-run'), ['--state-dir', state, '--syslog-socket', log.socket, '--job', job, '--', 'sh', '-c', script]));
}
