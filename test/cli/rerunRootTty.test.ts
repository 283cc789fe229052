// Root's terminal (security issue 25): root runs a job again at a terminal — `env-sync rerun JOB
// --exec`, the answer y, or the pasted Re-run line — and the job's user tries to type into root's
// shell with TIOCSTI. The job's crontab sets PATH=<its dir>:/usr/bin:/bin, so env-sync-run's
// `#!/usr/bin/env node` starts the job's own `node` first (a perl script that attacks, then runs the
// real node), and the job itself attacks too: TIOCSTI on 0, 1, 2 and /dev/tty, pushing
// `touch <pwn file>` (perl's ioctl; Node has none). Each records its descriptors (target and device
// number) and its session and tty_nr from /proc/self/stat; while the job waits, the test reads
// /proc/PID/fd and stat of every process of the job's user. Whether or not the kernel allows TIOCSTI
// (dev.tty.legacy_tiocsti), none of them may hold root's terminal: no descriptor of it, not its
// controlling terminal, not root's session. The job's output still reaches root's terminal, and
// Ctrl-C typed there reaches the job's process group.
//
// Root's terminal is a pty (script(1)) running an interactive root sh; the job's user's home is a
// directory of the test's, bind-mounted over /home in a private mount namespace (cron runs the job
// there, and the shared test user has no home).
import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { plugin, shq as q, waitUntil } from '../support/proc.js';
import { makeTempDir } from '../support/tmp.js';
import { ensureUser, JOB_USER } from '../support/users.js';

const JOB = 'tty_job';

/** What one process of the job's user recorded about itself. */
interface SelfRecord {
  sti: string[];
  fds: Array<{ fd: number; target: string; rdev: number }>;
  sid: number;
  ttyNr: number;
  pid: number;
}

function readRecord(file: string): SelfRecord {
  const rec: SelfRecord = { sti: [], fds: [], sid: -1, ttyNr: -1, pid: -1 };
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^fd (\d+) (\d+) (.*)$/.exec(line))) rec.fds.push({ fd: Number(m[1]), rdev: Number(m[2]), target: m[3]! });
    else if ((m = /^pid (\d+) sid (\d+) tty_nr (\d+)$/.exec(line))) [rec.pid, rec.sid, rec.ttyNr] = [Number(m[1]), Number(m[2]), Number(m[3])];
    else if (line.startsWith('sti ')) rec.sti.push(line);
  }
  return rec;
}

/** The attack, shared by the job's `node` and the job: perl, run as the job's user. */
const attackPl = (dir: string) => `use strict; use warnings;
sub attack {
  my ($tag) = @_;
  my @r;
  my $text = "touch ${dir}/pwned-$tag\\n";
  # What it holds before it opens /dev/tty itself.
  opendir(my $d, '/proc/self/fd') or die "/proc/self/fd: $!";
  for my $f (sort grep { /^\\d+$/ } readdir $d) {
    my $target = readlink("/proc/self/fd/$f");
    next unless defined $target;
    my @st = stat("/proc/self/fd/$f");
    push @r, "fd $f " . ($st[6] // 0) . " $target";
  }
  my $tty;
  open($tty, '+<', '/dev/tty') or push @r, "open /dev/tty: $!";
  for my $h ([0, \\*STDIN], [1, \\*STDOUT], [2, \\*STDERR], ['/dev/tty', $tty]) {
    next unless defined $h->[1];
    my ($ok, $err) = (0, '');
    for my $c (split //, $text) { if (ioctl($h->[1], 0x5412, $c)) { $ok++ } else { $err = "$!" } }
    push @r, "sti $h->[0]: $ok pushed $err";
  }
  open(my $s, '<', '/proc/self/stat') or die "/proc/self/stat: $!";
  my $st = <$s>;
  $st =~ s/^.*\\) //;
  my @f = split / /, $st;
  push @r, "pid $$ sid $f[3] tty_nr $f[4]";
  open(my $o, '>', "${dir}/out/$tag.txt") or die "$!";
  print $o join("\\n", @r), "\\n";
  close $o;
}
1;
`;

describe("root's terminal: nothing of the job's user holds it when root re-runs a job (rerun --exec, y, the pasted line)", function () {
  this.timeout(120_000);
  let tmp: ReturnType<typeof makeTempDir>;
  let dir: string;
  let crontab: string;
  let state: string;
  let job: { uid: number; gid: number };
  let term: RootTerminal;

  before(function () {
    for (const tool of ['/usr/bin/script', '/usr/bin/unshare', '/usr/bin/perl', '/usr/sbin/runuser']) {
      if (!existsSync(tool)) throw new Error(`${tool} is missing: bash scripts/test-deps.sh (packages bsdutils, util-linux, perl)`);
    }
    job = ensureUser(JOB_USER);
    tmp = makeTempDir('env-sync-tty-');
    dir = tmp.dir;
    const own = (p: string) => chownSync(p, job.uid, job.gid);
    for (const d of ['bin', 'out', 'state', 'home', join('home', JOB_USER)]) mkdirSync(join(dir, d), { mode: 0o755 });
    for (const d of ['bin', 'out', 'state', join('home', JOB_USER)]) own(join(dir, d));
    state = join(dir, 'state');
    writeFileSync(join(dir, 'bin', 'attack.pl'), attackPl(dir));
    // The job's own `node`, first in the PATH its crontab sets: it attacks, then runs the real one.
    writeFileSync(
      join(dir, 'bin', 'node'),
      `#!/usr/bin/perl\ndo '${dir}/bin/attack.pl' or die "attack.pl: $@ $!";\nattack('node');\nexec '${process.execPath}', @ARGV or die "exec node: $!";\n`,
      { mode: 0o755 },
    );
    // The job: attacks, prints, and waits for SIGINT when asked to.
    writeFileSync(
      join(dir, 'bin', 'job'),
      `#!/usr/bin/perl\ndo '${dir}/bin/attack.pl' or die "attack.pl: $@ $!";\nattack('job');\n$| = 1;\nprint "job output reached root\\n";\nif (-e '${dir}/wait') {\n  $SIG{INT} = sub { open(my $o, '>', '${dir}/out/int.txt'); print $o "SIGINT\\n"; close $o; exit 130 };\n  print "job waits\\n";\n  sleep 1 while 1;\n}\n`,
      { mode: 0o755 },
    );
    for (const f of ['attack.pl', 'node', 'job']) own(join(dir, 'bin', f));
    crontab = join(dir, 'crontab');
    writeFileSync(crontab, `PATH=${dir}/bin:/usr/bin:/bin\n# Puppet Name: ${JOB}\n0 0 * * * ${plugin('env-sync-run')} --job ${JOB} -- ${dir}/bin/job\n`);
  });
  after(async () => {
    await term?.close();
    tmp?.cleanup();
  });
  beforeEach(async () => {
    for (const f of readdirSync(join(dir, 'out'))) rmSync(join(dir, 'out', f));
    rmSync(join(dir, 'wait'), { force: true });
    if (!term || term.exited) term = await RootTerminal.open(dir);
  });

  const common = () => `--user ${JOB_USER} --crontab ${q(crontab)} --state-dir ${q(state)}`;
  const envSync = q(plugin('env-sync'));

  /** Root's tty, root's session: no record of the job's processes may name either. */
  function expectApart(rec: SelfRecord, who: string) {
    const ttyDev = statSync(term.tty).rdev;
    const devTty = statSync('/dev/tty').rdev;
    for (const fd of rec.fds) {
      expect(fd.target, `${who} fd ${fd.fd}`).to.not.equal(term.tty);
      expect(fd.target, `${who} fd ${fd.fd}`).to.not.equal('/dev/tty');
      expect(fd.rdev, `${who} fd ${fd.fd} (${fd.target})`).to.not.be.oneOf([ttyDev, devTty]);
    }
    expect(rec.ttyNr, `${who}'s controlling terminal`).to.not.equal(ttyDev);
    expect(rec.sid, `${who}'s session`).to.not.equal(term.sid);
  }

  function expectNoPwn() {
    const pwned = readdirSync(dir).filter((f) => f.startsWith('pwned-'));
    expect(pwned, `root's shell ran what the job's user pushed with TIOCSTI (${pwned.join(', ')})`).to.deep.equal([]);
  }

  /** Both of the job's processes ran, apart from root's terminal, and root's shell ran nothing of theirs. */
  async function expectSafeRun(out: string) {
    // A line typed after the run: anything pushed into root's terminal during it is read first.
    await term.run('echo "AFTER""-RUN"', /AFTER-RUN\r?$/m);
    for (const who of ['node', 'job']) {
      expect(existsSync(join(dir, 'out', `${who}.txt`)), `${who} ran and recorded itself:\n${out}`).to.equal(true);
      expectApart(readRecord(join(dir, 'out', `${who}.txt`)), `the job's ${who}`);
    }
    expectNoPwn();
    expect(out).to.contain('job output reached root');
  }

  /** Every process of the job's user now: none holds root's terminal or is in its session. */
  function scanJobProcesses(jobPid: number) {
    const seen: number[] = [];
    for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
      const pid = Number(name);
      let status: string;
      let stat: string;
      try {
        status = readFileSync(`/proc/${pid}/status`, 'utf8');
        stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue; // ended meanwhile
      }
      if (!new RegExp(`^Uid:\\s+${job.uid}\\s`, 'm').test(status)) continue;
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const rec: SelfRecord = { pid, sid: Number(f[3]), ttyNr: Number(f[4]), sti: [], fds: [] };
      let fds: string[] = [];
      try {
        fds = readdirSync(`/proc/${pid}/fd`);
      } catch {
        continue;
      }
      for (const fd of fds) {
        try {
          rec.fds.push({ fd: Number(fd), target: readlinkSync(`/proc/${pid}/fd/${fd}`), rdev: statSync(`/proc/${pid}/fd/${fd}`).rdev });
        } catch {
          // closed meanwhile
        }
      }
      let cmdline = '';
      try {
        cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      } catch {
        // ended meanwhile: what was read of it is still checked
      }
      expectApart(rec, `process ${pid} of ${JOB_USER} (${cmdline})`);
      seen.push(pid);
    }
    expect(seen, 'the waiting job is among the processes read').to.include(jobPid);
  }

  /** Runs `line` in root's shell with the job waiting, reads its processes, types Ctrl-C: the job gets SIGINT and the line's status is 130. */
  async function expectCtrlC(line: string, answer?: string) {
    writeFileSync(join(dir, 'wait'), '');
    const started = term.start(`${line}; echo "EX""IT=$?"`);
    if (answer !== undefined) {
      await term.until(/\[y\/N\] $/, started);
      term.type(`${answer}\n`);
    }
    await term.until(/job waits\r?$/m, started);
    scanJobProcesses(readRecord(join(dir, 'out', 'job.txt')).pid);
    term.type('\x03');
    const out = await term.until(/EXIT=(\d+)\r?$/m, started);
    expect(readFileSync(join(dir, 'out', 'int.txt'), 'utf8'), out).to.equal('SIGINT\n');
    expect(/EXIT=(\d+)\r?$/m.exec(out)![1], out).to.equal('130');
    await expectSafeRun(out);
  }

  it("env-sync rerun --exec: the job runs in a session of its own with no terminal, its output copied to root's terminal; a descriptor of the terminal env-sync inherited is not passed on", async () => {
    // A root shell that left its terminal open on a descriptor without close-on-exec: Node passes such descriptors on.
    const exec = `exec 47<>"$(tty)" && exec ${envSync} rerun ${JOB} --exec ${common()}`;
    const out = await term.run(`bash -c ${q(exec)}; echo "EX""IT=$?"`, /EXIT=(\d+)\r?$/m);
    expect(out).to.match(/EXIT=0\r?$/m);
    await expectSafeRun(out);
    // Run as cron runs a job: not even /dev/tty opens.
    expect(readFileSync(join(dir, 'out', 'node.txt'), 'utf8')).to.match(/^open \/dev\/tty: No such device or address$/m);
  });

  it("env-sync rerun, answered y at root's terminal: the same", async () => {
    const started = term.start(`${envSync} rerun ${JOB} ${common()}; echo "EX""IT=$?"`);
    await term.until(/\[y\/N\] $/, started);
    term.type('y\n');
    const out = await term.until(/EXIT=(\d+)\r?$/m, started);
    expect(out).to.match(/EXIT=0\r?$/m);
    await expectSafeRun(out);
  });

  it("the pasted Re-run line (env-sync rerun --dry-run prints the alerts' line): the job gets runuser's pty, not root's terminal, also with stdin not a terminal", async () => {
    const dry = spawnSync(plugin('env-sync'), ['rerun', JOB, '--dry-run', '--user', JOB_USER, '--crontab', crontab, '--state-dir', state], {
      encoding: 'utf8',
    });
    expect(dry.status, dry.stderr).to.equal(0);
    const line = dry.stdout.trim();
    expect(line).to.match(new RegExp(`^runuser -P -u ${JOB_USER} -- env -i `));
    for (const tail of ['', ' </dev/null']) {
      for (const f of readdirSync(join(dir, 'out'))) rmSync(join(dir, 'out', f));
      const out = await term.run(`${line}${tail}; echo "EX""IT=$?"`, /EXIT=(\d+)\r?$/m);
      expect(out, tail).to.match(/EXIT=0\r?$/m);
      await expectSafeRun(out);
      // It has a terminal, its own: what it pushes goes to its own input, which nobody reads.
      const node = readRecord(join(dir, 'out', 'node.txt'));
      expect(node.ttyNr, tail).to.not.equal(0);
    }
  });

  it("Ctrl-C at root's terminal reaches the job's process group: rerun --exec", async () => {
    await expectCtrlC(`${envSync} rerun ${JOB} --exec ${common()}`);
  });

  it("Ctrl-C at root's terminal reaches the job's process group: the answer y", async () => {
    await expectCtrlC(`${envSync} rerun ${JOB} ${common()}`, 'y');
  });

  it("Ctrl-C at root's terminal reaches the job's process group: the pasted line", async () => {
    const dry = spawnSync(plugin('env-sync'), ['rerun', JOB, '--dry-run', '--user', JOB_USER, '--crontab', crontab, '--state-dir', state], {
      encoding: 'utf8',
    });
    await expectCtrlC(dry.stdout.trim());
  });
});

/**
 * An interactive root sh on a pty of its own (script(1)), in a private mount namespace where the
 * test's directory is /home: what root types is written to script's stdin, what the terminal shows
 * is read from its stdout.
 */
class RootTerminal {
  tty = '';
  sid = -1;
  exited = false;
  private shown = '';
  private constructor(private readonly child: ChildProcess) {
    child.stdout!.on('data', (d: Buffer) => (this.shown += d.toString('latin1')));
    child.on('exit', () => (this.exited = true));
  }

  static async open(dir: string): Promise<RootTerminal> {
    const shell = `mount --bind ${q(join(dir, 'home'))} /home && exec /bin/sh -i`;
    const child = spawn('script', ['-qfec', `unshare --mount --propagation private /bin/sh -c ${q(shell)}`, '/dev/null'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', SHELL: '/bin/sh', TERM: 'dumb', LANG: 'C' },
    });
    const t = new RootTerminal(child);
    const out = await t.run('echo "T""TY=$(tty) S""ID=$$"', /TTY=(\S+) SID=(\d+)\r?$/m);
    const m = /TTY=(\S+) SID=(\d+)\r?$/m.exec(out)!;
    t.tty = m[1]!;
    t.sid = Number(m[2]);
    expect(t.tty).to.match(/^\/dev\/pts\/\d+$/);
    return t;
  }

  type(text: string): void {
    this.child.stdin!.write(text);
  }

  /** Types a line; returns where its output starts. */
  start(line: string): number {
    const at = this.shown.length;
    this.type(`${line}\n`);
    return at;
  }

  /** What the terminal showed from `from` on, once `pattern` is in it. */
  async until(pattern: RegExp, from = 0): Promise<string> {
    await waitUntil(`${pattern} on root's terminal`, () => this.exited || pattern.test(this.shown.slice(from)), 60_000).catch(() => undefined);
    const out = this.shown.slice(from);
    if (!pattern.test(out)) throw new Error(`root's terminal ${this.exited ? 'ended' : 'did not show'} ${pattern}; it shows:\n${out}`);
    return out;
  }

  async run(line: string, done: RegExp): Promise<string> {
    return this.until(done, this.start(line));
  }

  async close(): Promise<void> {
    if (this.exited) return;
    this.type('exit\n');
    this.child.stdin!.end();
    await waitUntil("root's terminal to end", () => this.exited, 10_000).catch(() => this.child.kill('SIGKILL'));
  }
}
