// Bundles each executable's entry (src/bin/*.ts) into one CommonJS file, dist/<name>.cjs, so a
// plugin started every minute loads one module instead of resolving hundreds from node_modules.
//
// CommonJS, not ESM: Node sets up its ESM loader for the first ES module it meets, a cost on
// every start (docs/benchmarks.md, "What each import costs"); a
// CommonJS bundle run by a CommonJS launcher needs none of it.
//
// The big packages used only on slow paths (yargs for help and unusual arguments, execa, tail-file,
// cron-parser) are not in the entries: each is bundled once into dist/lazy/<package>.cjs, and an
// entry's `await import('yargs/yargs')` becomes a require() of it, paid only by the runs that need it.
// No import() is left in any bundle, so plugins/launch.cjs can run them from V8's code cache
// (vm.Script has no module loader for import()).
//
// Last, each executable runs once on a small fixture with ENV_SYNC_WRITE_CODE_CACHE=1, and its
// launcher saves the code V8 compiled as dist/<name>.cjs.<v8>-<arch>.cache (scripts/warm-code-cache.mjs,
// plugins/launch.cjs).
import { build } from 'esbuild';
import { chmodSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { warmCodeCaches } from './warm-code-cache.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const entries = readdirSync(join(root, 'src/bin')).filter((f) => f.endsWith('.ts'));
// What the source imports; the bundle of each is named after its package (dist/lazy/yargs.cjs).
// yargs/yargs, not yargs: yargs 17's ES module entry lays out --help with cliui's ES module build,
// which cuts lines every N characters, mid-word, newlines or not; yargs/yargs is its CommonJS
// build (as yargs 18's entry was), whose cliui wraps at word ends.
const LAZY = ['yargs/yargs', 'execa', 'tail-file', 'cron-parser'];
const lazyFile = (specifier) => `${specifier.split('/')[0]}.cjs`;
const lazyFilter = new RegExp(`^(${LAZY.map((p) => p.replace(/[-/]/g, '\\$&')).join('|')})$`);

// Start from an empty dist/ so files of an earlier layout (dist/chunks/, *.mjs entries) do not linger.
rmSync(dist, { recursive: true, force: true });

// import.meta.url in a CommonJS bundle is the bundle's own URL, as it was in the ESM bundle: yargs
// finds its own files from it, and src/common/builtin.ts makes its require from it. (node:url is
// loaded by Node's own start-up, so the banner loads no module.)
const META_BANNER = "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;";
const importMeta = { define: { 'import.meta.url': '__importMetaUrl' }, banner: { js: META_BANNER } };

const lazyExternal = {
  name: 'lazy-packages',
  setup(b) {
    b.onResolve({ filter: lazyFilter }, (args) => {
      if (args.kind !== 'dynamic-import') {
        throw new Error(`${args.importer}: ${args.path} must be imported with await import() (it is bundled apart, in dist/lazy/, to keep start-up small)`);
      }
      return { path: `./lazy/${lazyFile(args.path)}`, external: true };
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
    target: 'node18',
    sourcemap: false,
    legalComments: 'none',
    plugins: [lazyExternal],
    ...importMeta,
    logLevel: 'warning',
  });
}

for (const pkg of LAZY) {
  // An entry's `await import(pkg)` becomes `__toESM(require(lazy))` with Node's semantics: the
  // namespace's default is module.exports and its names are module.exports' properties. So
  // module.exports is what Node's import() would give as default: an ES module's default export
  // (yargs), else the package itself (execa's names, cron-parser's, tail-file's class).
  // The default is taken from the very file import() loads (the package's "import" export), not
  // through require(pkg), which may load another: yargs 17's "require" export of `yargs` is a
  // singleton whose .default is its .default() option setter, not the factory the code calls.
  const meta = JSON.parse(readFileSync(join(root, 'node_modules', pkg.split('/')[0], 'package.json'), 'utf8'));
  const esmDefault = meta.type === 'module' && 'default' in (await import(pkg));
  const contents = esmDefault
    ? `module.exports = require(${JSON.stringify(fileURLToPath(import.meta.resolve(pkg)))}).default;`
    : `module.exports = require('${pkg}');`;
  await build({
    stdin: { contents, resolveDir: root, loader: 'js' },
    outfile: join(dist, 'lazy', lazyFile(pkg)),
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node18',
    supported: { 'dynamic-import': false },
    ...importMeta,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
}

// dist/ as esbuild left it has the builder's umask; the launcher loads a code cache only from a
// directory that no group or other can write, and nagios must read it: 0755 whatever the umask.
chmodSync(dist, 0o755);
warmCodeCaches();
