#!/usr/bin/env node
/**
 * `npm run prepare`: the build, for installs from a git URL (npm runs `prepare` there, then
 * packs what it built). Prints nothing on stdout: `npm pack` prints the tarball's name
 * there, and pre-commit reads it (.npmrc also keeps npm's script banner off stdout).
 *
 * npm installs a git dependency's devDependencies before its `prepare`, except in
 * `npm install -g <git url>`: the global install's settings (npm_config_global,
 * npm_config_prefix) reach the nested `npm install` that pacote runs in the clone, which
 * then installs the clone itself globally instead of its devDependencies, and the build
 * fails with `tsc: not found` (npm/cli issue 8440, open). So:
 *   - run by that nested install (pacote marks it with _PACOTE_NO_PREPARE_, and the global
 *     setting leaked into it), this builds nothing and removes the link to the clone that
 *     the nested install just made in the global folder, where the real install puts the
 *     package next;
 *   - whenever the build tools are missing, this installs the locked devDependencies into
 *     the package folder first (npm ci, scripts off, the caller's cache and offline
 *     settings kept, the global ones dropped), then builds.
 */
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, realpathSync, rmSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(new URL('../package.json', import.meta.url));

/** Runs a command in the package root with its output on stderr; exits on failure. */
function run(cmd, args, env = process.env) {
  const r = spawnSync(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 2, 2] });
  if (r.status !== 0) {
    process.stderr.write(`kspec prepare: ${cmd} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`})\n`);
    process.exit(1);
  }
}

if (process.env._PACOTE_NO_PREPARE_ !== undefined && process.env.npm_config_global === 'true') {
  const prefix = process.env.npm_config_prefix ?? '';
  for (const link of [path.join(prefix, 'lib', 'node_modules', 'kspec'), path.join(prefix, 'node_modules', 'kspec')]) {
    try {
      if (lstatSync(link).isSymbolicLink() && realpathSync(link) === realpathSync(ROOT)) {
        rmSync(link);
        mkdirSync(link);
      }
    } catch {
      // not there: nothing to undo
    }
  }
  process.exit(0);
}

const missing = ['typescript/package.json', 'esbuild/package.json'].filter((m) => {
  try {
    require.resolve(m);
    return false;
  } catch {
    return true;
  }
});
if (missing.length > 0) {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^npm_config_(global|prefix|location|omit|only|production)$/i.test(k)),
  );
  process.stderr.write('kspec prepare: installing the build tools (devDependencies, from package-lock.json)\n');
  run('npm', ['ci', '--include=dev', '--ignore-scripts', '--no-audit', '--no-fund'], env);
}
run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json']);
run(process.execPath, ['scripts/build.mjs']);
