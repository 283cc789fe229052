import { expect } from 'chai';
import { escapeHelp, escapeLabelValue, formatValue, renderFamilies, type MetricDef } from '../../src/metrics/exposition.js';
import { ALL_DEFS, RUN_FACT_DEFS, VERDICT_DEFS } from '../../src/metrics/definitions.js';

const gauge: MetricDef = { name: 'x_seconds', type: 'gauge', help: 'X.', labels: ['job_name', 'part'], required: ['job_name'] };
const other: MetricDef = { name: 'y_seconds', type: 'gauge', help: 'Y.', labels: ['job_name'], required: ['job_name'] };

describe('metrics: text exposition', () => {
  it('escapes backslash, double quote and line feed in label values; printable text stays as it is', () => {
    expect(escapeLabelValue('a\\b"c\nd')).to.equal('a\\\\b\\"c\\nd');
    expect(escapeLabelValue("space here 'quoted' {x=1} ünï")).to.equal("space here 'quoted' {x=1} ünï");
    expect(escapeLabelValue('\\n')).to.equal('\\\\n');
  });

  it('writes any other control or bidi character in a label value visibly, then escapes its backslash', () => {
    expect(escapeLabelValue('a\u001b]52;c;eA==\u0007b')).to.equal('a\\\\x1b]52;c;eA==\\\\x07b');
    expect(escapeLabelValue('\u202eexe.txt\u0085\tx\ny')).to.equal('\\\\u202eexe.txt\\\\x85\\\\tx\\ny');
    expect(escapeLabelValue('pull_x.part-1')).to.equal('pull_x.part-1');
  });
  it('escapes backslash and line feed in HELP text, leaving quotes alone', () => {
    expect(escapeHelp('a\\b\nc "d"')).to.equal('a\\\\b\\nc "d"');
  });

  it('writes numbers as Go reads them, with the spellings of NaN and the infinities', () => {
    expect([0, 3, -1, 1795479481.5, 1e-7, NaN, Infinity, -Infinity].map(formatValue)).to.deep.equal([
      '0',
      '3',
      '-1',
      '1795479481.5',
      '1e-7',
      'NaN',
      '+Inf',
      '-Inf',
    ]);
  });

  it('groups each family under one HELP and TYPE, in the order of the table, labels in declared order', () => {
    const text = renderFamilies(
      [gauge, other],
      [
        { def: other, labels: { job_name: 'b' }, value: 2 },
        { def: gauge, labels: { part: 'p"1', job_name: 'a' }, value: 1 },
        { def: gauge, labels: { job_name: 'a' }, value: 0.5 },
      ],
    );
    expect(text).to.equal(
      [
        '# HELP x_seconds X.',
        '# TYPE x_seconds gauge',
        'x_seconds{job_name="a",part="p\\"1"} 1',
        'x_seconds{job_name="a"} 0.5',
        '# HELP y_seconds Y.',
        '# TYPE y_seconds gauge',
        'y_seconds{job_name="b"} 2',
        '',
      ].join('\n'),
    );
  });

  it('leaves out a family with no sample, and writes an empty text for none', () => {
    expect(renderFamilies([gauge, other], [{ def: other, labels: { job_name: 'b' }, value: 2 }])).not.to.contain('x_seconds');
    expect(renderFamilies([gauge], [])).to.equal('');
  });

  it('refuses a series given twice, a label the metric does not take, a missing required label, a metric of another file', () => {
    const s = { def: gauge, labels: { job_name: 'a' }, value: 1 };
    expect(() => renderFamilies([gauge], [s, { ...s, value: 2 }])).to.throw('series x_seconds{job_name="a"} given twice');
    expect(() => renderFamilies([gauge], [{ def: gauge, labels: { job_name: 'a', job: 'x' }, value: 1 }])).to.throw('x_seconds has no label job');
    expect(() => renderFamilies([gauge], [{ def: gauge, labels: { part: 'a' }, value: 1 }])).to.throw('x_seconds needs the label job_name');
    expect(() => renderFamilies([gauge], [{ def: other, labels: { job_name: 'a' }, value: 1 }])).to.throw('y_seconds is not one of the metrics of this file');
  });

  describe('the table of metric definitions', () => {
    it('names follow the conventions: env_sync_ prefix, snake case, base units, _total only on counters, no label called job', () => {
      for (const d of ALL_DEFS) {
        expect(d.name, d.name).to.match(/^env_sync_[a-z0-9_]+$/);
        expect(d.name.endsWith('_total'), d.name).to.equal(d.type === 'counter');
        expect(d.name, d.name).not.to.match(/_(milli|micro|nano)?(ms|minutes|hours|days)(_|$)/);
        if (/timestamp/.test(d.name)) expect(d.name, d.name).to.match(/_timestamp_seconds$/);
        expect(d.labels, d.name).not.to.include('job');
        expect(d.help, d.name).to.match(/^\S.*\.$/);
        for (const r of d.required) expect(d.labels, d.name).to.include(r);
      }
    });

    it('the wrapper and the verdict file never share a name, so one directory never holds a series twice', () => {
      const names = ALL_DEFS.map((d) => d.name);
      expect(new Set(names).size).to.equal(names.length);
      for (const d of VERDICT_DEFS) expect(d.name).to.match(/^env_sync_verdict_/);
      for (const d of RUN_FACT_DEFS) expect(d.name).not.to.match(/^env_sync_verdict_/);
    });
  });
});
