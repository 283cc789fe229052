// scanLog: one visitor contract over both logs. The same lines, sent through a real rsyslogd and a real
// systemd-journald, reach the visitor newest first from either; the journal side asks journalctl for
// the tags and the window, and leaves out (and counts) lines of senders it does not trust.
import { expect } from 'chai';
import { chooseLog } from '../../src/logsource/choose.js';
import { journalQuery, scanLog } from '../../src/logsource/scan.js';
import type { LogSource, SenderFilter, ScanOptions } from '../../src/logsource/types.js';
import type { LogLine } from '../../src/log/line.js';
import { journalLog, syslogLog, type TestLog } from '../support/logSources.js';
import { sleep } from '../support/proc.js';
import { ensureUser, STRANGER } from '../support/users.js';

describe('scanLog over a syslog file and over the journal', function () {
  this.timeout(120_000);
  let syslog: TestLog;
  let journal: TestLog;
  let removeStranger: () => void;
  const sources = () => [syslog, journal];
  const sourceOf = (log: TestLog): LogSource =>
    chooseLog({ log: log.kind, syslog: log.rsyslog?.file ?? '/nonexistent', journalNamespace: log.journald?.namespace });
  const opts = (log: TestLog, extra: Partial<ScanOptions> = {}): ScanOptions => ({
    syslog: log.rsyslog?.file ?? '/nonexistent',
    rotated: 1,
    now: new Date(),
    source: sourceOf(log),
    ...extra,
  });
  const marks: Date[] = [];

  before(async () => {
    removeStranger = ensureUser(STRANGER).remove;
    [syslog, journal] = await Promise.all([syslogLog(), journalLog()]);
    // Three rounds of lines a second apart, so a window can fall between them.
    for (let round = 0; round < 3; round++) {
      marks.push(new Date());
      for (const log of sources()) {
        await log.log('scan-job', `round ${round} job line`);
        await log.log('scan-other', `round ${round} other line`);
        await log.log('scan-job', `round ${round} stranger line`, STRANGER);
      }
      await sleep(1100);
    }
    marks.push(new Date());
  });
  after(async () => {
    await Promise.all(sources().map((l) => l?.stop()));
    removeStranger?.();
  });

  const jobLines = (e: LogLine) => e.tag === 'scan-job';
  const collect = async (log: TestLog, extra: Partial<ScanOptions> = {}, stopAfter = Infinity) => {
    const seen: string[] = [];
    const r = await scanLog(opts(log, extra), (e) => {
      if (jobLines(e)) seen.push(e.message);
      return seen.length >= stopAfter;
    });
    return { seen, r };
  };

  it('hands the visitor the same lines newest first from either log, and names what it read', async () => {
    const want = ['round 2 stranger line', 'round 2 job line', 'round 1 stranger line', 'round 1 job line', 'round 0 stranger line', 'round 0 job line'];
    const fromSyslog = await collect(syslog);
    const fromJournal = await collect(journal, { tags: ['scan-job'] });
    expect(fromSyslog.seen).to.deep.equal(want);
    expect(fromJournal.seen).to.deep.equal(want);
    expect(fromSyslog.r.filesRead).to.deep.equal([syslog.label]);
    expect(fromJournal.r.filesRead).to.deep.equal([journal.label]);
    expect(fromJournal.r.problems).to.deep.equal([]);
  });

  it('asks the journal for the tags alone: other tags never reach the visitor', async () => {
    const tags: string[] = [];
    await scanLog(opts(journal, { tags: ['scan-job'] }), (e) => {
      tags.push(e.tag);
      return false;
    });
    expect(new Set(tags)).to.deep.equal(new Set(['scan-job']));
  });

  it('stops when the visitor says so (journalctl is stopped)', async () => {
    for (const log of sources()) {
      const { seen, r } = await collect(log, { tags: ['scan-job'] }, 2);
      expect(seen, log.kind).to.deep.equal(['round 2 stranger line', 'round 2 job line']);
      expect(r.stoppedEarly, log.kind).to.equal(true);
    }
  });

  it('gives the journal the window as --since/--until: only round 1 is read', async () => {
    const entries: string[] = [];
    await scanLog(opts(journal, { tags: ['scan-job'], stopBefore: marks[1], notAfter: marks[2] }), (e) => {
      entries.push(e.message);
      return false;
    });
    expect(entries).to.deep.equal(['round 1 stranger line', 'round 1 job line']);
  });

  it('leaves out, and counts by uid, the journal lines of senders it does not trust; a syslog file records no sender', async () => {
    const stranger = ensureUser(STRANGER).uid;
    const senders: SenderFilter = { uids: [0], ignored: new Map() };
    const fromJournal = await collect(journal, { tags: ['scan-job'], senders });
    expect(fromJournal.seen).to.deep.equal(['round 2 job line', 'round 1 job line', 'round 0 job line']);
    expect([...senders.ignored]).to.deep.equal([[stranger, 3]]);
    const syslogSenders: SenderFilter = { uids: [0], ignored: new Map() };
    expect((await collect(syslog, { senders: syslogSenders })).seen).to.have.length(6);
    expect(syslogSenders.ignored.size).to.equal(0);
  });

  it('a prefilter sees `tag: message` in the journal, as it sees the text after the host in a syslog line', async () => {
    for (const log of sources()) {
      const { seen } = await collect(log, { tags: ['scan-job'], prefilter: (raw) => raw.includes('scan-job') && raw.includes('round 1') });
      expect(seen, log.kind).to.deep.equal(['round 1 stranger line', 'round 1 job line']);
    }
  });

  it('needles: lines holding none are passed over (in the journal, unparsed), a line journalctl gives as bytes is still read', async () => {
    for (const log of sources()) {
      await log.log('scan-needle', 'plain line with needle-x in it');
      await log.log('scan-needle', 'a line without it');
      await log.log('scan-needle', 'control \u0001 byte, needle-x');
    }
    for (const log of sources()) {
      const seen: string[] = [];
      await scanLog(opts(log, { tags: ['scan-needle'], needles: ['needle-x'] }), (e) => {
        if (e.tag === 'scan-needle') seen.push(e.message.replace(/\u0001|#001/, '<1>'));
        return false;
      });
      expect(seen, log.kind).to.deep.equal(['control <1> byte, needle-x', 'plain line with needle-x in it']);
    }
  });

  it('the journal query: the message is searched by journalctl (--grep) only when no tag asked for holds a needle', () => {
    const unwrapped = journalQuery({ syslog: '', rotated: 0, now: new Date(), tags: ['govuk_env_sync.sh'], needles: ['/pull_x.cfg'] }, { namespace: 'ops' });
    expect(unwrapped).to.include({ grep: '/pull_x\\.cfg', namespace: 'ops' });
    expect(unwrapped.matches).to.deep.equal([{ SYSLOG_IDENTIFIER: ['govuk_env_sync.sh'] }]);
    // A wrapped job's output lines hold the job's name in their tag, not their message.
    const wrapped = journalQuery(
      {
        syslog: '',
        rotated: 0,
        now: new Date(),
        tags: ['env-sync/pull_x', 'env-sync-run', 'govuk_env_sync.sh'],
        needles: ['pull_x'],
        stopBefore: marks[0],
        notAfter: marks[1],
      },
      {},
    );
    expect(wrapped.grep).to.equal(undefined);
    expect(wrapped).to.include({ since: marks[0], until: marks[1] });
    expect(wrapped.rawFilter!('{"MESSAGE":"event=finish job=pull_y run=r"}')).to.equal(false);
    expect(wrapped.rawFilter!('{"MESSAGE":[98,105,110],"SYSLOG_IDENTIFIER":"env-sync/pull_x"}')).to.equal(true);
  });

  it('a deadline that passes is a timeout naming the journal', async () => {
    try {
      await scanLog(opts(journal, { deadline: Date.now() - 1 }), () => false);
      expect.fail('no timeout');
    } catch (err) {
      expect((err as Error).message).to.equal(`timed out while reading the journal namespace ${journal.journald!.namespace}`);
    }
  });
});
