// The glossary of docs/oncall.md: every finding of words.ts as a row — what the alert says (made by
// its own function from example values), its states, what it means, what to do. scripts/glossary.mjs
// writes it between the page's marker comments; test/check/glossary.test.ts fails when they differ.
import { GLOSSARY } from './words.js';

export const GLOSSARY_BEGIN = '<!-- glossary (generated from src/check/words.ts by npm run glossary) -->';
export const GLOSSARY_END = '<!-- /glossary -->';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The findings as a Markdown table. */
export function glossaryTable(): string {
  const rows = GLOSSARY.map((e) => `| \`${cell(e.example())}\` | ${cell(e.states)} | ${cell(e.means)} | ${cell(e.todo)} |`);
  return ['| the alert says | state | it means | do |', '|---|---|---|---|', ...rows].join('\n');
}

/** The page with its glossary replaced by the table words.ts gives now; a page without the markers is an error. */
export function withGlossary(page: string): string {
  const start = page.indexOf(GLOSSARY_BEGIN);
  if (start === -1) throw new Error(`docs/oncall.md: no ${GLOSSARY_BEGIN} line`);
  const end = page.indexOf(GLOSSARY_END, start);
  if (end === -1) throw new Error(`docs/oncall.md: ${GLOSSARY_BEGIN} has no ${GLOSSARY_END} after it`);
  return `${page.slice(0, start)}${GLOSSARY_BEGIN}\n${glossaryTable()}\n${page.slice(end)}`;
}
