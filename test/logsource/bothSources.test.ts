// Every verdict the syslog-file tests reach from log lines (test/check/plugin.test.ts,
// test/syslog/syslog.test.ts), reached again from the journal: the same cases run over a real
// rsyslogd's file and a real namespaced systemd-journald, with lines written by logger, by the
// wrapper (--syslog-socket) and by the sample sync script, and by the real govuk_env_sync.sh
// (../shared/govuk-puppet) inside a host-like mount namespace whose /dev/log is the log's socket.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chooseLog } from '../../src/logsource/choose.js';
import { collectRunEvidence, findLastSyslogOnlyRun } from '../../src/joblog/jobQueries.js';
import type { ScanOptions } from '../../src/logsource/types.js';
import { envDir, filesPushCfg, makeHostChain, type HostChain } from '../support/hostChain.js';
import { currentBootId, writeJournalFile } from '../support/journald.js';
import { LOGS, type TestLog } from '../support/logSources.js';
import { fixture, plugin, run, shq as q } from '../support/proc.js';
import { liveScript } from '../support/scriptProcess.js';
import { makeTempDir, stateDirIn } from '../support/tmp.js';
import { ensureUser, JOB_USER } from '../support/users.js';

const CHECK = plugin('check_env_sync');
const ALL = plugin('check_env_sync_all');
const ENV_SYNC = plugin('env-sync');
const WRAPPER = plugin('env-sync-run');
const SAMPLE = fixture('sample_govuk_env_sync.sh');
for (const [kind, make] of LOGS) {
  describe(`verdicts from log lines, read from ${kind === 'syslog' ? 'a syslog file' : 'the journal'}`, function () {
    this.timeout(180_000);
    let log: TestLog;
    let tmp: ReturnType<typeof makeTempDir>;
    let state: string;
    let removeUser: () => void;
    before(async () => {
      removeUser = ensureUser(JOB_USER).remove;
      log = await make();
    });
    after(async () => {
      await log?.stop();
      removeUser?.();
    });
    beforeEach(() => {
      tmp = makeTempDir();
      state = stateDirIn(tmp.dir);
    });
    afterEach(() => tmp.cleanup());

    const env = () => ({ ...process.env, ENV_SYNC_SYSLOG_SOCKET: log.socket, ENV_SYNC_STATE_DIR: state });
    const cfg = (name: string, body: string) => {
      const p = join(tmp.dir, `${name}.cfg`);
      writeFileSync(p, body);
      return p;
    };
    const wrap = (args: string[]) => run(WRAPPER, args, { env: env() });
    const sync = (name: string, body: string) => run(SAMPLE, ['-f', cfg(name, body)], { env: env() });
    const check = async (args: string[], logArgs = log.args) => {
      const r = await run(CHECK, ['--reboot-lock-dir', join(tmp.dir, 'locks'), ...logArgs, ...args], { env: env() });
      expect(r.stderr).to.equal('');
      return { code: r.code, first: r.stdout.split('\n')[0]!, out: r.stdout };
    };
    /** The sentence of a verdict from log lines alone, which differs by how far the log's senders can be believed. */
    const caveat = () =>
      kind === 'syslog'
        ? 'Judged from syslog lines alone, which any local user can write (logger)'
        : "Judged from journal lines alone, counting only those journald recorded as sent by the job's user or root";

    it('a wrapped run that succeeded: OK from its marker, with no log read at all', async () => {
      expect((await wrap(['--', SAMPLE, '-f', cfg('pull_ok', 'behaviour=success\n')])).code).to.equal(0);
      await log.settle(/event=finish job=pull_ok/);
      const r = await check(['-j', 'pull_ok']);
      expect(r.code, r.out).to.equal(0);
      expect(r.first).to.match(/^ENV_SYNC OK - pull_ok last run succeeded at /);
      expect(r.out).not.to.contain(log.label);
      // Not even when the log it would read is not there.
      const gone =
        kind === 'syslog'
          ? ['--log', 'syslog', '--syslog', join(tmp.dir, 'gone')]
          : ['--log', 'journal', '--journal-namespace', `${log.journald!.namespace}-gone`];
      const without = await check(['-j', 'pull_ok'], gone);
      expect(without.code, without.out).to.equal(0);
      expect(without.out).not.to.match(/Cannot read|no journal namespace/);
    });

    it('a wrapped run that failed: CRITICAL with its error lines from the log, each naming where it came from', async () => {
      expect((await wrap(['--', SAMPLE, '-f', cfg('pull_fail', 'behaviour=fail\nexit_code=3\n')])).code).to.equal(3);
      await log.settle(/event=finish job=pull_fail/);
      const r = await check(['-j', 'pull_fail']);
      expect(r.code, r.out).to.equal(2);
      expect(r.first).to.match(/^ENV_SYNC CRITICAL - pull_fail failed with exit 3 at (yesterday )?\d\d:\d\d after \d+s; no success on record\|/);
      const evidence = r.out.split('\n').filter((l) => l.startsWith(`${log.label}: `));
      expect(evidence.join('\n'), r.out).to.match(/govuk_env_sync.sh: Error running ".*pull_fail.cfg" in function restore_postgresql on line 212/);
      expect(evidence.join('\n'), r.out).to.match(/env-sync\/pull_fail: pg_restore: error: could not execute query/);
      if (kind === 'journal') {
        expect(r.out).to.contain(`Log read: ${log.label} (--log journal)`);
        // The wrapper ran as root: its loggers' lines carry its pid as _PID and a random _UID (logger
        // 2.38), and count as its own.
        expect(r.out).not.to.contain('ignored');
      }
    });

    it("an unwrapped job that failed: CRITICAL from the script's own lines, saying how far they can be believed; the host-wide views agree", async () => {
      await sync('pull_u', 'behaviour=fail\n');
      await log.settle(/Error running .*pull_u.cfg/);
      const r = await check(['-j', 'pull_u']);
      expect(r.code, r.out).to.equal(2);
      expect(r.first).to.match(/^ENV_SYNC CRITICAL - pull_u failed at (yesterday )?\d\d:\d\d after \d+s; no success in the logs read/);
      expect(r.out).to.contain(caveat());
      expect(r.out).to.match(
        new RegExp(`^${log.label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: \\d\\d:\\d\\d:\\d\\d govuk_env_sync.sh: Error running ".*pull_u.cfg"`, 'm'),
      );
      const crontab = join(tmp.dir, 'crontab');
      writeFileSync(crontab, `19 0 * * * /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_u.cfg\n`);
      const all = await run(ALL, ['--crontab', crontab, ...log.args], { env: env() });
      expect(all.code, all.stdout).to.equal(2);
      expect(all.stdout).to.match(/^\[CRITICAL\] pull_u failed at /m);
      const status = await run(ENV_SYNC, ['status', '--json', '--crontab', crontab, ...log.args], { env: env() });
      expect((JSON.parse(status.stdout) as { jobs: Array<{ job: string; state: number }> }).jobs.map((j) => [j.job, j.state])).to.deep.equal([['pull_u', 2]]);
    });

    it('an unwrapped job: OK once it succeeded, CRITICAL naming the last success when it then failed, OK while running', async () => {
      await sync('pull_s', 'behaviour=success\n');
      await log.settle(/Completed .*pull_s.cfg/);
      const ok = await check(['-j', 'pull_s']);
      expect(ok.code, ok.out).to.equal(0);
      expect(ok.first).to.match(/^ENV_SYNC OK - pull_s last run succeeded at (yesterday )?\d\d:\d\d after \d+s\|/);
      await sync('pull_s', 'behaviour=fail\n');
      await log.settle(/Error running .*pull_s.cfg/);
      const failed = await check(['-j', 'pull_s']);
      expect(failed.code, failed.out).to.equal(2);
      expect(failed.first).to.match(/^ENV_SYNC CRITICAL - pull_s failed at (yesterday )?\d\d:\d\d after \d+s; last success \d+ seconds? ago/);
      await log.log('govuk_env_sync.sh', 'Starting "/usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_s.cfg"');
      // Running while a govuk_env_sync.sh runs its cfg (the checks look in /proc).
      const script = liveScript(tmp.dir, '/etc/govuk_env_sync/pull_s.cfg');
      const running = await check(['-j', 'pull_s', '--max-runtime', '1h']).finally(() => script.stop());
      expect(running.code, running.out).to.equal(0);
      expect(running.first, running.out).to.match(/^ENV_SYNC OK - pull_s running since (yesterday )?\d\d:\d\d \(for \d+s\)\|(.* )?running=1;;;0;1$/);
    });

    it('no record anywhere: --missing chooses the state, and the verdict names the log it looked in', async () => {
      const r = await check(['-j', 'never']);
      expect(r.code, r.out).to.equal(2);
      const where = kind === 'syslog' ? `${log.label} or its rotations` : `the journal (${log.label})`;
      expect(r.first).to.equal(
        `ENV_SYNC CRITICAL - never: no record of this job: nothing in ${state}/never/ and no govuk_env_sync.sh run of never.cfg in ${where}`,
      );
      expect((await check(['-j', 'never', '--missing', 'unknown'])).code).to.equal(3);
    });

    it('finds the failed run after the log is rotated (logrotate, journalctl --rotate)', async () => {
      await wrap(['--', SAMPLE, '-f', cfg('pull_rot', 'behaviour=fail\n')]);
      await log.settle(/event=finish job=pull_rot/);
      let args = log.args;
      let label = log.label;
      if (kind === 'syslog') {
        const logs = join(tmp.dir, 'log');
        mkdirSync(logs);
        const syslog = join(logs, 'syslog');
        copyFileSync(log.rsyslog!.file, syslog);
        const conf = join(tmp.dir, 'logrotate.conf');
        writeFileSync(conf, `${syslog} {\n  rotate 4\n  daily\n  compress\n  delaycompress\n  missingok\n}\n`);
        const r = spawnSync('/usr/sbin/logrotate', ['-f', '-s', join(tmp.dir, 'logrotate.state'), conf]);
        expect(r.status, r.stderr?.toString()).to.equal(0);
        args = ['--log', 'syslog', '--syslog', syslog];
        label = `${syslog}.1`;
      } else await log.journald!.rotate();
      const r = await check(['-j', 'pull_rot'], args);
      expect(r.code, r.out).to.equal(2);
      expect(
        r.out
          .split('\n')
          .filter((l) => l.includes('Error running'))
          .map((l) => l.trim().slice(0, l.trim().indexOf(': '))),
      ).to.deep.equal([label]);
    });

    it("env-sync logs and env-sync show: the job's lines, from the log", async () => {
      await wrap(['--', SAMPLE, '-f', cfg('pull_cli', 'behaviour=fail\n')]);
      await log.settle(/event=finish job=pull_cli/);
      const logs = await run(ENV_SYNC, ['logs', 'pull_cli', ...log.args], { env: env() });
      expect(logs.code, logs.stderr).to.equal(0);
      const lines = logs.stdout.trim().split('\n');
      expect(
        lines.some((l) => /govuk_env_sync.sh(\[\d+\])?: Starting ".*pull_cli.cfg"/.test(l)),
        logs.stdout,
      ).to.equal(true);
      expect(
        lines.some((l) => /env-sync\/pull_cli\[\d+\]: pg_restore: error/.test(l)),
        logs.stdout,
      ).to.equal(true);
      expect(
        lines.some((l) => /env-sync-run\[\d+\]: event=finish job=pull_cli /.test(l)),
        logs.stdout,
      ).to.equal(true);
      expect(
        lines.every((l) => l.includes('pull_cli')),
        logs.stdout,
      ).to.equal(true);
      const show = await run(ENV_SYNC, ['show', 'pull_cli', ...log.args], { env: env() });
      expect(show.code).to.equal(2);
      expect(show.stdout).to.contain(`${log.label}: `);
      expect(show.stdout).to.match(/Error running ".*pull_cli.cfg"/);
    });

    describe('the real govuk_env_sync.sh, on a host whose /dev/log is this log', () => {
      let host: HostChain;
      let chainTmp: ReturnType<typeof makeTempDir>;
      let envd: string;
      let user: { uid: number; gid: number };
      before(() => {
        user = ensureUser(JOB_USER);
        chainTmp = makeTempDir('env-sync-chain-');
        host = makeHostChain(chainTmp.dir, { jobUser: user, rsyslogSocket: log.socket });
        envd = envDir(chainTmp.dir);
      });
      after(() => chainTmp?.cleanup());

      const asJobUser = (command: string) =>
        host.run(`cd / && exec setpriv --reuid=${JOB_USER} --regid=${JOB_USER} --init-groups env -i PATH=/usr/bin:/bin /bin/sh -c ${q(command)}`);
      const hostCheck = (args: string[]) =>
        host.run(`exec /usr/local/bin/check_env_sync ${[...args, ...log.args, '--reboot-lock-dir', host.lockDir].map(q).join(' ')}`);

      it("wrapped and unwrapped pushes that fail (aws denied): CRITICAL with the script's error line from the log", async () => {
        writeFileSync(join(host.control, 'aws-fails'), '');
        const home = join(chainTmp.dir, 'home');
        mkdirSync(home, { recursive: true });
        const wrapped = await asJobUser(
          `cd ${home} && /usr/bin/envdir ${envd} /usr/local/bin/env-sync-run -- /usr/local/bin/govuk_env_sync.sh -f ${filesPushCfg(chainTmp.dir, 'push_w', home, user)}`,
        );
        expect(wrapped.code, wrapped.stdout + wrapped.stderr).to.equal(1);
        const bare = await asJobUser(
          `cd ${home} && /usr/bin/envdir ${envd} /usr/local/bin/govuk_env_sync.sh -f ${filesPushCfg(chainTmp.dir, 'push_u', home, user)}`,
        );
        expect(bare.code, bare.stdout + bare.stderr).to.equal(1);
        await log.settle(/Error running .*push_u.cfg/);
        await log.settle(/event=finish job=push_w/);
        const w = await hostCheck(['--job', 'push_w']);
        expect(w.code, w.stdout + w.stderr).to.equal(2);
        expect(w.stdout).to.match(/^ENV_SYNC CRITICAL - push_w failed with exit 1 /);
        expect(w.stdout, w.stdout).to.match(/Error running ".*push_w.cfg"/);
        expect(w.stdout).to.contain('AccessDenied');
        const u = await hostCheck(['--job', 'push_u', '--user', JOB_USER]);
        expect(u.code, u.stdout + u.stderr).to.equal(2);
        expect(u.stdout).to.match(/^ENV_SYNC CRITICAL - push_u failed at /);
        expect(u.stdout).to.contain(caveat());
      });
    });
  });
}

// test/syslog/syslog.test.ts's unwrapped-job case, with lines hours apart: journald stamps what it
// receives with the time it arrives, so the journal's copy is a journal file written from export
// format (systemd-journal-remote) and read with --journal-file.
describe("the script's lines at chosen times, from a syslog file and from a journal file", function () {
  this.timeout(60_000);
  const NOW = new Date();
  const t = (h: number) => new Date(Math.floor((NOW.getTime() - h * 3600_000) / 1000) * 1000);
  const argv = (j: string) => `/usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/${j}.cfg`;
  const LINES: Array<[number, string, string]> = [
    [30, 'govuk_env_sync.sh', `Starting "${argv('pull_x')}"`],
    [29, 'govuk_env_sync.sh', `Completed "${argv('pull_x')}"`],
    [6, 'govuk_env_sync.sh', `Starting "${argv('pull_x')}"`],
    [5.9, 'env-sync/pull_x', 'pg_restore: error: relation "events" does not exist'],
    [5.5, 'govuk_env_sync.sh', `Starting "${argv('pull_x_other')}"`],
    [5, 'govuk_env_sync.sh', `Error running "${argv('pull_x')}" in function f on line 1 executing "x"`],
    [1, 'govuk_env_sync.sh', `Starting "${argv('push_y')}"`],
  ];
  const tmp = makeTempDir();
  after(() => tmp.cleanup());
  const syslog = join(tmp.dir, 'syslog');
  const journal = join(tmp.dir, 'chosen.journal');
  const sources: Array<[string, ScanOptions]> = [
    ['syslog file', { syslog, rotated: 1, now: NOW, source: chooseLog({ log: 'syslog', syslog }) }],
    ['journal file', { syslog, rotated: 1, now: NOW, source: chooseLog({ syslog, journalFile: journal }) }],
  ];
  before(async () => {
    writeFileSync(syslog, LINES.map(([h, tag, m]) => `${t(h).toISOString()} db1 ${tag}: ${m}`).join('\n') + '\n');
    const boot = currentBootId();
    await writeJournalFile(
      journal,
      LINES.map(([h, tag, m], i) => ({
        __REALTIME_TIMESTAMP: t(h).getTime() * 1000,
        _BOOT_ID: boot,
        _HOSTNAME: 'db1',
        _UID: 0,
        _PID: 100 + i,
        _TRANSPORT: 'syslog',
        SYSLOG_IDENTIFIER: tag,
        MESSAGE: m,
      })),
    );
  });

  for (const [name, o] of sources) {
    it(`${name}: the last run of each job, its outcome, and the last success before a failure`, async () => {
      const x = await findLastSyslogOnlyRun(o, 'pull_x');
      expect(x.run).to.include({ outcome: 'failure' });
      expect(x.run!.start.getTime()).to.equal(t(6).getTime());
      expect(x.lastSuccessEnd!.getTime()).to.equal(t(29).getTime());
      expect((await findLastSyslogOnlyRun(o, 'push_y')).run).to.include({ outcome: 'running' });
      expect((await findLastSyslogOnlyRun(o, 'nothing')).run).to.equal(null);
    });
    it(`${name}: a run's window holds its own lines and no other run's`, async () => {
      const ev = await collectRunEvidence(o, { job: 'pull_x', start: t(6), end: t(5) });
      expect(ev.lines.map((e) => e.message.slice(0, 24))).to.deep.equal(['Starting "/usr/local/bin', 'pg_restore: error: relat', 'Error running "/usr/loca']);
      expect(ev.errorLines.map((e) => e.tag)).to.deep.equal(['env-sync/pull_x', 'govuk_env_sync.sh']);
    });
  }
});
