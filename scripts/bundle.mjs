// Bundles each executable's entry (src/bin/*.ts) into one file in dist/, so a plugin started every
// minute loads one module instead of resolving hundreds from node_modules.
import { build } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entries = readdirSync(join(root, 'src/bin')).filter((f) => f.endsWith('.ts'));

// Chunk names carry content hashes: start from an empty dist/ so old chunks do not pile up.
rmSync(join(root, 'dist'), { recursive: true, force: true });

await build({
  entryPoints: entries.map((f) => join(root, 'src/bin', f)),
  outdir: join(root, 'dist'),
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: false,
  legalComments: 'none',
  // Some CommonJS dependencies call require() for Node built-ins; give the ESM bundle one.
  banner: { js: "import { createRequire as __esCreateRequire } from 'node:module'; const require = __esCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
