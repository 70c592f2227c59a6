#!/usr/bin/env node
/**
 * kspec's bin (copied to dist/kspec.cjs by scripts/build.mjs). Runs the bundled CLI
 * (dist/kspec-bundle.cjs) after the generated validator and templates, with compiled code
 * cached across runs: parsing and compiling that JavaScript is most of what kspec costs
 * beyond Node's own start.
 *
 * Each file is compiled with vm.Script and a V8 code cache, on every Node line:
 *
 *   1. the cache the build wrote beside the file (dist/<file>.<V8 version>.v8cache), which
 *      only a Node with the building Node's V8 accepts;
 *   2. else a cache this launcher wrote on an earlier run, in a folder of the current
 *      user's own (KSPEC_CACHE_DIR, else <temp>/kspec-code-cache-<uid>), named for the
 *      file's content (the hash the build recorded below), size, V8 version and the
 *      command (compile, validate, ...; `other` for the rest).
 *
 * When neither is accepted, the file is compiled as usual and its cache is written at
 * exit, after the run: V8 then includes the functions the run compiled lazily, which is
 * most of a command's code. So that a cache holds what its command runs, each command has
 * its own, and only a run that exits 0 writes one: a first `compile` that failed at its
 * first spec, or a `--version`, would otherwise leave a cache without the rendering code,
 * and every later compile would parse that code again (on Node 22, a compile cost 3.5x
 * `node -e 0` with such a cache against 2.2x with a compile's own).
 *
 * Node's own module compile cache (22.1+) is not used: it saves a module's cache right
 * after compiling it, before any of its functions ran, and one compile on Node 22 and 24
 * cost 2.3x and 2.2x `node -e 0` with it.
 *
 * The user folder is used only when it is a real directory owned by this user that no one
 * else can write to, and cache files are read without following symlinks, at most 16 MiB.
 * V8 checks a cache's version, flags and source length, not the source itself, so the name
 * carries a hash of the content: an edited or reinstalled bundle never meets an old cache.
 * KSPEC_NO_CODE_CACHE=1 (or NODE_DISABLE_COMPILE_CACHE) turns every cache off.
 *
 * With KSPEC_WRITE_CODE_CACHE=1 (the build's run over specs/) the caches are written beside
 * the files instead.
 */
'use strict';
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const vm = require('node:vm');

/** File -> sha256 prefix of its content, filled in by scripts/build.mjs. */
const BUILD = /*KSPEC_BUILD*/ {};
const V8 = process.versions.v8;
const MAX_CACHE = 16 << 20;
const writeShipped = Boolean(process.env.KSPEC_WRITE_CODE_CACHE);
const noCache = Boolean(process.env.KSPEC_NO_CODE_CACHE || process.env.NODE_DISABLE_COMPILE_CACHE);

const pending = [];

/** The command this run executes (its code cache's name), the first word that is one. */
const COMMANDS = new Set(['compile', 'validate', 'diff', 'explain', 'init', 'schema', 'outdated', 'workflow']);
const command = process.argv.slice(2).find((a) => !a.startsWith('-')) || '';
const commandKey = COMMANDS.has(command) ? command : 'other';

/** A regular file read without following a symlink, or undefined. */
function readCache(file) {
  let fd;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW || 0));
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.size > MAX_CACHE) return undefined;
    return fs.readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

let userDir;
/** The current user's cache folder, created private; undefined when it is not safe to use. */
function userCacheDir() {
  if (userDir !== undefined) return userDir || undefined;
  userDir = '';
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  // os.tmpdir() on POSIX, without loading the os module at every start.
  const tmp = process.platform === 'win32' ? require('node:os').tmpdir() : (process.env.TMPDIR || process.env.TMP || process.env.TEMP || '/tmp').replace(/(.)\/+$/, '$1');
  const dir = process.env.KSPEC_CACHE_DIR || path.join(tmp, `kspec-code-cache-${uid ?? 'user'}`);
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    if (!e || e.code !== 'EEXIST') return undefined;
  }
  try {
    const st = fs.lstatSync(dir);
    if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o022) !== 0) return undefined;
  } catch {
    return undefined;
  }
  userDir = dir;
  return dir;
}

/** Loads one CommonJS file as Node would, with a code cache when there is a valid one. */
function load(file, name) {
  const source = fs.readFileSync(file, 'utf8').replace(/^#!.*/, '');
  const shipped = `${file}.${V8}.v8cache`;
  const key = BUILD[name];
  let cachedData = noCache || writeShipped ? undefined : readCache(shipped);
  let userFile;
  if (!noCache && !writeShipped && cachedData === undefined && key) {
    const dir = userCacheDir();
    if (dir) {
      userFile = path.join(dir, `${path.basename(name)}-${key}-${source.length}-${V8}-${commandKey}.v8cache`);
      cachedData = readCache(userFile);
    }
  }
  const script = new vm.Script(Module.wrap(source), {
    filename: file,
    cachedData,
    importModuleDynamically: vm.constants && vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  if (writeShipped) pending.push({ script, to: shipped });
  else if (userFile && (cachedData === undefined || script.cachedDataRejected)) pending.push({ script, to: userFile });
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

process.on('exit', (code) => {
  for (const { script, to } of pending) {
    if (!writeShipped && code !== 0) break;
    if (writeShipped) {
      fs.writeFileSync(to, script.createCachedData());
      continue;
    }
    // Written whole then renamed, so a concurrent run reads the old cache or the new one.
    const tmp = `${to}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(tmp, script.createCachedData(), { flag: 'wx', mode: 0o600 });
      fs.renameSync(tmp, to);
    } catch {
      try {
        fs.unlinkSync(tmp);
      } catch {
        // nothing was written
      }
    }
  }
});

// The generated validator and templates are loaded when the CLI first requires them (by
// path), through a getter in require's cache: `--version` needs neither, validate no
// templates. The getter replaces itself with the module, as require would have cached it.
for (const name of ['generated/validator.cjs', 'generated/templates.cjs']) {
  const file = path.join(__dirname, name);
  Object.defineProperty(Module._cache, file, {
    configurable: true,
    enumerable: true,
    get() {
      delete Module._cache[file];
      return fs.existsSync(file) ? load(file, name) : undefined;
    },
  });
}
load(path.join(__dirname, 'kspec-bundle.cjs'), 'kspec-bundle.cjs');
