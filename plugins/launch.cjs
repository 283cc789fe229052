#!/usr/bin/env node
// The one launcher: plugins/check_env_sync, check_env_sync_all, check_env_sync_order, env-sync and
// env-sync-run are links to this file, and the name it was started by picks the bundle,
// dist/<name>.cjs, that `npm run build` writes. One small file and no module lookups: every
// millisecond of a plugin's start is paid every minute on every host.
//
// The bundle runs from V8's code cache, which the build saves from one run of each executable (what
// Node 22's module.enableCompileCache does; Node 20 has no such switch), which saves the compile on
// every start. A cache fits one V8 on one architecture, so its name carries both,
// dist/<name>.cjs.<process.versions.v8>-<process.arch>.cache, and each Node a host may have finds its
// own. V8 checks a cache against the source, its own version and its flags and ignores one that does
// not match, so a stale or foreign cache costs the compile, never a wrong program.
//
// A cache is code that V8 runs without looking at the source again, so it is loaded only from a file
// and a directory that nobody but root and the bundle's owner can have written: one that the nagios
// user or a sync job's user could write must never run as root (`env-sync rerun --exec`). Anything
// else is ignored as a missing cache would be, and ENV_SYNC_DEBUG_CODE_CACHE=1 says why on stderr.
'use strict';
const { closeSync, constants, fstatSync, openSync, readFileSync, statSync, writeFileSync } = require('node:fs');
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
  fail(
    'cli',
    `env-sync-checks: cannot tell which executable ${JSON.stringify(name)} is: run it by one of its names (${Object.keys(EXECUTABLES).join(', ')}), or through a link with that name`,
  );
}
const dist = join(__dirname, '..', 'dist');
const file = join(dist, `${name.replace(/-/g, '_')}.cjs`);
let fd;
try {
  fd = openSync(file, 'r');
} catch (err) {
  if (err && err.code === 'ENOENT') fail(kind, `${name} is not built: run npm run build in the env-sync-checks checkout (${file} is missing)`);
  throw err;
}
const owner = fstatSync(fd).uid;
const source = readFileSync(fd, 'utf8');
closeSync(fd);

const cacheFile = `${file}.${process.versions.v8}-${process.arch}.cache`;
// Why a file or directory could hold code from someone other than root or the bundle's owner, or null.
function untrusted(what, st) {
  if (st.uid !== 0 && st.uid !== owner) return `the ${what} is owned by uid ${st.uid}, not root or the bundle's owner (uid ${owner})`;
  if (st.mode & 0o022) return `the ${what} is writable by group or others (mode ${(st.mode & 0o7777).toString(8)})`;
  return null;
}
// The cache, or why there is none to use: read from the descriptor whose owner and mode were checked.
function readCache() {
  let cfd;
  try {
    cfd = openSync(cacheFile, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = err && err.code;
    return { why: code === 'ENOENT' ? 'none' : code === 'ELOOP' ? 'untrusted: the file is a symbolic link' : `unreadable: ${code}` };
  }
  try {
    const st = fstatSync(cfd);
    const bad = st.isFile() ? (untrusted('file', st) ?? untrusted('directory', statSync(dist))) : 'the file is not a regular file';
    return bad ? { why: `untrusted: ${bad}` } : { data: readFileSync(cfd) };
  } catch (err) {
    return { why: `unreadable: ${err && err.code}` };
  } finally {
    closeSync(cfd);
  }
}
const cache = readCache();
const vm = require('node:vm');
const Module = require('node:module');
const script = new vm.Script(Module.wrap(source), { filename: file, cachedData: cache.data });
if (process.env.ENV_SYNC_DEBUG_CODE_CACHE === '1') {
  const state = cache.data === undefined ? cache.why : script.cachedDataRejected ? 'rejected' : 'used';
  process.stderr.write(`code cache: ${state} [Node ${process.version}, ${cacheFile}]\n`);
}
if (process.env.ENV_SYNC_WRITE_CODE_CACHE === '1') {
  // The build's warm-up run: at exit the cache holds every function this run compiled.
  process.on('exit', () => {
    try {
      writeFileSync(cacheFile, script.createCachedData(), { mode: 0o644 });
    } catch (err) {
      // Never let the cache change what the executable said or its exit status.
      process.stderr.write(`code cache not written: ${err && err.message}\n`);
    }
  });
}
const bundle = { exports: {} };
script.runInThisContext()(bundle.exports, Module.createRequire(file), bundle, file, dist);
