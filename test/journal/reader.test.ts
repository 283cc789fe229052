import { expect } from 'chai';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { collectJournal, readJournal } from '../../src/journal/read.js';
import type { JournalEntry, JournalQuery, JournalReadResult } from '../../src/journal/types.js';
import { StageTimeoutError } from '../../src/syslog/types.js';
import { currentBootId, ensureUser, journalChildAs, startJournald, type Journald } from '../support/journald.js';
import { pidAlive, sleep, waitUntil } from '../support/proc.js';
import { makeTempDir } from '../support/tmp.js';

const STRANGER = 'env-sync-test-stranger';

type Collected = JournalReadResult & { entries: JournalEntry[] };

describe('journal reader against a real systemd-journald', function () {
  this.timeout(120_000);
  let jd: Journald;
  let stranger: { uid: number; remove: () => void };
  const tmp = makeTempDir('journal-reader-');
  // A moment strictly between two writes: journald stamps entries when it receives them, and
  // journalctl's --since/--until take milliseconds, so a few ms on each side keep an entry from
  // sharing the boundary's millisecond.
  const boundary = async () => {
    await sleep(5);
    const t = new Date();
    await sleep(5);
    return t;
  };

  before(async () => {
    stranger = ensureUser(STRANGER);
    jd = await startJournald();
  });
  after(async () => {
    await jd?.stop();
    stranger?.remove();
    tmp.cleanup();
  });

  const q = (more: Omit<JournalQuery, 'namespace'>): JournalQuery => ({ namespace: jd.namespace, ...more });
  const messages = (r: { entries: JournalEntry[] }) => r.entries.map((e) => e.message);

  it("stamps each dev-log line with its sender's real uid (root, a created user, nobody), logger's pid and this boot", async () => {
    await jd.log('uid-test', 'as root');
    await jd.log('uid-test', 'as stranger', { user: STRANGER });
    await jd.log('uid-test', 'as nobody', { user: 'nobody' });
    const r = await collectJournal(q({ matches: [{ SYSLOG_IDENTIFIER: 'uid-test' }] }));
    expect(r.problems).to.deep.equal([]);
    expect(r.entries.map((e) => [e.message, e.uid])).to.deep.equal([
      ['as nobody', 65534],
      ['as stranger', stranger.uid],
      ['as root', 0],
    ]);
    for (const e of r.entries) {
      expect(e.bootId).to.equal(currentBootId());
      expect(e.host).to.equal(hostname());
      expect(e.transport).to.equal('syslog');
      expect(e.file).to.equal(`journal:${jd.namespace}`);
      expect(e.pid).to.equal(e.trustedPid); // no SYSLOG_PID without logger --id: the pid is _PID
    }
  });

  it('keeps the pid a line claims (SYSLOG_PID) apart from the pid that sent it (_PID), and has _COMM of a sender still alive', async () => {
    const loggerPid = await jd.logKeptOpen('pid-test', 'claims pid 1\n', 1, { user: STRANGER, extraArgs: ['--id=1'] });
    const [e] = (await collectJournal(q({ matches: [{ SYSLOG_IDENTIFIER: 'pid-test' }] }))).entries;
    expect(e).to.include({ message: 'claims pid 1', pid: 1, trustedPid: loggerPid, uid: stranger.uid, comm: 'logger' });
  });

  it('matches fields: several values of one field OR, fields of a group AND, groups OR (+)', async () => {
    await jd.log('match-a', 'a by root');
    await jd.log('match-a', 'a by stranger', { user: STRANGER });
    await jd.log('match-b', 'b by root');
    await jd.log('match-c', 'c by root');
    await jd.log('match-d', 'd by root');
    const either = await collectJournal(q({ matches: [{ SYSLOG_IDENTIFIER: ['match-a', 'match-b'] }] }));
    expect(messages(either)).to.deep.equal(['b by root', 'a by stranger', 'a by root']);
    const groups = await collectJournal(q({ matches: [{ SYSLOG_IDENTIFIER: 'match-a', _UID: '0' }, { SYSLOG_IDENTIFIER: 'match-c' }] }));
    expect(messages(groups)).to.deep.equal(['c by root', 'a by root']);
  });

  it('reads a time window, newest first or oldest first, and at most N entries saying the count was reached', async () => {
    await jd.log('window', 'w1');
    const t1 = await boundary();
    await jd.log('window', 'w2');
    await jd.log('window', 'w3');
    const t2 = await boundary();
    await jd.log('window', 'w4');
    const m = [{ SYSLOG_IDENTIFIER: 'window' }];
    expect(messages(await collectJournal(q({ matches: m, since: t1, until: t2 })))).to.deep.equal(['w3', 'w2']);
    expect(messages(await collectJournal(q({ matches: m, since: t1, until: t2, newestFirst: false })))).to.deep.equal(['w2', 'w3']);
    expect(messages(await collectJournal(q({ matches: m, since: t1 })))).to.deep.equal(['w4', 'w3', 'w2']);
    const two = await collectJournal(q({ matches: m, maxEntries: 2 }));
    expect(messages(two)).to.deep.equal(['w4', 'w3']);
    expect(two.countReached).to.equal(true);
    const all = await collectJournal(q({ matches: m, maxEntries: 10 }));
    expect(messages(all)).to.deep.equal(['w4', 'w3', 'w2', 'w1']);
    expect(all.countReached).to.equal(false);
  });

  it('stops journalctl when the visitor has what it needs', async () => {
    const seen: string[] = [];
    const r = await readJournal(q({ matches: [{ SYSLOG_IDENTIFIER: 'window' }] }), (e) => {
      seen.push(e.message);
      return true;
    });
    expect(seen).to.deep.equal(['w4']);
    expect(r).to.include({ count: 1, stoppedEarly: true });
    expect(r.problems).to.deep.equal([]);
  });

  it('decodes a binary MESSAGE (control bytes, invalid UTF-8) lossily, and keeps a message over 4096 bytes whole', async () => {
    const long = `long ${'x'.repeat(6000)}`;
    await jd.logKeptOpen('bytes', Buffer.concat([Buffer.from('bin\x01ary '), Buffer.from([0xff, 0xfe]), Buffer.from(' end\n')]), 1);
    await jd.log('bytes', long, { extraArgs: ['--size', '8192'] });
    const r = await collectJournal(q({ matches: [{ SYSLOG_IDENTIFIER: 'bytes' }], newestFirst: false }));
    expect(messages(r)).to.deep.equal(['bin\u0001ary \uFFFD\uFFFD end', long]);
  });

  it('--grep: only entries whose MESSAGE matches, case-sensitively, a binary MESSAGE too', async () => {
    await jd.logKeptOpen('grep-test', Buffer.from('bin\x01ary /pull_x.cfg\n'), 1);
    await jd.log('grep-test', 'Starting "/usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_x.cfg"');
    await jd.log('grep-test', 'Starting "-f /etc/govuk_env_sync/PULL_X.CFG"');
    await jd.log('grep-test', 'Starting "-f /etc/govuk_env_sync/pull_y.cfg"');
    const r = await collectJournal(q({ matches: [{ SYSLOG_IDENTIFIER: 'grep-test' }], grep: '/pull_x\\.cfg' }));
    expect(r.problems).to.deep.equal([]);
    expect(messages(r)).to.deep.equal(['Starting "/usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_x.cfg"', 'bin\u0001ary /pull_x.cfg']);
    // journalctl exits 1, saying nothing, when --grep matched no entry: that is no problem.
    const none = await collectJournal(q({ matches: [{ SYSLOG_IDENTIFIER: 'grep-test' }], grep: '/pull_z\\.cfg' }));
    expect(none).to.include({ count: 0 });
    expect(none.problems).to.deep.equal([]);
  });

  it('a raw filter turns lines away before they are parsed, and counts them', async () => {
    const seen: string[] = [];
    const r = await readJournal(
      q({ matches: [{ SYSLOG_IDENTIFIER: 'grep-test' }], rawFilter: (line) => line.includes('PULL_X') }),
      (e) => void seen.push(e.message),
    );
    expect(seen).to.deep.equal(['Starting "-f /etc/govuk_env_sync/PULL_X.CFG"']);
    expect(r).to.include({ count: 1, skipped: 3 });
  });

  it('throws StageTimeoutError naming the stage at the deadline, with journalctl killed by its pid', async () => {
    let caught: unknown;
    try {
      await collectJournal(q({ matches: [{ SYSLOG_IDENTIFIER: 'window' }], deadline: Date.now() - 1 }));
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(StageTimeoutError);
    expect((caught as StageTimeoutError).stage).to.equal(`reading the journal namespace ${jd.namespace}`);

    // A journalctl that never answers: the read ends at the deadline, and so does journalctl.
    const pidFile = join(tmp.dir, 'hung.pid');
    const hung = join(tmp.dir, 'hung-journalctl');
    writeFileSync(hung, `#!/bin/sh\necho $$ > ${pidFile}\nexec sleep 600\n`);
    chmodSync(hung, 0o755);
    const reading = collectJournal(
      q({ matches: [{ SYSLOG_IDENTIFIER: 'window' }], journalctl: hung, deadline: Date.now() + 3000, stage: 'reading the journal for pull_x' }),
    );
    // The shell makes the file before it writes the pid into it.
    await waitUntil('the pid in the file', () => existsSync(pidFile) && /^\d+\n$/.test(readFileSync(pidFile, 'utf8')));
    const pid = Number(readFileSync(pidFile, 'utf8'));
    caught = undefined;
    try {
      await reading;
    } catch (err) {
      caught = err;
    }
    expect((caught as StageTimeoutError).message).to.equal('timed out while reading the journal for pull_x');
    expect(pidAlive(pid)).to.equal(false);
  });

  describe('problems, each with its fix', () => {
    it('journalctl missing: names package systemd', async () => {
      const r = await collectJournal(q({ matches: [], journalctl: '/nonexistent/journalctl' }));
      expect(r.problems).to.deep.equal([
        {
          path: '/nonexistent/journalctl',
          problem: 'journalctl is not installed',
          fix: 'install package systemd (apt-get install systemd), which has journalctl',
        },
      ]);
    });

    it('a user who may read no journal file: add the user to group systemd-journal or adm', async () => {
      const r = await journalChildAs<Collected>('nobody', 'read', q({ matches: [{ SYSLOG_IDENTIFIER: 'uid-test' }] }));
      expect(r.count).to.equal(0);
      expect(r.problems).to.have.length(1);
      expect(r.problems[0]!.problem).to.match(/^permission denied: .*system\.journal cannot be read/);
      expect(r.problems[0]!.fix).to.match(/^add user nobody to group systemd-journal or adm .*usermod -aG systemd-journal nobody/);
    });

    it('a user who may read only their own entries gets those, and the same problem (journalctl exits 0 and says nothing)', async () => {
      const r = await journalChildAs<Collected>(STRANGER, 'read', q({ matches: [{ SYSLOG_IDENTIFIER: 'uid-test' }] }));
      expect(r.entries.map((e) => [e.message, e.uid])).to.deep.equal([['as stranger', stranger.uid]]);
      expect(r.problems.map((p) => p.fix)).to.deep.equal([
        `add user ${STRANGER} to group systemd-journal or adm to read the system journal (usermod -aG systemd-journal ${STRANGER}; it applies to new logins and services started after)`,
      ]);
      // …and the fix works: in group systemd-journal, the same user reads every sender's lines.
      const fixed = await journalChildAs<Collected>(STRANGER, 'read', q({ matches: [{ SYSLOG_IDENTIFIER: 'uid-test' }] }), ['systemd-journal']);
      expect(fixed.problems).to.deep.equal([]);
      expect(fixed.entries.map((e) => e.message)).to.deep.equal(['as nobody', 'as stranger', 'as root']);
    });

    it('no such namespace, or a name journald would refuse (journalctl itself would print nothing and exit 0)', async () => {
      const missing = await collectJournal({ namespace: `${jd.namespace}-gone`, matches: [] });
      expect(missing.problems).to.have.length(1);
      expect(missing.problems[0]).to.include({ path: `journal:${jd.namespace}-gone` });
      expect(missing.problems[0]!.problem).to.match(/^no journal namespace .*-gone on this host \(neither \/var\/log\/journal\/[0-9a-f]{32}\..*-gone nor/);
      expect(missing.problems[0]!.fix).to.match(/systemd-journald@.*-gone\.service/);
      const bad = await collectJournal({ namespace: 'ops/../x', matches: [] });
      expect(bad.problems[0]!.problem).to.equal('journal namespace "ops/../x" may hold only letters, digits and _ . : -');
    });

    it('journalctl failing: its exit status and the first line of its stderr', async () => {
      const r = await collectJournal(q({ matches: [], boot: 'ffffffffffffffffffffffffffffffff' }));
      expect(r.problems).to.deep.equal([
        {
          path: `journal:${jd.namespace}`,
          problem: 'journalctl exited 1: Data from the specified boot (ffffffffffffffffffffffffffffffff) is not available: No such boot ID in journal',
          fix: 'run the same journalctl by hand to see why',
        },
      ]);
    });
  });
});
