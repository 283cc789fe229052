// env-sync-run's --icinga-* options, apart from the code that posts, so the wrapper's start-up does
// not load https and the API client unless a run has a verdict to post.
import type { IcingaOptionId, Values } from '../common/options.js';

/** The --icinga-* options of env-sync-run. */
export interface IcingaPostConfig {
  url: string;
  user: string;
  passwordFile: string;
  caFile?: string | undefined;
  /** Icinga host object name; default: this machine's host name. */
  host?: string | undefined;
  /** Icinga service name; default "env-sync <job>" (the name the apply rules of icinga-conf/icinga2/services-*.conf give it). */
  service?: string | undefined;
  deadlineMs?: number | undefined;
}

type IcingaValues = Partial<Pick<Values<'env-sync-run'>, IcingaOptionId>>;

/**
 * The posting configuration from the wrapper's options: null when --icinga-url is absent; an Error
 * naming the missing option when it is incomplete.
 */
export function icingaConfig(v: IcingaValues): IcingaPostConfig | null | Error {
  const s = (x: string | undefined) => (x === '' ? undefined : x);
  const url = s(v.icingaUrl);
  if (!url) {
    const stray = (
      [
        ['icinga-user', v.icingaUser],
        ['icinga-password-file', v.icingaPasswordFile],
        ['icinga-ca', v.icingaCa],
        ['icinga-host', v.icingaHost],
        ['icinga-service', v.icingaService],
      ] as const
    ).filter(([, x]) => s(x));
    return stray.length ? new Error(`--${stray[0]![0]} needs --icinga-url (the Icinga 2 API base URL, e.g. https://icinga.example:5665)`) : null;
  }
  const user = s(v.icingaUser);
  if (!user) return new Error('--icinga-url needs --icinga-user (an ApiUser with permission actions/process-check-result)');
  const passwordFile = s(v.icingaPasswordFile);
  if (!passwordFile) return new Error("--icinga-url needs --icinga-password-file (a file with the ApiUser's password; never give it on the command line)");
  return { url, user, passwordFile, caFile: s(v.icingaCa), host: s(v.icingaHost), service: s(v.icingaService) };
}
