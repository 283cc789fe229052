import { fstatSync } from 'node:fs';
import { OptionError, type Values } from '../common/options.js';
import { followJournalLogs, printJournalLogs } from '../cli/journalLogs.js';
import { sourceLabel } from '../journal/args.js';
import type { JournalSelection } from '../journal/types.js';
import { chooseLog } from '../logsource/choose.js';
import { senderFilter } from '../logsource/senders.js';
import { hintsFor, jobTrust } from '../markers/trust.js';
import { hostJobList } from '../check/hostJobs.js';
import { parseEnvSync } from '../cli/args.js';
import { type ConfigJob, configUser, icinga2Config, nrpeConfig } from '../cli/configGen.js';
import { scheduleProblem } from '../cron/schedule.js';
import { CliError, hostOptions } from '../cli/hostOptions.js';
import { writeInventoryFromCrontab } from '../cli/inventory.js';
import { followLogs, printLogs, quietJob } from '../cli/logs.js';
import { visibleLines, visibleText } from '../output/sanitize.js';
import { metrics } from '../cli/metrics.js';
import { pause, resume } from '../cli/pause.js';
import { rerun } from '../cli/rerun.js';
import { running } from '../cli/running.js';
import { show } from '../cli/show.js';
import { status, tableStyle } from '../cli/status.js';
import { EXIT_USAGE, jobArg, UsageError } from '../cli/usage.js';
import { MarkerError } from '../markers/read.js';
import { fdOut } from '../output/writeAll.js';

/** One line from the person at the terminal (or whatever stdin holds); empty at its end. */
async function ask(question: string): Promise<string> {
  process.stderr.write(question);
  const { createInterface } = await import('node:readline');
  const rl = createInterface({ input: process.stdin, terminal: false });
  for await (const line of rl) {
    rl.close();
    return line;
  }
  return '';
}

/** `env-sync logs` from the journal (problems are said on stderr, as for syslog files). */
async function journalLogs(job: string, a: Values<'env-sync logs'>, selection: JournalSelection): Promise<number> {
  const o = { job, selection, trustedUids: senderFilter(jobTrust(a.stateDir, job, hintsFor(a.user))).uids, out: process.stdout, err: process.stderr };
  const printed = await printJournalLogs(o);
  if (printed.count === 0)
    await quietJob(job, a, { lines: 0, read: [sourceLabel(selection)], unreadable: printed.problems.map((p) => p.path) }, process.stderr);
  if (a.follow)
    await followJournalLogs({
      ...o,
      since: printed.from,
      skip: printed.printed,
      said: printed.problems,
      onReady: (label) => process.stderr.write(`env-sync: following ${label} (Ctrl-C to stop)\n`),
    });
  return 0;
}

// The commands that print and exit write to the descriptors: process.stdout and process.stderr load
// Node's stream modules, 6 ms a start (docs/benchmarks.md). `logs --follow` and `rerun`, which talk to
// a person over time, keep the streams.
const stdout = fdOut(1);
const stderr = fdOut(2);

/** Whether stdout is a terminal, and its width: only a character device can be one, so only then is process.stdout asked. */
function terminal(): { isTTY: boolean; columns: number | undefined } {
  try {
    if (!fstatSync(1).isCharacterDevice()) return { isTTY: false, columns: undefined };
  } catch {
    return { isTTY: false, columns: undefined };
  }
  return { isTTY: !!process.stdout.isTTY, columns: process.stdout.columns };
}

/** `config --job JOB [--schedule CRON]`: that one job, checked; null when no --job was given. */
async function oneJob(kind: string, job: string | undefined, schedule: string | undefined): Promise<ConfigJob | null> {
  if (job === undefined) {
    if (schedule !== undefined) throw new UsageError("--schedule needs --job JOB: it is one job's schedule (the jobs found take theirs from the crontab)");
    return null;
  }
  if (kind === 'inventory') throw new UsageError('--job does not go with config inventory: the inventory lists every job of the crontab');
  if (schedule !== undefined) {
    const bad = await scheduleProblem(schedule);
    if (bad) throw new UsageError(`--schedule: ${JSON.stringify(schedule)} is not a cron schedule (${bad}); use 5 fields like '18 0 * * *'`);
  }
  return { job, schedule: schedule ?? null };
}

async function main(): Promise<number> {
  const parsed = await parseEnvSync(process.argv.slice(2), process.env);
  if ('text' in parsed) {
    stdout.write(parsed.text);
    return 0;
  }
  switch (parsed.command) {
    case 'status': {
      const t = terminal();
      return status(parsed.values, stdout, stderr, tableStyle(t.isTTY, t.columns, process.env));
    }
    case 'show':
      return show(jobArg(parsed.positional, parsed.command), parsed.values, stdout);
    case 'logs': {
      const a = parsed.values;
      const job = jobArg(parsed.positional, parsed.command);
      const source = chooseLog(a);
      if (source.kind === 'journal') return journalLogs(job, a, source.selection);
      const printed = await printLogs({ job, syslog: a.syslog, rotated: a.rotated, out: process.stdout });
      if (printed.lines === 0) await quietJob(job, a, printed, process.stderr);
      if (a.follow)
        await followLogs({
          job,
          syslog: a.syslog,
          out: process.stdout,
          onReady: () => process.stderr.write(`env-sync: following ${a.syslog} (Ctrl-C to stop)\n`),
        });
      return 0;
    }
    case 'rerun':
      return rerun(jobArg(parsed.positional, parsed.command), parsed.values, { out: process.stdout, err: process.stderr, ask });
    case 'config': {
      const a = parsed.values;
      const one = await oneJob(parsed.positional, a.job, a.schedule);
      if (parsed.positional === 'inventory') return writeInventoryFromCrontab(a);
      if (one) {
        // One job as told, nothing searched: what a Puppet resource per job writes, the same on a host
        // where the job has not run yet or its crontab line is not written yet.
        const settings = { values: a, user: a.user ?? null, grace: a.grace };
        stdout.write(parsed.positional === 'icinga2' ? icinga2Config([one], settings) : nrpeConfig([one], settings));
        return 0;
      }
      const o = hostOptions(a, true);
      // The jobs and their schedules, not their verdicts: nothing here is judged.
      const view = await hostJobList(o);
      const jobs = view.names.map((job) => ({ job, schedule: view.cron.get(job)?.schedule ?? null }));
      const settings = { values: a, user: await configUser(o), grace: a.grace };
      stdout.write(parsed.positional === 'icinga2' ? icinga2Config(jobs, settings) : nrpeConfig(jobs, settings));
      for (const p of view.problems)
        stderr.write(`env-sync: ${visibleText(p)}
`);
      return 0;
    }
    case 'metrics':
      return metrics(parsed.values, stdout, stderr);
    case 'pause':
      return pause(parsed.positional === undefined ? undefined : jobArg(parsed.positional, parsed.command), parsed.values, stdout, stderr);
    case 'resume':
      return resume(parsed.positional === undefined ? undefined : jobArg(parsed.positional, parsed.command), parsed.values, stdout, stderr);
    case 'running':
      return running(parsed.positional, parsed.values, stdout, stderr);
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    if (err instanceof OptionError || err instanceof UsageError) {
      stderr.write(`env-sync: ${visibleLines(err.message)}\n${err instanceof OptionError ? "Try 'env-sync --help'.\n" : ''}`);
      process.exitCode = EXIT_USAGE;
      return;
    }
    const msg = err instanceof CliError || err instanceof MarkerError ? err.message : `${(err as Error)?.message ?? String(err)}`;
    stderr.write(`env-sync: ${visibleLines(msg)}\n`);
    process.exitCode = 2;
  },
);
