// env-sync-run --pushgateway: the job's run facts, the very text --textfile-dir writes, PUT to a
// Prometheus Pushgateway at the start and the end of a run (where no node_exporter reads a textfile
// directory: Kubernetes CronJobs). PUT replaces the whole group, so a fact the markers no longer hold
// (the start of a run that has ended) leaves it. A push is bounded in time and never throws: its
// failure is a warning, never a change of the sync's exit status. Loaded only by runs that push.
import type { IncomingMessage } from 'node:http';
import { oneLine } from '../output/sanitize.js';
import { LABEL_JOB } from './definitions.js';

export interface PushgatewayTarget {
  /** The base URL (http://pushgateway:9091, or with the path prefix of a proxy in front of it). */
  url: string;
  /** The group's instance label: the host's name unless given. */
  instance: string;
  /** Longest wait for one push: connecting, sending, the answer. */
  timeoutMs: number;
}

/** The group's job label: every env-sync job pushes under it, told apart by job_name and instance. */
export const PUSH_JOB = 'env_sync';

// A value the Pushgateway's router takes as it is: no `/`, nothing to escape, never `.` or `..`
// (a path cleaner would fold those away). Anything else goes in the @base64 form the Pushgateway
// documents (RFC 4648 URL-safe alphabet; `=` alone for the empty value).
const PLAIN = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** One label of the grouping key as a path: `name/value`, or `name@base64/…` for a value that is not plain. */
export function groupingSegment(label: string, value: string): string {
  if (PLAIN.test(value)) return `${label}/${value}`;
  return `${label}@base64/${value === '' ? '=' : Buffer.from(value, 'utf8').toString('base64url')}`;
}

/** The group of one job of one instance: /metrics/job/env_sync/instance/<instance>/job_name/<job>. */
export function groupPath(instance: string, job: string): string {
  return `/metrics/job/${PUSH_JOB}/${groupingSegment('instance', instance)}/${groupingSegment(LABEL_JOB, job)}`;
}

/** The URL a job's facts are PUT to: the base URL's path (a proxy's prefix) and then the group's. */
export function pushUrl(base: string, instance: string, job: string): URL {
  const u = new URL(base);
  u.pathname = `${u.pathname.replace(/\/+$/, '')}${groupPath(instance, job)}`;
  return u;
}

function networkWords(err: NodeJS.ErrnoException, u: URL): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return `connection refused by ${u.host}: is the Pushgateway running there? (--pushgateway)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `host ${u.hostname} not found (${err.code}); correct --pushgateway`;
    default:
      return `${err.code ? `${err.code}: ` : ''}${err.message}`;
  }
}

/**
 * PUTs `text` (Prometheus' text format) as the job's group. Resolves to null when the Pushgateway
 * took it, else to one line saying why not; never rejects, and is over within the target's timeout.
 */
export async function pushRunFacts(t: PushgatewayTarget, job: string, text: string): Promise<string | null> {
  const u = pushUrl(t.url, t.instance, job);
  const { request } = u.protocol === 'https:' ? await import('node:https') : await import('node:http');
  const body = Buffer.from(text, 'utf8');
  return new Promise((resolve) => {
    let done = false;
    const finish = (why: string | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      // The socket goes with the answer: no keep-alive to hold the wrapper's exit (agent: false).
      req.destroy();
      resolve(why);
    };
    const req = request(
      u,
      { method: 'PUT', agent: false, headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': body.length } },
      (res: IncomingMessage) => {
        let said = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (said.length < 512) said += chunk;
        });
        res.on('error', (err) => finish(networkWords(err, u)));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          finish(status >= 200 && status < 300 ? null : `the Pushgateway answered HTTP ${status}${said.trim() ? `: ${oneLine(said.trim(), 300)}` : ''}`);
        });
      },
    );
    // A Pushgateway that accepts the connection and never answers must not hold the wrapper: the
    // whole push, not just the connect, is bounded.
    const timer = setTimeout(() => finish(`no answer from ${u.host} within ${t.timeoutMs / 1000}s (--pushgateway-timeout)`), t.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => finish(networkWords(err, u)));
    req.end(body);
  });
}
