import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJobState, readRunningMarkers } from '../../src/markers/read.js';
import { makeTempDir, stateDirIn } from '../support/tmp.js';
import { plugin, run, sleep, waitUntil } from '../support/proc.js';

const WRAPPER = plugin('env-sync-run');

describe('faults the suite survives', function () {
  this.timeout(120_000);
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = makeTempDir()));
  afterEach(() => cleanup());

  it('disk full while writing a marker: the sync runs, its status is kept, the previous marker stays intact', async () => {
    const mnt = join(dir, 'small');
    mkdirSync(mnt);
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt]);
    if (m.status !== 0) throw new Error(`cannot mount a 64 KiB tmpfs for the disk-full test (needs root): ${m.stderr}`);
    try {
      const state = stateDirIn(mnt);
      expect((await run(WRAPPER, ['--no-syslog', '--state-dir', state, '--job', 'full', '--', 'true'])).code).to.equal(0);
      const before = readFileSync(join(state, 'full', 'state.json'), 'utf8');
      spawnSync('dd', ['if=/dev/zero', `of=${join(mnt, 'filler')}`, 'bs=1k', 'count=1000']); // fills it: ENOSPC
      const r = await run(WRAPPER, ['--no-syslog', '--state-dir', state, '--job', 'full', '--', 'sh', '-c', 'echo synced; exit 4']);
      expect(r.code).to.equal(4);
      expect(r.stdout).to.equal('synced\n');
      expect(r.stderr).to.match(/WARNING: cannot .*ENOSPC|no space left/i);
      expect(readFileSync(join(state, 'full', 'state.json'), 'utf8')).to.equal(before);
      expect(readJobState(state, 'full', null)!.last!.outcome).to.equal('success');
      expect(readdirSync(join(state, 'full')).filter((n) => n.endsWith('.tmp'))).to.deep.equal([]);
    } finally {
      spawnSync('umount', [mnt]);
    }
  });

  it('state directory deleted mid-run: the sync finishes with its status and the wrapper says why nothing was recorded', async () => {
    const state = stateDirIn(dir);
    const child = spawn(WRAPPER, ['--no-syslog', '--state-dir', state, '--job', 'gone', '--', 'sh', '-c', 'sleep 1; echo done; exit 6'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    // Once the child's pid is in the running marker, recording the end is the only marker write left.
    await waitUntil('running marker with the child pid', () => readRunningMarkers(state, 'gone', null).some((m) => m.childPid));
    rmSync(state, { recursive: true, force: true });
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).to.equal(6);
    expect(out).to.equal('done\n');
    expect(err).to.match(/WARNING: cannot record the finished run in .*state .*does not exist; create it/);
    expect(existsSync(state)).to.equal(false); // never recreated behind the administrator's back
  });

  it('100 overlapping starts of one job: exactly one runs, 99 are recorded as skipped, no read ever sees a torn marker', async () => {
    const state = stateDirIn(dir);
    const release = join(dir, 'release');
    const statePathFile = join(state, 'storm', 'state.json');
    let reads = 0;
    let torn: string | null = null;
    let reading = true;
    const reader = (async () => {
      while (reading) {
        try {
          if (existsSync(statePathFile)) {
            readJobState(state, 'storm', null);
            reads++;
          }
        } catch (e) {
          torn = (e as Error).message;
        }
        await sleep(1);
      }
    })();
    let ended = 0;
    const starts = Array.from(
      { length: 100 },
      () =>
        new Promise<number | null>((resolve) => {
          const c = spawn(
            WRAPPER,
            ['--no-syslog', '--state-dir', state, '--job', 'storm', '--', 'sh', '-c', `while [ ! -e ${release} ]; do sleep 0.05; done; echo ran`],
            { stdio: 'ignore' },
          );
          c.on('exit', (code) => {
            ended++;
            resolve(code);
          });
        }),
    );
    let codes: Array<number | null>;
    try {
      // Everyone but the one holding the lock ends (with 75); then let the one running finish.
      await waitUntil('99 starts to end', () => ended >= 99, 90_000);
    } finally {
      writeFileSync(release, '');
      codes = await Promise.all(starts);
      reading = false;
      await reader;
    }
    expect(torn).to.equal(null);
    expect(reads).to.be.greaterThan(0);
    expect(codes.filter((c) => c === 0)).to.have.length(1);
    expect(codes.filter((c) => c === 75)).to.have.length(99);
    const s = readJobState(state, 'storm', null)!;
    expect(s.history.filter((h) => h.outcome === 'skipped-overlap')).to.have.length(49); // bounded history: the last 50 entries
    expect(s.last?.outcome).to.equal('success');
  });

  it('stores no environment and writes markers 0644 in a 0755 job directory', async () => {
    const state = stateDirIn(dir);
    await run(WRAPPER, ['--no-syslog', '--state-dir', state, '--job', 'envtest', '--', 'true'], { env: { ...process.env, SECRET_TOKEN: 'tok-3f9a7c' } });
    for (const f of readdirSync(join(state, 'envtest'))) expect(readFileSync(join(state, 'envtest', f), 'utf8')).not.to.contain('tok-3f9a7c');
    expect((statSync(join(state, 'envtest')).mode & 0o777).toString(8)).to.equal('755');
    expect((statSync(join(state, 'envtest', 'state.json')).mode & 0o777).toString(8)).to.equal('644');
  });
});
