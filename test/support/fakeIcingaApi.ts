// A stand-in for Icinga 2's process-check-result endpoint: https on 127.0.0.1 with a test CA,
// recording each request and answering with scripted status codes.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TestPki } from './tls.js';

export interface SeenRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

export interface FakeIcingaApi {
  port: number;
  seen: SeenRequest[];
  /** Status codes to answer with, in order; the last one repeats. */
  answers: number[];
  /** When set, the `status` text of every error answer (a hostile or broken server's words). */
  statusText?: string;
  close(): Promise<void>;
}

export async function startFakeIcingaApi(pki: TestPki): Promise<FakeIcingaApi> {
  const api: FakeIcingaApi = { port: 0, seen: [], answers: [200], close: async () => {} };
  const server: Server = createServer({ key: readFileSync(pki.serverKey), cert: readFileSync(pki.serverCert) }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      api.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: text ? JSON.parse(text) : undefined });
      const status = api.answers.length > 1 ? api.answers.shift()! : api.answers[0]!;
      res.writeHead(status, { 'Content-Type': 'application/json' });
      if (status === 200) {
        res.end(JSON.stringify({ results: [{ code: 200, status: 'Successfully processed check result.' }] }));
      } else if (api.statusText !== undefined) {
        res.end(JSON.stringify({ error: status, status: api.statusText }));
      } else if (status === 404) {
        res.end(JSON.stringify({ error: 404, status: 'No objects found.' }));
      } else {
        res.end(JSON.stringify({ error: status, status: 'Internal error' }));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  api.port = (server.address() as AddressInfo).port;
  api.close = () => new Promise<void>((r) => server.close(() => r()));
  return api;
}

/**
 * The wrapper's options that post its passive result to this API as user env-sync, trusting the
 * test CA; the password file ('pw') is written in `dir`, readable by root only, as the docs say.
 */
export function postingOptions(api: FakeIcingaApi, pki: TestPki, dir: string): string[] {
  const password = join(dir, 'icinga-password');
  writeFileSync(password, 'pw\n', { mode: 0o600 });
  return ['--icinga-url', `https://127.0.0.1:${api.port}`, '--icinga-user', 'env-sync', '--icinga-password-file', password, '--icinga-ca', pki.caCert];
}
