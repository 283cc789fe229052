// The floors of src/ (docs/architecture.md, "The floors"): a folder imports only from its own folder
// and from folders on floors below it. Read from the source as it is, so an import that goes up or
// sideways fails here naming the file and the import, instead of being found when a circle of
// imports breaks the bundle or a module can no longer be tested alone.
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { repoRoot } from '../support/proc.js';

/**
 * Top floor first. Folders on one floor do not import each other. The same list, in the same order,
 * is the table in docs/architecture.md (checked below).
 */
export const FLOORS: readonly (readonly string[])[] = [
  ['bin', 'docs'],
  ['cli', 'wrapper'],
  ['icinga'],
  ['check'],
  ['joblog'],
  ['logsource'],
  ['syslog', 'journal'],
  ['cron', 'metrics'],
  ['markers', 'output', 'log'],
  ['common', 'types'],
];

/**
 * Imports allowed against the floors, each with why. Keyed `from-file -> imported-file`, both relative
 * to src/. None today: an entry here is a debt, and one no longer used fails the test.
 */
const EXCEPTIONS: ReadonlyMap<string, string> = new Map([]);

const srcDir = join(repoRoot, 'src');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

// Comments name modules in prose ("the queries above (src/joblog/)"); only code counts.
const withoutComments = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
const SPECIFIERS = [/\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, /^\s*import\s*['"]([^'"]+)['"]/gm];

interface Import {
  /** The importing file, relative to src/ (`common/options.ts`). */
  from: string;
  /** The specifier as written. */
  specifier: string;
  /** The imported file, relative to src/, `.js` read as the `.ts` it is built from. */
  to: string;
}

/** Every relative import of every file under src/; packages and node: modules are on no floor. */
function imports(): Import[] {
  const out: Import[] = [];
  for (const file of tsFiles(srcDir)) {
    const code = withoutComments(readFileSync(file, 'utf8'));
    for (const re of SPECIFIERS) {
      for (const m of code.matchAll(re)) {
        const specifier = m[1]!;
        if (!specifier.startsWith('.')) continue;
        const to = relative(srcDir, resolve(dirname(file), specifier)).replace(/\.js$/, '.ts');
        out.push({ from: relative(srcDir, file).split(sep).join('/'), specifier, to: to.split(sep).join('/') });
      }
    }
  }
  return out;
}

const folderOf = (path: string) => (path.includes('/') ? path.slice(0, path.indexOf('/')) : '');

/** The floor a folder is on, 0 the bottom; undefined when it is on none. */
function floorOf(folder: string): number | undefined {
  const i = FLOORS.findIndex((f) => f.includes(folder));
  return i < 0 ? undefined : FLOORS.length - 1 - i;
}

/** Problems with one import, in words that name the file, the import and the floors. */
export function floorProblem(imp: Import): string | null {
  const [a, b] = [folderOf(imp.from), folderOf(imp.to)];
  if (b === '..' || imp.to.startsWith('../')) return `src/${imp.from} imports '${imp.specifier}', which is outside src/`;
  if (a === b) return null;
  const [fa, fb] = [floorOf(a), floorOf(b)];
  if (fa === undefined) return `src/${imp.from} is in src/${a}/, which is on no floor: add it to FLOORS and docs/architecture.md`;
  if (fb === undefined) return `src/${imp.from} imports '${imp.specifier}' from src/${b}/, which is on no floor: add it to FLOORS and docs/architecture.md`;
  if (fb < fa) return null;
  const how = fb === fa ? `sideways (src/${a}/ and src/${b}/ share a floor)` : `up (src/${a}/ is below src/${b}/)`;
  return `src/${imp.from} imports '${imp.specifier}' (src/${imp.to}): ${how}`;
}

/** Which folders each folder imports from. */
function folderEdges(imps: readonly Import[]): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  for (const imp of imps) {
    const [a, b] = [folderOf(imp.from), folderOf(imp.to)];
    if (a !== b) edges.set(a, (edges.get(a) ?? new Set()).add(b));
  }
  return edges;
}

/** The folders that import each other round a circle, each circle as a path `a -> b -> … -> a`. */
export function folderCycles(edges: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  // Tarjan's strongly connected components: a component of more than one folder holds a circle.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) out.push(`${component.sort().join(', ')} import each other: ${circleThrough(component, edges)}`);
    }
  };
  for (const v of [...edges.keys()].sort()) if (!idx.has(v)) visit(v);
  return out;
}

// One circle inside a component, for the message: breadth-first from its first folder back to it.
function circleThrough(component: string[], edges: ReadonlyMap<string, ReadonlySet<string>>): string {
  const start = component[0]!;
  const inside = new Set(component);
  const before = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of [...(edges.get(v) ?? [])].sort()) {
      if (!inside.has(w)) continue;
      if (w === start) {
        const between: string[] = [];
        for (let u = v; u !== start; u = before.get(u)!) between.unshift(u);
        return [start, ...between, start].join(' -> ');
      }
      if (!before.has(w)) {
        before.set(w, v);
        queue.push(w);
      }
    }
  }
  return component.join(', ');
}

describe('floors: src/ imports only downwards (docs/architecture.md)', () => {
  const all = imports();

  it('finds the imports it checks', () => {
    // A regular expression that stopped matching would pass every file.
    expect(all.length).to.be.greaterThan(300);
    expect(all).to.deep.include({ from: 'bin/check_env_sync.ts', specifier: '../check/pipeline.js', to: 'check/pipeline.ts' });
  });

  it('puts every folder of src/ on exactly one floor', () => {
    const folders = readdirSync(srcDir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    const listed = FLOORS.flat();
    expect([...listed].sort(), 'FLOORS lists each src/ folder once').to.deep.equal(folders);
    expect(new Set(listed).size).to.equal(listed.length);
    const loose = tsFiles(srcDir).filter((f) => dirname(f) === srcDir);
    expect(loose, 'files directly in src/ are on no floor').to.deep.equal([]);
  });

  it('has no import that goes up or sideways', () => {
    const used = new Set<string>();
    const problems = all.flatMap((imp) => {
      const problem = floorProblem(imp);
      if (problem === null) return [];
      const key = `${imp.from} -> ${imp.to}`;
      if (EXCEPTIONS.has(key)) {
        used.add(key);
        return [];
      }
      return [problem];
    });
    expect(problems, 'move the code to the floor it belongs on').to.deep.equal([]);
    expect(
      [...EXCEPTIONS.keys()].filter((k) => !used.has(k)),
      'exceptions no import needs any more',
    ).to.deep.equal([]);
  });

  it('has no circle of imports between folders', () => {
    expect(folderCycles(folderEdges(all))).to.deep.equal([]);
  });

  it('is the table docs/architecture.md shows, with the imports the code has', () => {
    const doc = readFileSync(join(repoRoot, 'docs', 'architecture.md'), 'utf8');
    const section = doc.split(/^## /m).find((s) => s.startsWith('The floors'));
    expect(section, 'docs/architecture.md has a section "## The floors"').to.be.a('string');
    // | floor | `src/folder/` | what it holds | `a`, `b` (or —) |
    const rows = section!
      .split('\n')
      .filter((l) => /^\|\s*\d+\s*\|/.test(l))
      .map((l) => {
        const cells = l.split('|').map((c) => c.trim());
        return { floor: Number(cells[1]), folder: /^`src\/([a-z]+)\/`$/.exec(cells[2]!)?.[1] ?? cells[2]!, imports: cells.at(-2)! };
      });
    const floors = FLOORS.map((f, i) => ({ floor: FLOORS.length - i, folders: [...f] }));
    const docFloors = [...new Set(rows.map((r) => r.floor))].map((floor) => ({ floor, folders: rows.filter((r) => r.floor === floor).map((r) => r.folder) }));
    expect(docFloors, 'the floors of the table, top first').to.deep.equal(floors);
    const edges = folderEdges(all);
    const wrong = rows.flatMap((r) => {
      const has = [...(edges.get(r.folder) ?? [])].sort();
      const says = r.imports === '—' ? [] : [...r.imports.matchAll(/`([a-z]+)`/g)].map((m) => m[1]!);
      const shown = (l: string[]) => (l.length ? l.map((f) => `\`${f}\``).join(', ') : '—');
      return shown(says) === shown(has) ? [] : [`src/${r.folder}/ imports from ${shown(has)}, not ${shown(says)}`];
    });
    expect(wrong, "docs/architecture.md's last column").to.deep.equal([]);
  });

  it('names the import that goes up, the one that goes sideways, and a circle', () => {
    expect(floorProblem({ from: 'common/options.ts', specifier: '../journal/args.js', to: 'journal/args.ts' })).to.equal(
      "src/common/options.ts imports '../journal/args.js' (src/journal/args.ts): up (src/common/ is below src/journal/)",
    );
    expect(floorProblem({ from: 'journal/types.ts', specifier: '../syslog/types.js', to: 'syslog/types.ts' })).to.equal(
      "src/journal/types.ts imports '../syslog/types.js' (src/syslog/types.ts): sideways (src/journal/ and src/syslog/ share a floor)",
    );
    expect(floorProblem({ from: 'check/gather.ts', specifier: '../markers/read.js', to: 'markers/read.ts' })).to.equal(null);
    const edges = new Map([
      ['journal', new Set(['syslog'])],
      ['syslog', new Set(['logsource', 'common'])],
      ['logsource', new Set(['journal'])],
      ['common', new Set<string>()],
    ]);
    expect(folderCycles(edges)).to.deep.equal(['journal, logsource, syslog import each other: journal -> syslog -> logsource -> journal']);
  });
});
