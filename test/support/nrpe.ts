// A private NRPE daemon for tests: foreground (-f), bound to 127.0.0.1 on a given port, only
// 127.0.0.1 allowed, commands from a file the test writes. Run as root it drops to user nagios
// (nrpe_user), so everything it runs must be readable by nagios.
import { startDaemon } from './daemon.js';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const NRPE = '/usr/sbin/nrpe';
export const CHECK_NRPE = '/usr/lib/nagios/plugins/check_nrpe';

export function requireNrpe(): void {
  if (!existsSync(NRPE)) throw new Error(`${NRPE} is missing: install the Debian package nagios-nrpe-server (bash scripts/test-deps.sh)`);
  if (!existsSync(CHECK_NRPE)) throw new Error(`${CHECK_NRPE} is missing: install the Debian package nagios-nrpe-plugin (bash scripts/test-deps.sh)`);
}

export interface RunningNrpe {
  port: number;
  log(): string;
  stop(): Promise<void>;
}

/** check_nrpe against the private daemon: its exit status and exact output. */
export function checkNrpe(port: number, command: string | null, timeoutSeconds = 50): { status: number | null; stdout: string; stderr: string } {
  const args = ['-H', '127.0.0.1', '-p', String(port), '-t', String(timeoutSeconds)];
  if (command !== null) args.push('-c', command);
  const r = spawnSync(CHECK_NRPE, args, { encoding: 'utf8', timeout: (timeoutSeconds + 10) * 1000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/**
 * Starts nrpe with the given command definitions (the text of an nrpe.d/*.cfg file); `env` is the
 * daemon's environment, which its commands inherit (by default the tests' own).
 */
export async function startNrpe(dir: string, port: number, commands: string, env?: NodeJS.ProcessEnv): Promise<RunningNrpe> {
  requireNrpe();
  const commandFile = join(dir, 'env_sync.cfg');
  writeFileSync(commandFile, commands, { mode: 0o644 });
  const cfg = join(dir, 'nrpe.cfg');
  writeFileSync(
    cfg,
    [
      'log_facility=daemon',
      'debug=0',
      `server_port=${port}`,
      'server_address=127.0.0.1',
      'allowed_hosts=127.0.0.1',
      'nrpe_user=nagios',
      'nrpe_group=nagios',
      'dont_blame_nrpe=0',
      'allow_bash_command_substitution=0',
      'command_timeout=60',
      'connection_timeout=300',
      `include=${commandFile}`,
      '',
    ].join('\n'),
    { mode: 0o644 },
  );
  const daemon = startDaemon(NRPE, ['-c', cfg, '-f'], env ? { env } : {});
  const stop = daemon.stop;

  // Ready when check_nrpe without a command gets the daemon's version back.
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (daemon.exited()) throw new Error(`nrpe exited during start-up:\n${daemon.log()}`);
    const r = checkNrpe(port, null, 5);
    if (r.status === 0 && /NRPE/.test(r.stdout)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`nrpe on 127.0.0.1:${port} did not answer within 20 s: ${r.stdout}${r.stderr}\n${daemon.log()}`);
    }
    await new Promise((res) => setTimeout(res, 200));
  }
  return { port, log: daemon.log, stop };
}

/** The shipped command file with the Debian paths replaced by the test's. */
export function adaptCommands(text: string, pluginDir: string, stateDir: string, syslog: string): string {
  return text.replaceAll('/usr/lib/nagios/plugins/', `${pluginDir}/`).replaceAll('/var/lib/env-sync', stateDir).replaceAll('/var/log/syslog', syslog);
}

/** The command line the shipped file gives for a command name, adapted to the test's paths. */
export function commandLine(commands: string, name: string): string[] {
  const line = commands.split('\n').find((l) => l.startsWith(`command[${name}]=`));
  if (!line) throw new Error(`icinga-conf/nrpe/env_sync.cfg has no command[${name}]`);
  // The shipped lines quote with '...' only; split the way /bin/sh would for them.
  return [...line.slice(line.indexOf('=') + 1).matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}
