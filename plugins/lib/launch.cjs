// Loads an executable's bundle, dist/<name>.cjs, with V8's code cache for it when there is one.
//
// Compiling the bundle's functions costs a plugin about 3 ms of a 30 ms start, every minute on every
// host. `npm run build` runs each executable once and saves what V8 compiled in dist/<name>.cjs.cache
// (what Node 22's module.enableCompileCache does; Node 20 has no such switch). V8 checks the cache
// against the source, its own version and its flags and ignores one that does not match, so a stale
// or foreign cache costs the compile it would have cost anyway, never a wrong program.
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

module.exports = function launch(name, notBuilt) {
  const dist = join(__dirname, '..', '..', 'dist');
  const file = join(dist, `${name}.cjs`);
  let source;
  try {
    source = readFileSync(file, 'utf8');
  } catch (err) {
    if (err && err.code === 'ENOENT') return notBuilt(file);
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
    process.on('exit', () => writeFileSync(`${file}.cache`, script.createCachedData()));
  }
  const bundle = { exports: {} };
  script.runInThisContext()(bundle.exports, Module.createRequire(file), bundle, file, dist);
};
