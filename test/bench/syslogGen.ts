// Writes syslog files of a given size with a realistic mix of lines, and the benchmarked job's run
// where a case wants it (near the end of syslog, or at the very start of syslog.1).
import { closeSync, openSync, writeSync } from 'node:fs';
import { syslogStamp } from '../support/proc.js';

const HOST = 'db-admin-1';
/** The other lines of a busy host, by tag (the journal's SYSLOG_IDENTIFIER: a journal logger takes tag(0)); pid: the one a syslog line shows. */
export const NOISE_KINDS: Array<{ tag: (i: number) => string; pid?: (i: number) => number; message: (i: number) => string }> = [
  { tag: () => 'CRON', pid: (i) => 2000 + (i % 900), message: () => '(root) CMD (   cd / && run-parts --report /etc/cron.hourly)' },
  {
    tag: () => 'sshd',
    pid: (i) => 3000 + (i % 500),
    message: (i) => `Accepted publickey for deploy from 10.1.${i % 250}.${i % 200} port ${40000 + (i % 20000)} ssh2: RSA SHA256:abcdefghijklmnop`,
  },
  { tag: () => 'kernel', message: (i) => `[${(i / 10).toFixed(6)}] IPv4: martian source 10.0.0.${i % 255} from 10.0.1.1, on dev eth0` },
  { tag: () => 'systemd', pid: () => 1, message: () => 'Started Session 4242 of user deploy.' },
  {
    tag: () => 'postgres',
    pid: (i) => 5000 + (i % 100),
    message: (i) => `[${i % 9}-1] LOG:  checkpoint complete: wrote ${i % 4000} buffers (0.${i % 9}%); 0 WAL file(s) added`,
  },
  { tag: () => 'govuk_env_sync.sh', message: (i) => `Starting "/usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/other_job_${i % 17}.cfg"` },
  { tag: (i) => `env-sync/other_job_${i % 17}`, pid: (i) => 6000 + (i % 300), message: (i) => `pg_restore: processing item ${i} TABLE DATA public.events` },
  { tag: () => 'nrpe', pid: (i) => 7000 + (i % 50), message: (i) => `Could not read request from client 10.2.0.${i % 9}, bailing out...` },
];
const NOISE: Array<(i: number) => string> = NOISE_KINDS.map((k) => (i) => `${k.tag(i)}${k.pid ? `[${k.pid(i)}]` : ''}: ${k.message(i)}`);

export interface JobLines {
  job: string;
  runId: string;
  start: Date;
  end: Date;
  exit: number;
  /** The wrapper's pid, which logger puts in the tag of its lines and of the job's output (as env-sync-run does). */
  wrapperPid?: number;
}

/** The lines a wrapped govuk_env_sync run leaves in syslog (env-sync-run, the job's output, the script's own). */
export function jobRunLines(j: JobLines): Array<{ time: Date; text: string }> {
  const argv = `/usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/${j.job}.cfg`;
  const at = (ms: number) => new Date(j.start.getTime() + ms);
  const dur = (j.end.getTime() - j.start.getTime()) / 1000;
  const pid = j.wrapperPid ?? 4100;
  const out = [
    { time: at(0), text: `env-sync-run[${pid}]: event=start job=${j.job} run=${j.runId} pid=4101 argv="${argv}"` },
    { time: at(100), text: `govuk_env_sync.sh: Starting "${argv}"` },
    { time: at(2000), text: `env-sync/${j.job}[${pid}]: Downloading dump from s3://govuk-env-sync/${j.job}/latest.dump` },
  ];
  // A failing script stops at its error, so the error lines come just before the finish line.
  const last = Math.max(3000, j.end.getTime() - j.start.getTime() - 200);
  if (j.exit !== 0) {
    out.push({ time: at(last - 100), text: `env-sync/${j.job}[${pid}]: pg_restore: error: could not execute query: ERROR:  relation "events" does not exist` });
    out.push({
      time: at(last),
      text: `govuk_env_sync.sh: Error running "${argv}" in function restore_postgresql on line 212 executing "pg_restore -d ${j.job}"`,
    });
  } else {
    out.push({ time: at(last), text: `govuk_env_sync.sh: Completed "${argv}"` });
  }
  // The finish line comes last even for a run shorter than the lines placed above.
  out.push({
    time: new Date(Math.max(j.end.getTime(), j.start.getTime() + last + 100)),
    text: `env-sync-run[${pid}]: event=finish job=${j.job} run=${j.runId} outcome=${j.exit ? 'failure' : 'success'} exit=${j.exit} duration=${dur}s`,
  });
  return out;
}

/**
 * Writes `bytes` of noise spread evenly from `from` to `to`, with `insert` lines placed at their own
 * times. Lines are buffered into 1 MiB writes so a 1 GiB file takes seconds.
 */
export function writeSyslog(path: string, bytes: number, from: Date, to: Date, insert: Array<{ time: Date; text: string }>): void {
  const fd = openSync(path, 'w', 0o644);
  const sorted = [...insert].sort((a, b) => a.time.getTime() - b.time.getTime());
  const approxLine = 110;
  const total = Math.max(1, Math.floor(bytes / approxLine));
  const span = to.getTime() - from.getTime();
  let written = 0;
  let chunk: string[] = [];
  let chunkBytes = 0;
  let next = 0;
  const flush = () => {
    const buf = Buffer.from(chunk.join(''));
    writeSync(fd, buf);
    written += buf.length;
    chunk = [];
    chunkBytes = 0;
  };
  for (let i = 0; written + chunkBytes < bytes; i++) {
    const t = new Date(from.getTime() + Math.min(1, i / total) * span);
    while (next < sorted.length && sorted[next]!.time <= t) {
      const line = `${syslogStamp(sorted[next]!.time)} ${HOST} ${sorted[next]!.text}\n`;
      chunk.push(line);
      chunkBytes += line.length;
      next++;
    }
    const line = `${syslogStamp(t)} ${HOST} ${NOISE[i % NOISE.length]!(i)}\n`;
    chunk.push(line);
    chunkBytes += line.length;
    if (chunkBytes >= 1 << 20) flush();
  }
  for (; next < sorted.length; next++) {
    const line = `${syslogStamp(sorted[next]!.time)} ${HOST} ${sorted[next]!.text}\n`;
    chunk.push(line);
    chunkBytes += line.length;
  }
  flush();
  closeSync(fd);
}

/** The lines an unwrapped run leaves: govuk_env_sync.sh's own Starting and Completed (or Error running). */
export function scriptRunLines(job: string, start: Date, end: Date, exit: number): Array<{ time: Date; text: string }> {
  const argv = `/usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/${job}.cfg`;
  return [
    { time: start, text: `govuk_env_sync.sh: Starting "${argv}"` },
    {
      time: end,
      text: exit
        ? `govuk_env_sync.sh: Error running "${argv}" in function restore_postgresql on line 212 executing "pg_restore -d ${job}"`
        : `govuk_env_sync.sh: Completed "${argv}"`,
    },
  ];
}
