// The words of every finding live in src/check/words.ts, each with what a person needs beside it, and
// docs/oncall.md's glossary is exactly what they make (npm run glossary rewrites it).
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GLOSSARY_BEGIN, GLOSSARY_END, glossaryTable, withGlossary } from '../../src/check/glossary.js';
import * as words from '../../src/check/words.js';
import { repoRoot } from '../support/proc.js';

// Helpers that join findings' words, not findings of their own.
const NOT_FINDINGS = new Set(['overLimit', 'dueWords', 'whatHappened', 'failedSince', 'logWhere', 'headline', 'markersNotWritable']);

describe('the words of every finding, and the glossary made from them', () => {
  it("keeps docs/oncall.md's glossary as words.ts makes it (npm run glossary rewrites it)", () => {
    const page = readFileSync(join(repoRoot, 'docs/oncall.md'), 'utf8');
    expect(page, 'docs/oncall.md has no glossary markers').to.include(GLOSSARY_BEGIN).and.include(GLOSSARY_END);
    expect(withGlossary(page) === page, 'docs/oncall.md glossary differs from src/check/words.ts: run npm run glossary').to.equal(true);
  });

  it('has an entry for every function of words.ts that makes a finding, and no entry without one', () => {
    const made = Object.entries(words)
      .filter(([name, v]) => typeof v === 'function' && !NOT_FINDINGS.has(name))
      .map(([name]) => name)
      .sort();
    expect(words.GLOSSARY.map((e) => e.name).sort()).to.deep.equal(made);
  });

  it('gives each entry its states, an example, what it means and what to do', () => {
    for (const e of words.GLOSSARY) {
      for (const field of [e.states, e.means, e.todo, e.example()]) expect(field.trim(), e.name).to.not.equal('');
      // The example is what the function says, never a hand-written copy that can drift from it.
      const fn = (words as unknown as Record<string, unknown>)[e.name];
      expect(fn, e.name).to.be.a('function');
    }
  });

  it('makes a table row for each entry, its | escaped so that no row splits', () => {
    const rows = glossaryTable().split('\n').slice(2);
    expect(rows).to.have.length(words.GLOSSARY.length);
    for (const r of rows) expect(r.replace(/\\\|/g, '').split('|'), r).to.have.length(6);
  });

  it('refuses a page without the markers rather than write nothing', () => {
    expect(() => withGlossary('# no glossary here\n')).to.throw(/no <!-- glossary/);
  });
});
