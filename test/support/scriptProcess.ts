// A govuk_env_sync.sh still running its cfg, as the checks look for one in /proc
// (src/common/processes.ts): a shell script of that name that only sleeps, in its own process group.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function liveScript(dir: string, cfgPath: string): { stop(): Promise<void> } {
  const script = join(dir, 'govuk_env_sync.sh');
  writeFileSync(script, 'sleep 600\n');
  // spawn() returns once the child has exec'd: its command line is in /proc from then on.
  const child = spawn('sh', [script, '-f', cfgPath], { detached: true, stdio: 'ignore' });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    async stop() {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone already
      }
      await exited;
    },
  };
}
