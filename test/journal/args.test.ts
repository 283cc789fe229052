import { expect } from 'chai';
import { namespaceNameProblem } from '../../src/common/journalNamespace.js';
import { epochArg, matchArgs, queryArgs, sourceLabel, anyOf } from '../../src/journal/args.js';
import { LineSplitter, decodeValue, entryFromJson } from '../../src/journal/entry.js';
import { journalSocketDirFor, journaldInput, runEventFields } from '../../src/journal/event.js';
import { followArgs } from '../../src/journal/follow.js';
import { currentUser } from '../../src/common/host.js';
import { exitProblems, groupFix } from '../../src/journal/problems.js';

describe('journal: journalctl arguments', () => {
  it('same-field values are repeated matches (OR), fields of a group are ANDed, groups are joined by +', () => {
    expect(matchArgs([{ SYSLOG_IDENTIFIER: ['govuk_env_sync.sh', 'env-sync/pull_x'] }, { SYSLOG_IDENTIFIER: 'env-sync-run', _UID: '0' }])).to.deep.equal([
      'SYSLOG_IDENTIFIER=govuk_env_sync.sh',
      'SYSLOG_IDENTIFIER=env-sync/pull_x',
      '+',
      'SYSLOG_IDENTIFIER=env-sync-run',
      '_UID=0',
    ]);
  });

  it('refuses field names journald would not take, and empty groups', () => {
    expect(() => matchArgs([{ 'syslog-identifier': 'x' }])).to.throw(TypeError, /syslog-identifier/);
    expect(() => matchArgs([{ '1ABC': 'x' }])).to.throw(TypeError, /1ABC/);
    expect(() => matchArgs([{}])).to.throw(TypeError, /at least one field/);
    expect(() => matchArgs([{ A: [] }])).to.throw(TypeError, /no value/);
  });

  it('a query: JSON with only the entry fields, newest first, --since/--until as @epoch, -n, --boot, matches after --', () => {
    const args = queryArgs({
      namespace: 'ops',
      matches: [{ SYSLOG_IDENTIFIER: 'env-sync-run' }],
      since: new Date(1_795_651_820_123),
      until: new Date(1_795_651_830_000),
      maxEntries: 50,
      boot: 'b2f162d8a86b48b8acddd7fd834aff7a',
    });
    expect(args).to.deep.equal([
      '--no-pager',
      '--output=json',
      '--all',
      '--output-fields=MESSAGE,SYSLOG_IDENTIFIER,SYSLOG_PID,_PID,_UID,_COMM,_HOSTNAME,_TRANSPORT,ENV_SYNC_JOB,ENV_SYNC_RUN,ENV_SYNC_EVENT',
      '--namespace=ops',
      '--since=@1795651820.123',
      '--until=@1795651830.000',
      '--boot=b2f162d8a86b48b8acddd7fd834aff7a',
      '--reverse',
      '--lines=50',
      '--',
      'SYSLOG_IDENTIFIER=env-sync-run',
    ]);
    expect(queryArgs({ file: '/x.journal', matches: [], newestFirst: false })).to.not.include('--reverse');
    expect(queryArgs({ file: '/x.journal', matches: [] })).to.include('--file=/x.journal');
  });

  it('a text match on MESSAGE goes to journalctl as a case-sensitive --grep; anyOf quotes what PCRE2 would read as a pattern', () => {
    expect(queryArgs({ namespace: 'ops', matches: [], grep: anyOf(['/pull_x.cfg', 'a|b(c)']) })).to.include.members([
      '--grep=/pull_x\\.cfg|a\\|b\\(c\\)',
      '--case-sensitive=true',
    ]);
    expect(queryArgs({ namespace: 'ops', matches: [] }).some((a) => a.startsWith('--grep'))).to.equal(false);
  });

  it('refuses two selections at once, a bad boot and a bad count', () => {
    expect(() => queryArgs({ namespace: 'a', file: '/b', matches: [] })).to.throw(TypeError, /at most one/);
    expect(() => queryArgs({ matches: [], boot: 'yesterday' })).to.throw(TypeError, /boot/);
    expect(() => queryArgs({ matches: [], maxEntries: 0 })).to.throw(TypeError, /maxEntries/);
  });

  it('follow: from the moment of the call unless a backlog is asked for', () => {
    const now = new Date(1_795_651_820_500);
    expect(followArgs({ matches: [{ SYSLOG_IDENTIFIER: 'x' }] }, now)).to.include.members(['--follow', '--since=@1795651820.500']);
    const backlog = followArgs({ matches: [{ SYSLOG_IDENTIFIER: 'x' }], backlog: 5 }, now);
    expect(backlog).to.include('--lines=5');
    expect(backlog.some((a) => a.startsWith('--since'))).to.equal(false);
  });

  it('epoch arguments keep milliseconds', () => {
    expect(epochArg(new Date(1))).to.equal('@0.001');
  });

  it('namespace names: letters, digits and _ . : - only', () => {
    expect(namespaceNameProblem('env-sync_1.a:b')).to.equal(null);
    expect(namespaceNameProblem('a/b')).to.match(/only letters, digits/);
    expect(namespaceNameProblem('..')).to.match(/not a name/);
    expect(namespaceNameProblem('x'.repeat(223))).to.match(/longer than 222/);
  });

  it('source labels: journal, journal:NS, or the path', () => {
    expect([sourceLabel({}), sourceLabel({ namespace: 'ops' }), sourceLabel({ file: '/a.journal' }), sourceLabel({ directory: '/d' })]).to.deep.equal([
      'journal',
      'journal:ops',
      '/a.journal',
      '/d',
    ]);
  });
});

describe('journal: JSON entries', () => {
  it('decodes a value given as a string, as bytes (invalid UTF-8 becomes U+FFFD), as several values, or as null', () => {
    expect(decodeValue('plain')).to.equal('plain');
    expect(decodeValue([98, 1, 255, 97])).to.equal('b\u0001\uFFFDa');
    expect(decodeValue(['first', [104, 105]])).to.equal('first\nhi');
    expect(decodeValue(null)).to.equal(null);
    expect(decodeValue({})).to.equal(null);
  });

  it('builds an entry: time from microseconds, SYSLOG_PID before _PID, trusted fields apart, a null MESSAGE as empty', () => {
    const j = {
      __REALTIME_TIMESTAMP: '1795651824003481',
      __CURSOR: 's=1;i=3',
      _BOOT_ID: 'b2f162d8a86b48b8acddd7fd834aff7a',
      _HOSTNAME: 'db1',
      SYSLOG_IDENTIFIER: 'env-sync-run',
      SYSLOG_PID: '4242',
      _PID: '4300',
      _UID: '1001',
      _COMM: 'logger',
      _TRANSPORT: 'syslog',
      MESSAGE: null,
      ENV_SYNC_RUN: 'r1',
    };
    expect(entryFromJson(j, 'journal', ['ENV_SYNC_RUN', 'ENV_SYNC_JOB'])).to.deep.equal({
      file: 'journal',
      time: new Date(1795651824003),
      timeUsec: 1795651824003481,
      host: 'db1',
      tag: 'env-sync-run',
      pid: 4242,
      message: '',
      uid: 1001,
      trustedPid: 4300,
      comm: 'logger',
      bootId: 'b2f162d8a86b48b8acddd7fd834aff7a',
      transport: 'syslog',
      cursor: 's=1;i=3',
      fields: { ENV_SYNC_RUN: 'r1' },
    });
    const noSyslogPid = entryFromJson({ __REALTIME_TIMESTAMP: '1', _PID: '7', MESSAGE: 'm' }, 'journal', []);
    expect(noSyslogPid?.pid).to.equal(7);
    expect(noSyslogPid?.uid).to.equal(null);
    expect(entryFromJson({ MESSAGE: 'no time' }, 'journal', [])).to.equal(null);
  });

  it('splits lines on newline bytes, so a UTF-8 character cut between chunks survives', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l));
    const bytes = Buffer.from('{"MESSAGE":"caf\u00e9"}\n{"MESSAGE":"two"}\n{"MESSAGE":"tail"}');
    const cut = bytes.indexOf(0xc3) + 1; // between the two bytes of é
    s.push(bytes.subarray(0, cut));
    s.push(bytes.subarray(cut));
    s.end();
    expect(lines).to.deep.equal(['{"MESSAGE":"café"}', '{"MESSAGE":"two"}', '{"MESSAGE":"tail"}']);
  });
});

describe('journal: structured run events', () => {
  it('are tagged env-sync-run, notice, with the job, run and event as fields', () => {
    expect(runEventFields({ job: 'pull_x', runId: 'r1', event: 'finish', message: 'event=finish job=pull_x run=r1', pid: 42 })).to.deep.equal({
      MESSAGE: 'event=finish job=pull_x run=r1',
      PRIORITY: '5',
      SYSLOG_FACILITY: '1',
      SYSLOG_IDENTIFIER: 'env-sync-run',
      SYSLOG_PID: '42',
      ENV_SYNC_JOB: 'pull_x',
      ENV_SYNC_RUN: 'r1',
      ENV_SYNC_EVENT: 'finish',
    });
  });

  it("logger --journald's input: a multi-line MESSAGE as repeated MESSAGE lines, other newlines as spaces", () => {
    expect(journaldInput({ MESSAGE: 'a\nb', ENV_SYNC_JOB: 'x\ny' })).to.equal('MESSAGE=a\nMESSAGE=b\nENV_SYNC_JOB=x y\n');
    expect(() => journaldInput({ 'bad-name': 'v' })).to.throw(TypeError);
  });

  it('finds the native socket directory that goes with a syslog socket', () => {
    expect(journalSocketDirFor('/dev/log')).to.equal('/run/systemd/journal');
    expect(journalSocketDirFor('/run/systemd/journal/dev-log')).to.equal('/run/systemd/journal');
    expect(journalSocketDirFor('/run/systemd/journal.ops/dev-log')).to.equal('/run/systemd/journal.ops');
    expect(journalSocketDirFor('/tmp/rsyslog/log.sock')).to.equal(null);
  });
});

describe("journal: what journalctl's stderr and exit status mean", () => {
  it("its hint that only the user's own entries were shown (exit 0) is a permission problem", () => {
    const stderr =
      "Hint: You are currently not seeing messages from other users and the system.\n      Users in groups 'adm', 'systemd-journal' can see all messages.\n";
    expect(exitProblems({}, 0, null, stderr)).to.deep.equal([
      { path: 'journal', problem: "permission denied: only this user's own entries could be read, not the system's or other users'", fix: groupFix() },
    ]);
    expect(groupFix()).to.equal(
      `add user ${currentUser()} to group systemd-journal or adm to read the system journal (usermod -aG systemd-journal ${currentUser()}; it applies to new logins and services started after)`,
    );
  });

  it('a signal that was not ours, and a failure with nothing on stderr', () => {
    expect(exitProblems({ namespace: 'ops' }, null, 'SIGSEGV', '')).to.deep.equal([
      { path: 'journal:ops', problem: 'journalctl was killed by SIGSEGV', fix: 'run the same journalctl by hand to see why' },
    ]);
    expect(exitProblems({}, 1, null, '')[0]!.problem).to.equal('journalctl exited 1: (nothing on stderr)');
    expect(exitProblems({}, 0, null, '')).to.deep.equal([]);
  });
});
