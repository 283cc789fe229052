// env-sync-run's --icinga-* options, apart from the code that posts, so the wrapper's start-up does
// not load https and the API client unless a run has a verdict to post.

/** The --icinga-* options of env-sync-run. */
export interface IcingaPostConfig {
  url: string;
  user: string;
  passwordFile: string;
  caFile?: string | undefined;
  /** Icinga host object name; default: this machine's host name. */
  host?: string | undefined;
  /** Icinga service name; default "env-sync <job>" (the name services.conf gives it). */
  service?: string | undefined;
  deadlineMs?: number | undefined;
}

/** yargs option definitions for env-sync-run (spread into .options()). */
export const icingaYargsOptions = {
  'icinga-url': { type: 'string', describe: 'Icinga 2 API base URL (https://host:5665): post the verdict as a passive result after each run' },
  'icinga-user': { type: 'string', describe: 'Icinga 2 ApiUser with permission actions/process-check-result' },
  'icinga-password-file': { type: 'string', describe: "File holding the ApiUser's password (never on the command line)" },
  'icinga-ca': { type: 'string', describe: "CA certificate of Icinga's API (the master's /var/lib/icinga2/certs/ca.crt)" },
  'icinga-host': { type: 'string', describe: 'Icinga host name of this machine (default: its host name)' },
  'icinga-service': { type: 'string', describe: 'Icinga service name (default: "env-sync <job>")' },
} as const;

/**
 * The posting configuration from parsed options: null when --icinga-url is absent; an Error naming
 * the missing option when it is incomplete (the wrapper reports it and runs the sync anyway).
 */
export function icingaConfigFromArgv(argv: Record<string, unknown>): IcingaPostConfig | null | Error {
  const s = (k: string): string | undefined => (typeof argv[k] === 'string' && argv[k] !== '' ? (argv[k] as string) : undefined);
  const url = s('icinga-url');
  if (!url) {
    const stray = ['icinga-user', 'icinga-password-file', 'icinga-ca', 'icinga-host', 'icinga-service'].filter((k) => s(k));
    return stray.length ? new Error(`--${stray[0]} needs --icinga-url (the Icinga 2 API base URL, e.g. https://icinga.example:5665)`) : null;
  }
  const user = s('icinga-user');
  if (!user) return new Error('--icinga-url needs --icinga-user (an ApiUser with permission actions/process-check-result)');
  const passwordFile = s('icinga-password-file');
  if (!passwordFile) return new Error("--icinga-url needs --icinga-password-file (a file with the ApiUser's password; never give it on the command line)");
  return { url, user, passwordFile, caFile: s('icinga-ca'), host: s('icinga-host'), service: s('icinga-service') };
}
