// The build's last step: each executable runs once on a small fixture with ENV_SYNC_WRITE_CODE_CACHE=1,
// and its launcher saves the code V8 compiled as dist/<name>.cjs.<v8>-<arch>.cache (see
// plugins/launch.cjs). The executables run on the Node that runs this, whatever `node` is on PATH, so
// `<some node> scripts/warm-code-cache.mjs` adds that Node's caches to a built dist/ beside the
// others (the bench does so for each Node it measures); scripts/bundle.mjs runs it for the Node that
// builds.
//
// The Debian package carries this file (/usr/lib/env-sync-checks/scripts/) and its postinst runs it as
// root with the host's /usr/bin/node and --prune, at install and whenever the nodejs package replaces
// /usr/bin/node (a dpkg file trigger): then the caches are those of the host's V8, root's and 0644 as
// the launcher wants a cache it will run, and the caches of every other V8 are removed
// (docs/packaging.md, "Code caches"). The exit status is 1 when a cache is missing afterwards, which
// postinst reports and never lets fail the install.
//
//   node scripts/warm-code-cache.mjs [--prune]
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const EXECUTABLES = ['check_env_sync', 'check_env_sync_all', 'check_env_sync_order', 'env-sync', 'env-sync-run'];
// The launcher's name for a cache (plugins/launch.cjs): dist/<bundle>.cjs.<v8>-<arch>.cache.
const CACHE = /^(.+\.cjs)\.(.+)\.cache$/;
const ownTag = `${process.versions.v8}-${process.arch}`;

/** The caches this Node's warm-up should leave in dist/, one per executable. */
export function ownCaches() {
  return EXECUTABLES.map((exe) => join(root, 'dist', `${exe.replace(/-/g, '_')}.cjs.${ownTag}.cache`));
}

/** Removes the caches of every other V8 or architecture from dist/ and returns their names. */
export function pruneOtherCaches() {
  const removed = [];
  for (const f of readdirSync(join(root, 'dist'))) {
    const m = CACHE.exec(f);
    if (m && m[2] !== ownTag) {
      unlinkSync(join(root, 'dist', f));
      removed.push(f);
    }
  }
  return removed;
}

// The command lines Icinga and cron give, on a fixture made by the wrapper itself. A run that fails
// leaves no cache, and the executable works without one.
export function warmCodeCaches() {
  const work = mkdtempSync(join(tmpdir(), 'env-sync-build-'));
  try {
    const state = join(work, 'state');
    const syslog = join(work, 'syslog');
    const crontab = join(work, 'crontab');
    mkdirSync(state);
    // A syslog with the failed run's lines among others, so that the check's evidence path (seek, scan,
    // line parsing) is compiled in the warm-up and kept in the cache too.
    const stamp = (d) => `${d.toDateString().slice(4, 7)} ${String(d.getDate()).padStart(2, ' ')} ${d.toTimeString().slice(0, 8)}`;
    const now = new Date();
    const lines = [];
    for (let i = 0; i < 64; i++) lines.push(`${stamp(now)} build-host CRON[${100 + i}]: (root) CMD (true)`);
    lines.push(`${stamp(now)} build-host env-sync/warm_up[4101]: pg_restore: error: relation "events" does not exist`);
    lines.push(
      `${stamp(now)} build-host govuk_env_sync.sh: Error running "/usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/warm_up.cfg" in function restore`,
    );
    for (let i = 0; i < 64; i++) lines.push(`${stamp(now)} build-host systemd[1]: Started session ${i}.`);
    writeFileSync(syslog, `${lines.join('\n')}\n`);
    writeFileSync(crontab, '');
    const plugin = (name) => join(root, 'plugins', name);
    // A small environment, as cron's or NRPE's: no NODE_OPTIONS (V8 flags in the build would make a
    // cache the plugins' own runs reject) and nothing of the builder's that the executables read.
    const env = { PATH: process.env.PATH, ENV_SYNC_WRITE_CODE_CACHE: '1', ENV_SYNC_STATE_DIR: state, ENV_SYNC_SYSLOG: syslog };
    // An executable's cache is what its last warm-up compiled, so the wrapper's last run is the one
    // cron makes: syslog on (logger starts; with no daemon at this socket it reports that and the run
    // goes on), output on both streams, a failure, of a job that has run before (its state is read
    // and checked: the first run of a job has none to read).
    const cronRun = [
      '--syslog-socket',
      join(work, 'no-daemon.sock'),
      '--textfile-dir',
      work,
      '--job',
      'warm_up',
      '--',
      'sh',
      '-c',
      'echo restoring; echo error: no space left >&2; exit 1',
    ];
    const runs = [
      ['env-sync-run', ['--no-syslog-copy', '--job', 'warm_up_ok', '--', 'true']],
      ['env-sync-run', cronRun],
      ['env-sync-run', cronRun],
      ['check_env_sync', ['--job', 'warm_up', '-w', '25h', '-c', '26h']],
      ['check_env_sync_all', ['--crontab', crontab]],
      ['check_env_sync_order', ['--first', 'warm_up_ok', '--then', 'warm_up']],
      ['env-sync', ['status', '--crontab', crontab]],
    ];
    for (const [exe, args] of runs) {
      const r = spawnSync(process.execPath, [plugin(exe), ...args], { env, encoding: 'utf8' });
      if (r.status === null || r.status > 3 || r.error)
        console.warn(`warm-code-cache: warm-up run of ${exe} failed (${r.error?.message ?? r.stderr.trim()}); it runs without a code cache`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  // 0644 whatever the umask (a root postinst may run with 077): the launcher ignores a cache that
  // nagios cannot read as it would a missing one, and then compiles at every start.
  for (const f of ownCaches()) if (existsSync(f)) chmodSync(f, 0o644);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  if (args.some((a) => a !== '--prune')) {
    console.error(`warm-code-cache: unknown argument ${JSON.stringify(args.find((a) => a !== '--prune'))}: usage: node scripts/warm-code-cache.mjs [--prune]`);
    process.exit(2);
  }
  warmCodeCaches();
  if (args.includes('--prune')) {
    const removed = pruneOtherCaches();
    if (removed.length) console.log(`warm-code-cache: removed the caches of other V8 versions: ${removed.join(', ')}`);
  }
  const missing = ownCaches().filter((f) => !existsSync(f));
  if (missing.length) {
    console.error(
      `warm-code-cache: no code cache for Node ${process.version} (V8 ${process.versions.v8}) of ${missing.map((f) => f.slice(f.lastIndexOf('/') + 1)).join(', ')}`,
    );
    process.exit(1);
  }
  console.log(`warm-code-cache: code caches written for Node ${process.version} (V8 ${ownTag})`);
}
