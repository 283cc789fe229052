// No secret reaches what is kept or forwarded: markers (argv, output tail, message), the syslog copy,
// the plugin's output and the passive result, the metric files. Property tests over generated
// secrets in every form the redaction rules name (src/common/redact.ts), split across read chunks,
// cut by the line bounds; then one real run through the wrapper, rsyslog and a fake Icinga API.
import { expect } from 'chai';
import fc from 'fast-check';
import { chownSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyRules, eachRule, REDACTOR, redactArgv, redactLines, redactText, SECRET_NEEDLES } from '../../src/common/redact.js';
import { runFactsText } from '../../src/metrics/runFacts.js';
import { emptyJobState, OUTPUT_TAIL_LINE_BYTES } from '../../src/markers/types.js';
import { applyRun } from '../../src/markers/store.js';
import { render } from '../../src/output/pluginOutput.js';
import { OutputTail, OutputTap, SYSLOG_LINE_BYTES } from '../../src/wrapper/outputTap.js';
import { postingOptions, startFakeIcingaApi } from '../support/fakeIcingaApi.js';
import { plugin, run } from '../support/proc.js';
import { startRsyslog } from '../support/rsyslog.js';
import { makeTempDir, stateDirIn } from '../support/tmp.js';
import { makeTestPki } from '../support/tls.js';
import { FORMS, leaks, line, SECRET } from '../support/secretForms.js';
import { asUser, ensureUser, JOB_USER, STRANGER } from '../support/users.js';

describe('no secret survives in what is kept or forwarded', function () {
  this.timeout(120_000);

  // Pieces of every rule in mixed case, and the characters around them, so that near-misses are many.
  const piece = fc.constantFrom(
    '--',
    '-',
    'p',
    'P',
    'pass',
    'PaSs',
    'word',
    'WD',
    'phrase',
    'mysql',
    'MySQL',
    'MYSQL',
    '=',
    ':',
    '//',
    '://',
    '@',
    ' ',
    '\t',
    "'",
    '"',
    'token',
    'KEY',
    '_',
    'x',
    'Zq9',
    'u',
    'U',
    'user',
    'proxy-',
    'curl',
    'CuRl',
    'sshpass',
    'openssl',
    'OpenSSL',
    'in',
    'out',
    'pass:',
    '<',
    '?',
    '&',
  );

  it("the fast test is sound: a text a rule changes holds one of that rule's needles, whatever its case (property)", () => {
    const rules = eachRule();
    for (const r of rules) for (const n of r.needles) expect(SECRET_NEEDLES).to.include(n);
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 14 }), (pieces) => {
        const text = pieces.join('');
        for (const r of rules) {
          if (r.text(text) !== text)
            expect(
              r.needles.some((n) => text.includes(n)),
              `${r.needles.join(' ')}: ${text}`,
            ).to.equal(true);
          if (r.lines(text) !== text)
            expect(
              r.needles.some((n) => text.includes(n)),
              `${r.needles.join(' ')}: ${text}`,
            ).to.equal(true);
        }
        expect(redactText(text)).to.equal(applyRules(text));
      }),
      { numRuns: 20_000, seed: 2611 },
    );
  });

  it('a block of lines redacted at once is each of its lines redacted (property)', () => {
    const textLine = fc.oneof(
      fc.array(piece, { maxLength: 14 }).map((p) => p.join('')),
      line.map((l) => l.text),
    );
    fc.assert(
      fc.property(fc.array(textLine, { minLength: 1, maxLength: 8 }), (lines) => {
        expect(redactLines(lines.join('\n'))).to.equal(lines.map(redactText).join('\n'));
      }),
      { numRuns: 5_000, seed: 2612 },
    );
  });

  it('in the syslog copy and the marker tail, however the output is chunked (property)', () => {
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 6 }), (lines, cuts) => {
        const out = Buffer.from(lines.map((l) => `${l.text}\n`).join(''));
        const copies: string[] = [];
        const tail = new OutputTail();
        const tap = new OutputTap(tail, { write: (l) => copies.push(l), writeBlock: (b) => copies.push(b.toString()) }, REDACTOR);
        let at = 0;
        for (let i = 0; at < out.length; i++) {
          const size = cuts[i % cuts.length]!;
          tap.push(out.subarray(at, at + size));
          at += size;
        }
        tap.end();
        const kept = [...copies, ...tail.summary().tail].join('\n');
        for (const l of lines) expect(leaks(kept, l.secret), `${l.text} -> ${kept}`).to.equal(null);
      }),
      { numRuns: 400, seed: 1411 },
    );
  });

  it('in lines cut by the syslog and tail bounds, wherever the cut falls in the secret (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: SYSLOG_LINE_BYTES - 120, max: SYSLOG_LINE_BYTES + 10 }),
        fc.integer({ min: 0, max: FORMS.length - 1 }),
        SECRET,
        (pad, form, secret) => {
          for (const width of [pad, OUTPUT_TAIL_LINE_BYTES - (SYSLOG_LINE_BYTES - pad)]) {
            const text = `${'x'.repeat(Math.max(0, width))} ${FORMS[form]!(secret, (w) => w)}\n`;
            const copies: string[] = [];
            const tail = new OutputTail();
            const tap = new OutputTap(tail, { write: (l) => copies.push(l), writeBlock: (b) => copies.push(b.toString()) }, REDACTOR);
            tap.push(Buffer.from(text));
            tap.end();
            const kept = [...copies, ...tail.summary().tail].join('\n');
            expect(leaks(kept, secret), kept.slice(-200)).to.equal(null);
          }
        },
      ),
      { numRuns: 300, seed: 1412 },
    );
  });

  it('in the recorded command, its words taken one by one (property)', () => {
    const argvs: Array<(s: string) => string[]> = [
      (s) => ['mysqldump', '-u', 'backup', `-p${s}`, 'db'],
      (s) => ['mongodump', '--password', s],
      (s) => ['sh', '-c', `PGPASSWORD=${s} pg_dump x`],
      (s) => ['/usr/local/bin/sync', `--source=mysql://u:${s}@db/x`],
      (s) => ['env', `AWS_SECRET_ACCESS_KEY=${s}`, 'aws', 's3', 'ls'],
      (s) => ['psql', `host=db password=${s}`],
      (s) => ['curl', `https://h/x?token=${s}`],
      (s) => ['gpg', '--batch', '--passphrase', s, '-d', 'x'],
      (s) => ['openssl', 'enc', '-pass', `pass:${s}`],
      (s) => ['/usr/bin/curl', '-s', '-u', `backup:${s}`, 'https://h'],
      (s) => ['curl', `-ubackup:${s}`, 'h'],
      (s) => ['curl', '--user', `backup:${s}`, 'h'],
      (s) => ['curl', `--proxy-user=p:${s}`, 'h'],
      (s) => ['sshpass', '-p', s, 'ssh', 'h'],
      (s) => ['sshpass', `-p${s}`, 'ssh', 'h'],
    ];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: argvs.length - 1 }), SECRET, (i, secret) => {
        const kept = redactArgv(argvs[i]!(secret)).join(' ');
        expect(leaks(kept, secret), kept).to.equal(null);
      }),
      { numRuns: 300, seed: 1413 },
    );
  });

  it('in the plugin output (and so the passive result), from evidence lines that carry one (property)', () => {
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 4 }), fc.integer({ min: 256, max: 4096 }), (lines, max) => {
        const text = render(
          {
            state: 2,
            summary: `pull_x failed: ${lines[0]!.text}`,
            longOutput: lines.map((l) => `  /var/log/syslog: 00:41:00 govuk_env_sync.sh: ${l.text}`),
            perfdata: [],
          },
          max,
        );
        for (const l of lines) expect(leaks(text, l.secret), text).to.equal(null);
      }),
      { numRuns: 300, seed: 1414 },
    );
  });

  it('in the metric files, whatever the marker held (property)', () => {
    fc.assert(
      fc.property(line, (l) => {
        const start = '2026-11-24T00:18:00.000Z';
        const runRecord = {
          runId: 'r1',
          job: 'pull_x',
          part: null,
          host: 'h',
          user: 'u',
          wrapperPid: 1,
          wrapperStartTicks: null,
          childPid: 2,
          bootId: null,
          argv: redactArgv(['sh', '-c', l.text]),
          cwd: '/',
          cronCommand: null,
          cronCwd: null,
          start,
          end: start,
          durationSeconds: 1,
          outcome: 'failure' as const,
          exitCode: 1,
          signal: null,
          timeoutSeconds: null,
          message: redactText(l.text),
          output: { lines: 1, bytes: 1, tail: [redactText(l.text)] },
        };
        const text = runFactsText(applyRun(emptyJobState('pull_x'), runRecord, new Date(start)), []);
        expect(leaks(text, l.secret)).to.equal(null);
      }),
      { numRuns: 100, seed: 1415 },
    );
  });

  it("end to end: the wrapper's marker, its syslog lines and the passive result of a run that prints and is given secrets", async () => {
    const { dir, cleanup } = makeTempDir();
    const rs = await startRsyslog({ format: 'rfc3339' });
    const pki = makeTestPki(dir, 'icinga');
    const api = await startFakeIcingaApi(pki);
    try {
      const state = stateDirIn(dir);
      const secrets = ['ZqPG-HUNTER2', 'ZqMY@PA/SS', 'ZqAWS+KEY/9', 'ZqOPT#WORD'];
      const script = [
        `echo "connecting to mysql://backup:${secrets[1]}@db.example/whitehall"`,
        `echo "PGPASSWORD=${secrets[0]} pg_restore failed" >&2`,
        `echo "AWS_SECRET_ACCESS_KEY=${secrets[2]}"`,
        `echo "retrying with --password ${secrets[3]}" >&2`,
        'exit 4',
      ].join('; ');
      const r = await run(plugin('env-sync-run'), [
        '--state-dir',
        state,
        '--job',
        'pull_secret',
        '--syslog-socket',
        rs.socket,
        '--syslog-file',
        rs.file,
        ...postingOptions(api, pki, dir),
        '--',
        'sh',
        '-c',
        script,
        `--password=${secrets[3]}`,
      ]);
      expect(r.code).to.equal(4);
      // The pass-through that cron mails is the command's own output, unchanged.
      expect(r.stdout + r.stderr).to.contain(secrets[0]);
      await rs.waitFor(/event=finish job=pull_secret/);
      const kept = [readFileSync(join(state, 'pull_secret', 'state.json'), 'utf8'), rs.read(), JSON.stringify(api.seen.map((s) => s.body))].join('\n');
      expect(api.seen).to.have.length(1);
      expect(kept).to.contain('PGPASSWORD=***');
      for (const s of secrets) expect(leaks(kept, s), s).to.equal(null);
    } finally {
      await api.close();
      await rs.stop();
      cleanup();
    }
  });

  it("as a stranger: the bare and the CLI forms a job's run printed and was given are in none of the marker, the syslog copy and env-sync show", async () => {
    const { dir, cleanup } = makeTempDir();
    const rs = await startRsyslog({ format: 'rfc3339' });
    const job = ensureUser(JOB_USER);
    const stranger = ensureUser(STRANGER);
    try {
      const state = stateDirIn(dir);
      chownSync(state, job.uid, job.gid);
      const secrets = ['ZqBARE-PW1', 'ZqTOKEN-9', 'ZqLIBPQ+PW', 'ZqURL\'Q"<', 'ZqGPG#PH', 'ZqSSL+PW', 'ZqCURL:PW', 'ZqSSHPASS/1'];
      const lines = [
        `password=${secrets[0]}`,
        `GET https://api.example/dump?TOKEN=${secrets[1]}&page=2`,
        `psql "host=db ${'PaSsWoRd'}=${secrets[2]} dbname=x"`,
        `mysql://backup:${secrets[3]}@db/whitehall`,
        `gpg --batch --passphrase ${secrets[4]} -d x.gpg`,
        `openssl enc -d -pass pass:${secrets[5]} -in x`,
        `curl -u backup:${secrets[6]} https://h/x`,
        `sshpass -p ${secrets[7]} ssh h true`,
      ];
      const out = join(dir, 'out.txt');
      writeFileSync(out, `${lines.join('\n')}\n`, { mode: 0o644 });
      // The job prints them all at once (one chunk: the wrapper's block path) and is given one in its argv.
      const [cmd, args] = asUser(JOB_USER, plugin('env-sync-run'), [
        '--state-dir',
        state,
        '--job',
        'pull_secret',
        '--syslog-socket',
        rs.socket,
        '--',
        'sh',
        '-c',
        `cat ${out}; exit 3`,
        'sshpass',
        '-p',
        secrets[7]!,
      ]);
      const r = await run(cmd, args);
      expect(r.code, r.stderr).to.equal(3);
      expect(r.stdout).to.equal(`${lines.join('\n')}\n`);
      await rs.waitFor(/event=finish job=pull_secret/);
      const [catCmd, catArgs] = asUser(STRANGER, 'cat', [join(state, 'pull_secret', 'state.json'), rs.file]);
      const read = await run(catCmd, catArgs);
      expect(read.code, read.stderr).to.equal(0);
      const [showCmd, showArgs] = asUser(STRANGER, plugin('env-sync'), ['show', 'pull_secret', '--state-dir', state, '--syslog', rs.file, '--user', JOB_USER]);
      const show = await run(showCmd, showArgs);
      expect(show.stdout).to.contain('pull_secret');
      const seen = `${read.stdout}\n${show.stdout}`;
      expect(seen).to.contain('password=***');
      expect(seen).to.contain('sshpass -p ***');
      for (const s of secrets) expect(leaks(seen, s), `${s} in\n${seen}`).to.equal(null);
    } finally {
      await rs.stop();
      cleanup();
      stranger.remove();
      job.remove();
    }
  });
});
