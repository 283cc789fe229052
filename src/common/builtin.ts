// Built-in modules that only some runs need, loaded at their first use rather than at start-up: a
// plugin starts every minute on every host, and test/bin/startup.test.ts pins what each one loads.
//
// Through require, not process.getBuiltinModule, which Node 18.19 (the floor: Debian 12, Ubuntu
// 24.04) does not have. In the bundles (CommonJS, scripts/bundle.mjs) import.meta.url is the bundle's
// own URL; a `node:` name never resolves to a file, whatever the base.
import { createRequire } from 'node:module';

interface Builtins {
  'node:os': typeof import('node:os');
  'node:child_process': typeof import('node:child_process');
}

let load: NodeRequire | undefined;

export function builtin<K extends keyof Builtins>(id: K): Builtins[K] {
  load ??= createRequire(import.meta.url);
  return load(id) as Builtins[K];
}
