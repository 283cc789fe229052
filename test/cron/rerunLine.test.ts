import { expect } from 'chai';
import fc from 'fast-check';
import { chooseRerun } from '../../src/check/rerunChoice.js';
import { parseCrontab } from '../../src/cron/crontab.js';
import { cronCommandText, rerunPlan, rerunScript, type RerunPlan } from '../../src/cron/rerun.js';
import type { User } from '../../src/common/users.js';

// Where the Re-run line puts env-sync-run, for each idiom a crontab line uses around the sync: in
// front of the command that runs the sync, never in front of the first simple command (a `cd DIR`
// given env-sync-run exits 127 and records a failure), or the reason it cannot.

const T = { job: 'j', stateDir: '/var/lib/env-sync', defaultStateDir: '/var/lib/env-sync', envSyncRun: '/usr/bin/env-sync-run' };
const W = '/usr/bin/env-sync-run --job j --';
const SYNC = '/usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/j.cfg';
const USER: User = { name: 'govuk-backup', uid: 1001, gid: 1001, home: '/home/govuk-backup' };

const IDIOMS: Array<{ idiom: string; command: string; script: string }> = [
  { idiom: 'cd DIR && …', command: `cd /srv/x && ${SYNC}`, script: `cd /srv/x && ${W} ${SYNC}` },
  {
    idiom: 'cd DIR && … (an unwrapped line elsewhere)',
    command: `cd /tmp && govuk_env_sync.sh -f j.cfg`,
    script: `cd /tmp && ${W} govuk_env_sync.sh -f j.cfg`,
  },
  { idiom: 'VAR=x …', command: `PGHOST=db1 ${SYNC}`, script: `PGHOST=db1 ${W} ${SYNC}` },
  { idiom: '… ; other', command: `${SYNC}; touch /tmp/done`, script: `${W} ${SYNC}; touch /tmp/done` },
  { idiom: '… && other', command: `${SYNC} && curl -fsS http://127.0.0.1/ping`, script: `${W} ${SYNC} && curl -fsS http://127.0.0.1/ping` },
  { idiom: '… || other', command: `${SYNC} || logger failed`, script: `${W} ${SYNC} || logger failed` },
  {
    idiom: 'test -x F && …',
    command: `test -x /usr/local/bin/govuk_env_sync.sh && ${SYNC}`,
    script: `test -x /usr/local/bin/govuk_env_sync.sh && ${W} ${SYNC}`,
  },
  { idiom: '… >> file 2>&1', command: `${SYNC} >> /var/log/j.log 2>&1`, script: `${W} ${SYNC} >> /var/log/j.log 2>&1` },
  {
    idiom: 'cd, ionice and with_reboot_lock in the second command',
    command: `cd /srv && /usr/bin/ionice -c 2 -n 6 /usr/local/bin/with_reboot_lock env-sync_j /usr/bin/envdir /etc/e ${SYNC} >> /tmp/l 2>&1`,
    script: `cd /srv && /usr/bin/envdir /etc/e ${W} ${SYNC} >> /tmp/l 2>&1`,
  },
  { idiom: 'a pipe', command: `${SYNC} | tee -a /tmp/log`, script: `${W} ${SYNC} | tee -a /tmp/log` },
  {
    idiom: 'already wrapped after cd',
    command: `cd /srv && /usr/local/bin/env-sync-run --job j -- ${SYNC}`,
    script: `cd /srv && /usr/local/bin/env-sync-run --job j -- ${SYNC}`,
  },
  { idiom: 'a background job after it', command: `${SYNC} & wait`, script: `${W} ${SYNC} & wait` },
];

describe('the Re-run line for each cron idiom', () => {
  for (const { idiom, command, script } of IDIOMS) {
    it(`${idiom}: env-sync-run goes in front of the sync`, () => {
      expect(rerunScript({ command }, T)).to.deep.equal({ script });
      // Re-running the re-run gives the same text: exactly one env-sync-run.
      expect(rerunScript({ command: script }, T)).to.deep.equal({ script });
    });
  }

  const REFUSED: Array<[string, string, RegExp]> = [
    ['a subshell', `(cd /srv && ${SYNC})`, /subshell/],
    ['a group', `{ ${SYNC}; }`, /groups commands/],
    ['no command naming the job', 'cd /srv && ./run.sh && ./other.sh', /none of its 3 commands names the job/],
    ['a leading redirection', `>>/tmp/l ${SYNC}`, /starts with a redirection/],
  ];
  for (const [what, command, why] of REFUSED) {
    it(`refuses ${what}, saying why`, () => {
      const got = rerunScript({ command }, T);
      expect(got).to.have.property('why').that.matches(why);
    });
  }

  it('keeps $( … ) inside a word: it is not a subshell of the list', () => {
    expect(rerunScript({ command: `${SYNC} -d "$(date +%F)"` }, T)).to.deep.equal({ script: `${W} ${SYNC} -d "$(date +%F)"` });
  });
});

describe("cron's % rule", () => {
  it('turns \\% into a literal % and ends the command at a bare % with nothing after it', () => {
    expect(cronCommandText('date +\\%F && x')).to.deep.equal({ text: 'date +%F && x' });
    expect(cronCommandText('x %')).to.deep.equal({ text: 'x ' });
  });
  it('refuses standard input given after an unescaped %', () => {
    expect(cronCommandText('mail -s x root%hello%world'))
      .to.have.property('why')
      .that.matches(/standard input after an unescaped %/);
  });
  it('is applied to a crontab line, not to a recorded sh -c text', () => {
    const [job] = parseCrontab(`18 0 * * * ${SYNC} --date=\\%F\n`);
    const fromCrontab = chooseRerun({ job: 'j', user: USER, cron: job!, inventory: null, run: null, markerPath: null }, T);
    expect((fromCrontab.plan as RerunPlan).script).to.equal(`cd /home/govuk-backup && ${W} ${SYNC} --date=%F`);
    const refused = chooseRerun(
      { job: 'j', user: USER, cron: parseCrontab(`18 0 * * * ${SYNC} %line 1%line 2\n`)[0]!, inventory: null, run: null, markerPath: null },
      T,
    );
    expect(refused.plan).to.equal(null);
    expect(refused)
      .to.have.property('why')
      .that.matches(/^the crontab line 1 cannot be re-run as it is: .*standard input/);
  });
});

describe('a Re-run line pasted again', () => {
  const plan = (command: string, cwd: string | null) =>
    rerunPlan({ command, env: {}, cwd, source: 'the cron command recorded in M', redacted: false }, USER, T) as RerunPlan;
  it('is the same line when its run is re-run from the recorded command and directory', () => {
    const first = plan(`cd /srv/x && ${SYNC}`, null);
    expect(first.script).to.equal(`cd /home/govuk-backup && cd /srv/x && ${W} ${SYNC}`);
    // The wrapper records the pasted line's sh -c text and that shell's directory.
    const second = plan(first.script, '/home/govuk-backup');
    expect(second.script).to.equal(first.script);
    expect(plan(second.script, '/home/govuk-backup').script).to.equal(first.script);
  });
  // The wrapper records its shell's directory when the job starts: after every `cd` before it.
  const recordedDir = (script: string, start: string) => {
    let dir = start;
    for (const [, to] of script.matchAll(/(?:^|&& )cd ('[^']*'|\S+) &&/g)) {
      const d = to!.replace(/^'|'$/g, '');
      dir = d.startsWith('/') ? d : `${dir.replace(/\/$/, '')}/${d}`;
    }
    return dir;
  };
  it('is the same line when the pasted line went on to cd elsewhere before the job (the recorded directory is that one)', () => {
    const first = chooseRerun(
      { job: 'j', user: USER, cron: parseCrontab(`18 0 * * * cd /srv/x && ${SYNC}\n`)[0]!, inventory: null, run: null, markerPath: null },
      T,
    ).plan as RerunPlan;
    expect(first.script).to.equal(`cd /home/govuk-backup && cd /srv/x && ${W} ${SYNC}`);
    expect(plan(first.script, '/srv/x').script).to.equal(first.script);
  });
  it('starts a recorded `cd sub && …` where cron started it, the home directory, not in the directory the cd reached', () => {
    const fromCron = plan(`cd sub && ${SYNC}`, '/home/govuk-backup/sub');
    expect(fromCron.script).to.equal(`cd /home/govuk-backup && cd sub && ${W} ${SYNC}`);
    expect(plan(fromCron.script, '/home/govuk-backup/sub').script).to.equal(fromCron.script);
  });
  it('keeps the recorded directory of a line with no cd before the job', () => {
    expect(plan(`test -x /x && ${SYNC}; cd /tmp`, '/srv/y').script).to.equal(`cd /srv/y && test -x /x && ${W} ${SYNC}; cd /tmp`);
  });
  it('holds for any directory and idiom, from the crontab and from the recorded command (property)', () => {
    const dir = fc.stringMatching(/^\/[a-z0-9_ '"-]{1,12}$/);
    fc.assert(
      fc.property(dir, fc.constantFrom(...IDIOMS.map((i) => i.command)), (cwd, command) => {
        const fromCrontab = rerunPlan(
          { command, env: {}, cwd: null, source: 'the crontab line 1', redacted: false, crontabText: true },
          { ...USER, home: cwd },
          T,
        ) as RerunPlan;
        for (const first of [fromCrontab, plan(command, cwd)]) {
          const start = first === fromCrontab ? cwd : USER.home;
          const again = plan(first.script, recordedDir(first.script, start));
          expect(again.script).to.equal(first.script);
          expect(plan(again.script, recordedDir(again.script, start)).script).to.equal(first.script);
          expect(first.script.split('env-sync-run').length - 1).to.equal(1);
        }
      }),
    );
  });
});

describe('a Re-run line with a control character in it', () => {
  const plan = (command: string, env: Record<string, string> = {}) =>
    rerunPlan({ command, env, cwd: null, source: 'the crontab line 3', redacted: false }, USER, T);
  for (const [what, command, env] of [
    ['an escape sequence in the command', `${SYNC} # \u001b]52;c;aWQK\u0007`, {}],
    ['a tab (bash completes on it when pasted)', `${SYNC}\t>> /tmp/l`, {}],
    ['a bidi control', `${SYNC} \u202e`, {}],
    ['a C1 control in a crontab VAR= value', SYNC, { PGHOST: 'db\u009b1' }],
  ] as Array<[string, string, Record<string, string>]>) {
    it(`is refused, never shown: ${what}`, () => {
      expect(plan(command, env))
        .to.have.property('why')
        .that.matches(/control characters/);
    });
  }
});
