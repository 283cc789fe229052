// A stranger's terminal escapes, bidi controls and HTML under a wrapped job's tags, from a syslog file
// (a private rsyslogd) and from the journal (a private journald namespace): what the engineer's
// terminal, Icinga and a JSON consumer get of them. A second attack needs a syslog file: the stranger
// sees the wrapper's pid in ps and logs with `logger --id=PID` while the run is on, so the line is
// matched to the run by the pid alone. The stranger is env-sync-test-stranger, the job's user
// env-sync-test-job, the checks run as env-sync-test-checker (in group systemd-journal, as nagios).
import { expect } from 'chai';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exec } from '../support/journald.js';
import { LOGS, syslogLog, type TestLog, wrappedByJobUser } from '../support/logSources.js';
import { plugin, waitUntil } from '../support/proc.js';
import { makeTempDir } from '../support/tmp.js';
import { CHECKER, JOB_USER, STRANGER, jobStateDirIn, withUsers } from '../support/users.js';

const CHECK = plugin('check_env_sync');
const ENV_SYNC = plugin('env-sync');

/** Anything a terminal, Icinga or a JSON consumer could act on: C0 but the line feed, DEL, C1, bidi controls, the separators. */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;
/** Markup: a `<` that starts a tag, as Icinga Web 2 would take it. */
const TAG = /<[A-Za-z/!?]/;

// A clipboard write (OSC 52), hidden text (SGR 8) up to the end of the line, a C1 CSI (U+009B as
// UTF-8), a right-to-left override and an isolate, a bidi mark; and a link.
const HOSTILE = `pg_restore: error: \u001b]52;c;ZWNobyBvd25lZA==\u0007\u001b[8m\u009b8m <a href="https://evil.example/fix">click to fix</a> \u202egnp.exe\u2066\u200f`;

for (const [kind, make] of LOGS) {
  describe(`a stranger's escapes, bidi controls and HTML under a wrapped job's tag, from ${kind === 'syslog' ? 'a syslog file' : 'the journal'}`, function () {
    this.timeout(120_000);
    withUsers(JOB_USER, STRANGER, CHECKER);
    let log: TestLog;
    let tmp: ReturnType<typeof makeTempDir>;
    let state: string;

    before(async () => {
      log = await make();
      tmp = makeTempDir();
      state = jobStateDirIn(tmp.dir);
      // The job's own failed run; its output carries C1 and bidi controls of its own (a tool's
      // coloured, right-to-left message), which its marker's tail must not keep. It ends when the
      // test says so, after the stranger's line: that line is inside the run's span.
      const go = join(tmp.dir, 'go');
      const ran = wrappedByJobUser(
        log,
        state,
        'pull_e',
        `printf 'pg_restore: error: relation missing\\n' >&2; printf 'tool said \\302\\233\\061m\\342\\200\\256 right to left\\n'; while [ ! -e ${go} ]; do sleep 0.05; done; exit 3`,
      );
      await waitUntil(
        'the run has started',
        () => existsSync(join(state, 'pull_e')) && readdirSync(join(state, 'pull_e')).some((f) => f.startsWith('running-')),
        30_000,
      );
      await log.log('env-sync/pull_e', HOSTILE, STRANGER);
      writeFileSync(go, '');
      const ended = await ran;
      expect(ended.code, ended.stderr).to.equal(3);
      await log.settle(/event=finish job=pull_e/);
    });
    after(async () => {
      await log?.stop();
      tmp?.cleanup();
    });

    const asChecker = (args: string[]) =>
      exec('setpriv', [
        `--reuid=${CHECKER}`,
        `--regid=${CHECKER}`,
        '--groups=systemd-journal',
        ...args,
        '--state-dir',
        state,
        '--reboot-lock-dir',
        join(tmp.dir, 'locks'),
        ...log.args,
      ]);

    it('env-sync logs shows every control as visible text, and the "[sent by …]" marker stays in plain view', async () => {
      const r = await asChecker([ENV_SYNC, 'logs', 'pull_e', '--user', JOB_USER]);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).not.to.match(RAW_CONTROL);
      const line = r.stdout.split('\n').find((l) => l.includes('click to fix'));
      expect(line, r.stdout).to.be.a('string');
      // The C1 CSI and the bidi controls pass rsyslog and journald alike; shown, never acted on.
      expect(line).to.contain('\\x9b8m');
      expect(line).to.contain('\\u202egnp.exe\\u2066\\u200f');
      if (kind === 'journal') {
        // ESC reaches the journal as sent: shown as \x1b, so SGR 8 hides nothing after it.
        expect(line).to.contain('\\x1b]52;c;ZWNobyBvd25lZA==\\x07\\x1b[8m');
        expect(line!.endsWith(`[sent by ${STRANGER}, not the job's user or root]`), line).to.equal(true);
      } else {
        // rsyslog writes C0 controls as #NNN itself.
        expect(line).to.contain('#033]52;c;');
      }
    });

    it('check_env_sync: no control reaches Icinga, and the link is no markup (< as ‹)', async () => {
      const r = await asChecker([CHECK, '-j', 'pull_e', '-vv']);
      expect(r.code, r.stdout).to.equal(2);
      expect(r.stdout).to.match(/^ENV_SYNC CRITICAL - pull_e failed with exit 3/);
      expect(r.stdout).not.to.match(RAW_CONTROL);
      expect(r.stdout).not.to.match(TAG);
      expect(r.stdout).to.contain('pg_restore: error: relation missing');
      if (kind === 'syslog') {
        expect(r.stdout).to.contain('\u2039a href="https://evil.example/fix">click to fix\u2039/a>');
        expect(r.stdout).to.contain('\\u202egnp.exe');
      } else expect(r.stdout).not.to.contain('click to fix');
    });

    it('env-sync show and show --json, status --json: the marker tail and the evidence hold no raw control', async () => {
      const show = await asChecker([ENV_SYNC, 'show', 'pull_e', '--user', JOB_USER]);
      expect(show.code, show.stdout + show.stderr).to.equal(2);
      expect(show.stdout + show.stderr).not.to.match(RAW_CONTROL);
      expect(show.stdout).not.to.match(TAG);
      expect(show.stdout).to.contain('tool said 1m right to left');
      const json = await asChecker([ENV_SYNC, 'show', 'pull_e', '--json', '--user', JOB_USER]);
      expect(json.stdout).not.to.match(RAW_CONTROL);
      const doc = JSON.parse(json.stdout) as { verdict: { longOutput: string[] } };
      expect(doc.verdict.longOutput.join('\n')).not.to.match(TAG);
      const status = await asChecker([ENV_SYNC, 'status', '--json', '--user', JOB_USER]);
      expect(status.stdout + status.stderr).not.to.match(RAW_CONTROL);
      expect(() => JSON.parse(status.stdout)).not.to.throw();
    });
  });
}

describe("a stranger logs under the wrapper's pid (logger --id=PID) during a run, into a syslog file", function () {
  this.timeout(120_000);
  withUsers(JOB_USER, STRANGER, CHECKER);
  let log: TestLog;
  let tmp: ReturnType<typeof makeTempDir>;
  let state: string;

  before(async () => {
    log = await syslogLog();
    tmp = makeTempDir();
    state = jobStateDirIn(tmp.dir);
  });
  after(async () => {
    await log?.stop();
    tmp?.cleanup();
  });

  it("its line ranks below the wrapper's own record of the output, says it is unverified, and is no markup", async () => {
    const go = join(tmp.dir, 'go');
    // The sync prints its error and fails once the test says so: the stranger's line comes first.
    const wrapper = wrappedByJobUser(
      log,
      state,
      'pull_p',
      `while [ ! -e ${go} ]; do sleep 0.05; done; echo 'pg_restore: error: relation "events" does not exist' >&2; exit 3`,
    );
    const text = await log.rsyslog!.waitFor(/env-sync-run\[\d+\]: event=start job=pull_p /);
    // What the stranger sees in ps: the wrapper's pid (here read from the line it logged).
    const pid = Number(/env-sync-run\[(\d+)\]: event=start job=pull_p /.exec(text)![1]);
    const forged = await exec('setpriv', [
      `--reuid=${STRANGER}`,
      `--regid=${STRANGER}`,
      '--clear-groups',
      'logger',
      '-u',
      log.socket,
      `--id=${pid}`,
      '-t',
      'env-sync/pull_p',
      '--',
      '<a href="https://evil.example/">pg_restore: error: fixed, click here</a>',
    ]);
    expect(forged.code, forged.stderr).to.equal(0);
    await log.rsyslog!.waitFor(new RegExp(`env-sync/pull_p\\[${pid}\\]: <a href`));
    writeFileSync(go, '');
    const ran = await wrapper;
    expect(ran.code, ran.stderr).to.equal(3);
    await waitUntil(
      'the run is recorded',
      () => existsSync(join(state, 'pull_p', 'state.json')) && !readdirSync(join(state, 'pull_p')).some((f) => f.startsWith('running-')),
    );

    const r = await exec('setpriv', [
      `--reuid=${CHECKER}`,
      `--regid=${CHECKER}`,
      '--clear-groups',
      CHECK,
      '-j',
      'pull_p',
      '-v',
      '--state-dir',
      state,
      '--reboot-lock-dir',
      join(tmp.dir, 'locks'),
      ...log.args,
    ]);
    expect(r.code, r.stdout).to.equal(2);
    expect(r.stdout).not.to.match(TAG);
    const lines = r.stdout.split('\n');
    const evidence = lines.slice(
      lines.findIndex((l) => l.startsWith('Evidence')) + 1,
      lines.findIndex((l) => l.startsWith('Re-run')),
    );
    const ownAt = evidence.findIndex((l) => /env-sync\/pull_p: pg_restore: error: relation "events" does not exist$/.test(l));
    const forgedAt = evidence.findIndex((l) => l.includes('fixed, click here'));
    expect(ownAt, r.stdout).to.be.at.least(0);
    // Logged earlier, the stranger's line still ranks below every line the wrapper's record confirms.
    expect(forgedAt, r.stdout).to.equal(evidence.length - 1);
    expect(ownAt).to.be.lessThan(forgedAt);
    expect(evidence[forgedAt]).to.match(
      /^\(unverified: matched by pid only\) \S+: \d\d:\d\d:\d\d env-sync\/pull_p: \u2039a href="https:\/\/evil.example\/">pg_restore: error: fixed, click here\u2039\/a>$/,
    );
    expect(evidence.filter((l) => l.startsWith('(unverified')).length, r.stdout).to.equal(1);
  });
});
