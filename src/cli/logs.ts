// `env-sync logs JOB [--follow]`: the job's lines from syslog.1 then syslog, oldest first; --follow
// goes on with new lines, across rotation (tail-file follows the renamed file to its end, then the new one).
import { createReadStream } from 'node:fs';
import { parseLine } from '../syslog/parseLine.js';
import { rotatedFiles } from '../syslog/scan.js';

export function jobLineMatcher(job: string, cfgName = job): (line: string) => boolean {
  const tag = ` env-sync/${job}[`;
  const tagNoPid = ` env-sync/${job}:`;
  const event = `job=${job} `;
  const cfg = `/${cfgName}.cfg`;
  return (line) => line.includes(tag) || line.includes(tagNoPid) || (line.includes(' env-sync-run') && `${line} `.includes(event)) || (line.includes(' govuk_env_sync.sh') && line.includes(cfg));
}

export async function printLogs(o: { job: string; syslog: string; rotated: number; out: NodeJS.WritableStream }): Promise<number> {
  const match = jobLineMatcher(o.job);
  // Loaded here, not at the top: the env-sync bundle holds status too, which never reads lines this way.
  const { createInterface } = await import('node:readline');
  let n = 0;
  for (const file of rotatedFiles(o.syslog, Math.min(o.rotated, 1)).reverse()) {
    try {
      const rl = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
      for await (const line of rl) {
        if (match(line) && parseLine(line, file, new Date())) {
          o.out.write(`${line}\n`);
          n++;
        }
      }
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code !== 'ENOENT') process.stderr.write(`env-sync: cannot read ${file} (${e.code ?? e.message})${e.code === 'EACCES' ? `: add your user to group adm` : ''}\n`);
    }
  }
  return n;
}

/** Follows the live file from its end; resolves when stopped (SIGINT/SIGTERM or the returned stop()). */
export async function followLogs(o: { job: string; syslog: string; out: NodeJS.WritableStream; onReady?: () => void }): Promise<void> {
  const mod = (await import('tail-file')) as unknown as { default: typeof import('tail-file').default };
  const Tail = mod.default;
  const match = jobLineMatcher(o.job);
  const tail = new Tail(o.syslog, { startPos: 'end', force: true });
  return new Promise((resolve) => {
    tail.on('line', (line: string) => {
      if (match(line)) o.out.write(`${line}\n`);
    });
    tail.on('error', (err: Error) => process.stderr.write(`env-sync: following ${o.syslog}: ${err.message}\n`));
    let ready = false;
    // 'ready' comes again after each switch to a new file; say it once.
    tail.on('ready', () => {
      if (!ready) o.onReady?.();
      ready = true;
    });
    const stop = () => {
      tail.stop();
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    tail.start();
  });
}
