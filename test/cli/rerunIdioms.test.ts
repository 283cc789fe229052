// The alert's Re-run line for each idiom a cron line puts around the sync, pasted as root into a
// pty on a host set up as Puppet's task.pp sets it up (test/support/hostChain.ts: the real
// govuk_env_sync.sh, with_reboot_lock rendered from its .erb, envdir, stand-ins for aws and
// send_nsca, in a private mount namespace). Each idiom is a crontab line of the job's user, wrapped
// (env-sync-run in the line) and unwrapped: the job fails once as cron runs it (/bin/sh -c as the
// job's user, with cron's environment and its % rule), the check run as the checking user (as
// nagios) is CRITICAL and gives the Re-run line, which is pasted as root — twice. Each time the sync
// runs (the aws stand-in's marks), the idiom does what it did under cron, the next check is OK, and
// the Re-run line every view shows — the check's (from the job inventory), `env-sync show` as root
// (from the crontab) and as the checking user with no inventory (from the cron command the pasted
// run recorded) — is the line pasted, byte for byte: a re-run of a re-run nests nothing. A crontab
// line that gives its command standard input after a % cannot be pasted as one line: the alert says
// why and offers no runnable line.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { envDir, filesPushCfg, makeHostChain, PLUGINS, type HostChain } from '../support/hostChain.js';
import { shq as q } from '../support/proc.js';
import { startRsyslog, type Rsyslog } from '../support/rsyslog.js';
import { makeTempDir } from '../support/tmp.js';
import { CHECKER, ensureUser } from '../support/users.js';

// A user of this test's own (made and removed by it): its crontab and home are changed, which a
// user other tests share must not have done to it while they run.
const JOB_USER = 'env-sync-test-idioms';

/**
 * A crontab line's command as cron hands it to /bin/sh -c, and the standard input it gives it
 * (crontab(5)): the first `%` not escaped by a backslash ends the command, and the rest, each `%` a
 * newline, is its standard input; `\%` is a literal `%`. The test's own reading of the rule, not the
 * code under test.
 */
export function asCronRunsIt(command: string): { sh: string; stdin: string } {
  let sh = '';
  for (let i = 0; i < command.length; i++) {
    if (command[i] === '\\' && command[i + 1] === '%') sh += command[++i];
    else if (command[i] === '%')
      return {
        sh,
        stdin: `${command
          .slice(i + 1)
          .replace(/(?<!\\)%/g, '\n')
          .replace(/\\%/g, '%')}\n`,
      };
    else sh += command[i];
  }
  return { sh, stdin: '' };
}

/** The words of a shell-quoted line, as bash reads them. */
function wordsOf(line: string): string[] {
  const r = spawnSync('bash', ['-c', `printf '%s\\0' ${line}`], { encoding: 'utf8' });
  expect(r.status, r.stderr).to.equal(0);
  return r.stdout.split('\0').slice(0, -1);
}

interface Idiom {
  name: string;
  /** The crontab line's command; `W` is where env-sync-run stands in the wrapped line (or is added). */
  line: (job: string, w: string) => string;
  /** The sh text the Re-run line runs after its `cd HOME &&`: the line less ionice and with_reboot_lock. */
  script: (job: string, w: string) => string;
  /** What the idiom did, seen after the nth pasted run (the sync's own upload is checked for every idiom). */
  after?: (job: string, n: number, pasted: { stdout: string }) => void;
  /** Refused: the reason the alert gives instead of a line. */
  refused?: RegExp;
}

describe('the Re-run line pasted as root, for each cron idiom, wrapped and unwrapped (the real chain)', function () {
  this.timeout(600_000);
  const made: Array<() => void> = [];
  let tmp: ReturnType<typeof makeTempDir>;
  let rs: Rsyslog;
  let host: HostChain;
  let home: string;
  let envd: string;
  let job: { uid: number; gid: number };
  const cronLines = new Map<string, string>();

  // Each idiom's line and Re-run script for job `j`; `w` is env-sync-run and its words where it stands
  // in the wrapped line (empty in the unwrapped one), or where the Re-run line adds it.
  const LOCK = (j: string) => `/usr/bin/ionice -c 2 -n 6 /usr/local/bin/with_reboot_lock env-sync_${j} /usr/bin/envdir ${envd}`;
  const ENVD = () => `/usr/bin/envdir ${envd}`;
  const SYNC = (j: string) => `/usr/local/bin/govuk_env_sync.sh -f ${join(tmp.dir, 'etc', `${j}.cfg`)}`;
  const mark = (j: string, what: string) => join(host.control, `${what}-${j}`);
  const marked = (j: string, what: string) => (existsSync(mark(j, what)) ? readFileSync(mark(j, what), 'utf8') : '');
  /** The aws stand-in's uploads of the job's dump (test/support/hostChain.ts): one a sync that got that far. */
  const uploads = (j: string) => {
    const log = join(host.control, 'aws-log');
    return existsSync(log)
      ? readFileSync(log, 'utf8')
          .split('\n')
          .filter((l) => l.includes(` s3://govuk-test-bucket/${j}/`))
      : [];
  };

  const IDIOMS: Idiom[] = [
    {
      name: 'cd DIR && …',
      line: (j, w) => `cd work && ${LOCK(j)} ${w}${SYNC(j)}`,
      script: (j, w) => `cd work && ${ENVD()} ${w}${SYNC(j)}`,
      // The script tars its data from where it runs: only in ~/work is it there.
      after: (j) => expect(uploads(j).at(-1)).to.contain(` pwd=${home}/work `),
    },
    {
      name: 'VAR=x …',
      line: (j, w) => `AWS_PROFILE=idioms ${LOCK(j)} ${w}${SYNC(j)}`,
      script: (j, w) => `AWS_PROFILE=idioms ${ENVD()} ${w}${SYNC(j)}`,
      after: (j) => expect(uploads(j).at(-1)).to.contain(' AWS_PROFILE=idioms '),
    },
    {
      name: '… ; other',
      line: (j, w) => `${LOCK(j)} ${w}${SYNC(j)}; echo other ran >> ${mark(j, 'other')}`,
      script: (j, w) => `${ENVD()} ${w}${SYNC(j)}; echo other ran >> ${mark(j, 'other')}`,
      // Once under cron (the sync failed), then once a paste.
      after: (j, n) => expect(marked(j, 'other')).to.equal('other ran\n'.repeat(n + 1)),
    },
    {
      name: '… && other',
      line: (j, w) => `${LOCK(j)} ${w}${SYNC(j)} && echo then ran >> ${mark(j, 'then')}`,
      script: (j, w) => `${ENVD()} ${w}${SYNC(j)} && echo then ran >> ${mark(j, 'then')}`,
      // Not under cron (the sync failed); once a paste.
      after: (j, n) => expect(marked(j, 'then')).to.equal('then ran\n'.repeat(n)),
    },
    {
      name: 'test -x F && …',
      line: (j, w) => `test -x /usr/local/bin/govuk_env_sync.sh && ${LOCK(j)} ${w}${SYNC(j)}`,
      script: (j, w) => `test -x /usr/local/bin/govuk_env_sync.sh && ${ENVD()} ${w}${SYNC(j)}`,
    },
    {
      name: '… >> file 2>&1',
      line: (j, w) => `${LOCK(j)} ${w}${SYNC(j)} >> ~/${j}.log 2>&1`,
      script: (j, w) => `${ENVD()} ${w}${SYNC(j)} >> ~/${j}.log 2>&1`,
      // The sync's output went to the file, not to root's terminal.
      after: (j, n, pasted) => {
        expect(readFileSync(join(home, `${j}.log`), 'utf8').match(/Completed "/g) ?? []).to.have.length(n);
        expect(pasted.stdout).to.not.contain('aws stand-in');
      },
    },
    {
      name: "crontab \\% (a literal %), and a bare % ending the line (cron's rule: no standard input)",
      line: (j, w) => `${LOCK(j)} ${w}${SYNC(j)} && echo '100\\% done' >> ${mark(j, 'pct')}%`,
      script: (j, w) => `${ENVD()} ${w}${SYNC(j)} && echo '100% done' >> ${mark(j, 'pct')}`,
      after: (j, n) => expect(marked(j, 'pct')).to.equal('100% done\n'.repeat(n)),
    },
    {
      name: 'crontab % giving the command standard input',
      line: (j, w) => `${LOCK(j)} ${w}${SYNC(j)} %first line%second line`,
      script: () => '',
      refused:
        /^the job inventory \(crontab line \d+\) cannot be re-run as it is: its crontab line gives the command standard input after an unescaped % \(cron's rule\)/,
    },
  ];
  const CASES = IDIOMS.flatMap((idiom, i) =>
    (['wrapped', 'unwrapped'] as const).map((how) => {
      const j = `idiom${i}_${how}`;
      const inLine = how === 'wrapped' ? `/usr/local/bin/env-sync-run --job ${j} -- ` : '';
      const inRerun = how === 'wrapped' ? inLine : `${join(PLUGINS, 'env-sync-run')} --job ${j} -- `;
      return { idiom, how, job: j, line: () => idiom.line(j, inLine), script: () => idiom.script(j, inRerun) };
    }),
  );

  before(async function () {
    for (const tool of ['/usr/bin/crontab', '/usr/bin/envdir', '/usr/bin/script', '/usr/bin/ionice', '/usr/sbin/runuser']) {
      if (!existsSync(tool)) throw new Error(`${tool} is missing: bash scripts/test-deps.sh (packages cron, daemontools, bsdutils, util-linux)`);
    }
    tmp = makeTempDir('env-sync-idioms-');
    home = join(tmp.dir, 'home-job');
    const u = ensureUser(JOB_USER, home);
    if (!u.made) throw new Error(`user ${JOB_USER} exists already: this test makes it, changes its crontab and home, and removes it (userdel ${JOB_USER})`);
    job = u;
    made.push(u.remove, () => void spawnSync('crontab', ['-u', JOB_USER, '-r']));
    made.push(ensureUser(CHECKER).remove);
    rs = await startRsyslog({ format: 'rfc3339' });
    host = makeHostChain(tmp.dir, { jobUser: job, rsyslogSocket: rs.socket });
    mkdirSync(join(home, 'work'), { recursive: true });
    envd = envDir(tmp.dir);
    const crontab: string[] = [];
    for (const c of CASES) {
      // The data the sync pushes, where the line runs it: in ~/work for `cd work`, else in ~.
      filesPushCfg(tmp.dir, c.job, c.idiom.name.startsWith('cd ') ? join(home, 'work') : home, job);
      cronLines.set(c.job, c.line());
      crontab.push(`# Puppet Name: ${c.job}`, `18 0 * * * ${c.line()}`);
    }
    chownSync(join(home, 'work'), job.uid, job.gid);
    chownSync(home, job.uid, job.gid);
    const file = join(tmp.dir, 'crontab');
    writeFileSync(file, `${crontab.join('\n')}\n`);
    const installed = spawnSync('crontab', ['-u', JOB_USER, file], { encoding: 'utf8' });
    expect(installed.status, installed.stderr).to.equal(0);
  });
  after(async () => {
    await rs?.stop();
    for (const undo of made.reverse()) undo();
    tmp?.cleanup();
  });

  interface Step {
    code: number;
    stdout: string;
    stderr: string;
  }
  /**
   * Commands run one after another in one namespace as root (setting one up costs more than a
   * check): each one's status and output. The first is given `input` as its standard input.
   */
  async function inHost(cmds: string[], input = ''): Promise<Step[]> {
    const out = mkdtempSync(join(tmp.dir, 'steps-'));
    try {
      const script = cmds.map((c, i) => `( ${c} ) > ${out}/${i}.out 2> ${out}/${i}.err${i ? ' < /dev/null' : ''}; echo $? > ${out}/${i}.code`);
      const r = await host.run(script.join('\n'), { input });
      expect(r.code, r.stderr).to.equal(0);
      return cmds.map((_, i) => ({
        code: Number(readFileSync(join(out, `${i}.code`), 'utf8')),
        stdout: readFileSync(join(out, `${i}.out`), 'utf8'),
        stderr: readFileSync(join(out, `${i}.err`), 'utf8'),
      }));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }
  const hostOpts = () => `--syslog ${q(rs.file)} --reboot-lock-dir ${q(host.lockDir)}`;
  /** A crontab line's command run as cron runs it: its % rule, then /bin/sh -c as the job's user with cron's environment, in its home. */
  const cronRun = (command: string) => {
    const { sh, stdin } = asCronRunsIt(command);
    const vars = Object.entries({ HOME: home, LOGNAME: JOB_USER, SHELL: '/bin/sh', PATH: '/usr/bin:/bin' })
      .map(([k, v]) => q(`${k}=${v}`))
      .join(' ');
    return { cmd: `cd ${q(home)} && exec setpriv --reuid=${JOB_USER} --regid=${JOB_USER} --init-groups env -i ${vars} /bin/sh -c ${q(sh)}`, stdin };
  };
  const asChecker = (cmd: string) => `setpriv --reuid=${CHECKER} --regid=${CHECKER} --init-groups ${cmd} ${hostOpts()}`;
  /** The check as the checking user runs it (nagios). */
  const check = (j: string) => asChecker(`/usr/local/bin/check_env_sync --job ${j}`);
  /** `env-sync show --json` as root: its Re-run line comes from the crontab. */
  const show = (j: string) => `/usr/local/bin/env-sync show ${j} --json ${hostOpts()}`;
  /** The check's Re-run line, when it offers a full one. */
  const rerunLine = (out: string) =>
    out
      .split('\n')
      .find((l) => l.startsWith('Re-run: '))
      ?.slice('Re-run: '.length);
  const rerunOf = (r: Step) => {
    expect(r.stderr, r.stdout).to.equal('');
    return (JSON.parse(r.stdout) as { rerun: string | null }).rerun;
  };
  /** The line pasted into a terminal as root: a pty, from /. */
  const paste = (line: string) => `cd / && exec script -qec ${q(line)} /dev/null`;
  /** The job inventory, in the default state directory as the namespace sees it. */
  const inventory = '/var/lib/env-sync/inventory.json';

  /** The job fails once as cron runs it; the check, run once its record is in syslog, is CRITICAL. Returns the check's output. */
  async function failOnce(c: (typeof CASES)[number]): Promise<string> {
    writeFileSync(join(host.control, 'aws-fails'), '');
    let steps: Step[];
    try {
      const run = cronRun(cronLines.get(c.job)!);
      const logged = c.how === 'wrapped' ? `event=finish job=${c.job} ` : `Error running .*/${c.job}\\.cfg`;
      // Waits on the condition, for up to 30 s: the record of the run reached syslog.
      const waitLogged = `for i in $(seq 600); do grep -qE ${q(logged)} ${q(rs.file)} && exit 0; sleep 0.05; done; exit 1`;
      steps = await inHost([run.cmd, waitLogged, check(c.job)], run.stdin);
    } finally {
      rmSync(join(host.control, 'aws-fails'));
    }
    const [failed, logged, crit] = steps;
    expect(failed!.stdout + failed!.stderr).to.not.contain('unbound variable');
    expect(logged!.code, `the run's record in ${rs.file}`).to.equal(0);
    expect(crit!.code, crit!.stdout).to.equal(2);
    return crit!.stdout;
  }

  for (const c of CASES) {
    if (c.idiom.refused) {
      it(`${c.idiom.name} (${c.how}): refused — the alert says why and offers no line to paste`, async () => {
        const out = await failOnce(c);
        const reruns = out.split('\n').filter((l) => l.startsWith('Re-run'));
        expect(reruns, out).to.have.length(1);
        const head = `Re-run: sudo env-sync rerun ${c.job} (reads the crontab as root, shows the command and asks; no full command here: `;
        expect(reruns[0]!.startsWith(head), reruns[0]).to.equal(true);
        expect(reruns[0]!.slice(head.length)).to.match(c.idiom.refused!);
        expect(out).to.not.contain('runuser');
        const [shown, rerun] = await inHost([show(c.job), `/usr/local/bin/env-sync rerun ${c.job} --dry-run ${hostOpts()}`]);
        expect(rerunOf(shown!)).to.equal(null);
        expect(rerun!.code).to.not.equal(0);
        expect(rerun!.stderr).to.match(/standard input after an unescaped %/);
      });
      continue;
    }
    it(`${c.idiom.name} (${c.how}): CRITICAL, its Re-run line pasted as root twice; each run syncs, the check is OK, the line is the same`, async () => {
      const out = await failOnce(c);
      const line = rerunLine(out);
      expect(line, out).to.match(/^runuser -P -u /);
      const words = wordsOf(line!);
      expect(words.slice(0, -1)).to.deep.equal([
        'runuser',
        '-P',
        '-u',
        JOB_USER,
        '--',
        'env',
        '-i',
        `HOME=${home}`,
        `LOGNAME=${JOB_USER}`,
        'SHELL=/bin/sh',
        'PATH=/usr/bin:/bin',
        '/bin/sh',
        '-c',
      ]);
      // env-sync-run in front of the command that runs the sync, once; ionice and with_reboot_lock gone.
      expect(words.at(-1)).to.equal(`cd ${home} && ${c.script()}`);
      for (const n of [1, 2]) {
        const before = uploads(c.job).length;
        const [pasted, ok, asRoot, aside, recorded] = await inHost([
          paste(line!),
          check(c.job),
          show(c.job),
          // Without the inventory, the check's line comes from the cron command the pasted run recorded.
          `mv ${inventory} ${inventory}.aside`,
          `${check(c.job)}; s=$?; mv ${inventory}.aside ${inventory}; exit $s`,
        ]);
        expect(pasted!.code, `paste ${n}: ${pasted!.stdout}${pasted!.stderr}`).to.equal(0);
        expect(uploads(c.job), `paste ${n}: the sync uploaded its dump`).to.have.length(before + 1);
        c.idiom.after?.(c.job, n, pasted!);
        expect(ok!.code, `paste ${n}: ${ok!.stdout}`).to.equal(0);
        expect(rerunLine(ok!.stdout), `paste ${n}: the check's (from the job inventory)`).to.equal(line);
        expect(rerunOf(asRoot!), `paste ${n}: env-sync show as root's (from the crontab)`).to.equal(line);
        expect(aside!.code, aside!.stderr).to.equal(0);
        expect(recorded!.code, recorded!.stdout).to.equal(0);
        expect(recorded!.stdout).to.contain(`from the cron command recorded in /var/lib/env-sync/${c.job}/state.json`);
        expect(rerunLine(recorded!.stdout), `paste ${n}: the check's from the command the pasted run recorded`).to.equal(line);
      }
    });
  }
});
