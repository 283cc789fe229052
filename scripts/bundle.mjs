// Bundles each executable's entry (src/bin/*.ts) into one file in dist/, so a plugin started every
// minute loads one module instead of resolving hundreds from node_modules. Each entry is built on
// its own: chunks shared between entries would cost a module resolution each at start-up, so the
// only chunks are what an entry imports lazily (yargs for help, execa, tail-file, cron-parser).
import { build } from 'esbuild';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entries = readdirSync(join(root, 'src/bin')).filter((f) => f.endsWith('.ts'));

// Chunk names carry content hashes: start from an empty dist/ so old chunks do not pile up.
rmSync(join(root, 'dist'), { recursive: true, force: true });

const BANNER = "import { createRequire as __esCreateRequire } from 'node:module'; const require = __esCreateRequire(import.meta.url);";

for (const entry of entries) {
  await build({
    entryPoints: [join(root, 'src/bin', entry)],
    outdir: join(root, 'dist'),
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    chunkNames: `chunks/${entry.replace(/\.ts$/, '')}/[name]-[hash]`,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: false,
    legalComments: 'none',
    // Some CommonJS dependencies call require() for Node built-ins; give the ESM bundle one.
    banner: { js: BANNER },
    logLevel: 'warning',
  });
}

// An entry whose own code never calls require() does without the banner (node:module at start-up).
for (const f of readdirSync(join(root, 'dist')).filter((f) => f.endsWith('.mjs'))) {
  const text = readFileSync(join(root, 'dist', f), 'utf8');
  if (text.startsWith(BANNER) && !/\brequire\(/.test(text.slice(BANNER.length))) writeFileSync(join(root, 'dist', f), text.slice(BANNER.length + 1));
}
