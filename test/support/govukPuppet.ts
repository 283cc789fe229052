// Where the tests find the real scripts from alphagov/govuk-puppet (never copied into the project):
// GOVUK_PUPPET_DIR; else ../shared/govuk-puppet beside the checkout; else a cache outside the
// checkout, fetched once from the pinned commit and checked against the recorded sha256 (a
// newcomer's machine has the network these build machines lack). Only when all three fail does a
// test stop, naming each.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const GOVUK_PUPPET_REPO = 'alphagov/govuk-puppet';
export const GOVUK_PUPPET_COMMIT = '0140ed1585ac1181ef6b838759cf1f139e3b4e4b';

/** The files the tests use: their path in the repository at the pinned commit, and their sha256 (../shared/govuk-puppet/SOURCE). */
export const GOVUK_PUPPET_FILES: Record<string, { path: string; sha256: string }> = {
  'govuk_env_sync.sh': { path: 'modules/govuk_env_sync/files/govuk_env_sync.sh', sha256: '3a66ffb9296d02899301fc1b003ee11615970128da104231e39b4fa2578d2fb1' },
  'with_reboot_lock.erb': {
    path: 'modules/govuk_unattended_reboot/templates/usr/local/bin/with_reboot_lock.erb',
    sha256: '6fedd2fe89493ab98a28bfbb7579d34da6e10f93633d4ae45419b78f432f8ff2',
  },
  // The defined type and its template, for the Puppet module's test (test/package/puppet.pkgtest.ts).
  'task.pp': { path: 'modules/govuk_env_sync/manifests/task.pp', sha256: '4e12bf4a56fd5a78d98cf58f9308b95a35d18cb762e57fadab3061722ba62372' },
  'govuk_env_sync_job.conf.erb': {
    path: 'modules/govuk_env_sync/templates/govuk_env_sync_job.conf.erb',
    sha256: 'feb3a70300a6de9f5a278558759dd5470659a40ff019f05d4626ad571d02c4c0',
  },
};

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const complete = (dir: string) => Object.keys(GOVUK_PUPPET_FILES).every((f) => existsSync(join(dir, f)));

/** The file's bytes from the repository at the pinned commit, or why not (curl, from GitHub's raw files). */
export function fetchWithCurl(path: string): Buffer | string {
  const url = `https://raw.githubusercontent.com/${GOVUK_PUPPET_REPO}/${GOVUK_PUPPET_COMMIT}/${path}`;
  const r = spawnSync('curl', ['-fsSL', '--max-time', '30', url], { maxBuffer: 4 * 1024 * 1024 });
  if (r.error) return `curl: ${r.error.message} (apt-get install -y curl)`;
  return r.status === 0 ? r.stdout : `curl ${url}: exit ${r.status}: ${String(r.stderr).trim()}`;
}

export interface Where {
  env: string | undefined;
  beside: string;
  cache: string;
  fetch: (path: string) => Buffer | string;
}

const DEFAULTS = (): Where => ({
  env: process.env.GOVUK_PUPPET_DIR,
  beside: join(fileURLToPath(new URL('../../../', import.meta.url)), '..', 'shared', 'govuk-puppet'),
  cache: join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'env-sync-checks', 'govuk-puppet', GOVUK_PUPPET_COMMIT),
  fetch: fetchWithCurl,
});

/** The directory holding the scripts, or an Error that says where each of the three places failed. */
export function govukPuppetDir(w: Where = DEFAULTS()): string {
  if (w.env) {
    if (complete(w.env)) return w.env;
    throw new Error(
      `GOVUK_PUPPET_DIR=${w.env} lacks ${Object.keys(GOVUK_PUPPET_FILES).join(' or ')}: point it at a directory holding the real scripts (see ../shared/govuk-puppet/SOURCE)`,
    );
  }
  if (complete(w.beside)) return w.beside;
  if (complete(w.cache)) return w.cache;
  const why: string[] = [];
  const tmp = `${w.cache}.part-${process.pid}`;
  mkdirSync(tmp, { recursive: true });
  try {
    for (const [name, f] of Object.entries(GOVUK_PUPPET_FILES)) {
      const got = w.fetch(f.path);
      if (typeof got === 'string') why.push(got);
      else if (sha256(got) !== f.sha256) why.push(`${f.path} at ${GOVUK_PUPPET_COMMIT} has sha256 ${sha256(got)}, not the recorded ${f.sha256}`);
      else writeFileSync(join(tmp, name), got);
    }
    if (why.length === 0) {
      rmSync(w.cache, { recursive: true, force: true });
      renameSync(tmp, w.cache);
      return w.cache;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  throw new Error(
    `the real scripts from ${GOVUK_PUPPET_REPO} are not here: GOVUK_PUPPET_DIR is not set; ${w.beside} does not hold them; fetching them at ${GOVUK_PUPPET_COMMIT} into ${w.cache} failed (${why.join('; ')})`,
  );
}

/** One of the scripts, read from wherever govukPuppetDir finds them. */
export function govukPuppetFile(name: keyof typeof GOVUK_PUPPET_FILES & string): Buffer {
  return readFileSync(join(govukPuppetDir(), name));
}
