// Bundles each executable's entry (src/bin/*.ts) into one CommonJS file, dist/<name>.cjs, so a
// plugin started every minute loads one module instead of resolving hundreds from node_modules.
//
// CommonJS, not ESM: Node 20 sets up its ESM loader for the first ES module it meets, which costs
// about 5 ms a start on a 22 ms `node -e 0` (measured with the bench's round-robin runs); a .cjs
// entry required from a CommonJS launcher costs about 1 ms.
//
// The big packages used only on slow paths (yargs for help and unusual arguments, execa, tail-file,
// cron-parser) are not in the entries: each is bundled once into dist/lazy/<package>.mjs (they are
// ES modules), and an entry's `await import('yargs')` becomes `import('./lazy/yargs.mjs')`, paid
// only by the runs that need it.
import { build } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
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
      return { path: `./lazy/${args.path}.mjs`, external: true };
    });
  },
};

for (const entry of entries) {
  await build({
    entryPoints: [join(root, 'src/bin', entry)],
    outfile: join(dist, entry.replace(/\.ts$/, '.cjs')),
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    sourcemap: false,
    legalComments: 'none',
    plugins: [lazyExternal],
    logLevel: 'warning',
  });
}

// The packages or their dependencies are partly CommonJS and call require() for Node built-ins, so
// each ESM bundle gets a require (node:module is loaded already by then: these run after start-up).
const BANNER = "import { createRequire as __esCreateRequire } from 'node:module'; const require = __esCreateRequire(import.meta.url);";
for (const pkg of LAZY) {
  // Re-export each name the package has, by name: `export *` from a CommonJS package (cron-parser)
  // would give names without values.
  const names = Object.keys(await import(pkg)).filter((n) => n !== '__esModule' && /^[A-Za-z_$][\w$]*$/.test(n));
  await build({
    stdin: { contents: `export { ${names.join(', ')} } from '${pkg}';`, resolveDir: root, loader: 'js' },
    outfile: join(dist, 'lazy', `${pkg}.mjs`),
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: false,
    legalComments: 'none',
    banner: { js: BANNER },
    logLevel: 'warning',
  });
}
