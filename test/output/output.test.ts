import { expect } from 'chai';
import fc from 'fast-check';
import { cleanText, noMarkup, oneLine, safeJson, stripControl, visibleText } from '../../src/output/sanitize.js';
import { formatMetric } from '../../src/output/perfdata.js';
import { render } from '../../src/output/pluginOutput.js';
import { evidenceLine, MAX_EVIDENCE_CHARS } from '../../src/check/explain.js';
import { worst } from '../../src/common/states.js';
import { parseRange } from '../../src/common/range.js';

describe('plugin output', () => {
  it('drops escape sequences, makes spacing controls a space and every other control visible, and never lets | through', () => {
    expect(cleanText('a\u001b[31mred\u001b[0m|b\tc\r\nd\u0000e')).to.equal('ared¦b c d\\x00e');
    // A lone ESC, C1 controls (CSI as one byte, NEL), bidi controls and the Unicode separators.
    expect(cleanText('x\u001by\u009b8mz\u0085\u202eabc\u2066\u200f\u061c\u2028q\u007f')).to.equal('x\\x1by\\x9b8mz\\x85\\u202eabc\\u2066\\u200f\\u061c q\\x7f');
  });
  it('returns clean text as it is and cleans the rest alike, whatever the mix (its fast path changes no answer)', () => {
    const cleaned = (t: string) => cleanText(`\u0007${t}`).replace(/^\\x07 ?/, ''); // a control forces the full path
    const pieces = ['a', 'Z', '0', ' ', '  ', '|', '\t', '\n', '\u001b[31m', '\u001b', '~', '{', '}', '\u007f', 'é', '\u202e', '¦', '<'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 12 }), (parts) => {
        const t = parts.join('');
        expect(cleanText(t), JSON.stringify(t)).to.equal(cleaned(t));
        expect(cleanText(cleanText(t))).to.equal(cleanText(t));
      }),
      { seed: 26, numRuns: 2000 },
    );
    expect(cleanText('last run succeeded at 00:41 after 23m')).to.equal('last run succeeded at 00:41 after 23m');
    expect(cleanText(' a  b ')).to.equal('a b');
  });
  it('visibleText shows every control as it was, escapes and all; the rest is untouched', () => {
    expect(visibleText('\u001b]52;c;ZWNobw==\u0007\u001b[8mhide\r\n\t\u202e\u0090ok é')).to.equal(
      '\\x1b]52;c;ZWNobw==\\x07\\x1b[8mhide\\r\\n\\t\\u202e\\x90ok é',
    );
    expect(visibleText('plain | text <b>')).to.equal('plain | text <b>');
  });
  it('safeJson keeps the text exact and writes every control and bidi character as a \\u escape', () => {
    const value = { m: 'a\u001b[8mb\u0085c\u202ed\u2028e\u007ff\u2069' };
    const json = safeJson(value, 2);
    // eslint-disable-next-line no-control-regex
    expect(json).not.to.match(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/);
    expect(json).to.contain('\\u001b[8mb\\u0085c\\u202ed\\u2028e\\u007ff\\u2069');
    expect(JSON.parse(json)).to.deep.equal(value);
  });
  it('noMarkup turns < into U+2039 so no HTML renderer reads a tag', () => {
    expect(noMarkup('<a href="https://evil">click</a> 2>&1 >>log')).to.equal('\u2039a href="https://evil">click\u2039/a> 2>&1 >>log');
  });
  it('render: no < outside the Re-run lines, which stay pasteable as built (&&, >>, <)', () => {
    const text = render(
      {
        state: 2,
        summary: 'Unknown argument: <a href=x>',
        perfdata: [],
        longOutput: [
          '  marker output tail: <b>bold</b>',
          "Re-run: sudo -u u sh -c 'cd /x && job < /dev/null >> /var/log/x.log 2>&1'",
          'Or: sudo env-sync rerun pull_x (shows the command and asks)',
        ],
      },
      4096,
    );
    expect(text).to.equal(
      "ENV_SYNC CRITICAL - Unknown argument: \u2039a href=x>\nmarker output tail: \u2039b>bold\u2039/b>\nRe-run: sudo -u u sh -c 'cd /x && job < /dev/null >> /var/log/x.log 2>&1'\nOr: sudo env-sync rerun pull_x (shows the command and asks)\n",
    );
  });
  it("stripControl (the marker's tail) removes C1 and bidi controls too", () => {
    expect(stripControl('a\u0085b\u009b31mc\u202ed\u2066e\u001b[1mf\tg')).to.equal('ab31mcdef g');
  });
  it('formats perfdata with units, thresholds and quoted labels', () => {
    expect(formatMetric({ label: 'age', value: 3600.5, uom: 's', warn: parseRange('25h', '-w'), crit: parseRange('26h', '-c'), min: 0 })).to.equal(
      'age=3600.5s;90000;93600;0',
    );
    expect(formatMetric({ label: "it's a job", value: 1 })).to.equal("'it''s a job'=1");
    expect(formatMetric({ label: 'a=b', value: 2, min: 0, max: 1 })).to.equal('a_b=2;;;0;1');
  });
  it('ranks CRITICAL above UNKNOWN above WARNING above OK', () => {
    expect(worst([0, 1, 3])).to.equal(3);
    expect(worst([3, 2])).to.equal(2);
    expect(worst([])).to.equal(0);
  });
  it('keeps the first line whole and cuts the long output to --max-output', () => {
    const out = render(
      {
        state: 2,
        summary: 'pull_x failed | with exit 1',
        longOutput: Array.from({ length: 100 }, (_, i) => `line ${i} ${'x'.repeat(50)}`),
        perfdata: [{ label: 'exit_code', value: 1 }],
      },
      1024,
    );
    expect(Buffer.byteLength(out)).to.be.at.most(1024);
    const [first, ...rest] = out.split('\n');
    expect(first).to.equal('ENV_SYNC CRITICAL - pull_x failed ¦ with exit 1|exit_code=1');
    expect(rest.join('\n')).to.match(/more lines cut: --max-output/);
  });
  it('output is always within the byte bound with one clean first line (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 3000 }),
        fc.array(fc.string({ maxLength: 500 }), { maxLength: 30 }),
        fc.integer({ min: 256, max: 5000 }),
        fc.constantFrom(0, 1, 2, 3),
        (summary, long, max, state) => {
          const out = render({ state: state as 0, summary, longOutput: long, perfdata: [{ label: 'age', value: 5, uom: 's' }] }, max);
          expect(Buffer.byteLength(out)).to.be.at.most(max);
          const first = out.split('\n')[0]!;
          expect(first).to.match(/^ENV_SYNC (OK|WARNING|CRITICAL|UNKNOWN) - /);
          expect(first.split('|')).to.have.length(2);
          // Icinga 2 keeps all before the | as the output: it must not end in a blank.
          expect(first.split('|')[0]).to.not.match(/\s$/);
          // eslint-disable-next-line no-control-regex
          expect(out).not.to.match(/[\u0000-\u0009\u000b-\u001f\u007f]/);
        },
      ),
      { numRuns: 500 },
    );
  });
  it('oneLine is byte-bounded without splitting characters (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.integer({ min: 3, max: 100 }), (s, n) => {
        const o = oneLine(s, n);
        expect(Buffer.byteLength(o)).to.be.at.most(n);
        // A replacement character in the output would mean a character was split (unless the input had one).
        if (!s.includes('\uFFFD')) expect(o).not.to.contain('\uFFFD');
        expect(o).not.to.contain('\n');
      }),
      { numRuns: 1000 },
    );
  });
});

describe('long output whose lines each name a job (check_env_sync_all)', () => {
  const names = [
    'pull_content_data_admin_production_daily',
    'pull_content_data_admin_staging_daily',
    'pull_content_unwrapped_fail',
    'pull_content_wrapped_fail',
  ];
  const lines = names.flatMap((n) => [`[CRITICAL] ${n} failed with exit 1 at 00:41 after 23m`, `[OK] ${n}_b last run succeeded at 00:07 after 4m`]);
  it('drops whole lines at --max-output, never cutting one, and ends with where the rest is', () => {
    fc.assert(
      fc.property(fc.integer({ min: 60, max: 700 }), (maxBytes) => {
        const out = render({ state: 2, summary: '8 jobs: 4 CRITICAL', longOutput: lines, perfdata: [], moreAt: 'env-sync status' }, maxBytes);
        expect(Buffer.byteLength(out)).to.be.at.most(maxBytes);
        const [, ...shown] = out.trimEnd().split('\n');
        const more = shown.length && /^\d+ more: env-sync status$/.test(shown[shown.length - 1]!) ? shown.pop() : undefined;
        for (const l of shown) expect(lines, `a cut line: ${l}`).to.include(l);
        if (shown.length < lines.length && more) expect(more).to.equal(`${lines.length - shown.length} more: env-sync status`);
      }),
    );
  });
  it('keeps every line when they fit', () => {
    const out = render({ state: 2, summary: 's', longOutput: lines, perfdata: [], moreAt: 'env-sync status' }, 4096);
    expect(out.trimEnd().split('\n').slice(1)).to.deep.equal(lines);
  });
});

describe("an evidence line from a log (anyone's text)", () => {
  const at = new Date(2026, 10, 24, 0, 40, 56);
  it('is cut before it is redacted, with its last word, so a huge line costs a check nothing and leaks no secret', () => {
    // A stranger's line: thousands of secret-looking names (the redaction rules' worst case), then a secret.
    const message = `${'passwordpassword'.repeat(4096)}! mysql://backup:hunter2@db`;
    const line = evidenceLine({ time: at, file: '/var/log/syslog', tag: 'env-sync/pull_x', message } as never);
    expect(line.length).to.be.below(MAX_EVIDENCE_CHARS + 200);
    expect(line).to.match(/ …\(line cut: \d+ more characters; env-sync logs shows it whole\)$/);
    expect(line).to.not.contain('hunter2');
    const out = render({ state: 2, summary: 's', longOutput: [line], perfdata: [] }, 1 << 20);
    expect(out).to.not.contain('hunter2');
  });
  it('is shown whole up to the bound', () => {
    const line = evidenceLine({
      time: at,
      file: '/var/log/syslog',
      tag: 'env-sync/pull_x',
      message: 'pg_restore: error: relation "events" does not exist',
    } as never);
    expect(line).to.equal('/var/log/syslog: 00:40:56 env-sync/pull_x: pg_restore: error: relation "events" does not exist');
  });
});
