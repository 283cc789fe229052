import { expect } from 'chai';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeRunEvent, type JournalEventResult } from '../../src/journal/event.js';
import { collectJournal } from '../../src/journal/read.js';
import { exec, journalChildAs, startJournald, type Journald } from '../support/journald.js';
import { pidAlive, waitForFile, waitUntil } from '../support/proc.js';
import { makeTempDir } from '../support/tmp.js';

describe('structured start/finish events (logger --journald) into a real systemd-journald', function () {
  this.timeout(120_000);
  let jd: Journald;
  const tmp = makeTempDir('journal-event-');
  before(async () => {
    jd = await startJournald();
  });
  after(async () => {
    await jd?.stop();
    tmp.cleanup();
  });
  const ofRun = (runId: string) => collectJournal({ namespace: jd.namespace, matches: [{ ENV_SYNC_RUN: runId }] });

  it("lands as an env-sync-run entry with ENV_SYNC_JOB/RUN/EVENT, this process's pid and the sender's trusted uid", async () => {
    const start = await writeRunEvent({ job: 'pull_x', runId: 'run-a', event: 'start', message: 'event=start job=pull_x run=run-a' }, { socketDir: jd.runDir });
    const finish = await writeRunEvent(
      { job: 'pull_x', runId: 'run-a', event: 'finish', message: 'event=finish job=pull_x run=run-a outcome=success exit=0' },
      { socketDir: jd.runDir },
    );
    expect([start, finish]).to.deep.equal([
      { written: true, why: null },
      { written: true, why: null },
    ]);
    await jd.sync();
    const r = await ofRun('run-a');
    expect(r.entries.map((e) => [e.tag, e.message, e.fields, e.pid, e.uid, e.transport])).to.deep.equal([
      [
        'env-sync-run',
        'event=finish job=pull_x run=run-a outcome=success exit=0',
        { ENV_SYNC_JOB: 'pull_x', ENV_SYNC_RUN: 'run-a', ENV_SYNC_EVENT: 'finish' },
        process.pid,
        0,
        'journal',
      ],
      [
        'env-sync-run',
        'event=start job=pull_x run=run-a',
        { ENV_SYNC_JOB: 'pull_x', ENV_SYNC_RUN: 'run-a', ENV_SYNC_EVENT: 'start' },
        process.pid,
        0,
        'journal',
      ],
    ]);
    // A check can ask for a job's events by field, not by scanning text.
    const byField = await collectJournal({ namespace: jd.namespace, matches: [{ ENV_SYNC_JOB: 'pull_x', ENV_SYNC_EVENT: 'finish' }] });
    expect(byField.entries.map((e) => e.fields.ENV_SYNC_RUN)).to.deep.equal(['run-a']);
  });

  it('from an unprivileged user (a user namespace for the mount), still with their real uid', async () => {
    const r = await journalChildAs<JournalEventResult>('nobody', 'event', [
      { job: 'pull_x', runId: 'run-nobody', event: 'start', message: 'event=start job=pull_x run=run-nobody' },
      { socketDir: jd.runDir },
    ]);
    expect(r).to.deep.equal({ written: true, why: null });
    await jd.sync();
    expect((await ofRun('run-nobody')).entries.map((e) => e.uid)).to.deep.equal([65534]);
  });

  it('writes to /run/systemd/journal/socket by default (here the namespace is mounted there, as on a journal host)', async () => {
    const child = fileURLToPath(new URL('../support/journalChild.js', import.meta.url));
    const event = [{ job: 'pull_x', runId: 'run-default', event: 'start', message: 'event=start job=pull_x run=run-default' }, {}];
    const mountThenRun =
      'cd "$1" && mount -t tmpfs -o mode=0755 env-sync-test /run/systemd && mkdir /run/systemd/journal && mount --no-canonicalize --bind . /run/systemd/journal && shift && exec "$@"';
    const r = await exec('unshare', ['--mount', 'sh', '-c', mountThenRun, 'sh', jd.runDir, process.execPath, child, 'event', JSON.stringify(event)]);
    expect(r.stderr).to.equal('');
    expect(JSON.parse(r.stdout)).to.deep.equal({ written: true, why: null });
    await jd.sync();
    expect((await ofRun('run-default')).entries.map((e) => e.fields.ENV_SYNC_EVENT)).to.deep.equal(['start']);
  });

  it('never throws and never waits past its bound: no socket, no logger, a logger that hangs (killed by pid)', async () => {
    const gone = join(tmp.dir, 'no-journal');
    expect(await writeRunEvent({ job: 'j', runId: 'r', event: 'start', message: 'm' }, { socketDir: gone })).to.deep.equal({
      written: false,
      why: `no journald socket at ${gone}/socket`,
    });

    const noLogger = await writeRunEvent({ job: 'j', runId: 'r', event: 'start', message: 'm' }, { socketDir: jd.runDir, logger: '/nonexistent/logger' });
    expect(noLogger.written).to.equal(false);
    expect(noLogger.why).to.match(/^\/nonexistent\/logger --journald exited 127: .*not found/);

    const pidFile = join(tmp.dir, 'logger.pid');
    const hung = join(tmp.dir, 'hung-logger');
    writeFileSync(hung, `#!/bin/sh\necho $$ > ${pidFile}\nexec sleep 600\n`);
    chmodSync(hung, 0o755);
    const writing = writeRunEvent({ job: 'j', runId: 'r', event: 'start', message: 'm' }, { socketDir: jd.runDir, logger: hung, timeoutMs: 3000 });
    await waitForFile(pidFile);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(await writing).to.deep.equal({ written: false, why: `${hung} --journald did not finish within 3000 ms` });
    // Resolved at the bound, not when logger is gone: it was SIGKILLed then, and is reaped soon after.
    await waitUntil(`the hung logger ${pid} to be killed`, () => !pidAlive(pid));
  });
});
