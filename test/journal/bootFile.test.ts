import { expect } from 'chai';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectJournal } from '../../src/journal/read.js';
import type { JournalEntry, JournalReadResult } from '../../src/journal/types.js';
import { currentBootId, journalChildAs, writeJournalFile } from '../support/journald.js';
import { makeTempDir } from '../support/tmp.js';

type Collected = JournalReadResult & { entries: JournalEntry[] };

// A journal file from export format (systemd-journal-remote): entries of a boot that is not this one,
// as a host that rebooted in the middle of a sync leaves them.
describe('journal files of another boot (systemd-journal-remote, journalctl --file)', function () {
  this.timeout(60_000);
  const tmp = makeTempDir('journal-file-');
  after(() => tmp.cleanup());
  const OLD_BOOT = '0123456789abcdef0123456789abcdef';
  const NOW_BOOT = currentBootId();
  const T0 = 1_795_600_000_000_000; // µs
  const file = join(tmp.dir, 'remote.journal');
  const base = { _HOSTNAME: 'db1', _MACHINE_ID: '3d1219c7c4c5404aaa1f6d2a48adfda4', _TRANSPORT: 'syslog' };

  before(async () => {
    await writeJournalFile(file, [
      {
        ...base,
        __REALTIME_TIMESTAMP: T0,
        _BOOT_ID: OLD_BOOT,
        _UID: 1001,
        _PID: 4242,
        _COMM: 'logger',
        SYSLOG_IDENTIFIER: 'govuk_env_sync.sh',
        MESSAGE: 'Starting "-f /etc/govuk_env_sync/pull_x.cfg"',
      },
      {
        ...base,
        __REALTIME_TIMESTAMP: T0 + 1_000_000,
        _BOOT_ID: OLD_BOOT,
        _UID: 1001,
        _PID: 4243,
        SYSLOG_IDENTIFIER: 'env-sync/pull_x',
        MESSAGE: Buffer.concat([Buffer.from('pg_restore: '), Buffer.from([0xff]), Buffer.from('\nsecond line')]),
      },
      { ...base, __REALTIME_TIMESTAMP: T0 + 600_000_000, _BOOT_ID: NOW_BOOT, _UID: 0, _PID: 1, SYSLOG_IDENTIFIER: 'systemd', MESSAGE: 'Started cron.service' },
    ]);
  });

  it('gives each entry the boot it was written in, and the fields the file holds', async () => {
    const r = await collectJournal({ file, matches: [] });
    expect(r.problems).to.deep.equal([]);
    expect(r.entries.map((e) => [e.tag, e.bootId, e.uid, e.timeUsec])).to.deep.equal([
      ['systemd', NOW_BOOT, 0, T0 + 600_000_000],
      ['env-sync/pull_x', OLD_BOOT, 1001, T0 + 1_000_000],
      ['govuk_env_sync.sh', OLD_BOOT, 1001, T0],
    ]);
    expect(r.entries[1]!.message).to.equal('pg_restore: \uFFFD\nsecond line');
    expect(r.entries.every((e) => e.file === file && e.host === 'db1')).to.equal(true);
  });

  it('reads one boot (--boot) and the job lines of a time window in the file', async () => {
    const old = await collectJournal({ file, matches: [], boot: OLD_BOOT });
    expect(old.entries.map((e) => e.tag)).to.deep.equal(['env-sync/pull_x', 'govuk_env_sync.sh']);
    const job = await collectJournal({
      file,
      matches: [{ SYSLOG_IDENTIFIER: ['govuk_env_sync.sh', 'env-sync/pull_x'] }],
      since: new Date(T0 / 1000),
      until: new Date(T0 / 1000 + 500),
    });
    expect(job.entries.map((e) => e.message)).to.deep.equal(['Starting "-f /etc/govuk_env_sync/pull_x.cfg"']);
  });

  it('reads a directory of journal files (--directory)', async () => {
    const r = await collectJournal({ directory: tmp.dir, matches: [{ SYSLOG_IDENTIFIER: 'systemd' }] });
    expect(r.entries.map((e) => [e.message, e.file])).to.deep.equal([['Started cron.service', tmp.dir]]);
  });

  it('problems: no such file, a file that is no journal, a file the user may not read', async () => {
    const gone = join(tmp.dir, 'gone.journal');
    expect((await collectJournal({ file: gone, matches: [] })).problems).to.deep.equal([
      { path: gone, problem: 'does not exist', fix: `check the journal file's path (${gone})` },
    ]);

    const junk = join(tmp.dir, 'junk.journal');
    writeFileSync(junk, 'not a journal\n');
    expect((await collectJournal({ file: junk, matches: [] })).problems).to.deep.equal([
      {
        path: junk,
        problem: 'journalctl exited 1: Failed to open files: No data available',
        fix: `check that ${junk} is a journal file (journalctl --file ${junk} --verify)`,
      },
    ]);

    chmodSync(file, 0o600);
    const denied = await journalChildAs<Collected>('nobody', 'read', { file, matches: [] });
    expect(denied.count).to.equal(0);
    expect(denied.problems).to.deep.equal([
      { path: file, problem: 'permission denied (journalctl: Failed to open files: Permission denied)', fix: `make ${file} readable by user nobody` },
    ]);
  });
});
