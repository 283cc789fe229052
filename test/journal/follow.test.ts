import { expect } from 'chai';
import { followJournal } from '../../src/journal/follow.js';
import type { JournalEntry } from '../../src/journal/types.js';
import { journalFiles, startJournald, type Journald } from '../support/journald.js';
import { pidAlive, sleep, waitUntil } from '../support/proc.js';

describe('following the journal (journalctl --follow) against a real systemd-journald', function () {
  this.timeout(120_000);
  let jd: Journald;
  before(async () => {
    jd = await startJournald();
  });
  after(async () => {
    await jd?.stop();
  });

  it('shows matching lines written after it started, across a rotation of the journal, until stopped by pid', async () => {
    await jd.log('follow-job', 'before the follow');
    await sleep(5); // the follow starts from the moment it is called: a later millisecond than that line
    const got: JournalEntry[] = [];
    const f = followJournal({ namespace: jd.namespace, matches: [{ SYSLOG_IDENTIFIER: 'follow-job' }] }, (e) => got.push(e));
    expect(f.problems).to.deep.equal([]);
    await jd.log('follow-job', 'first');
    await jd.log('follow-other', 'not this job');
    await waitUntil('the first line to be shown', () => got.length >= 1);

    const filesBefore = journalFiles(jd.journalDir).length;
    await jd.rotate();
    expect(journalFiles(jd.journalDir).length, 'journald started a new file').to.be.greaterThan(filesBefore);
    await jd.log('follow-job', 'after the rotation');
    await waitUntil('the line after the rotation to be shown', () => got.length >= 2);

    const end = await f.stop();
    expect(got.map((e) => e.message)).to.deep.equal(['first', 'after the rotation']);
    expect(got.every((e) => e.uid === 0 && e.file === `journal:${jd.namespace}`)).to.equal(true);
    expect(end).to.deep.equal({ problems: [], count: 2, stopped: true });
    expect(pidAlive(f.pid!)).to.equal(false);
  });

  it('shows the newest N lines first when asked for a backlog', async () => {
    await jd.log('follow-backlog', 'old 1');
    await jd.log('follow-backlog', 'old 2');
    const got: string[] = [];
    const f = followJournal({ namespace: jd.namespace, matches: [{ SYSLOG_IDENTIFIER: 'follow-backlog' }], backlog: 1 }, (e) => got.push(e.message));
    await waitUntil('the backlog', () => got.length >= 1);
    await jd.log('follow-backlog', 'new');
    await waitUntil('the new line', () => got.length >= 2);
    await f.stop();
    expect(got).to.deep.equal(['old 2', 'new']);
  });

  it('ends at once with the problem when the namespace does not exist or journalctl is missing', async () => {
    const none = followJournal({ namespace: `${jd.namespace}-gone`, matches: [] }, () => undefined);
    expect(none.pid).to.equal(undefined);
    const end = await none.ended;
    expect(end.problems[0]!.problem).to.match(/^no journal namespace .*-gone on this host/);

    const missing = followJournal({ namespace: jd.namespace, matches: [], journalctl: '/nonexistent/journalctl' }, () => undefined);
    expect((await missing.ended).problems).to.deep.equal([
      {
        path: '/nonexistent/journalctl',
        problem: 'journalctl is not installed',
        fix: 'install package systemd (apt-get install systemd), which has journalctl',
      },
    ]);
  });
});
