// npm run glossary: rewrites docs/oncall.md's glossary from the words of every finding
// (src/check/words.ts, built into build/ by tsc). test/check/glossary.test.ts fails when the page
// and the words differ.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { withGlossary } = await import(join(root, 'build/src/check/glossary.js'));
const { GLOSSARY } = await import(join(root, 'build/src/check/words.js'));
const pagePath = join(root, 'docs/oncall.md');
const before = readFileSync(pagePath, 'utf8');
const after = withGlossary(before);
writeFileSync(pagePath, after);
console.log(`docs/oncall.md: ${GLOSSARY.length} findings in the glossary, ${before === after ? 'already up to date' : 'rewritten'}`);
