// Posts a passive check result to Icinga 2's REST API (/v1/actions/process-check-result).
// Used by env-sync-run at the end of a run. It must never make the sync worse: every failure
// is returned as a value (never thrown), and the whole attempt is bounded by a time budget.
import { readBounded, ReadProblem } from '../common/boundedRead.js';
import { oneLine } from '../output/sanitize.js';
import { request } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { State } from '../common/states.js';

export interface PassiveResultOptions {
  /** Base URL of the Icinga 2 API, e.g. https://icinga.example:5665 (a full .../process-check-result URL is accepted too). */
  url: string;
  user: string;
  /** File holding the ApiUser's password (first line). Secrets never travel on the command line. */
  passwordFile: string;
  /** CA certificate that signed Icinga's API certificate; system CAs when absent. TLS is always verified. */
  caFile?: string | undefined;
  host: string;
  service: string;
  exitStatus: State;
  /** First line is the summary, the rest long output (no perfdata in it: see splitPluginOutput). */
  pluginOutput: string;
  performanceData?: string[] | undefined;
  checkSource?: string | undefined;
  /** Unix time in seconds. */
  executionStart?: number | undefined;
  executionEnd?: number | undefined;
  /** Total time budget for all attempts, default 30 s. */
  deadlineMs?: number | undefined;
  /** First back-off delay, doubled after each failed attempt (default 1 s, capped at 8 s). */
  initialBackoffMs?: number | undefined;
  /** Timeout of one HTTP request (default 10 s, never beyond the budget left). */
  requestTimeoutMs?: number | undefined;
  /** The clock the budget is kept by, and the pause between attempts (tests pass their own). */
  clock?: { now(): number; sleep(ms: number): Promise<void> } | undefined;
}

export interface PassiveResultOutcome {
  ok: boolean;
  attempts: number;
  /** HTTP status of the last response, when there was one. */
  httpStatus?: number;
  /** One line for stderr and syslog: what happened and, on failure, what to fix. */
  message: string;
  /** Non-fatal findings (e.g. a world-readable password file). */
  warnings: string[];
}

const DEFAULT_DEADLINE_MS = 30_000;
const DEFAULT_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 8_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

// TLS verification failures: retrying cannot help, the configuration is wrong.
const TLS_ERROR_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

class Permanent extends Error {}

/** One request's outcome, as a describer reads the API's answer. */
export interface Attempt {
  ok: boolean;
  retry: boolean;
  httpStatus?: number;
  message: string;
  /** The answer's JSON, for callers that need what it says (the names of downtimes made). */
  data?: unknown;
}

/** The endpoint of an action for the base URL given on the command line (a full /v1/actions/… URL names its base too). */
function actionUrl(base: string, action: string): URL {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new Permanent(`--icinga-url ${JSON.stringify(base)} is not a URL: give the API's base URL, e.g. https://icinga.example:5665`);
  }
  if (url.protocol !== 'https:') {
    throw new Permanent(`--icinga-url ${base} must use https: (the API password would travel in clear text)`);
  }
  url.pathname = `${url.pathname.replace(/\/v1\/actions\/[a-z-]+\/?$/, '').replace(/\/+$/, '')}/v1/actions/${action}`;
  return url;
}

function readPassword(file: string, warnings: string[]): string {
  let bytes: Buffer | null;
  try {
    bytes = readBounded(file, {
      maxBytes: 4096,
      inspect: (st) => {
        if ((st.mode & 0o004) !== 0) warnings.push(`password file ${file} is readable by every user: chmod 0640 ${file} (owner root, group of the job's user)`);
      },
    });
  } catch (err) {
    if (err instanceof ReadProblem && err.code === 'denied')
      throw new Permanent(`--icinga-password-file ${file} is not readable by this user: make it readable by the job's user (e.g. chgrp and chmod 0640)`);
    throw new Permanent(`--icinga-password-file ${file} cannot be read: ${(err as Error).message}`);
  }
  if (bytes === null) throw new Permanent(`--icinga-password-file ${file} does not exist: create it with the ApiUser's password on its first line`);
  const text = bytes.toString('utf8');
  const password = text.split(/\r?\n/, 1)[0] ?? '';
  if (password === '') throw new Permanent(`--icinga-password-file ${file} is empty: put the ApiUser's password on its first line`);
  return password;
}

function readCa(file: string): Buffer {
  let why: string;
  try {
    const ca = readBounded(file, { maxBytes: 1024 * 1024 });
    if (ca) return ca;
    why = 'does not exist';
  } catch (err) {
    why = err instanceof ReadProblem ? (err.code === 'denied' ? 'is not readable by this user' : err.problem) : (err as Error).message;
  }
  throw new Permanent(`--icinga-ca ${file} ${why}: copy the Icinga CA certificate (/var/lib/icinga2/certs/ca.crt on the master) there`);
}

/** Builds the JSON body Icinga 2 expects. The filter uses filter_vars so names need no escaping. */
function checkResultBody(o: PassiveResultOptions): Record<string, unknown> {
  const body: Record<string, unknown> = {
    type: 'Service',
    filter: 'host.name==host_name && service.name==service_name',
    filter_vars: { host_name: o.host, service_name: o.service },
    exit_status: o.exitStatus,
    plugin_output: o.pluginOutput,
    performance_data: o.performanceData ?? [],
  };
  if (o.checkSource !== undefined) body['check_source'] = o.checkSource;
  if (o.executionStart !== undefined) body['execution_start'] = o.executionStart;
  if (o.executionEnd !== undefined) body['execution_end'] = o.executionEnd;
  return body;
}

/** The longest piece of the API's reply repeated in a message. */
const MAX_SERVER_TEXT_BYTES = 300;

/** Text from the API's reply as a message may repeat it: no control, escape or bidi character, one line, bounded. */
function serverText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return oneLine(typeof value === 'string' ? value : JSON.stringify(value), MAX_SERVER_TEXT_BYTES) || undefined;
}

function describeCheckResult(status: number, text: string, o: PassiveResultOptions): Attempt {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const results = (parsed as { results?: Array<{ code?: number; status?: string }> } | undefined)?.results;
  const first = Array.isArray(results) ? results[0] : undefined;
  // The server's words go to stderr and syslog: any text, cleaned and bounded like plugin output.
  const apiStatus = serverText(first?.status ?? (parsed as { status?: string } | undefined)?.status);
  const target = `service "${o.service}" on host "${o.host}"`;
  if (status >= 200 && status < 300) {
    if (first && typeof first.code === 'number' && first.code >= 300) {
      return {
        ok: false,
        retry: first.code >= 500,
        httpStatus: first.code,
        message: `Icinga refused the result for ${target}: ${serverText(first.status) ?? first.code}`,
      };
    }
    return { ok: true, retry: false, httpStatus: status, message: `posted ${['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'][o.exitStatus]} to ${target}` };
  }
  const detail = apiStatus ? `: ${apiStatus}` : '';
  if (status === 401) {
    return {
      ok: false,
      retry: false,
      httpStatus: status,
      message: `Icinga API rejected user "${o.user}" (401)${detail}: check --icinga-user and the password in --icinga-password-file`,
    };
  }
  if (status === 403) {
    return {
      ok: false,
      retry: false,
      httpStatus: status,
      message: `Icinga API user "${o.user}" may not submit results (403)${detail}: grant "actions/process-check-result" in its ApiUser permissions`,
    };
  }
  if (status === 404) {
    return {
      ok: false,
      retry: false,
      httpStatus: status,
      message: `Icinga has no ${target} (404)${detail}: check --icinga-host/--icinga-service against the service created by the apply rule`,
    };
  }
  if (status === 429 || status >= 500) {
    return { ok: false, retry: true, httpStatus: status, message: `Icinga API answered ${status}${detail}` };
  }
  return { ok: false, retry: false, httpStatus: status, message: `Icinga API answered ${status}${detail}` };
}

/** How an action's answer (HTTP status, body) reads. */
export type DescribeAnswer = (status: number, text: string) => Attempt;

function postOnce(url: URL, auth: string, ca: Buffer | undefined, body: string, timeoutMs: number, describe: DescribeAnswer): Promise<Attempt> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (a: Attempt): void => {
      if (!settled) {
        settled = true;
        // Every message may carry the server's words (its reply, its certificate's names in a TLS error).
        resolve({ ...a, message: oneLine(a.message, 2000) });
      }
    };
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          Accept: 'application/json',
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(body),
          Authorization: `Basic ${auth}`,
        },
        ...(ca ? { ca } : {}),
        rejectUnauthorized: true,
        timeout: timeoutMs,
        agent: false,
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          if (chunks.length < 64) chunks.push(c);
        });
        res.on('end', () => done(describeResponse(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), describe)));
        res.on('error', (err) => done({ ok: false, retry: true, message: `reading the Icinga API's answer failed: ${err.message}` }));
      },
    );
    req.on('timeout', () => {
      req.destroy(new Error(`no answer within ${Math.round(timeoutMs / 100) / 10}s`));
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? '';
      if (TLS_ERROR_CODES.has(code) || /certificate|self.signed|SSL routines/i.test(err.message)) {
        done({
          ok: false,
          retry: false,
          message: `TLS verification of ${url.origin} failed (${code || err.message}): is --icinga-ca the CA that signed Icinga's API certificate (/var/lib/icinga2/certs/ca.crt on the master), and does the URL's host name match the certificate?`,
        });
        return;
      }
      done({ ok: false, retry: true, message: `cannot reach ${url.origin}: ${code ? code + ' ' : ''}${err.message}` });
    });
    req.end(body);
  });
}

function describeResponse(status: number, text: string, describe: DescribeAnswer): Attempt {
  const a = describe(status, text);
  if (a.data !== undefined) return a;
  try {
    return { ...a, data: JSON.parse(text) };
  } catch {
    return a;
  }
}

const REAL_CLOCK = { now: () => Date.now(), sleep: (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms)) };

/** Where the API is and how to reach it: every action's settings. */
export type ApiTarget = Pick<
  PassiveResultOptions,
  'url' | 'user' | 'passwordFile' | 'caFile' | 'deadlineMs' | 'initialBackoffMs' | 'requestTimeoutMs' | 'clock'
>;

export interface ActionOutcome extends PassiveResultOutcome {
  /** The answer's JSON, when it had one. */
  data?: unknown;
}

/**
 * Posts one action (`process-check-result`, `schedule-downtime` …) to the API, retrying transient
 * failures with exponential back-off inside the time budget. Never throws; a failure's message starts
 * with `notDone` (`passive result not posted`).
 */
export async function postAction(
  t: ApiTarget,
  action: string,
  payload: Record<string, unknown>,
  describe: DescribeAnswer,
  notDone: string,
): Promise<ActionOutcome> {
  const warnings: string[] = [];
  const clock = t.clock ?? REAL_CLOCK;
  const started = clock.now();
  const budget = t.deadlineMs ?? DEFAULT_DEADLINE_MS;
  let attempts = 0;
  try {
    const url = actionUrl(t.url, action);
    const password = readPassword(t.passwordFile, warnings);
    const ca = t.caFile ? readCa(t.caFile) : undefined;
    const auth = Buffer.from(`${t.user}:${password}`, 'utf8').toString('base64');
    const body = JSON.stringify(payload);
    let backoff = t.initialBackoffMs ?? DEFAULT_BACKOFF_MS;
    let last: Attempt | undefined;
    for (;;) {
      const left = budget - (clock.now() - started);
      if (left <= 0) break;
      attempts++;
      last = await postOnce(url, auth, ca, body, Math.min(t.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, left), describe);
      if (last.ok)
        return { ok: true, attempts, httpStatus: last.httpStatus, message: last.message, warnings, ...(last.data !== undefined ? { data: last.data } : {}) };
      if (!last.retry) break;
      const wait = Math.min(backoff, budget - (clock.now() - started));
      if (wait <= 0) break;
      await clock.sleep(wait);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
    const gaveUp = last?.retry ? ` (gave up after ${attempts} attempt${attempts === 1 ? '' : 's'} in ${Math.round((clock.now() - started) / 1000)}s)` : '';
    return {
      ok: false,
      attempts,
      ...(last?.httpStatus !== undefined ? { httpStatus: last.httpStatus } : {}),
      message: `${notDone}: ${last?.message ?? 'no time left to try'}${gaveUp}`,
      warnings,
    };
  } catch (err) {
    const message = err instanceof Permanent ? err.message : `unexpected error: ${(err as Error)?.message ?? String(err)}`;
    return { ok: false, attempts, message: `${notDone}: ${message}`, warnings };
  }
}

/** Posts the result, retrying transient failures with exponential back-off inside the time budget. Never throws. */
export async function postCheckResult(o: PassiveResultOptions): Promise<PassiveResultOutcome> {
  const { data: _data, ...outcome } = await postAction(
    o,
    'process-check-result',
    checkResultBody(o),
    (status, text) => describeCheckResult(status, text, o),
    'passive result not posted',
  );
  return outcome;
}

/**
 * Splits a plugin's text ("SUMMARY | perf\nlong output\n| more perf") into the plugin_output and
 * performance_data Icinga's API wants, so the posted result reads like the active check's.
 */
export function splitPluginOutput(text: string): { pluginOutput: string; performanceData: string[] } {
  const lines = text.replace(/\n+$/, '').split('\n');
  const perf: string[] = [];
  const out: string[] = [];
  let inPerfTail = false;
  lines.forEach((line, i) => {
    if (inPerfTail) {
      perf.push(line);
      return;
    }
    const bar = line.indexOf('|');
    if (bar < 0) {
      out.push(line);
      return;
    }
    const before = line.slice(0, bar).replace(/\s+$/, '');
    if (i === 0 || before !== '') out.push(before);
    perf.push(line.slice(bar + 1));
    if (i > 0) inPerfTail = true;
  });
  return { pluginOutput: out.join('\n'), performanceData: perf.flatMap(splitPerfData) };
}

/** Splits a perfdata string into its items; labels may be quoted and contain spaces. */
function splitPerfData(s: string): string[] {
  const items: string[] = [];
  const re = /\s*('(?:[^']|'')*'|[^\s=]+)=(\S*)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) items.push(`${m[1]}=${m[2]}`);
  return items;
}
