#!/usr/bin/env node
/**
 * kspec's bin (copied to dist/kspec.cjs by scripts/build.mjs). Runs the bundled CLI
 * (dist/kspec-bundle.cjs) after the generated validator and templates, with compiled code
 * cached across runs: parsing and compiling that JavaScript is most of what kspec costs
 * beyond Node's own start.
 *
 *   - Node 22.1 and later: Node's own module compile cache (module.enableCompileCache(),
 *     in the OS temp folder, or NODE_COMPILE_CACHE; NODE_DISABLE_COMPILE_CACHE turns it
 *     off). The first run fills it, later runs of the same files skip compiling them.
 *   - Node 20, which has no compile cache: V8 code caches written by the build
 *     (dist/<file>.<V8 version>.v8cache), loaded with vm.Script. V8 accepts a cache only
 *     from its own version, so the launcher reads only the one named for its V8: a build
 *     on another Node line ships caches this one never reads, and the code is compiled as
 *     usual, which is only slower.
 *
 * The caches are written at exit of a run at build time with KSPEC_WRITE_CODE_CACHE=1
 * (which takes the vm.Script path on every line), so they hold the functions a compile
 * uses.
 */
'use strict';
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const vm = require('node:vm');

const scripts = [];

/** Loads one CommonJS file as Node would, with its code cache when there is a valid one. */
function load(file) {
  const cacheFile = `${file}.${process.versions.v8}.v8cache`;
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const source = fs.readFileSync(file, 'utf8').replace(/^#!.*/, '');
  const script = new vm.Script(Module.wrap(source), {
    filename: file,
    cachedData,
    importModuleDynamically: vm.constants && vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  scripts.push({ script, cacheFile });
  const m = new Module(file, module);
  m.filename = file;
  m.paths = Module._nodeModulePaths(path.dirname(file));
  // Registered before it runs, so require() of this file (the CLI loads the generated
  // modules by path) gets this instance.
  Module._cache[file] = m;
  script.runInThisContext()(m.exports, Module.createRequire(file), m, file, path.dirname(file));
  m.loaded = true;
  return m;
}

if (process.env.KSPEC_WRITE_CODE_CACHE) {
  process.on('exit', () => {
    for (const { script, cacheFile } of scripts) fs.writeFileSync(cacheFile, script.createCachedData());
  });
}

const writeCache = Boolean(process.env.KSPEC_WRITE_CODE_CACHE);
const compileCache = !writeCache && typeof Module.enableCompileCache === 'function';
if (compileCache) Module.enableCompileCache();

for (const name of ['generated/validator.cjs', 'generated/templates.cjs', 'kspec-bundle.cjs']) {
  const file = path.join(__dirname, name);
  if (name.startsWith('generated/') && !fs.existsSync(file)) continue;
  if (compileCache) require(file);
  else load(file);
}
