#!/usr/bin/env node
/**
 * The second half of `npm run build`, after tsc has written dist/. Generates what the CLI
 * would otherwise compute at every start:
 *
 *   dist/generated/validator.cjs  the schema as Ajv standalone code (compiling the schema
 *                                 at run time costs ~10x Node's own start-up), its default
 *                                 export, and the validators of free-map entries by pointer
 *   dist/generated/templates.cjs  every templates/**\/*.hbs, precompiled for the Handlebars
 *                                 runtime: the templates, and apart from them the shared
 *                                 partials of templates/_partials/ (found generically by
 *                                 src/render.ts's findTemplates: a new target's templates
 *                                 or a new partial are picked up without touching this script)
 *   dist/kspec-bundle.cjs         the CLI bundled into one CommonJS file: one module to load
 *                                 instead of ~150 files of dependencies
 *   dist/kspec.cjs                the package's bin (scripts/launcher.cjs): runs the bundle
 *                                 and the generated modules with V8 code caches
 *   dist/*.<V8>.v8cache           those caches, written by a compile of specs/ at the end,
 *                                 named for the building Node's V8 (only that V8 accepts
 *                                 them; on other lines the launcher writes its own in the
 *                                 user's cache folder at the first run)
 *   dist/build-inputs.sha256      the stamp of the inputs this build read (see
 *                                 scripts/build-stamp.mjs), written last
 *   dist/kspec-api.mjs            the library API (src/api.ts) bundled into one ES module,
 *                                 what `import ... from 'kspec'` loads (package.json
 *                                 `exports`; its types are tsc's dist/api.d.ts)
 *
 * The bundles inline every package kspec runs with, so the installed package has no
 * dependencies (package.json lists them all as devDependencies).
 *
 * It starts by refusing a stale schema/kspec.schema.json: that file is assembled from
 * src/schema/common.json and the targets' fragments by `npm run schema` (scripts/schema.mjs)
 * and committed, and the build compiles the committed file.
 *
 * Options and the Ajv/Handlebars set-up come from the freshly built modules, so the
 * precompiled artifacts cannot drift from the run-time fallback. Output is deterministic.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { STAMP, buildStamp } from './build-stamp.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = path.join(ROOT, 'dist');
const GENERATED = path.join(DIST, 'generated');
const require = createRequire(import.meta.url);

const { createAjv, loadSchema, freeMapPointers } = await import(path.join(DIST, 'validate.js'));
const { TEMPLATES_DIR, PARTIALS_DIR, TEMPLATE_OPTIONS, findTemplates } = await import(path.join(DIST, 'render.js'));

const behind = await (await import('./schema.mjs')).stale();
if (behind.length > 0) {
  console.error(`build: ${behind.join(', ')} ${behind.length === 1 ? 'is' : 'are'} stale (the schema's sources changed): run npm run schema, and commit the result`);
  process.exit(1);
}

mkdirSync(GENERATED, { recursive: true });
rmSync(path.join(ROOT, STAMP), { force: true });
removeStale();

/**
 * tsc never deletes: a module removed from src/ would stay in dist/ and be published. Its
 * output (and anything else that is not a build product: dist/kspec.js of older builds)
 * goes; dist/ itself is not wiped, because `npm pack` runs this build while other tests
 * use dist/.
 */
function removeStale() {
  for (const f of readdirSync(DIST, { recursive: true }).map(String)) {
    if (!/\.(js|d\.ts)$/.test(f) || f.startsWith(`generated${path.sep}`)) continue;
    if (!existsSync(path.join(ROOT, 'src', f.replace(/\.(js|d\.ts)$/, '.ts')))) rmSync(path.join(DIST, f));
  }
}

// Ajv standalone code is CommonJS: it `require`s Ajv's small runtime helpers (e.g.
// ucs2length), which resolve from the installed `ajv` dependency.
async function buildValidator() {
  const standaloneCode = require('ajv/dist/standalone').default;
  const ajv = await createAjv({ code: { source: true } });
  const schema = loadSchema();
  ajv.compile(schema);
  // The whole schema's validator as the default export, and beside it one for each schema
  // object of a free map's entries (keys and values, by JSON pointer: freeMapPointers in
  // src/validate.ts), with which validate checks a map of many entries one entry at a time.
  const exports = { default: schema.$id };
  for (const p of freeMapPointers(schema)) exports[p] = `${schema.$id}#${p}`;
  await writeMinified('validator.cjs', 'schema/kspec.schema.json', standaloneCode(ajv, exports));
}

/**
 * Minified and self-contained (Ajv's runtime helpers bundled in): ~half the bytes for
 * V8 to parse at every start, and nothing to resolve in node_modules.
 */
async function writeMinified(name, from, code) {
  const esbuild = await import('esbuild');
  const r = await esbuild.build({
    stdin: { contents: code, resolveDir: ROOT, sourcefile: name, loader: 'js' },
    bundle: true,
    write: false,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const header = `// Generated by scripts/build.mjs from ${from}. Do not edit.\n`;
  writeFileSync(path.join(GENERATED, name), header + r.outputFiles[0].text);
}

/**
 * `{ templates, partials }`, each name -> precompiled spec, in sorted order. A partial is
 * kept apart so that no target can plan it as a file; the runtime registers each one.
 */
async function buildTemplates() {
  const Handlebars = require('handlebars');
  const { templates, partials } = findTemplates(TEMPLATES_DIR);
  const table = (names, dir) =>
    names.map((name) => {
      const spec = Handlebars.precompile(readFileSync(path.join(dir, `${name}.hbs`), 'utf8'), TEMPLATE_OPTIONS);
      return `    ${JSON.stringify(name)}: ${spec},\n`;
    });
  const code =
    `'use strict';\nmodule.exports = {\n` +
    `  templates: {\n${table(templates, TEMPLATES_DIR).join('')}  },\n` +
    `  partials: {\n${table(partials, path.join(TEMPLATES_DIR, PARTIALS_DIR)).join('')}  },\n};\n`;
  await writeMinified('templates.cjs', 'templates/', code);
}

/**
 * The bundle. Ajv's compiler and the full Handlebars stay external: they are only loaded
 * when a precompiled artifact is missing, which never happens in a built package.
 */
async function buildBundle() {
  const esbuild = await import('esbuild');
  const startup = {
    name: 'kspec-startup',
    setup(build) {
      // Only the run-time fallbacks use Ajv's compiler and the full Handlebars.
      build.onResolve({ filter: /^(ajv|handlebars)$/ }, (args) => ({ path: args.path, external: true }));
      // yaml's ES module build (the one it serves browsers; the same code) can be
      // tree-shaken, and loads in about half the time of its CommonJS build (~10 ms).
      // It differs only in warning through console.warn and in decoding !!binary, which
      // the strict YAML 1.2 core schema kspec parses with never does.
      build.onResolve({ filter: /^yaml$/ }, () => ({ path: path.join(ROOT, 'node_modules', 'yaml', 'browser', 'index.js') }));
      // Built-in modules that only some commands call, loaded on first use instead of at
      // start: child_process (~9 ms with the assert module it pulls in) is for commander's
      // executable subcommands, which kspec has none of, for git in `extends` and for
      // `kspec diff`; crypto (~9 ms) hashes written files, which validate never does; v8
      // (~4 ms) tunes the GC for runs over many specs (src/gc.ts).
      build.onResolve({ filter: /^(node:)?(child_process|crypto|v8)$/ }, (args) =>
        // the wrappers' own require() is the real module
        args.namespace === 'lazy-builtin' ? { path: args.path, external: true } : { path: args.path.replace(/^node:/, ''), namespace: 'lazy-builtin' },
      );
      // An ES module of wrappers, one per exported function, each requiring the real
      // module when called (a proxy object would not survive esbuild's ESM interop).
      build.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => {
        const real = require(`node:${args.path}`);
        const names = Object.keys(real).filter((k) => typeof real[k] === 'function' && /^[A-Za-z_$][\w$]*$/.test(k)).sort();
        const body = names.map(
          (k) => `export function ${k}(...a) { const m = require('node:${args.path}'); return new.target ? new m.${k}(...a) : m.${k}(...a); }`,
        );
        return { contents: body.join('\n') + '\n', loader: 'js' };
      });
    },
  };
  const bundle = path.join(DIST, 'kspec-bundle.cjs');
  await esbuild.build({
    entryPoints: [path.join(DIST, 'bin.js')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    // CommonJS, so that scripts/launcher.cjs can run it with a V8 code cache.
    format: 'cjs',
    target: 'node20',
    minify: true,
    legalComments: 'eof',
    logLevel: 'warning',
    plugins: [startup],
    // The modules find schema/, templates/ and generated/ relative to their own URL.
    define: { 'import.meta.url': '__kspecUrl' },
    banner: { js: "const __kspecUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
  writeLauncher();
}

/**
 * dist/kspec.cjs: scripts/launcher.cjs with the content hash of each file it loads, which
 * names the code caches it writes in the user's cache folder (V8 itself checks a cache's
 * source length only).
 */
function writeLauncher() {
  const build = {};
  for (const name of ['generated/validator.cjs', 'generated/templates.cjs', 'kspec-bundle.cjs']) {
    build[name] = createHash('sha256').update(readFileSync(path.join(DIST, name))).digest('hex').slice(0, 16);
  }
  const launcher = readFileSync(path.join(ROOT, 'scripts', 'launcher.cjs'), 'utf8');
  const marker = '/*KSPEC_BUILD*/ {}';
  if (!launcher.includes(marker)) throw new Error(`scripts/launcher.cjs has no ${marker}`);
  const bin = path.join(DIST, 'kspec.cjs');
  writeFileSync(bin, launcher.replace(marker, JSON.stringify(build)));
  chmodSync(bin, 0o755);
}

/**
 * The library bundle: src/api.ts and what it reaches, yaml, Handlebars' runtime and diff
 * inlined, as an ES module (its modules keep finding schema/, templates/ and generated/
 * from import.meta.url: the bundle is in dist/, beside them). Ajv's compiler and the full
 * Handlebars stay external as in the CLI's bundle: the precompiled artifacts are shipped.
 */
async function buildApi() {
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [path.join(DIST, 'api.js')],
    outfile: path.join(DIST, 'kspec-api.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    legalComments: 'eof',
    logLevel: 'warning',
    plugins: [
      {
        name: 'kspec-api',
        setup(build) {
          build.onResolve({ filter: /^(ajv|handlebars)$/ }, (args) => ({ path: args.path, external: true }));
          build.onResolve({ filter: /^yaml$/ }, () => ({ path: path.join(ROOT, 'node_modules', 'yaml', 'browser', 'index.js') }));
        },
      },
    ],
  });
}

/**
 * A compile of every example spec with KSPEC_WRITE_CODE_CACHE=1 writes V8's code cache
 * of the bundle and the generated modules beside them, covering what a compile runs.
 */
function removeCodeCaches() {
  for (const f of readdirSync(DIST, { recursive: true })) if (String(f).endsWith('.v8cache')) rmSync(path.join(DIST, String(f)));
}

function writeCodeCache() {
  removeCodeCaches();
  const out = mkdtempSync(path.join(tmpdir(), 'kspec-build-'));
  try {
    const r = spawnSync(process.execPath, [path.join(DIST, 'kspec.cjs'), 'compile', path.join(ROOT, 'specs'), '-o', out], {
      env: { ...process.env, KSPEC_WRITE_CODE_CACHE: '1', NO_COLOR: '1' },
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`the code-cache run failed:\n${r.stderr}`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

await buildValidator();
await buildTemplates();
await buildBundle();
await buildApi();
writeCodeCache();
// Last: the stamp says dist/ is a whole build of these inputs (scripts/build-stamp.mjs).
writeFileSync(path.join(ROOT, STAMP), `${buildStamp(ROOT)}\n`);
