// npm run options-doc: rewrites docs/options.md's option tables from the one option table
// (src/common/options.ts, built into build/ by tsc). test/common/options.test.ts fails when the
// page and the table differ.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { withTables, tablesIn } = await import(join(root, 'build/src/common/optionsDoc.js'));
const readmePath = join(root, 'docs/options.md');
const before = readFileSync(readmePath, 'utf8');
const after = withTables(before);
writeFileSync(readmePath, after);
console.log(`docs/options.md: ${tablesIn(after).length} option tables ${before === after ? 'already up to date' : 'rewritten'}`);
