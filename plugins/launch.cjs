#!/usr/bin/env node
// The one launcher: plugins/check_env_sync, check_env_sync_all, check_env_sync_order, env-sync and
// env-sync-run are links to this file, and the name it was started by picks the bundle,
// dist/<name>.cjs, that `npm run build` writes. One small file and no module lookups: every
// millisecond of a plugin's start is paid every minute on every host.
//
// The bundle runs from V8's code cache, dist/<name>.cjs.cache, which the build saves from one run of
// each executable (what Node 22's module.enableCompileCache does; Node 20 has no such switch), which
// saves the compile on every start. V8 checks a cache against the source, its own version and its flags and
// ignores one that does not match, so a stale or foreign cache costs the compile, never a wrong program.
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { basename, join } = require('node:path');

// How each executable reports that it cannot run: plugins as UNKNOWN on stdout, the others on stderr.
const EXECUTABLES = {
  check_env_sync: 'plugin',
  check_env_sync_all: 'plugin',
  check_env_sync_order: 'plugin',
  'env-sync': 'cli',
  'env-sync-run': 'wrapper',
};

function fail(kind, message) {
  if (kind === 'plugin') {
    process.stdout.write(`ENV_SYNC UNKNOWN - ${message}\n`);
    process.exit(3);
  }
  process.stderr.write(`${message}\n`);
  process.exit(kind === 'wrapper' ? 125 : 2);
}

const name = basename(process.argv[1] || '');
const kind = EXECUTABLES[name];
if (!kind) {
  fail('cli', `env-sync-checks: cannot tell which executable ${JSON.stringify(name)} is: run it by one of its names (${Object.keys(EXECUTABLES).join(', ')}), or through a link with that name`);
}
const dist = join(__dirname, '..', 'dist');
const file = join(dist, `${name.replace(/-/g, '_')}.cjs`);
let source;
try {
  source = readFileSync(file, 'utf8');
} catch (err) {
  if (err && err.code === 'ENOENT') fail(kind, `${name} is not built: run npm run build in the env-sync-checks checkout (${file} is missing)`);
  throw err;
}
let cachedData;
try {
  cachedData = readFileSync(`${file}.cache`);
} catch {
  /* no cache: compile as usual */
}
const vm = require('node:vm');
const Module = require('node:module');
const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
if (process.env.ENV_SYNC_DEBUG_CODE_CACHE === '1') {
  process.stderr.write(`code cache: ${cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'used'}\n`);
}
if (process.env.ENV_SYNC_WRITE_CODE_CACHE === '1') {
  // The build's warm-up run: at exit the cache holds every function this run compiled.
  process.on('exit', () => {
    try {
      writeFileSync(`${file}.cache`, script.createCachedData());
    } catch (err) {
      // Never let the cache change what the executable said or its exit status.
      process.stderr.write(`code cache not written: ${err && err.message}\n`);
    }
  });
}
const bundle = { exports: {} };
script.runInThisContext()(bundle.exports, Module.createRequire(file), bundle, file, dist);
