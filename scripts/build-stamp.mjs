/**
 * The build's stamp: a hash of everything `npm run build` reads (tsc's sources and config,
 * the templates, the schema, the specs the code-cache run compiles, the build scripts, the
 * locked dependencies) and of the Node that ran it. scripts/build.mjs writes it as its last
 * step, so it exists only after a whole clean build (`npm run build` runs build.mjs only
 * when tsc succeeded). The test suite's global setup (test/global-setup.ts) rebuilds only
 * when the stamp differs: `npm ci` already built through `prepare`, and building the same
 * inputs again took 13 s of a suite that should run in 70.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Where build.mjs writes the stamp. */
export const STAMP = path.join('dist', 'build-inputs.sha256');

/** Folders of inputs (recursively), and what under them the build never reads. */
const TREES = ['src', 'templates', 'schema', 'specs'];
const SKIP = /^src\/targets\/[^/]+\/(?:test|golden)\//;
const FILES = ['package.json', 'package-lock.json', 'tsconfig.json', 'scripts/build.mjs', 'scripts/build-stamp.mjs', 'scripts/launcher.cjs', 'scripts/schema.mjs'];

/** The stamp of the build inputs under `root`, for this Node. */
export function buildStamp(root) {
  const files = [...FILES];
  for (const tree of TREES) {
    for (const f of readdirSync(path.join(root, tree), { recursive: true, withFileTypes: true })) {
      if (!f.isFile()) continue;
      const rel = path.relative(root, path.join(f.parentPath ?? f.path, f.name)).split(path.sep).join('/');
      if (!SKIP.test(rel)) files.push(rel);
    }
  }
  const hash = createHash('sha256').update(`${process.version} ${process.platform} ${process.arch}\n`);
  for (const rel of files.sort()) {
    const bytes = readFileSync(path.join(root, rel));
    hash.update(`${rel} ${bytes.length}\n`).update(bytes);
  }
  return hash.digest('hex');
}
