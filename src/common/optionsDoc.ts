// The option table as people read it: docs/options.md's tables (scripts/options-doc.mjs writes
// them, test/common/options.test.ts fails when the page differs) and the man pages.
import { COMMAND_NAMES, commandOptions, type CommandName, type CommandOption } from './options.js';

/** Each way a command line spells the option: `-w`, `--age-warning RANGE`; the value's placeholder after the long flag. */
export function spellings(o: CommandOption): string[] {
  const arg = o.kind === 'string' || o.kind === 'array' ? ` ${o.arg ?? 'VALUE'}` : '';
  const names = [
    ...o.alias.filter((a) => a.length === 1).map((a) => `-${a}`),
    `--${o.flag}${arg}`,
    ...o.alias.filter((a) => a.length > 1).map((a) => `--${a}`),
  ];
  if (o.kind === 'boolean' && o.default === true) names.push(`--no-${o.flag}`);
  return names;
}

/** `-w, --age-warning RANGE` as one string. */
export function spelling(o: CommandOption): string {
  return spellings(o).join(', ');
}

/** Where the value comes from when the option is not given. */
export function defaultWords(o: CommandOption): string {
  const parts: string[] = [];
  if (o.env) parts.push(`$${o.env}`);
  if (o.kind === 'boolean') parts.push(o.default === true ? 'on' : 'off');
  else if (o.kind === 'count') parts.push('0');
  else if (o.default !== undefined) parts.push(String(o.default));
  return parts.length ? parts.join(', else ') : 'none';
}

const cell = (text: string) => text.replace(/\|/g, '\\|');
const code = (text: string) => `\`${text}\``;

/** One command's options as a Markdown table. */
export function markdownTable(cmd: CommandName): string {
  const rows = commandOptions(cmd).map(
    (o) =>
      `| ${cell(spelling(o).split(', ').map(code).join(', '))} | ${cell(defaultWords(o) === 'none' ? 'none' : defaultWords(o).split(', else ').map(code).join(', else '))} | ${cell(o.describe)} |`,
  );
  return ['| option | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

/** Every command, with its table: docs/options.md lists them all. */
export function readmeTables(): Map<CommandName, string> {
  return new Map(COMMAND_NAMES.map((c) => [c, markdownTable(c)]));
}

const BEGIN = (cmd: string) => `<!-- options: ${cmd} (generated from src/common/options.ts by npm run options-doc) -->`;
const END = '<!-- /options -->';

/** The page with every generated table replaced by the table as the option table gives it now. */
export function withTables(readme: string): string {
  let out = readme;
  for (const [cmd, table] of readmeTables()) {
    const start = out.indexOf(BEGIN(cmd));
    if (start === -1) continue;
    const end = out.indexOf(END, start);
    if (end === -1) throw new Error(`docs/options.md: ${BEGIN(cmd)} has no ${END} after it`);
    out = `${out.slice(0, start)}${BEGIN(cmd)}\n${table}\n${out.slice(end)}`;
  }
  return out;
}

/** The commands whose tables the page holds. */
export function tablesIn(readme: string): CommandName[] {
  return COMMAND_NAMES.filter((c) => readme.includes(BEGIN(c)));
}
