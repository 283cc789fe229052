// Icinga 2 downtimes through the API: scheduled for the services a pause (env-sync pause) or a run
// (env-sync-run --downtime-services) silences, and removed when the pause or the run ends. Every
// failure is a value, never thrown: the caller says it on stderr and syslog and goes on.
import { oneLine } from '../output/sanitize.js';
import { postAction, type ActionOutcome, type ApiTarget, type Attempt } from './passiveResult.js';
import type { ServiceRef } from '../common/serviceRef.js';

export type { ServiceRef };

/** Which services: one by its name, or every service of a host whose name matches a pattern (`env-sync *`). */
export type DowntimeTarget = ServiceRef | { host: string; servicePattern: string };

export interface DowntimeOutcome {
  ok: boolean;
  /** The downtimes made (their full names, `HOST!SERVICE!ID`), for their removal. */
  names: string[];
  /** One line for stderr and syslog. */
  message: string;
  warnings: string[];
}

const serviceWords = (t: DowntimeTarget) => ('service' in t ? `service "${t.host}!${t.service}"` : `services "${t.host}!${t.servicePattern}"`);

function describe(what: string, user: string, permission: string) {
  return (status: number, text: string): Attempt => {
    let parsed: { results?: Array<{ code?: number; status?: string }>; status?: string } | undefined;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const first = parsed?.results?.[0];
    const said = oneLine(String(first?.status ?? parsed?.status ?? ''), 300);
    const detail = said ? `: ${said}` : '';
    if (status >= 200 && status < 300) {
      const refused = parsed?.results?.find((r) => typeof r.code === 'number' && r.code >= 300);
      if (refused)
        return {
          ok: false,
          retry: (refused.code ?? 0) >= 500,
          httpStatus: refused.code!,
          message: `Icinga refused ${what}: ${oneLine(String(refused.status ?? refused.code), 300)}`,
        };
      return { ok: true, retry: false, httpStatus: status, message: `${what}: done` };
    }
    if (status === 401)
      return {
        ok: false,
        retry: false,
        httpStatus: status,
        message: `Icinga API rejected user "${user}" (401)${detail}: check --icinga-user and --icinga-password-file`,
      };
    if (status === 403)
      return {
        ok: false,
        retry: false,
        httpStatus: status,
        message: `Icinga API user "${user}" may not do ${what} (403)${detail}: grant "${permission}" in its ApiUser permissions`,
      };
    if (status === 404) return { ok: false, retry: false, httpStatus: status, message: `Icinga found nothing for ${what} (404)${detail}` };
    return { ok: false, retry: status === 429 || status >= 500, httpStatus: status, message: `Icinga API answered ${status} to ${what}${detail}` };
  };
}

function madeNames(o: ActionOutcome): string[] {
  const results = (o.data as { results?: Array<{ name?: unknown }> } | undefined)?.results;
  return Array.isArray(results) ? results.map((r) => r.name).filter((n): n is string => typeof n === 'string') : [];
}

/** Schedules one fixed downtime, from start to end, on each target. */
export async function scheduleDowntimes(
  api: ApiTarget,
  targets: readonly DowntimeTarget[],
  window: { start: Date; end: Date; author: string; comment: string },
): Promise<DowntimeOutcome> {
  const names: string[] = [];
  const failed: string[] = [];
  const warnings = new Set<string>();
  for (const t of targets) {
    const what = `a downtime for ${serviceWords(t)}`;
    const filter =
      'service' in t
        ? { filter: 'host.name==host_name && service.name==service_name', filter_vars: { host_name: t.host, service_name: t.service } }
        : { filter: 'host.name==host_name && match(pattern, service.name)', filter_vars: { host_name: t.host, pattern: t.servicePattern } };
    const o = await postAction(
      api,
      'schedule-downtime',
      {
        type: 'Service',
        ...filter,
        start_time: Math.floor(window.start.getTime() / 1000),
        end_time: Math.ceil(window.end.getTime() / 1000),
        fixed: true,
        author: window.author,
        comment: window.comment,
      },
      describe(what, api.user, 'actions/schedule-downtime'),
      `no downtime for ${serviceWords(t)}`,
    );
    for (const w of o.warnings) warnings.add(w);
    if (o.ok) names.push(...madeNames(o));
    else failed.push(o.message);
  }
  const message = failed.length ? failed.join('; ') : `downtime until ${window.end.toISOString()} for ${targets.map(serviceWords).join(', ')}`;
  return { ok: failed.length === 0, names, message, warnings: [...warnings] };
}

/** Removes downtimes by name; one that is already gone (ended, removed by hand) is no failure. */
export async function removeDowntimes(api: ApiTarget, names: readonly string[]): Promise<DowntimeOutcome> {
  const failed: string[] = [];
  const warnings = new Set<string>();
  for (const name of names) {
    const what = `the removal of downtime "${name}"`;
    const o = await postAction(
      api,
      'remove-downtime',
      { type: 'Downtime', downtime: name },
      describe(what, api.user, 'actions/remove-downtime'),
      `downtime "${name}" not removed`,
    );
    for (const w of o.warnings) warnings.add(w);
    if (!o.ok && o.httpStatus !== 404) failed.push(o.message);
  }
  return { ok: failed.length === 0, names: [], message: failed.length ? failed.join('; ') : `removed ${names.length} downtime(s)`, warnings: [...warnings] };
}
