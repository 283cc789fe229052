// Where things are on a Debian host unless an option or environment variable says otherwise.
export const DEFAULT_STATE_DIR = '/var/lib/env-sync';
export const DEFAULT_SYSLOG = '/var/log/syslog';
export const DEFAULT_BOOT_ID_FILE = '/proc/sys/kernel/random/boot_id';
export const DEFAULT_REBOOT_LOCK_DIR = '/etc/unattended-reboot/no-reboot';
export const HISTORY_LIMIT = 50;
export const OUTPUT_TAIL_LINES = 20;
export const OUTPUT_TAIL_LINE_BYTES = 512;

export function stateDirFrom(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return option ?? env.ENV_SYNC_STATE_DIR ?? DEFAULT_STATE_DIR;
}

export function syslogFrom(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return option ?? env.ENV_SYNC_SYSLOG ?? DEFAULT_SYSLOG;
}
