/**
 * The build's precompiled artifacts (scripts/build.mjs) and the bundled CLI behave exactly
 * like what src/ computes at run time. No timing here: `npm run bench` measures speed.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { compileFile } from '../src/compile.js';
import { Reporter } from '../src/diagnostics/diagnostic.js';
import { normalize } from '../src/normalize.js';
import { fullIndex, KEEP_DOCUMENT_ABOVE, parseSpec, YamlSourceIndex } from '../src/parse.js';
import { closest, editDistance, editDistanceAtMost } from '../src/suggest.js';
import {
  findTemplates,
  headerLines,
  loadPrecompiledTemplates,
  normalizeText,
  PARTIALS_DIR,
  renderFile,
  templateSource,
  TEMPLATES_DIR,
} from '../src/render.js';
import { getTarget } from '../src/targets/index.js';
import type { PlannedFile, Spec } from '../src/types.js';
import { compileValidator, loadPrecompiledValidator, validate } from '../src/validate.js';
import { kspecInProcess } from './cli-run.js';
import { ROOT, tempDir, withoutClosingLine, goldenCases, goldenDir } from './helpers.js';

const DIST = path.join(ROOT, 'dist');
const GENERATED = path.join(DIST, 'generated');
const BUNDLE = path.join(DIST, 'kspec.cjs');

function walk(dir: string, keep: (f: string) => boolean): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p, keep) : keep(p) ? [p] : [];
  });
}

/** Every spec the repository has: the examples and the golden cases. */
const SPECS = [
  ...walk(path.join(ROOT, 'specs'), (f) => /\.ya?ml$/.test(f)),
  ...goldenCases().map((c) => path.join(goldenDir(c), 'spec.yaml')),
].filter((f) => existsSync(f));

/**
 * Valid specs and many invalid ones: each leaf of each spec replaced by a value of the
 * wrong type, a string that breaks patterns, or removed, and an unknown key at every level.
 */
function corpus(): unknown[] {
  const out: unknown[] = [];
  for (const f of SPECS) {
    const data = parseYaml(readFileSync(f, 'utf8')) as unknown;
    out.push(data);
    const paths: string[][] = [];
    const visit = (v: unknown, at: string[]): void => {
      if (v && typeof v === 'object') {
        paths.push(at);
        for (const [k, x] of Object.entries(v)) visit(x, [...at, k]);
      } else paths.push(at);
    };
    visit(data, []);
    for (const p of paths) {
      for (const replacement of [42, 'bad value; rm -rf /', null, undefined, { unknownKey: 1 }]) {
        const copy = structuredClone(data) as Record<string, unknown>;
        if (p.length === 0) continue;
        let parent = copy as Record<string, unknown>;
        for (const k of p.slice(0, -1)) parent = parent[k] as Record<string, unknown>;
        const last = p[p.length - 1]!;
        if (replacement === undefined) delete parent[last];
        else if (typeof replacement === 'object' && typeof parent[last] === 'object' && parent[last] !== null && !Array.isArray(parent[last])) {
          parent[last] = { ...(parent[last] as object), ...replacement };
        } else parent[last] = replacement;
        out.push(copy);
      }
    }
  }
  return out;
}

/** A copy of the bin and the files it loads, without the build's code caches. */
function binWithoutCaches(): string {
  const root = tempDir();
  mkdirSync(path.join(root, 'dist', 'generated'), { recursive: true });
  for (const f of ['kspec.cjs', 'kspec-bundle.cjs', 'generated/validator.cjs', 'generated/templates.cjs']) {
    cpSync(path.join(DIST, f), path.join(root, 'dist', f));
  }
  cpSync(path.join(ROOT, 'schema'), path.join(root, 'schema'), { recursive: true });
  return root;
}

describe('build artifacts', () => {
  it('npm run build generated the validator, the templates and the bundle', () => {
    for (const f of ['validator.cjs', 'templates.cjs']) expect(existsSync(path.join(GENERATED, f)), f).toBe(true);
    expect(existsSync(BUNDLE)).toBe(true);
    expect(existsSync(path.join(DIST, 'kspec-bundle.cjs'))).toBe(true);
    // The code caches a build writes (scripts/launcher.cjs): one per file the bin loads,
    // named for this V8.
    for (const f of ['kspec-bundle.cjs', 'generated/validator.cjs', 'generated/templates.cjs']) {
      expect(existsSync(path.join(DIST, `${f}.${process.versions.v8}.v8cache`)), f).toBe(true);
    }
    expect(statSync(BUNDLE).mode & 0o111).not.toBe(0);
    expect(readFileSync(BUNDLE, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('every template under templates/ is precompiled, found without a list in code', () => {
    const table = loadPrecompiledTemplates(path.join(GENERATED, 'templates.cjs'))!;
    const names = walk(TEMPLATES_DIR, (f) => f.endsWith('.hbs')).map((f) =>
      path.relative(TEMPLATES_DIR, f).split(path.sep).join('/').replace(/\.hbs$/, ''),
    );
    const isPartial = (n: string) => n.startsWith(`${PARTIALS_DIR}/`);
    expect(names.filter((n) => !isPartial(n)).length).toBeGreaterThan(0);
    expect(names.filter(isPartial).length).toBeGreaterThan(0);
    expect(Object.keys(table.templates).sort()).toEqual(names.filter((n) => !isPartial(n)).sort());
    expect(Object.keys(table.partials).sort()).toEqual(
      names
        .filter(isPartial)
        .map((n) => n.slice(PARTIALS_DIR.length + 1))
        .sort(),
    );
  });

  it('a partial is not a template a target can plan, on either path', () => {
    const table = loadPrecompiledTemplates(path.join(GENERATED, 'templates.cjs'))!;
    const { templates, partials } = findTemplates();
    expect(partials.length).toBeGreaterThan(0);
    expect(templates.some((t) => t.startsWith(`${PARTIALS_DIR}/`) || partials.includes(t))).toBe(false);
    for (const p of Object.keys(table.partials)) {
      expect(Object.keys(table.templates)).not.toContain(p);
      expect(Object.keys(table.templates)).not.toContain(`${PARTIALS_DIR}/${p}`);
    }
    for (const source of [templateSource(table), templateSource(undefined)]) {
      for (const p of partials) {
        expect(() => source(`${PARTIALS_DIR}/${p}`)).toThrow(/is a partial, not a template/);
        expect(() => source(p)).toThrow();
      }
    }
  });

  it('finds templates and partials of any folder without a list in code', () => {
    const dir = tempDir();
    for (const f of ['newtarget/a.sh.hbs', 'newtarget/sub/b.hbs', 'top.hbs', `${PARTIALS_DIR}/p.hbs`, `${PARTIALS_DIR}/group/q.hbs`, 'newtarget/notes.txt']) {
      mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      writeFileSync(path.join(dir, f), 'x\n');
    }
    expect(findTemplates(dir)).toEqual({ templates: ['newtarget/a.sh', 'newtarget/sub/b', 'top'], partials: ['group/q', 'p'] });
  });

  it('the package ships what runs: bin is the bundle, and it needs no dependency installed', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
      files: string[];
      dependencies?: Record<string, string>;
    };
    expect(pkg.bin.kspec).toBe('dist/kspec.cjs');
    expect(pkg.files).toEqual(expect.arrayContaining(['dist/kspec.cjs', 'dist/kspec-bundle.cjs', 'dist/generated/', 'schema/', 'templates/']));
    // The bundles inline what they run; Ajv's compiler and the full Handlebars, left
    // external, are only loaded when a precompiled artifact is missing, which the
    // package never is (test/package.slow.test.ts installs it with nothing else).
    expect(pkg.dependencies).toBeUndefined();
  });
});

describe('precompiled validator', () => {
  it('gives the same verdict and the same errors as the schema compiled at run time', async () => {
    const pre = loadPrecompiledValidator(path.join(GENERATED, 'validator.cjs'))!;
    const runtime = await compileValidator();
    const cases = corpus();
    expect(cases.length).toBeGreaterThan(200);
    let invalid = 0;
    for (const data of cases) {
      const a = pre(data);
      const b = runtime(data);
      expect(a).toBe(b);
      expect(pre.errors ?? null).toEqual(runtime.errors ?? null);
      if (!a) invalid++;
    }
    expect(invalid).toBeGreaterThan(cases.length / 2);
  });
});

describe('precompiled templates', () => {
  it('render every planned file of every spec exactly like templates compiled at run time, partials included', async () => {
    const pre = templateSource(loadPrecompiledTemplates(path.join(GENERATED, 'templates.cjs')));
    const runtime = templateSource(undefined);
    const { templates, partials } = findTemplates();
    const used = new Set<string>();
    const views: Array<{ template: string; data: Record<string, unknown> }> = [];
    for (const f of SPECS) {
      const parsed = parseSpec(f, readFileSync(f));
      if (!parsed.raw) continue;
      const report = new Reporter(parsed.raw.source);
      await validate(parsed.raw.data, report);
      if (report.hasErrors) continue;
      const spec: Spec = normalize(parsed.raw.data);
      const target = getTarget(spec.target.platform)!;
      for (const file of target.plan(spec, { specPath: f, specDir: path.dirname(f) })) {
        if (file.template === undefined) continue;
        // A planned file is always a template, never a partial.
        expect(templates, `${f}: ${file.path}`).toContain(file.template);
        expect(pre(file.template)(file.data ?? {}), `${f}: ${file.path}`).toBe(runtime(file.template)(file.data ?? {}));
        used.add(file.template);
        views.push({ template: file.template, data: (file.data ?? {}) as Record<string, unknown> });
      }
    }
    expect(used.size).toBeGreaterThan(0);
    // Every partial took part: each is called ({{> name}} or {{#> name}}, or by the view
    // field a dynamic call names, {{> (lookup . "field")}}) by a template rendered above,
    // directly or through another partial (which sees the caller's view).
    const calls = (file: string, data: Record<string, unknown>): string[] => {
      const text = readFileSync(file, 'utf8');
      const named = [...text.matchAll(/\{\{~?#?>\s*([^\s}~(]+)/g)].map((m) => m[1]!).filter((p) => p !== '@partial-block');
      const looked = [...text.matchAll(/\{\{~?#?>\s*\(lookup \. "(\w+)"\)/g)].map((m) => data[m[1]!]);
      expect(looked.every((p) => typeof p === 'string'), file).toBe(true);
      return [...named, ...(looked as string[])];
    };
    const reached = new Set<string>();
    const seen = new Set<string>();
    const visit = (file: string, data: Record<string, unknown>): void => {
      for (const p of calls(file, data)) {
        reached.add(p);
        const partial = path.join(TEMPLATES_DIR, PARTIALS_DIR, `${p}.hbs`);
        // A partial's own calls may depend on the view too: once per partial and view.
        const key = `${p}\0${JSON.stringify(data)}`;
        if (seen.has(key)) continue;
        seen.add(key);
        visit(partial, data);
      }
    };
    for (const v of views) visit(path.join(TEMPLATES_DIR, `${v.template}.hbs`), v.data);
    expect([...reached].sort()).toEqual(partials);
  });
});

describe('bundled CLI (dist/kspec.cjs, the bin)', () => {
  /** The golden cases' folders without expected/, side by side in a temp folder. */
  function goldenWork(cases: string[]): string {
    const work = tempDir();
    for (const c of cases) cpSync(goldenDir(c), path.join(work, c), { recursive: true, filter: (src) => !src.includes(`${path.sep}expected`) });
    return work;
  }
  /** Every output file under `dir`, relative, with its text. */
  const tree = (dir: string): Array<[string, string]> =>
    walk(dir, () => true)
      .map((f) => [path.relative(dir, f), readFileSync(f, 'utf8')] as [string, string])
      .sort(([a], [b]) => (a < b ? -1 : 1));

  it('compiles a golden case to its expected files', () => {
    // The case folder itself is the working folder, so the header's `spec.yaml` and `-o out` match.
    const work = path.join(goldenWork(['bootc-cachyos']), 'bootc-cachyos');
    const r = spawnSync(process.execPath, [BUNDLE, 'compile', 'spec.yaml', '-o', 'out'], { cwd: work, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status, r.stderr).toBe(0);
    expect(tree(path.join(work, 'out', readdirSync(path.join(work, 'out'))[0]!))).toEqual(tree(path.join(goldenDir('bootc-cachyos'), 'expected')));
  });

  it('compiles every golden case to the same bytes as src/cli.ts run in-process (which golden.test.ts holds to the expected files)', async () => {
    // One run of each over all the cases, each in its own copy: the same spec paths and
    // output folder, so the same headers and locks.
    const cases = goldenCases().filter((c) => existsSync(path.join(goldenDir(c), 'expected')));
    const args = ['compile', ...cases.map((c) => `${c}/spec.yaml`), '-o', 'out'];
    const result = (work: string, r: { code: number | null; stdout: string; stderr: string }) => {
      expect(r.code, r.stderr).toBe(0);
      return { stdout: r.stdout, stderr: withoutClosingLine(r.stderr), files: tree(path.join(work, 'out')) };
    };
    const bin = goldenWork(cases);
    const r = spawnSync(process.execPath, [BUNDLE, ...args], { cwd: bin, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    const bundled = result(bin, { code: r.status, stdout: r.stdout, stderr: r.stderr });
    expect(bundled.files.filter(([f]) => f.endsWith('kspec.lock.json'))).toHaveLength(cases.length);
    const src = goldenWork(cases);
    expect(bundled).toEqual(result(src, await kspecInProcess(src, args, { env: { NO_COLOR: '1' } })));
  });

  it('runs without its code caches, or with caches V8 rejects, and gives the same output', () => {
    const root = binWithoutCaches();
    writeFileSync(path.join(root, 'dist', `kspec-bundle.cjs.${process.versions.v8}.v8cache`), 'not a code cache');
    const files = (bin: string): string[][] => {
      const work = tempDir();
      cpSync(path.join(goldenDir('bootc-cachyos'), 'spec.yaml'), path.join(work, 'spec.yaml'));
      const r = spawnSync(process.execPath, [bin, 'compile', 'spec.yaml', '-o', 'out'], { cwd: work, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      expect(r.status, r.stderr).toBe(0);
      return walk(path.join(work, 'out'), () => true).map((f) => [path.relative(work, f), readFileSync(f, 'utf8')]);
    };
    const a = files(path.join(root, 'dist', 'kspec.cjs'));
    expect(a.length).toBeGreaterThan(0);
    expect(a).toEqual(files(BUNDLE));
  });

  it('without a cache its V8 accepts, writes one in a private folder of the user at exit, read by the next run', () => {
    const root = binWithoutCaches();
    const work = tempDir();
    cpSync(path.join(goldenDir('bootc-cachyos'), 'spec.yaml'), path.join(work, 'spec.yaml'));
    const run = (cacheDir: string, extra: Record<string, string> = {}) => {
      const r = spawnSync(process.execPath, [path.join(root, 'dist', 'kspec.cjs'), 'compile', 'spec.yaml', '-o', 'out'], {
        cwd: work,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1', KSPEC_CACHE_DIR: cacheDir, ...extra },
      });
      expect(r.status, r.stderr).toBe(0);
      return walk(path.join(work, 'out'), () => true).map((f) => [path.relative(work, f), readFileSync(f, 'utf8')]);
    };
    const expected = run(path.join(tempDir(), 'unused'), { KSPEC_NO_CODE_CACHE: '1' });
    const cache = path.join(tempDir(), 'cache');
    expect(run(cache)).toEqual(expected);
    // One per loaded file, named for its content hash, size and this V8, readable by the user only.
    const names = readdirSync(cache).sort();
    expect(names).toHaveLength(3);
    for (const n of names) {
      expect(n).toMatch(new RegExp(`^(kspec-bundle|templates|validator)\\.cjs-[0-9a-f]{16}-[0-9]+-${process.versions.v8.replace(/\./g, '\\.')}-compile\\.v8cache$`));
      expect(statSync(path.join(cache, n)).mode & 0o077).toBe(0);
    }
    expect(statSync(cache).mode & 0o777).toBe(0o700);
    // The next run reads them (and rewrites nothing); a corrupt one is rejected and replaced.
    const before = names.map((n) => statSync(path.join(cache, n)).mtimeMs);
    expect(run(cache)).toEqual(expected);
    expect(names.map((n) => statSync(path.join(cache, n)).mtimeMs)).toEqual(before);
    const bundleCache = names.find((n) => n.startsWith('kspec-bundle'))!;
    writeFileSync(path.join(cache, bundleCache), 'not a code cache');
    expect(run(cache)).toEqual(expected);
    expect(readFileSync(path.join(cache, bundleCache)).length).toBeGreaterThan(1000);
    // A folder others can write to, or a symlink, is not used.
    const open = path.join(tempDir(), 'open');
    mkdirSync(open, { mode: 0o777 });
    chmodSync(open, 0o777);
    expect(run(open)).toEqual(expected);
    expect(readdirSync(open)).toEqual([]);
    const link = path.join(tempDir(), 'link');
    symlinkSync(cache, link);
    rmSync(path.join(cache, bundleCache));
    expect(run(link)).toEqual(expected);
    expect(existsSync(path.join(cache, bundleCache))).toBe(false);
  });

  it('keeps one user cache per command, written only by a run that exits 0', () => {
    const root = binWithoutCaches();
    const work = tempDir();
    cpSync(path.join(goldenDir('bootc-cachyos'), 'spec.yaml'), path.join(work, 'spec.yaml'));
    const cache = path.join(tempDir(), 'cache');
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [path.join(root, 'dist', 'kspec.cjs'), ...args], {
        cwd: work,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1', KSPEC_CACHE_DIR: cache },
      }).status;
    const commands = () => [...new Set(readdirSync(cache).map((n) => /-([a-z]+)\.v8cache$/.exec(n)?.[1]))].sort();
    // A compile that fails (a spec that is not there) leaves no cache behind for compile.
    expect(run('compile', 'missing.yaml', '-o', 'out')).toBe(2);
    expect(existsSync(cache) ? commands() : []).toEqual([]);
    expect(run('--version')).toBe(0);
    expect(commands()).toEqual(['other']);
    expect(run('validate', 'spec.yaml')).toBe(0);
    expect(run('compile', 'spec.yaml', '-o', 'out')).toBe(0);
    expect(commands()).toEqual(['compile', 'other', 'validate']);
    // Each command caches the files it loaded: --version the bundle, validate also the
    // validator, compile also the templates.
    const loaded = (cmd: string) => readdirSync(cache).filter((n) => n.endsWith(`-${cmd}.v8cache`)).map((n) => n.split('.cjs-')[0]).sort();
    expect(loaded('other')).toEqual(['kspec-bundle']);
    expect(loaded('validate')).toEqual(['kspec-bundle', 'validator']);
    expect(loaded('compile')).toEqual(['kspec-bundle', 'templates', 'validator']);
  });

  it('reports diagnostics and exit codes like src/cli.ts run in-process', async () => {
    const dir = tempDir();
    const spec = path.join(dir, 'bad.yaml');
    const text = readFileSync(path.join(ROOT, 'specs', 'bootc-cachyos.yaml'), 'utf8').replace('arch: [x86_64]', 'archs: [x86_64]');
    writeFileSync(spec, text);
    const run = (cli: string, ...args: string[]) =>
      spawnSync(process.execPath, [cli, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    for (const args of [['validate', 'bad.yaml'], ['validate', 'bad.yaml', '--format', 'json'], ['compile', 'nope.yaml'], ['--help']]) {
      const a = run(BUNDLE, ...args);
      const b = await kspecInProcess(dir, args, { env: { NO_COLOR: '1' } });
      // The closing line's seconds differ between two runs.
      expect({ status: a.status, stdout: a.stdout, stderr: withoutClosingLine(a.stderr) }, args.join(' ')).toEqual({ status: b.code, stdout: b.stdout, stderr: withoutClosingLine(b.stderr) });
    }
    expect(run(BUNDLE, 'validate', 'bad.yaml').stderr).toContain('KS2001');
  });
});

describe('DeferredSourceIndex (what a compiled result keeps of its source)', () => {
  it('locates every pointer and gives every line like the full index', () => {
    for (const f of SPECS) {
      const parsed = parseSpec(f, readFileSync(f));
      const full = fullIndex(f, parsed.raw!.text);
      const deferred = parsed.raw!.source;
      const pointers: string[] = [];
      const visit = (v: unknown, at: string): void => {
        pointers.push(at);
        if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) visit(x, `${at}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`);
      };
      visit(parsed.raw!.data, '');
      pointers.push('/no/such/key');
      for (const p of pointers) {
        expect(deferred.locate(p), p).toEqual(full.locate(p));
        expect(deferred.locate(p, 'key'), p).toEqual(full.locate(p, 'key'));
      }
      const lines = full.text.split('\n').length;
      for (let l = 1; l <= lines + 1; l++) expect(deferred.lineText(f, l)).toBe(full.lineText(f, l));
      expect(deferred.lineText('other.yaml', 1)).toBeUndefined();
    }
  });
});

describe('bounded work on large specs (issue 11, must-have 4)', () => {
  it('editDistanceAtMost is editDistance up to its limit, limit + 1 past it, and closest keeps its choices', () => {
    const words = ['', 'a', 'ab', 'ba', 'abc', 'acb', 'kernel', 'kernal', 'kernels', 'krnl', 'xkernelx', 'modules', 'moduels', 'abcdefgh', 'hgfedcba'];
    for (const a of words) {
      for (const b of words) {
        for (let limit = 0; limit <= 4; limit++) {
          const d = editDistance(a, b);
          expect(editDistanceAtMost(a, b, limit), `${a} ${b} ${limit}`).toBe(d <= limit ? d : limit + 1);
        }
      }
    }
    expect(closest('kernal', ['kernel', 'modules'])).toBe('kernel');
    expect(closest('moduels', ['kernel', 'modules'])).toBe('modules');
    expect(closest('x'.repeat(5000), ['kernel', 'x'.repeat(4999)])).toBe('x'.repeat(4999));
    expect(closest('zzzzzz', ['kernel', 'modules'])).toBeUndefined();
  });

  it('a spec over KEEP_DOCUMENT_ABOVE keeps its parsed document, and locates like the full index', () => {
    const text = readFileSync(SPECS[0]!, 'utf8') + Array.from({ length: 6000 }, (_, i) => `x${i}: ${i}\n`).join('');
    expect(text.length).toBeGreaterThan(KEEP_DOCUMENT_ABOVE);
    const parsed = parseSpec('big.yaml', Buffer.from(text));
    expect(parsed.raw!.source).toBeInstanceOf(YamlSourceIndex);
    const full = fullIndex('big.yaml', parsed.raw!.text);
    for (const p of ['/x0', '/x5999', '/metadata/name', '/no/such']) expect(parsed.raw!.source.locate(p, 'key')).toEqual(full.locate(p, 'key'));
    // A spec of usual size drops it.
    expect(parseSpec(SPECS[0]!, readFileSync(SPECS[0]!)).raw!.source).not.toBeInstanceOf(YamlSourceIndex);
  });
});

describe('render helpers', () => {
  const info = { specPath: 's.yaml', command: 'kspec compile s.yaml -o out' };
  // The header insertion as it was first written (split into lines), as the reference.
  const reference = (body: string): string => {
    const lines = body.split('\n');
    let i = 0;
    while (i < lines.length && /^(#!.*|# ?(syntax|escape|check)=.*)$/.test(lines[i]!)) i++;
    return [...lines.slice(0, i), ...headerLines(info).map((l) => `# ${l}`), ...lines.slice(i)].join('\n');
  };
  for (const body of ['', '\n', '#!/bin/bash', '#!/bin/bash\n', '#!/bin/bash\nset -e\n', '# syntax=docker/dockerfile:1\n# check=error=true\nFROM a\n', 'FROM a\n\n\n', 'a\r\nb\r\n']) {
    it(`puts the header where it always went: ${JSON.stringify(body)}`, () => {
      const norm = (s: string) => s.replace(/\r\n?/g, '\n').replace(/\n*$/, '') + '\n';
      expect(normalizeText(body)).toBe(norm(body));
      const planned: PlannedFile = { path: 'f', text: body, syntax: 'hash' };
      const r = renderFile(planned, info);
      expect(r.content).toBe(norm(reference(norm(body))));
    });
  }
});

describe('many specs in one run (each staged as it compiles, committed in order)', () => {
  it('writes every output exactly as compiling it alone gives it', async () => {
    const work = tempDir();
    const example = readFileSync(path.join(ROOT, 'specs', 'bootc-cachyos.yaml'), 'utf8');
    const n = 40;
    mkdirSync(path.join(work, 'specs'));
    for (let i = 0; i < n; i++) {
      writeFileSync(path.join(work, 'specs', `s${String(i).padStart(2, '0')}.yaml`), example.replace('name: margine-cachyos', `name: margine-${i}`));
    }
    const r = spawnSync(process.execPath, [BUNDLE, 'compile', 'specs', '-o', 'out'], { cwd: work, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(n);
    expect(lines.map((l) => l.split(' ')[0])).toEqual([...Array(n).keys()].map((i) => `specs/s${String(i).padStart(2, '0')}.yaml`));
    for (let i = 0; i < n; i += 13) {
      const alone = await compileFile(`specs/s${String(i).padStart(2, '0')}.yaml`, { outDir: 'out', cwd: work });
      expect(alone.files.length).toBeGreaterThan(0);
      for (const f of alone.files) {
        expect(readFileSync(path.join(work, 'out', `margine-${i}`, f.path), 'utf8'), f.path).toBe(f.content);
        expect(statSync(path.join(work, 'out', `margine-${i}`, f.path)).mode & 0o777).toBe(f.mode);
      }
    }
    // the staging folder is gone, and no lock or journal is left
    expect(readdirSync(path.join(work, 'out')).filter((e) => e.startsWith('.'))).toEqual([]);

    // again, with one spec changed and one spec bad: nothing changes, nothing is left over
    const before = readdirSync(path.join(work, 'out'), { recursive: true }).length;
    const containerfile = readFileSync(path.join(work, 'out/margine-0/Containerfile'), 'utf8');
    writeFileSync(path.join(work, 'specs/s00.yaml'), example.replace('name: margine-cachyos', 'name: margine-0').replace('description:', 'description: changed,'));
    writeFileSync(path.join(work, 'specs/s39.yaml'), 'apiVersion: kspec.dev/v1alpha1\nkind: KernelSpec\n');
    const bad = spawnSync(process.execPath, [BUNDLE, 'compile', 'specs', '-o', 'out'], { cwd: work, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toBe('');
    expect(readdirSync(path.join(work, 'out'), { recursive: true }).length).toBe(before);
    expect(readFileSync(path.join(work, 'out/margine-0/Containerfile'), 'utf8')).toBe(containerfile);
    expect(readdirSync(path.join(work, 'out')).filter((e) => e.startsWith('.'))).toEqual([]);
    // and into a new output folder: not even the folder is left
    const fresh = spawnSync(process.execPath, [BUNDLE, 'compile', 'specs', '-o', 'new/out'], { cwd: work, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(fresh.status).toBe(1);
    expect(existsSync(path.join(work, 'new'))).toBe(false);
  });
});
