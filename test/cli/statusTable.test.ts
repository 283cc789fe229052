import { expect } from 'chai';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cutNamesApart, renderTable, tableStyle, type StatusRow } from '../../src/cli/status.js';
import { MAX_NAME_LENGTH } from '../../src/common/jobName.js';
import { STATE_NAMES, type State } from '../../src/common/states.js';
import type { Outcome } from '../../src/markers/types.js';
import { plugin, run } from '../support/proc.js';
import { makeTempDir, stateDirIn } from '../support/tmp.js';

const NOW = new Date(2026, 10, 24, 8, 0, 0);
const H = 3600_000;
const ANSI = /\x1b\[[0-9;]*m/g;
const visible = (s: string) => s.replace(ANSI, '');
const OUTCOMES: Outcome[] = ['success', 'failure', 'timeout', 'signal', 'spawn-error', 'skipped-overlap', 'interrupted'];

function row(job: string, outcomes: Outcome[], extra: Partial<StatusRow> = {}): StatusRow {
  const history = outcomes.map((outcome, i) => ({
    start: new Date(NOW.getTime() - (outcomes.length - i) * 24 * H).toISOString(),
    outcome,
    durationSeconds: 600 + i * 60,
    exitCode: outcome === 'success' ? 0 : 1,
  }));
  const last = history[history.length - 1];
  return {
    job,
    state: (last && last.outcome !== 'success' ? 2 : 0) as State,
    stateName: last && last.outcome !== 'success' ? 'CRITICAL' : 'OK',
    summary: '',
    schedule: '18 0 * * *',
    nextRun: new Date(NOW.getTime() + 16 * H).toISOString(),
    lastRun: last
      ? {
          start: last.start,
          end: new Date(Date.parse(last.start) + 600_000).toISOString(),
          outcome: last.outcome,
          exitCode: last.exitCode,
          durationSeconds: last.durationSeconds,
        }
      : null,
    consecutiveFailures: outcomes.length - 1 - outcomes.lastIndexOf('success'),
    running: false,
    neverRun: outcomes.length === 0,
    history,
    ...extra,
  };
}

const LONG = 'pull_content_data_admin_production_daily';
const ROWS = [
  row(LONG, ['success', 'success', 'failure', 'success', 'failure']),
  row('push_attachments_staging', ['success', 'success', 'success']),
  row('pull_new', []),
];
const recentOf = (table: string, job: string) =>
  visible(table)
    .split('\n')
    .find((l) => l.includes(job))!
    .trimEnd()
    .split(/\s+/)
    .pop()!;

describe('env-sync status table', () => {
  it('tells success and failure apart without colour: + and x', () => {
    expect(recentOf(renderTable(ROWS, NOW, { colour: false, width: 200, cutNames: true }), 'pull_content')).to.equal('++x+x');
  });

  it('in colour, a success is a bar of its duration and a failure its letter, so it reads the same in monochrome', () => {
    const table = renderTable(ROWS, NOW, { colour: true, width: 200, cutNames: true });
    const recent = recentOf(table, 'pull_content');
    expect(recent).to.match(/^[▁▂▃▄▅▆▇█]{2}x[▁▂▃▄▅▆▇█]x$/);
    expect(table).to.contain('\x1b[31mx\x1b[0m');
    expect(table).to.match(/\x1b\[32m[▁▂▃▄▅▆▇█]\x1b\[0m/);
    // Every outcome keeps its own glyph with colour taken away, and none is a success's bar.
    const all = renderTable([row('every', [...OUTCOMES])], NOW, { colour: true, width: 200, cutNames: true });
    const glyphs = [...recentOf(all, 'every')];
    expect(new Set(glyphs).size).to.equal(OUTCOMES.length);
    expect(glyphs[0]).to.match(/^[▁▂▃▄▅▆▇█]$/);
    expect(glyphs.slice(1).join('')).to.equal('xTkEs!');
  });

  it('on a terminal of 80 columns: a long job name is cut in its middle with …', () => {
    const table = renderTable(ROWS, NOW, { colour: false, width: 80, cutNames: true });
    for (const l of table.split('\n')) expect(l.length, l).to.be.at.most(80);
    const cut = table.split('\n')[1]!.split(/\s{2,}/)[1]!;
    expect(cut).to.match(/^pull_\S+…\S+_daily$/);
    expect(cut.length).to.be.at.least(24);
  });

  it('leaves DURATION and then FAILS out before it cuts a name, and keeps every column when there is room', () => {
    const wide = renderTable(ROWS, NOW, { colour: false, width: 120, cutNames: true });
    expect(wide.split('\n')[0]).to.match(/^STATE\s+JOB\s+LAST RUN\s+DURATION\s+NEXT RUN\s+FAILS\s+RECENT$/);
    expect(wide).to.contain(LONG);
    const longest = [row('p'.repeat(MAX_NAME_LENGTH), ['failure'])];
    const header = (width: number) =>
      renderTable(longest, NOW, { colour: false, width, cutNames: true })
        .split('\n')[0]!
        .split(/\s{2,}/);
    const jobWidth = (width: number) =>
      renderTable(longest, NOW, { colour: false, width, cutNames: true })
        .split('\n')[1]!
        .split(/\s{2,}/)[1]!.length;
    // A 128-character name fits none of them: the fewest columns, and the name cut to the room left.
    expect([header(90), jobWidth(90)]).to.deep.equal([['STATE', 'JOB', 'LAST RUN', 'NEXT RUN', 'RECENT'], 45]);
    expect([header(80), jobWidth(80)]).to.deep.equal([['STATE', 'JOB', 'LAST RUN', 'NEXT RUN', 'RECENT'], 35]);
    expect([header(70), jobWidth(70)]).to.deep.equal([['STATE', 'JOB', 'LAST RUN', 'NEXT RUN', 'RECENT'], 25]);
    // A name that fits once DURATION (then FAILS) is left out: those go, the name stays whole.
    for (const [length, header] of [
      [28, ['STATE', 'JOB', 'LAST RUN', 'NEXT RUN', 'FAILS', 'RECENT']],
      [34, ['STATE', 'JOB', 'LAST RUN', 'NEXT RUN', 'RECENT']],
    ] as Array<[number, string[]]>) {
      const table = renderTable([row('m'.repeat(length), ['failure'])], NOW, { colour: false, width: 80, cutNames: true });
      expect(table.split('\n')[0]!.split(/\s{2,}/)).to.deep.equal(header);
      expect(table).to.contain(`  ${'m'.repeat(length)}  `);
    }
    // Nothing left to leave out: the name is cut to fit, to 8 characters at least.
    expect([header(60), jobWidth(60)]).to.deep.equal([['STATE', 'JOB', 'LAST RUN', 'NEXT RUN', 'RECENT'], 15]);
    expect(jobWidth(40)).to.equal(8);
  });

  it('fits 80 columns whatever the rows (property)', () => {
    const arbRow = fc.record({
      job: fc.stringMatching(/^[a-z0-9_.-]{0,119}$/),
      outcomes: fc.array(fc.constantFrom(...OUTCOMES), { maxLength: 10 }),
      state: fc.constantFrom(0, 1, 2, 3),
      ageHours: fc.integer({ min: 0, max: 24 * 3650 }),
      nextHours: fc.option(fc.integer({ min: 0, max: 24 * 400 })),
      fails: fc.integer({ min: 0, max: 99_999 }),
      running: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(arbRow, { minLength: 1, maxLength: 8 }), fc.boolean(), (specs, colour) => {
        const rows = specs.map((s) => {
          const r = row(`j${String(specs.indexOf(s)).padStart(3, '0')}${s.job}`, s.outcomes, {
            state: s.state as State,
            stateName: STATE_NAMES[s.state],
            consecutiveFailures: s.fails,
            running: s.running,
            nextRun: s.nextHours === null ? null : new Date(NOW.getTime() + s.nextHours * H).toISOString(),
          });
          if (r.lastRun) r.lastRun = { ...r.lastRun, end: new Date(NOW.getTime() - s.ageHours * H).toISOString(), durationSeconds: s.ageHours * 3600 };
          return r;
        });
        const table = renderTable(rows, NOW, { colour, width: 80, cutNames: true });
        const [head, ...rest] = table.split('\n\nWhy:\n')[0]!.split('\n');
        for (const l of [head!, ...rest]) expect(visible(l).length, l).to.be.at.most(80);
      }),
      { numRuns: 300 },
    );
  });

  const STYLES: Array<[string, boolean, number | undefined, NodeJS.ProcessEnv, { colour: boolean; width: number; cutNames: boolean }]> = [
    ['a terminal', true, 132, { TERM: 'xterm-256color' }, { colour: true, width: 132, cutNames: true }],
    ['TERM=dumb', true, 132, { TERM: 'dumb' }, { colour: false, width: 132, cutNames: true }],
    ['NO_COLOR', true, 132, { TERM: 'xterm', NO_COLOR: '1' }, { colour: false, width: 132, cutNames: true }],
    ['NO_COLOR empty (unset, as no-color.org says)', true, 132, { TERM: 'xterm', NO_COLOR: '' }, { colour: true, width: 132, cutNames: true }],
    ['piped', false, undefined, { TERM: 'xterm' }, { colour: false, width: 80, cutNames: false }],
    ['a terminal of unknown width', true, 0, { TERM: 'xterm' }, { colour: true, width: 80, cutNames: true }],
    ['COLUMNS', false, undefined, { COLUMNS: '200' }, { colour: false, width: 200, cutNames: false }],
    ['COLUMNS not a number', true, 100, { COLUMNS: 'wide', TERM: 'xterm' }, { colour: true, width: 100, cutNames: true }],
  ];
  it('piped, never cuts a name: the line is longer instead', () => {
    const table = renderTable(ROWS, NOW, { colour: false, width: 80, cutNames: false });
    expect(table).to.contain(LONG);
    expect(table).to.not.contain('…');
  });

  it('never cuts two names to the same text (the on-call engineer greps and pastes them)', () => {
    const pair = [
      'pull_content_unwrapped_fail',
      'pull_content_wrapped_fail',
      'pull_content_data_admin_production_daily',
      'pull_content_data_admin_staging_daily',
    ];
    const table = renderTable(
      pair.map((j) => row(j, ['failure'])),
      NOW,
      { colour: false, width: 60, cutNames: true },
    );
    const shown = table
      .split('\n\n')[0]!
      .split('\n')
      .slice(1)
      .map((l) => l.split(/\s{2,}/)[1]!);
    expect(new Set(shown).size, shown.join(' ')).to.equal(pair.length);
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[a-c_]{1,40}$/), { minLength: 2, maxLength: 12 }), fc.integer({ min: 8, max: 30 }), (names, width) => {
        const cut = cutNamesApart(names, width);
        expect(new Set(cut.values()).size).to.equal(names.length);
        for (const n of names) if (n.length <= width) expect(cut.get(n)).to.equal(n);
      }),
    );
  });

  it('says under the table why each row that is not OK is so', () => {
    const rows = [row(LONG, ['failure'], { summary: `${LONG} failed with exit 3 at 00:41 after 23m` }), row('push_attachments_staging', ['success'])];
    const table = renderTable(rows, NOW, { colour: false, width: 80, cutNames: false });
    expect(table.split('\n\n')[1]).to.equal(`Why:\n  ${LONG} failed with exit 3 at 00:41 after 23m\n`);
  });

  for (const [what, isTTY, columns, env, style] of STYLES) it(`style on ${what}`, () => expect(tableStyle(isTTY, columns, env)).to.deep.equal(style));
});

describe('env-sync status on a real terminal and piped', function () {
  this.timeout(60_000);
  let dir: string;
  let cleanup: () => void;
  let args: string[];
  before(async () => {
    ({ dir, cleanup } = makeTempDir());
    const state = stateDirIn(dir);
    writeFileSync(join(dir, 'syslog'), '');
    const env = { ...process.env, ENV_SYNC_STATE_DIR: state };
    const job = `pull_${'x'.repeat(60)}_daily`;
    for (const cmd of ['true', 'false', 'true']) await run(plugin('env-sync-run'), ['--no-syslog', '--job', job, '--', cmd], { env });
    args = ['status', '--state-dir', state, '--syslog', join(dir, 'syslog')];
  });
  after(() => cleanup());
  /** env-sync status on a pty (script(1), util-linux), with the environment given. */
  const onTerminal = (env: NodeJS.ProcessEnv) => {
    const cmd = [plugin('env-sync'), ...args].map((a) => `'${a}'`).join(' ');
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', env: { ...process.env, COLUMNS: '80', ...env } });
    if (r.error) throw new Error('script(1) is missing: apt-get install -y bsdutils');
    return r.stdout;
  };

  it('TERM=dumb and NO_COLOR get no colour on a terminal, and still tell the outcomes apart', () => {
    for (const env of [{ TERM: 'dumb' }, { TERM: 'xterm', NO_COLOR: '1' }]) {
      const out = onTerminal(env);
      expect(out, JSON.stringify(env)).not.to.contain('\x1b[');
      expect(out).to.match(/\s\+x\+\s*$/m);
    }
  });

  it('a colour terminal gets colour, bars for successes and a red x for the failure', () => {
    const out = onTerminal({ TERM: 'xterm' });
    expect(out).to.match(/\x1b\[32m[▁▂▃▄▅▆▇█]\x1b\[0m\x1b\[31mx\x1b\[0m\x1b\[32m[▁▂▃▄▅▆▇█]\x1b\[0m/);
  });

  it('piped: the name whole, for grep and copy-paste (the columns that do not fit are left out first); on a terminal cut; whole in --json', async () => {
    const job = `pull_${'x'.repeat(60)}_daily`;
    const piped = await run(plugin('env-sync'), args, { env: { ...process.env, COLUMNS: '' } });
    expect(piped.stdout).to.contain(` ${job} `).and.not.contain('…');
    expect(piped.stdout.split('\n')[0]).to.match(/^STATE\s+JOB\s+LAST RUN\s+NEXT RUN\s+RECENT$/);
    const out = onTerminal({ TERM: 'dumb' });
    expect(out).to.match(/ pull_x+…x+_daily /);
    const table = out.split(/\r?\n/).filter((l) => !l.startsWith('env-sync:'));
    for (const l of table.slice(0, table.indexOf(''))) expect(l.length, l).to.be.at.most(80);
    const json = await run(plugin('env-sync'), [...args, '--json']);
    expect((JSON.parse(json.stdout) as { jobs: Array<{ job: string }> }).jobs[0]!.job).to.equal(`pull_${'x'.repeat(60)}_daily`);
  });
});
