import { expect } from 'chai';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseLine, inferYear } from '../../src/syslog/parseLine.js';
import { scanBackwards } from '../../src/syslog/scan.js';
import { collectRunEvidence, findLastSyslogOnlyRun } from '../../src/joblog/jobQueries.js';
import type { LogLine } from '../../src/log/line.js';
import { makeTempDir } from '../support/tmp.js';
import { asNobody, repoRoot, run, syslogLine } from '../support/proc.js';

const NOW = new Date(2026, 10, 24, 8, 0, 0);

describe('syslog lines', () => {
  const ROWS: Array<[string, Partial<LogLine> | null]> = [
    [
      'Nov  4 00:18:01 db1 govuk_env_sync.sh: Starting "x -f /etc/a.cfg"',
      { host: 'db1', tag: 'govuk_env_sync.sh', pid: null, message: 'Starting "x -f /etc/a.cfg"' },
    ],
    ['Nov 24 00:18:01 db1 env-sync/pull_x[123]: hello: world', { tag: 'env-sync/pull_x', pid: 123, message: 'hello: world' }],
    ['2026-11-24T00:18:01.123456+00:00 db1 env-sync-run[9]: event=start', { tag: 'env-sync-run', pid: 9, message: 'event=start' }],
    ['2026-11-24T00:18:01Z db1 CRON[1]: (root) CMD', { tag: 'CRON', pid: 1 }],
    ['garbage', null],
    ['Foo 24 00:18:01 db1 x: y', null],
    ['', null],
  ];
  for (const [line, want] of ROWS) {
    it(`parses ${JSON.stringify(line.slice(0, 40))}`, () => {
      const e = parseLine(line, 'f', NOW);
      if (want === null) expect(e).to.equal(null);
      else expect(e).to.include(want);
    });
  }
  it('reads RFC 3339 offsets exactly', () => {
    expect(parseLine('2026-11-24T01:00:00+01:00 h t: m', 'f', NOW)!.time.toISOString()).to.equal('2026-11-24T00:00:00.000Z');
  });
  it('puts December lines read in January in the previous year', () => {
    const jan2 = new Date(2027, 0, 2, 3, 0, 0);
    expect(parseLine('Dec 31 23:59:59 h t: m', 'f', jan2)!.time.getFullYear()).to.equal(2026);
    expect(parseLine('Jan  1 00:00:01 h t: m', 'f', jan2)!.time.getFullYear()).to.equal(2027);
    expect(inferYear(10, 24, 0, 0, 0, NOW).getFullYear()).to.equal(2026);
  });
  it('never throws, whatever the line (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1')),
        ),
        (s) => {
          const e = parseLine(s, 'f', NOW);
          if (e) expect(Number.isNaN(e.time.getTime())).to.equal(false);
        },
      ),
      { numRuns: 3000 },
    );
  });
  it('keeps any message whole, control characters, CR and U+2028 included (property)', () => {
    const message = fc.string({ unit: 'binary', maxLength: 200 }).filter((m) => !m.includes('\n') && !m.endsWith('\r'));
    fc.assert(
      fc.property(message, fc.boolean(), (m, rfc) => {
        const line = rfc ? `2026-11-24T00:18:01Z db1 env-sync/pull_x[7]: ${m}` : `Nov 24 00:18:01 db1 env-sync/pull_x[7]: ${m}`;
        const e = parseLine(line, 'f', NOW);
        expect(e, JSON.stringify(line)).to.include({ tag: 'env-sync/pull_x', pid: 7, host: 'db1' });
        expect(e!.message).to.equal(m.replace(/^ /, ''));
        expect(parseLine(`${line}\r`, 'f', NOW)!.message, 'a CRLF line').to.equal(e!.message);
      }),
      { numRuns: 2000 },
    );
  });
  it('copes with a 10 MiB line and ANSI escapes', () => {
    expect(() => parseLine(`Nov 24 00:00:00 h t: ${'x'.repeat(10 << 20)}`, 'f', NOW)).not.to.throw();
    expect(parseLine('Nov 24 00:00:00 h t: \u001b[31mred|x', 'f', NOW)!.message).to.equal('\u001b[31mred|x');
  });
});

describe('reading syslog backwards', function () {
  this.timeout(60_000);
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = makeTempDir()));
  afterEach(() => cleanup());

  const lines = (n: number, from: Date, tag = 'noise', width = 40) =>
    Array.from({ length: n }, (_, i) => syslogLine(new Date(from.getTime() + i * 1000), `${tag}[1]: line ${i} ${'y'.repeat(width)}`)).join('\n') + '\n';

  it('visits every line newest first across tiny chunks and long lines, skipping a half-written last line', async () => {
    const f = join(dir, 'syslog');
    writeFileSync(f, lines(50, new Date(NOW.getTime() - 3600_000), 'a', 300) + 'Nov 24 07:59:59 db1 a[1]: half writ');
    const seen: string[] = [];
    const r = await scanBackwards({ syslog: f, rotated: 1, now: NOW, chunkSize: 64 }, (e) => {
      seen.push(e.message.split(' ')[1]!);
      return false;
    });
    expect(seen).to.deep.equal(Array.from({ length: 50 }, (_, i) => String(49 - i)));
    expect(r.filesRead).to.deep.equal([f]); // syslog.1 missing: no problem
    expect(r.problems).to.deep.equal([]);
  });

  it('a gzipped rotation: every line newest first, or with needles only the lines holding one, its last line kept without a newline', async () => {
    const f = join(dir, 'syslog');
    writeFileSync(f, '');
    // Lines cut across gunzip's output chunks (16 KiB): 400 lines of some 350 bytes.
    const text = lines(400, new Date(NOW.getTime() - 86400_000), 'a', 300).replace(/line (\d*7) /g, 'line $1 wanted.cfg ');
    writeFileSync(`${f}.2.gz`, gzipSync(text.slice(0, -1)));
    const scan = async (needles?: string[]) => {
      const seen: number[] = [];
      await scanBackwards({ syslog: f, rotated: 2, now: NOW, ...(needles ? { needles } : {}) }, (e) => {
        seen.push(Number(e.message.split(' ')[1]));
        return false;
      });
      return seen;
    };
    expect(await scan()).to.deep.equal(Array.from({ length: 400 }, (_, i) => 399 - i));
    expect(await scan(['wanted.cfg'])).to.deep.equal(Array.from({ length: 400 }, (_, i) => 399 - i).filter((i) => i % 10 === 7));
    expect(await scan(['nowhere'])).to.deep.equal([]);
  });

  it('stops once the window is covered and never opens syslog.1', async () => {
    const f = join(dir, 'syslog');
    writeFileSync(f, lines(5000, new Date(NOW.getTime() - 7200_000)));
    writeFileSync(`${f}.1`, lines(10, new Date(NOW.getTime() - 86400_000)));
    let visited = 0;
    const r = await scanBackwards(
      { syslog: f, rotated: 1, now: NOW, chunkSize: 4096, stopBefore: new Date(NOW.getTime() - 3 * 3600_000 + 4900_000), prefilter: () => false },
      () => {
        visited++;
        return false;
      },
    );
    expect(visited).to.equal(0);
    expect(r.stoppedEarly).to.equal(true);
    expect(r.filesRead).to.deep.equal([f]);
  });

  it('reports an unreadable syslog with the group fix (run as nobody)', async () => {
    const f = join(dir, 'syslog');
    writeFileSync(f, lines(3, NOW));
    chmodSync(f, 0o600);
    const script = join(dir, 'read.mjs');
    writeFileSync(
      script,
      `import { scanBackwards } from ${JSON.stringify(join(repoRoot, 'build/src/syslog/scan.js'))};\nconst r = await scanBackwards({ syslog: ${JSON.stringify(f)}, rotated: 1, now: new Date() }, () => false);\nconsole.log(JSON.stringify(r.problems));`,
    );
    const [cmd, args] = asNobody(process.execPath, [script]);
    const res = await run(cmd, args);
    const problems = JSON.parse(res.stdout) as Array<{ path: string; problem: string; fix: string }>;
    expect(problems).to.have.length(1);
    expect(problems[0]).to.include({ path: f, problem: 'permission denied' });
    // Not even its group may read it: the fix says so, with the mode, rather than name a group that would not help.
    expect(problems[0]!.fix).to.match(/is not readable by its group root \(mode 0600\)/);
  });

  it('finds the same failed run in syslog, after logrotate moves it to syslog.1, and in syslog.2.gz with --rotated 2', async () => {
    const logrotate = ['/usr/sbin/logrotate', '/sbin/logrotate'].find(existsSync);
    if (!logrotate) throw new Error('logrotate is missing: apt-get install -y logrotate (or bash scripts/test-deps.sh)');
    const f = join(dir, 'syslog');
    const start = new Date(NOW.getTime() - 2 * 3600_000);
    const argv = '/usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_x.cfg';
    writeFileSync(
      f,
      lines(20, new Date(start.getTime() - 60_000_0)) +
        [
          syslogLine(start, `govuk_env_sync.sh: Starting "${argv}"`),
          syslogLine(new Date(start.getTime() + 5000), `env-sync/pull_x[7]: pg_restore: error: relation "events" does not exist`),
          syslogLine(
            new Date(start.getTime() + 6000),
            `govuk_env_sync.sh: Error running "${argv}" in function restore_postgresql on line 212 executing "pg_restore"`,
          ),
        ].join('\n') +
        '\n',
    );
    const conf = join(dir, 'logrotate.conf');
    writeFileSync(conf, `${f} {\n  rotate 4\n  daily\n  compress\n  delaycompress\n  missingok\n}\n`);
    const rotate = () => {
      const r = spawnSync(logrotate, ['-f', '-s', join(dir, 'state'), conf]);
      expect(r.status, r.stderr?.toString()).to.equal(0);
      appendFileSync(f, lines(5, new Date(NOW.getTime() - 60_000)));
    };
    const q = { job: 'pull_x', start, end: new Date(start.getTime() + 6000) };
    const found = async (rotated: number) =>
      (await collectRunEvidence({ syslog: f, rotated, now: NOW }, q)).errorLines.map((e) => `${e.file.slice(dir.length + 1)} ${e.message.slice(0, 30)}`);

    expect(await found(1)).to.deep.equal(['syslog pg_restore: error: relation "e', 'syslog Error running "/usr/local/bin/']);
    rotate();
    expect(await found(1)).to.deep.equal(['syslog.1 pg_restore: error: relation "e', 'syslog.1 Error running "/usr/local/bin/']);
    rotate();
    expect(existsSync(`${f}.2.gz`)).to.equal(true);
    expect(await found(1)).to.deep.equal([]);
    expect(await found(2)).to.deep.equal(['syslog.2.gz pg_restore: error: relation "e', 'syslog.2.gz Error running "/usr/local/bin/']);

    const only = await findLastSyslogOnlyRun({ syslog: f, rotated: 2, now: NOW }, 'pull_x');
    expect(only.run).to.include({ outcome: 'failure', argv });
  });

  it("judges unwrapped jobs from the script's own Starting/Completed/Error lines", async () => {
    const f = join(dir, 'syslog');
    const argv = (j: string) => `/usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/${j}.cfg`;
    const t = (h: number) => new Date(NOW.getTime() - h * 3600_000);
    writeFileSync(
      f,
      [
        syslogLine(t(30), `govuk_env_sync.sh: Starting "${argv('pull_x')}"`),
        syslogLine(t(29), `govuk_env_sync.sh: Completed "${argv('pull_x')}"`),
        syslogLine(t(6), `govuk_env_sync.sh: Starting "${argv('pull_x')}"`),
        syslogLine(t(5.5), `govuk_env_sync.sh: Starting "${argv('pull_x_other')}"`),
        syslogLine(t(5), `govuk_env_sync.sh: Error running "${argv('pull_x')}" in function f on line 1 executing "x"`),
        syslogLine(t(1), `govuk_env_sync.sh: Starting "${argv('push_y')}"`),
      ].join('\n') + '\n',
    );
    const x = await findLastSyslogOnlyRun({ syslog: f, rotated: 1, now: NOW }, 'pull_x');
    expect(x.run).to.include({ outcome: 'failure' });
    expect(x.run!.start.getTime()).to.equal(Math.floor(t(6).getTime() / 1000) * 1000);
    expect(x.lastSuccessEnd!.getTime()).to.equal(Math.floor(t(29).getTime() / 1000) * 1000);
    expect((await findLastSyslogOnlyRun({ syslog: f, rotated: 1, now: NOW }, 'push_y')).run).to.include({ outcome: 'running' });
    expect((await findLastSyslogOnlyRun({ syslog: f, rotated: 1, now: NOW }, 'nothing')).run).to.equal(null);
  });
});
