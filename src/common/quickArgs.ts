// The usual, well-formed command line, read from the option table without yargs.
//
// A plugin starts every minute on every host, and loading yargs costs more than starting node
// (docs/benchmarks.md). Icinga and cron always pass the same plain `--name value` / `-x value`
// words, so those are read here; anything else (help, version, an unknown or repeated option, a
// value that looks like an option, `--name=value` for a boolean, camelCase spellings) returns null
// and the caller hands the words to yargs, which stays the one source of help text, error messages
// and the full grammar. test/common/quickArgs.test.ts checks, on generated command lines of every
// command in the table, that both read the same values.

export interface QuickOption {
  alias?: string | readonly string[];
  type?: 'string' | 'boolean' | 'count';
  choices?: readonly string[];
}

export type QuickSpec = Readonly<Record<string, QuickOption>>;

export interface QuickParse {
  /** Values under each option's own (first) name; a count not given is 0, anything else not given is absent. */
  values: Record<string, string | boolean | number | undefined>;
  /** The words from the first non-option word on, or after `--` (only with haltAtNonOption). */
  rest: string[];
}

export function quickParse(args: readonly string[], spec: QuickSpec, opts: { haltAtNonOption?: boolean } = {}): QuickParse | null {
  const byName = new Map<string, string>();
  for (const [key, o] of Object.entries(spec)) {
    byName.set(key, key);
    for (const a of typeof o.alias === 'string' ? [o.alias] : (o.alias ?? [])) byName.set(a, key);
  }
  const values: QuickParse['values'] = {};
  const seen = new Set<string>();
  let i = 0;
  for (; i < args.length; i++) {
    const word = args[i]!;
    if (word === '--') {
      if (!opts.haltAtNonOption) return null;
      return finish(values, spec, args.slice(i + 1));
    }
    if (!word.startsWith('-') || word === '-') {
      if (!opts.haltAtNonOption) return null;
      return finish(values, spec, args.slice(i));
    }
    let name: string;
    let inline: string | undefined;
    if (word.startsWith('--')) {
      const eq = word.indexOf('=');
      name = eq < 0 ? word.slice(2) : word.slice(2, eq);
      inline = eq < 0 ? undefined : word.slice(eq + 1);
      if (name.length < 2) return null;
    } else {
      // -vvv: a count flag given several times; any other cluster is left to yargs.
      const letters = word.slice(1);
      const key = byName.get(letters[0]!);
      if (letters.length > 1) {
        if (!key || spec[key]!.type !== 'count' || ![...letters].every((c) => c === letters[0])) return null;
        values[key] = ((values[key] as number | undefined) ?? 0) + letters.length;
        continue;
      }
      name = letters;
    }
    let key = byName.get(name);
    let negated = false;
    if (!key && name.startsWith('no-')) {
      key = byName.get(name.slice(3));
      negated = true;
      if (!key || spec[key]!.type !== 'boolean' || inline !== undefined) return null;
    }
    if (!key) return null;
    const o = spec[key]!;
    if (o.type === 'count') {
      if (inline !== undefined) return null;
      values[key] = ((values[key] as number | undefined) ?? 0) + 1;
      continue;
    }
    if (seen.has(key)) return null; // yargs makes an array of a repeated option; let it complain
    seen.add(key);
    if (o.type === 'boolean') {
      // yargs takes a following `true`/`false` as the flag's value.
      if (inline !== undefined || args[i + 1] === 'true' || args[i + 1] === 'false') return null;
      values[key] = !negated;
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = args[i + 1];
      // A value starting with - (`-5`, `-1:2`, `-x`) is read by yargs, whose rules for it are subtle.
      if (next === undefined || next.startsWith('-')) return null;
      value = next;
      i++;
    }
    if (o.choices && !o.choices.includes(value)) return null;
    values[key] = value;
  }
  return finish(values, spec, []);
}

function finish(values: QuickParse['values'], spec: QuickSpec, rest: string[]): QuickParse {
  for (const [key, o] of Object.entries(spec)) {
    if (values[key] === undefined && o.type === 'count') values[key] = 0;
  }
  return { values, rest };
}
