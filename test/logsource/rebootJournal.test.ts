// An unwrapped job leaves no marker whose boot id could say that the host rebooted under its run. Its
// journal lines carry the boot they were written in (_BOOT_ID): a run that started in another boot
// and logged no end was interrupted by a reboot. The journal file holding another boot's lines is
// written from export format by systemd-journal-remote and read with --journal-file; the same lines
// in a syslog file can only say "running".
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeJournalFile } from '../support/journald.js';
import { plugin, run } from '../support/proc.js';
import { liveScript } from '../support/scriptProcess.js';
import { makeTempDir, stateDirIn } from '../support/tmp.js';

const CHECK = plugin('check_env_sync');
const OLD_BOOT = '0123456789abcdef0123456789abcdef';
const NOW_BOOT = 'fedcba9876543210fedcba9876543210';
const ARGV = (job: string) => `/usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/${job}.cfg`;

describe('runs of an unwrapped job that a reboot interrupted (_BOOT_ID)', function () {
  this.timeout(60_000);
  const tmp = makeTempDir();
  after(() => tmp.cleanup());
  const state = stateDirIn(tmp.dir);
  const journal = join(tmp.dir, 'boots.journal');
  const syslog = join(tmp.dir, 'syslog');
  const bootFile = join(tmp.dir, 'boot_id');
  const at = (minutesAgo: number) => new Date(Math.floor((Date.now() - minutesAgo * 60_000) / 1000) * 1000);
  // pull_r started in the boot before this one and never ended; pull_n started in this boot and is
  // still going; pull_c ran in the last boot and completed.
  const LINES: Array<[number, string, string]> = [
    [300, OLD_BOOT, `Starting "${ARGV('pull_c')}"`],
    [290, OLD_BOOT, `Completed "${ARGV('pull_c')}"`],
    [120, OLD_BOOT, `Starting "${ARGV('pull_r')}"`],
    [30, NOW_BOOT, `Starting "${ARGV('pull_n')}"`],
  ];
  before(async () => {
    // This boot's id as the kernel writes it, with dashes.
    writeFileSync(bootFile, `${NOW_BOOT.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5')}\n`);
    await writeJournalFile(
      journal,
      LINES.map(([ago, boot, message], i) => ({
        __REALTIME_TIMESTAMP: at(ago).getTime() * 1000,
        _BOOT_ID: boot,
        _UID: 0,
        _PID: 200 + i,
        _HOSTNAME: 'db1',
        _TRANSPORT: 'syslog',
        SYSLOG_IDENTIFIER: 'govuk_env_sync.sh',
        MESSAGE: message,
      })),
    );
    writeFileSync(syslog, LINES.map(([ago, , message]) => `${at(ago).toISOString()} db1 govuk_env_sync.sh: ${message}`).join('\n') + '\n');
  });

  const check = async (job: string, logArgs: string[]) => {
    const r = await run(CHECK, ['-j', job, '--state-dir', state, '--boot-id-file', bootFile, '--reboot-lock-dir', join(tmp.dir, 'locks'), ...logArgs]);
    return { code: r.code, first: r.stdout.split('\n')[0]!, out: r.stdout };
  };
  const fromJournal = ['--journal-file', journal];
  const fromSyslog = ['--log', 'syslog', '--syslog', syslog];

  it('a run started in another boot with no end: CRITICAL, interrupted by a reboot (from a syslog file: only that it ended without an end line)', async () => {
    const r = await check('pull_r', fromJournal);
    expect(r.code, r.out).to.equal(2);
    expect(r.first, r.out).to.match(
      /^ENV_SYNC CRITICAL - pull_r run started (yesterday )?\d\d:\d\d was interrupted by a reboot \(its journal lines are from boot 0123456789ab…, not this boot\) and logged no end\|(.* )?running=0;;;0;1$/,
    );
    expect(r.out).to.contain(`Judged from the lines of journal file ${journal} alone, whose senders (_UID) are only what the file says`);
    // A syslog file records no boot: only that nothing runs the cfg any more.
    const s = await check('pull_r', fromSyslog);
    expect(s.code, s.out).to.equal(2);
    expect(s.first).to.match(/^ENV_SYNC CRITICAL - pull_r run started (yesterday )?\d\d:\d\d ended without a Completed or Error running line/);
  });

  it('a run started in this boot is running (its script is); a run of the last boot that completed is a success', async () => {
    const script = liveScript(tmp.dir, '/etc/govuk_env_sync/pull_n.cfg');
    const n = await check('pull_n', fromJournal).finally(() => script.stop());
    expect(n.code, n.out).to.equal(0);
    expect(n.first, n.out).to.match(/^ENV_SYNC OK - pull_n running since (yesterday )?\d\d:\d\d \(for 30m\)\|(.* )?running=1;;;0;1$/);
    const c = await check('pull_c', fromJournal);
    expect(c.code, c.out).to.equal(0);
    expect(c.first).to.match(/^ENV_SYNC OK - pull_c last run succeeded at /);
  });

  it("says nothing of reboots when this boot's id is not known (a boot id file that holds no boot id)", async () => {
    writeFileSync(bootFile, 'not a boot id\n');
    try {
      const r = await check('pull_r', fromJournal);
      expect(r.first, r.out).to.match(/^ENV_SYNC CRITICAL - pull_r run started (yesterday )?\d\d:\d\d ended without a Completed or Error running line/);
      expect(r.out).not.to.contain('reboot');
    } finally {
      writeFileSync(bootFile, `${NOW_BOOT}\n`);
    }
  });
});
