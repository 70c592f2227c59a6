#!/usr/bin/env node
/**
 * kspec's bin (copied to dist/kspec.cjs by scripts/build.mjs). Runs the bundled CLI
 * (dist/kspec-bundle.cjs) and the generated validator and templates with V8's code cache:
 * parsing and compiling that JavaScript is most of what kspec costs beyond Node's own
 * start, and a cache written by the build skips it. Node 20 has no module compile cache
 * (module.enableCompileCache arrived in Node 22), so this does it with vm.Script.
 *
 * The caches (dist/*.v8cache) are written at exit of a run at build time with
 * KSPEC_WRITE_CODE_CACHE=1, so they hold the functions a compile uses. V8 rejects a cache
 * made by another V8 version or for other source: the code is then compiled as usual,
 * which is only slower.
 */
'use strict';
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const vm = require('node:vm');

const scripts = [];

/** Loads one CommonJS file as Node would, with its code cache when there is a valid one. */
function load(file) {
  const cacheFile = `${file}.v8cache`;
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

for (const name of ['generated/validator.cjs', 'generated/templates.cjs']) {
  const file = path.join(__dirname, name);
  if (fs.existsSync(file)) load(file);
}
load(path.join(__dirname, 'kspec-bundle.cjs'));
