// Which code cache the launcher (plugins/launch.cjs) loads. A cache is code V8 runs without looking
// at the source again, so one that another V8 wrote, or that the nagios user or a sync job's user
// could have written, must never run, least of all as root (`env-sync rerun --exec`). Whatever the
// cache, the executable says the same, byte for byte, and nothing about the cache without the debug
// switch: a cache not used costs the compile only.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { asNobody, plugin, repoRoot } from '../support/proc.js';
import { makeTempDir, stateDirIn } from '../support/tmp.js';

const NOBODY = 65534;
// The name the build gives the cache of the Node running the tests, and the same for other V8s.
const cacheName = (v8: string, arch: string) => `check_env_sync.cjs.${v8}-${arch}.cache`;
const OWN = cacheName(process.versions.v8, process.arch);

describe("code cache: loaded only when it is this V8's and nobody but root or the bundle's owner can have written it", function () {
  this.timeout(60_000);
  let tmp: ReturnType<typeof makeTempDir>;
  let state: string;
  let copy: string;
  let dist: string;
  const args = () => ['--job', 'broken_job', '--state-dir', state, '--syslog', join(tmp.dir, 'syslog')];
  // The verdict with the build's cache in place (a failed run with no success on record: no age in
  // the output, so two runs print the same bytes).
  let reference: { stdout: string; status: number | null };

  /** The copy's check_env_sync with the debug switch and without: what it printed and its cache line. */
  function run(as: 'root' | 'nobody' = 'root') {
    const exe = join(copy, 'plugins', 'check_env_sync');
    const [cmd, argv] = as === 'root' ? [exe, args()] : asNobody(exe, args());
    const quiet = spawnSync(cmd, argv, { env: { ...process.env, ENV_SYNC_DEBUG_CODE_CACHE: '' }, encoding: 'utf8' });
    const debug = spawnSync(cmd, argv, { env: { ...process.env, ENV_SYNC_DEBUG_CODE_CACHE: '1' }, encoding: 'utf8' });
    expect(debug.stdout, 'stdout with the debug switch').to.equal(quiet.stdout);
    expect(quiet.stderr, 'stderr without the debug switch').to.equal('');
    return { stdout: quiet.stdout, status: quiet.status, cache: /^code cache: (.*) \[Node /m.exec(debug.stderr)?.[1] ?? debug.stderr };
  }
  function expectSameVerdict(r: { stdout: string; status: number | null }) {
    expect(r.stdout).to.equal(reference.stdout);
    expect(r.status).to.equal(reference.status);
  }

  before(() => {
    if (process.getuid?.() !== 0) throw new Error('run the tests as root: these give files to other users (chown) and run as nobody (setpriv)');
    tmp = makeTempDir('env-sync-cache-');
    state = stateDirIn(tmp.dir);
    writeFileSync(join(tmp.dir, 'syslog'), '', { mode: 0o644 });
    const r = spawnSync(plugin('env-sync-run'), ['--no-syslog', '--state-dir', state, '--job', 'broken_job', '--', 'sh', '-c', 'echo restore failed; exit 1']);
    expect(r.status, String(r.stderr)).to.equal(1);
  });
  after(() => tmp?.cleanup());

  // A fresh copy of plugins/ and the built dist/ for each case, owned by root, dist/ 0755.
  beforeEach(() => {
    copy = join(tmp.dir, 'copy');
    rmSync(copy, { recursive: true, force: true });
    cpSync(join(repoRoot, 'plugins'), join(copy, 'plugins'), { recursive: true, verbatimSymlinks: true });
    cpSync(join(repoRoot, 'dist'), join(copy, 'dist'), { recursive: true });
    dist = join(copy, 'dist');
    chmodSync(copy, 0o755);
    chmodSync(dist, 0o755);
    chmodSync(join(dist, OWN), 0o644);
    reference ??= run();
  });

  it('the build wrote one for this Node, named by its V8 and architecture, and it is used', () => {
    const r = run();
    expect(r.cache).to.equal('used');
    expect(r.stdout).to.match(/^ENV_SYNC CRITICAL - broken_job failed with exit 1 /);
    expectSameVerdict(r);
  });

  it('does not pick up a cache named for another V8 version or another architecture', () => {
    // The build's own, good cache under the names another Node would look for: if the launcher read
    // it, V8 would use it.
    renameSync(join(dist, OWN), join(dist, cacheName('99.9.999.9-node.1', process.arch)));
    cpSync(join(dist, cacheName('99.9.999.9-node.1', process.arch)), join(dist, cacheName(process.versions.v8, process.arch === 'arm64' ? 'x64' : 'arm64')));
    const r = run();
    expect(r.cache).to.equal('none');
    expectSameVerdict(r);
  });

  it('does not load a cache that its group or others may write', () => {
    for (const mode of [0o664, 0o646]) {
      chmodSync(join(dist, OWN), mode);
      const r = run();
      expect(r.cache).to.equal(`untrusted: the file is writable by group or others (mode ${mode.toString(8)})`);
      expectSameVerdict(r);
    }
  });

  it('does not load a cache from a directory its group may write', () => {
    chmodSync(dist, 0o775);
    const r = run();
    expect(r.cache).to.equal('untrusted: the directory is writable by group or others (mode 775)');
    expectSameVerdict(r);
  });

  it('does not load, as root, a cache owned by another user (nobody), though V8 would take it', () => {
    chownSync(join(dist, OWN), NOBODY, NOBODY);
    const r = run();
    expect(r.cache).to.equal(`untrusted: the file is owned by uid ${NOBODY}, not root or the bundle's owner (uid 0)`);
    expectSameVerdict(r);
  });

  it("does not follow a symbolic link in the cache's place", () => {
    renameSync(join(dist, OWN), join(copy, 'elsewhere.cache'));
    symlinkSync(join(copy, 'elsewhere.cache'), join(dist, OWN));
    const r = run();
    expect(r.cache).to.equal('untrusted: the file is a symbolic link');
    expectSameVerdict(r);
  });

  it("loads a cache owned by the bundle's owner, even as root, and one owned by root", () => {
    // A checkout built by an unprivileged user: the cache is as trusted as the bundle it goes with.
    for (const f of [copy, join(copy, 'plugins', 'launch.cjs'), dist, join(dist, 'check_env_sync.cjs'), join(dist, OWN)]) chownSync(f, NOBODY, NOBODY);
    const asRoot = run('root');
    expect(asRoot.cache).to.equal('used');
    expectSameVerdict(asRoot);
    const asNobodyToo = run('nobody');
    expect(asNobodyToo.cache).to.equal('used');
    expectSameVerdict(asNobodyToo);
    chownSync(join(dist, OWN), 0, 0);
    expect(run('nobody').cache).to.equal('used');
  });
});
