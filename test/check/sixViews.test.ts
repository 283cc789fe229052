// One job, six views, one answer (issue 26): check_env_sync, check_env_sync_all's line for the job,
// `env-sync status --json`, `env-sync show --json`, `env-sync metrics` and the wrapper's passive
// result, each through its own entry point and option parsing, handed the same gathered facts (the
// pipeline's one read, swapped here) and the same options. Every state must be the same, and every
// summary too where the view carries one. The rows are the judge's table and generated histories:
// runs of every outcome, runs in progress with each liveness, unwrapped runs from syslog, clocks
// (runs due, records in the future), reboot locks, stale and unrecorded markers.
import { expect } from 'chai';
import fc from 'fast-check';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostVerdict } from '../../src/check/aggregate.js';
import { allJobsOptions, judgeHost } from '../../src/check/hostJobs.js';
import { judgeJob, pipelineReads, pluginQuestion } from '../../src/check/pipeline.js';
import type { CheckFacts, CheckPolicy } from '../../src/check/types.js';
import { metrics } from '../../src/cli/metrics.js';
import { show } from '../../src/cli/show.js';
import { status, tableStyle } from '../../src/cli/status.js';
import { convert } from '../../src/common/options.js';
import { parseRange } from '../../src/common/range.js';
import { STATE_NAMES } from '../../src/common/states.js';
import { judgeRun } from '../../src/icinga/postVerdict.js';
import { splitPluginOutput } from '../../src/icinga/passiveResult.js';
import { applyRun } from '../../src/markers/store.js';
import { emptyJobState, type JobState, type Outcome } from '../../src/markers/types.js';
import { NOW, ROWS } from './judge.test.js';
import { NO_FACTS } from '../support/checkFacts.js';
import { seriesKey, seriesMap } from '../metrics/prometheusTools.js';
import { makeRun, runningMarker } from '../support/runs.js';
import { makeTempDir } from '../support/tmp.js';

const JOB = 'pull_x';

interface Options {
  grace?: string;
  missing?: string;
  ageWarning?: string;
  ageCritical?: string;
  runtimeWarning?: string;
  runtimeCritical?: string;
  schedule?: string;
}

interface Seen {
  state: number;
  summary?: string;
}

const sink = () => {
  let text = '';
  return { out: { write: (t: string) => void (text += t) }, text: () => text };
};

/** The options as each command reads them from its command line (flags, before convert). */
function flags(o: Options, stateDir: string, syslog: string): Record<string, unknown> {
  const raw: Record<string, unknown> = { 'state-dir': stateDir, syslog };
  if (o.grace) raw.grace = o.grace;
  raw.missing = o.missing ?? 'critical';
  if (o.ageWarning) raw['age-warning'] = o.ageWarning;
  if (o.ageCritical) raw['age-critical'] = o.ageCritical;
  if (o.runtimeWarning) raw['runtime-warning'] = o.runtimeWarning;
  if (o.runtimeCritical) raw['runtime-critical'] = o.runtimeCritical;
  return raw;
}

/** Each view's answer for the job, given these facts and options. */
async function views(facts: CheckFacts, o: Options, now: Date): Promise<Record<string, Seen>> {
  const { dir, cleanup } = makeTempDir();
  const saved = pipelineReads.gather;
  pipelineReads.gather = async () => facts;
  try {
    const stateDir = join(dir, 'state');
    mkdirSync(join(stateDir, JOB), { recursive: true });
    const syslog = '/dev/null';
    const crontab = join(dir, 'crontab');
    writeFileSync(crontab, o.schedule ? `${o.schedule} /usr/bin/env-sync-run -- /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/${JOB}.cfg\n` : '');
    const raw = flags(o, stateDir, syslog);
    const deadline = Date.now() + 60_000;
    const seen: Record<string, Seen> = {};

    const one = (
      await judgeJob(pluginQuestion(convert('check_env_sync', { ...raw, job: JOB, ...(o.schedule ? { schedule: o.schedule } : {}) }, {}), deadline), now)
    ).verdict;
    seen.check_env_sync = { state: one.state, summary: one.summary };

    const all = hostVerdict((await judgeHost(allJobsOptions(convert('check_env_sync_all', { ...raw, crontab }, {}), deadline), now)).jobs, {
      missing: 1,
      where: stateDir,
      problems: [],
    });
    const line = all.longOutput.find((l) => l.includes(`] ${JOB}`)) ?? '';
    const m = /^\[(OK|WARNING|CRITICAL|UNKNOWN)\] (.*)$/.exec(line);
    expect(m, `check_env_sync_all's long output has a line for ${JOB}: ${all.longOutput.join(' / ')}`).to.not.equal(null);
    seen.check_env_sync_all = { state: STATE_NAMES.indexOf(m![1] as never), summary: m![2]! };

    const st = sink();
    await status(convert('env-sync status', { ...raw, crontab, json: true }, {}), st.out, sink().out, tableStyle(false, undefined, {}), now);
    const row = (JSON.parse(st.text()) as { jobs: Array<{ job: string; state: number; summary: string }> }).jobs.find((j) => j.job === JOB)!;
    seen['env-sync status'] = { state: row.state, summary: row.summary };

    const sh = sink();
    await show(JOB, convert('env-sync show', { ...raw, crontab, json: true }, {}), sh.out, now);
    const shown = JSON.parse(sh.text()) as { verdict: { state: number; summary: string } };
    seen['env-sync show'] = { state: shown.verdict.state, summary: shown.verdict.summary };

    const me = sink();
    await metrics(convert('env-sync metrics', { ...raw, crontab }, {}), me.out, sink().out, now);
    seen['env-sync metrics'] = { state: seriesMap(me.text()).get(seriesKey('env_sync_verdict_state', { job_name: JOB })) ?? -1 };
    return seen;
  } finally {
    pipelineReads.gather = saved;
    cleanup();
  }
}

/** The wrapper's passive result (check_env_sync's verdict with the option table's defaults) and check_env_sync's, with no options. */
async function passiveAndPlugin(facts: CheckFacts, now: Date): Promise<[Seen, Seen]> {
  const saved = pipelineReads.gather;
  pipelineReads.gather = async () => facts;
  try {
    const passive = await judgeRun({ job: JOB, stateDir: '/var/lib/env-sync', syslog: '/dev/null' }, 20, now);
    const first = splitPluginOutput(passive.text).pluginOutput.split('\n')[0]!;
    const plugin = (
      await judgeJob(
        pluginQuestion(convert('check_env_sync', { job: JOB, 'state-dir': '/var/lib/env-sync', syslog: '/dev/null' }, {}), Date.now() + 60_000),
        now,
      )
    ).verdict;
    return [
      { state: passive.exitStatus, summary: first.replace(/^ENV_SYNC \w+ - /, '') },
      { state: plugin.state, summary: plugin.summary },
    ];
  } finally {
    pipelineReads.gather = saved;
  }
}

/** A job that never ran is named so in host-wide views ("never run"); its state is still every view's. */
const neverRun = (f: CheckFacts) => !f.jobState && f.running.length === 0 && !f.syslogOnly?.run;

function expectAgreement(seen: Record<string, Seen>, facts: CheckFacts, what: string) {
  const want = seen.check_env_sync!;
  for (const [view, s] of Object.entries(seen)) {
    expect(s.state, `${what}: ${view} says ${STATE_NAMES[s.state]}, check_env_sync ${STATE_NAMES[want.state]} (${want.summary})`).to.equal(want.state);
    if (s.summary !== undefined && !(neverRun(facts) && view !== 'env-sync show')) expect(s.summary, `${what}: ${view}'s summary`).to.equal(want.summary);
  }
}

const optionsOf = (p: Partial<CheckPolicy>): Options => ({
  ...(p.grace !== undefined ? { grace: `${p.grace}s` } : {}),
  ...(p.missing !== undefined ? { missing: STATE_NAMES[p.missing]!.toLowerCase() } : {}),
  ...(p.ageWarning ? { ageWarning: p.ageWarning.text } : {}),
  ...(p.ageCritical ? { ageCritical: p.ageCritical.text } : {}),
  ...(p.runtimeWarning ? { runtimeWarning: p.runtimeWarning.text } : {}),
  ...(p.runtimeCritical ? { runtimeCritical: p.runtimeCritical.text } : {}),
  ...(p.schedule ? { schedule: p.schedule } : {}),
});

describe('six views, one answer: the judge table', function () {
  this.timeout(120_000);
  for (const [what, facts, policy] of ROWS) {
    it(what, async () => {
      const f = { ...NO_FACTS, ...facts };
      expectAgreement(await views(f, optionsOf(policy), NOW), f, what);
      const [passive, plugin] = await passiveAndPlugin(f, NOW);
      expect(passive, `${what}: the passive result is check_env_sync's with the defaults`).to.deep.equal(plugin);
    });
  }
});

const H = 3600_000;
const at = (now: Date, hoursAgo: number) => new Date(now.getTime() - hoursAgo * H);
// Times a few minutes off the hour: no view is ever judged on the exact edge of a limit.
const hoursAgo = fc.integer({ min: 0, max: 80 }).map((h) => h + 0.13);

const runArb = fc.record({
  outcome: fc.constantFrom<Outcome>('success', 'failure', 'timeout', 'signal', 'interrupted', 'spawn-error', 'skipped-overlap'),
  hoursAgo,
  minutes: fc.integer({ min: 1, max: 400 }),
  part: fc.constantFrom(null, null, 'a', 'b'),
});

const factsArb = (now: Date) =>
  fc
    .record({
      runs: fc.array(runArb, { maxLength: 5 }),
      running: fc.option(
        fc.record({
          hoursAgo: fc.integer({ min: 0, max: 12 }).map((h) => h + 0.07),
          liveness: fc.constantFrom('alive', 'orphaned', 'other-boot', 'dead'),
          child: fc.boolean(),
        }),
      ),
      syslogOnly: fc.option(
        fc.record({
          outcome: fc.constantFrom('success', 'failure', 'running'),
          hoursAgo,
          primary: fc.boolean(),
          live: fc.constantFrom(true, false, null),
          otherBoot: fc.constantFrom(null, 'b0b0b0b0b0b0b0b0'),
          successHoursAgo: fc.option(hoursAgo),
        }),
      ),
      previousScheduled: fc.option(fc.integer({ min: 0, max: 30 }).map((h) => h + 0.21)),
      rebootLock: fc.option(fc.record({ ageHours: fc.integer({ min: 0, max: 50 }), shared: fc.boolean(), held: fc.constantFrom(true, false, null) })),
      stateDirProblem: fc.option(fc.constant('the state directory /var/lib/env-sync does not exist')),
      stale: fc.option(fc.record({ later: fc.option(fc.record({ outcome: fc.constantFrom('success', 'failure'), hoursAgo })) })),
      unwrapped: fc.boolean(),
    })
    .map((g): CheckFacts => {
      const ordered = [...g.runs].sort((a, b) => b.hoursAgo - a.hoursAgo);
      const jobState = ordered.reduce<JobState | null>((st, r) => {
        const start = at(now, r.hoursAgo);
        const end = new Date(start.getTime() + (r.outcome === 'skipped-overlap' ? 0 : r.minutes * 60_000));
        const run = makeRun(JOB, {
          part: r.part,
          start: start.toISOString(),
          end: end.toISOString(),
          durationSeconds: (end.getTime() - start.getTime()) / 1000,
          outcome: r.outcome,
          exitCode: r.outcome === 'success' ? 0 : r.outcome === 'failure' ? 1 : r.outcome === 'timeout' ? 124 : null,
          signal: r.outcome === 'signal' ? 'SIGKILL' : null,
          timeoutSeconds: r.outcome === 'timeout' ? r.minutes * 60 : null,
          message: r.outcome === 'skipped-overlap' ? 'another run was still running' : null,
        });
        return applyRun(st ?? emptyJobState(JOB), run, end);
      }, null);
      const running = g.running
        ? [
            {
              marker: runningMarker(JOB, { start: at(now, g.running.hoursAgo).toISOString(), childPid: g.running.child ? 4243 : null }),
              liveness: g.running.liveness as CheckFacts['running'][number]['liveness'],
            },
          ]
        : [];
      const s = g.syslogOnly;
      const sysStart = s ? at(now, s.hoursAgo) : null;
      return {
        ...NO_FACTS,
        jobState,
        running,
        syslogOnly: s
          ? {
              run: {
                start: sysStart!,
                end: s.outcome === 'running' ? null : new Date(sysStart!.getTime() + 23 * 60_000),
                outcome: s.outcome as 'success',
                argv: `/usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/${JOB}.cfg`,
                errorLine: null,
                lines: [],
              },
              lastSuccessEnd: s.successHoursAgo === null ? null : at(now, s.successHoursAgo),
              primary: s.primary,
              live: s.live,
              otherBoot: s.otherBoot,
            }
          : null,
        previousScheduled: g.previousScheduled === null ? null : at(now, g.previousScheduled),
        rebootLock: g.rebootLock
          ? { path: `/var/run/reboot_lock-${JOB}`, ageSeconds: g.rebootLock.ageHours * 3600, shared: g.rebootLock.shared, held: g.rebootLock.held }
          : null,
        stateDirProblem: g.stateDirProblem,
        staleMarkers: g.stale
          ? {
              dir: `/var/lib/env-sync/${JOB}`,
              owner: 'root',
              fix: `chown govuk-backup /var/lib/env-sync/${JOB}`,
              later: g.stale.later
                ? {
                    time: at(now, g.stale.later.hoursAgo),
                    runId: 'r-syslog',
                    part: null,
                    outcome: g.stale.later.outcome,
                    exitCode: g.stale.later.outcome === 'success' ? 0 : 1,
                    line: { file: '/var/log/syslog', time: at(now, g.stale.later.hoursAgo), host: 'h', tag: 'env-sync-run', pid: 1, message: 'event=finish' },
                  }
                : null,
            }
          : null,
        unwrapped: g.unwrapped,
      };
    });

const optionsArb = fc.record({
  grace: fc.constantFrom('30m', '1h', '2h'),
  missing: fc.constantFrom('ok', 'warning', 'critical', 'unknown'),
  ageWarning: fc.constantFrom(undefined, '25h'),
  ageCritical: fc.constantFrom(undefined, '26h', '2d'),
  runtimeWarning: fc.constantFrom(undefined, '3h'),
  runtimeCritical: fc.constantFrom(undefined, '4h'),
  schedule: fc.constantFrom(undefined, '18 0 * * *', '30 5 * * *'),
});

describe('six views, one answer: generated histories', function () {
  this.timeout(300_000);
  it('every view gives check_env_sync’s state and summary, for the same facts and options', async () => {
    await fc.assert(
      fc.asyncProperty(factsArb(NOW), optionsArb, async (facts, o) => {
        expectAgreement(await views(facts, o as Options, NOW), facts, JSON.stringify(o));
        const [passive, plugin] = await passiveAndPlugin(facts, NOW);
        expect(passive).to.deep.equal(plugin);
      }),
      { numRuns: 150, seed: 26 },
    );
  });
  it('the ranges given as options are the ones the judge table uses', () => {
    // optionsOf writes a row's policy back as flags: a range must read back to itself.
    for (const t of ['25h', '26h', '2d', '4h', '@1:2', '10:']) expect(parseRange(t, '--x').text).to.equal(t);
  });
});
