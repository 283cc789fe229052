import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GOVUK_PUPPET_FILES, govukPuppetDir } from './govukPuppet.js';

// Where the real scripts come from: GOVUK_PUPPET_DIR, else beside the checkout, else fetched at the
// pinned commit and checked against the recorded sha256, else a stop that names all three.
describe('finding the real govuk-puppet scripts', () => {
  let dir: string;
  const real = (name: string) => readFileSync(join(govukPuppetDir(), name));
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'env-sync-govuk-puppet-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const byPath = (f: (name: string) => Buffer | string) => (path: string) => f(Object.entries(GOVUK_PUPPET_FILES).find(([, v]) => v.path === path)![0]);

  it('takes the directory beside the checkout when it holds them, and fetches nothing', () => {
    const beside = join(dir, 'shared');
    mkdirSync(beside);
    for (const n of Object.keys(GOVUK_PUPPET_FILES)) writeFileSync(join(beside, n), real(n));
    expect(govukPuppetDir({ env: undefined, beside, cache: join(dir, 'cache'), fetch: () => 'must not fetch' })).to.equal(beside);
  });

  it('fetches into the cache what matches the recorded sha256, once', () => {
    let fetched = 0;
    const w = { env: undefined, beside: join(dir, 'none'), cache: join(dir, 'cache'), fetch: byPath((n) => (fetched++, real(n))) };
    expect(govukPuppetDir(w)).to.equal(w.cache);
    expect(govukPuppetDir(w)).to.equal(w.cache);
    expect(fetched).to.equal(Object.keys(GOVUK_PUPPET_FILES).length);
  });

  it('refuses a fetched file whose sha256 differs, and stops naming the three places', () => {
    const w = { env: undefined, beside: join(dir, 'none'), cache: join(dir, 'cache'), fetch: () => Buffer.from('#!/bin/sh\necho not the script\n') };
    expect(() => govukPuppetDir(w)).to.throw(
      /GOVUK_PUPPET_DIR is not set; .*none does not hold them; fetching them at 0140ed1\w+ into .*cache failed \(.*has sha256 \w+, not the recorded 3a66ffb9/,
    );
    const each = Object.keys(GOVUK_PUPPET_FILES).map(() => 'curl: no network');
    expect(() => govukPuppetDir({ ...w, fetch: () => 'curl: no network' })).to.throw(`failed (${each.join('; ')})`);
  });

  it('says what GOVUK_PUPPET_DIR lacks', () => {
    expect(() => govukPuppetDir({ env: dir, beside: join(dir, 'none'), cache: join(dir, 'cache'), fetch: () => 'x' })).to.throw(
      /GOVUK_PUPPET_DIR=.* lacks govuk_env_sync\.sh or with_reboot_lock\.erb/,
    );
  });
});
