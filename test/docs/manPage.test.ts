// The man pages of the five executables (src/docs/manPage.ts), rendered by the real groff and
// man-db as a reader and lintian render them: no warning from either, and every option of the one
// option table in its executable's page with its default and environment variable. The loops run
// over the table, so an option added to it that a page lacked would fail here.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandsOf, MAN_EXECUTABLES, manPage, type Executable, manExamples } from '../../src/docs/manPage.js';
import { COMMANDS, commandOptions } from '../../src/common/options.js';
import { defaultWords, spellings } from '../../src/common/optionsDoc.js';
import { STATE_NAMES } from '../../src/common/states.js';
import { requireTool } from '../support/debPackage.js';
import { makeTempDir } from '../support/tmp.js';

const SECTIONS = ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'OPTIONS', 'EXIT STATUS', 'ENVIRONMENT', 'FILES', 'EXAMPLES', 'SEE ALSO'];

describe('man pages, written from the option table', function () {
  this.timeout(60_000);
  let tmp: ReturnType<typeof makeTempDir>;
  before(() => {
    requireTool('groff', 'groff-base');
    requireTool('man', 'man-db');
    tmp = makeTempDir('env-sync-man-');
  });
  after(() => tmp?.cleanup());

  function pageFile(exe: Executable): string {
    const file = join(tmp.dir, `${exe}.1`);
    writeFileSync(file, manPage(exe, { version: '0.1.0', date: '2026-11-26' }));
    return file;
  }

  /** The page as man shows it, formatting off, blanks and line breaks as one blank; each section apart. */
  function sections(exe: Executable): Map<string, string> {
    const r = spawnSync('man', ['-l', pageFile(exe)], {
      encoding: 'utf8',
      env: { ...process.env, LC_ALL: 'C.UTF-8', MANWIDTH: '200', MANPAGER: 'cat', PAGER: 'cat', MAN_KEEP_FORMATTING: '' },
    });
    expect(r.status, r.stderr).to.equal(0);
    const out = new Map<string, string>();
    let current = '';
    for (const line of r.stdout.split('\n')) {
      if (/^[A-Z][A-Z ]+$/.test(line)) current = line;
      else if (current) out.set(current, `${out.get(current) ?? ''} ${line}`.replace(/\s+/g, ' '));
    }
    return out;
  }

  for (const exe of MAN_EXECUTABLES) {
    it(`${exe}: groff -ww and man --warnings render it without a warning, with every section`, () => {
      const file = pageFile(exe);
      const groff = spawnSync('groff', ['-man', '-Tutf8', '-ww', '-z', file], { encoding: 'utf8' });
      expect(groff.stderr).to.equal('');
      expect(groff.status).to.equal(0);
      // lintian's own call (its groff-message check).
      const man = spawnSync('man', ['--warnings', '-E', 'UTF-8', '-l', '-Tutf8', '-Z', file], {
        encoding: 'utf8',
        env: { ...process.env, LC_ALL: 'C.UTF-8', MANWIDTH: '80' },
      });
      expect(man.stderr).to.equal('');
      expect(man.status).to.equal(0);
      expect([...sections(exe).keys()]).to.include.members(SECTIONS);
      expect(sections(exe).get('NAME')).to.match(new RegExp(`^ ${exe} - \\S`));
    });

    it(`${exe}: EXAMPLES shows each line to paste whole, as the reader copies it`, () => {
      const shown = sections(exe).get('EXAMPLES')!;
      expect(manExamples(exe)).to.not.be.empty;
      for (const [, line] of manExamples(exe)) expect(shown, line).to.contain(line.replace(/\s+/g, ' '));
      expect(manExamples(exe).some(([, line]) => line.includes(exe === 'env-sync' ? 'env-sync ' : exe))).to.equal(true);
    });

    it(`${exe}: every option of its command${exe === 'env-sync' ? 's' : ''} in the option table, with its default and environment variable`, () => {
      const page = sections(exe);
      const options = page.get('OPTIONS')!;
      for (const cmd of commandsOf(exe)) {
        for (const o of commandOptions(cmd)) {
          for (const spelled of spellings(o)) expect(options, `${cmd}: ${spelled}`).to.include(` ${spelled}`);
          expect(options, `${cmd}: --${o.flag}'s help`).to.include(o.describe);
          if (defaultWords(o) !== 'none') expect(options, `${cmd}: --${o.flag}'s default`).to.include(`Default: ${defaultWords(o)}.`);
          if (o.env) expect(page.get('ENVIRONMENT'), `${cmd}: ${o.env}`).to.include(`${o.env} The value of --${o.flag}`);
        }
      }
      expect(options).to.include(' -h, --help ').and.to.include(' -V, --version ');
    });
  }

  it('env-sync: each command, and the commands an option belongs to when not all take it', () => {
    const page = sections('env-sync');
    for (const cmd of commandsOf('env-sync')) expect(page.get('SYNOPSIS')).to.include(cmd);
    expect(page.get('OPTIONS')).to.match(/ --order FIRST:THEN\[:WITHIN\] .* Commands: status\. /);
    expect(page.get('OPTIONS')).to.match(/ --exec .* Commands: rerun\. /);
  });

  it('the plugins exit 0 to 3 with the Monitoring Plugins states', () => {
    for (const exe of ['check_env_sync', 'check_env_sync_all', 'check_env_sync_order'] as const) {
      const exit = sections(exe).get('EXIT STATUS')!;
      for (const [code, name] of STATE_NAMES.entries()) expect(exit, exe).to.include(` ${code} ${name}`);
    }
  });

  it("env-sync-run's page gives every exit status its help names", () => {
    const help = (COMMANDS['env-sync-run'].usage as string).split(/\n\s*\n/).find((p) => p.startsWith('Exit status:'))!;
    const codes = [...help.matchAll(/\b\d+\b/g)].map((m) => m[0]);
    expect(codes).to.include.members(['124', '125', '126', '127', '75', '128']);
    const exit = sections('env-sync-run').get('EXIT STATUS')!;
    for (const code of codes) expect(exit, code).to.match(new RegExp(` ${code}(\\+N)? `));
  });

  it("env-sync's page gives its usage error's status, 64, apart from the states", () => {
    const exit = sections('env-sync').get('EXIT STATUS')!;
    expect(exit).to.match(/ 64 A usage error \(EX_USAGE/);
    expect(exit).not.to.match(/ 2 A usage error/);
  });
});
