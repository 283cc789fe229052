// Bundles each executable's entry (src/bin/*.ts) into one CommonJS file, dist/<name>.cjs, so a
// plugin started every minute loads one module instead of resolving hundreds from node_modules.
//
// CommonJS, not ESM: Node 20 sets up its ESM loader for the first ES module it meets, a cost on
// every start (docs/benchmarks.md, "What each import costs"); a
// CommonJS bundle run by a CommonJS launcher needs none of it.
//
// The big packages used only on slow paths (yargs for help and unusual arguments, execa, tail-file,
// cron-parser) are not in the entries: each is bundled once into dist/lazy/<package>.cjs, and an
// entry's `await import('yargs')` becomes a require() of it, paid only by the runs that need it.
// No import() is left in any bundle, so plugins/launch.cjs can run them from V8's code cache
// (vm.Script has no module loader for import()).
//
// Last, each executable runs once on a small fixture with ENV_SYNC_WRITE_CODE_CACHE=1, and its
// launcher saves the code V8 compiled as dist/<name>.cjs.cache (see plugins/launch.cjs).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const entries = readdirSync(join(root, 'src/bin')).filter((f) => f.endsWith('.ts'));
const LAZY = ['yargs', 'execa', 'tail-file', 'cron-parser'];
const lazyFilter = new RegExp(`^(${LAZY.map((p) => p.replace(/[-/]/g, '\\$&')).join('|')})$`);

// Start from an empty dist/ so files of an earlier layout (dist/chunks/, *.mjs entries) do not linger.
rmSync(dist, { recursive: true, force: true });

const lazyExternal = {
  name: 'lazy-packages',
  setup(b) {
    b.onResolve({ filter: lazyFilter }, (args) => {
      if (args.kind !== 'dynamic-import') {
        throw new Error(`${args.importer}: ${args.path} must be imported with await import() (it is bundled apart, in dist/lazy/, to keep start-up small)`);
      }
      return { path: `./lazy/${args.path}.cjs`, external: true };
    });
  },
};

for (const entry of entries) {
  await build({
    entryPoints: [join(root, 'src/bin', entry)],
    outfile: join(dist, entry.replace(/\.ts$/, '.cjs')),
    bundle: true,
    format: 'cjs',
    supported: { 'dynamic-import': false },
    platform: 'node',
    target: 'node20',
    sourcemap: false,
    legalComments: 'none',
    plugins: [lazyExternal],
    logLevel: 'warning',
  });
}

// yargs is an ES module that finds its own files from import.meta.url; in a CommonJS bundle that
// is the bundle's own URL, as it was in the ESM bundle.
const META_BANNER = "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;";
for (const pkg of LAZY) {
  // An entry's `await import(pkg)` becomes `__toESM(require(lazy))` with Node's semantics: the
  // namespace's default is module.exports and its names are module.exports' properties. So
  // module.exports is what Node's import() would give as default: an ES module's default export
  // (yargs), else the package itself (execa's names, cron-parser's, tail-file's class).
  const meta = JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8'));
  const esmDefault = meta.type === 'module' && 'default' in (await import(pkg));
  const contents = esmDefault ? `module.exports = require('${pkg}').default;` : `module.exports = require('${pkg}');`;
  await build({
    stdin: { contents, resolveDir: root, loader: 'js' },
    outfile: join(dist, 'lazy', `${pkg}.cjs`),
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    supported: { 'dynamic-import': false },
    define: { 'import.meta.url': '__importMetaUrl' },
    banner: { js: META_BANNER },
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
}

// Warm-up runs for the code caches: the command lines Icinga and cron give, on a fixture made by
// the wrapper itself. A run that fails leaves no cache, and the executable works without one.
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
  lines.push(`${stamp(now)} build-host govuk_env_sync.sh: Error running "/usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/warm_up.cfg" in function restore`);
  for (let i = 0; i < 64; i++) lines.push(`${stamp(now)} build-host systemd[1]: Started session ${i}.`);
  writeFileSync(syslog, `${lines.join('\n')}\n`);
  writeFileSync(crontab, '');
  const plugin = (name) => join(root, 'plugins', name);
  // A small environment, as cron's or NRPE's: no NODE_OPTIONS (V8 flags in the build would make a
  // cache the plugins' own runs reject) and nothing of the builder's that the executables read.
  const env = { PATH: process.env.PATH, ENV_SYNC_WRITE_CODE_CACHE: '1', ENV_SYNC_STATE_DIR: state, ENV_SYNC_SYSLOG: syslog };
  // An executable's cache is what its last warm-up compiled, so the wrapper's last run is the one
  // cron makes: syslog on (logger starts; with no daemon at this socket it reports that and the run
  // goes on), output on both streams, a failure.
  const runs = [
    ['env-sync-run', ['--no-syslog', '--job', 'warm_up_ok', '--', 'true']],
    ['env-sync-run', ['--syslog-socket', join(work, 'no-daemon.sock'), '--job', 'warm_up', '--', 'sh', '-c', 'echo restoring; echo error: no space left >&2; exit 1']],
    ['check_env_sync', ['--job', 'warm_up', '-w', '25h', '-c', '26h']],
    ['check_env_sync_all', ['--crontab', crontab]],
    ['check_env_sync_order', ['--first', 'warm_up_ok', '--then', 'warm_up']],
    ['env-sync', ['status', '--crontab', crontab]],
  ];
  for (const [exe, args] of runs) {
    const r = spawnSync(plugin(exe), args, { env, encoding: 'utf8' });
    if (r.status === null || r.status > 3 || r.error) console.warn(`bundle: warm-up run of ${exe} failed (${r.error?.message ?? r.stderr.trim()}); it runs without a code cache`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
