/**
 * Packaging and the install paths the README shows, each run with the real npm in temp
 * folders, offline (the local npm cache only: test/snapshot.ts):
 *
 *   - `npm pack` ships the bundles, the schema, the templates and the API's types, and
 *     package.json has no dependencies (the bundles inline them);
 *   - the tarball into a project: `npx kspec` works, `import { compile } from 'kspec'`
 *     works, and a TypeScript consumer type-checks against the shipped types;
 *   - a git URL into a project, and globally (`npm i -g`, npm/cli issue 8440 worked
 *     around in scripts/prepare.mjs): both build through `prepare`.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir, withoutClosingLine } from './helpers.js';
import { mustRun, offlineNpmEnv, runAsync, snapshotRepository, type Snapshot } from './snapshot.js';

const env = offlineNpmEnv();
/** npm's own notices (e.g. about scripts it did not run) are not kspec's output. */
const own = (stderr: string): string => stderr.split('\n').filter((l) => !l.startsWith('npm warn')).join('\n');
const npm = (cwd: string, ...args: string[]): Promise<string> => mustRun('npm', args, { cwd, env });
/** Async, like npm above: a worker blocked for long misses vitest's messages (onTaskUpdate). */
const run = (cwd: string, cmd: string, ...args: string[]) => runAsync(cmd, args, { cwd, env });
const newProject = (type?: 'module'): string => {
  const app = tempDir('kspec-app-');
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, ...(type ? { type } : {}) }) + '\n');
  return app;
};
/** A valid spec, compiled by an installed kspec; returns what it wrote. */
async function compileWith(cwd: string, kspec: string[]): Promise<string[]> {
  writeFileSync(path.join(cwd, 'k.yaml'), readFileSync(path.join(ROOT, 'specs', 'bootc-cachyos.yaml')));
  const r = await run(cwd, kspec[0]!, ...kspec.slice(1), 'compile', 'k.yaml', '-o', 'out');
  expect(withoutClosingLine(own(r.stderr))).toBe('');
  expect(r.status).toBe(0);
  return readdirSync(path.join(cwd, 'out'), { recursive: true }).map(String).sort();
}

describe('npm package', () => {
  it('ships the bundles, the schema, the templates and the API types (and README, LICENSE), with no dependencies', async () => {
    const [pack] = JSON.parse(await npm(ROOT, 'pack', '--dry-run', '--json', '--ignore-scripts')) as Array<{ files: Array<{ path: string }> }>;
    const paths = pack!.files.map((f) => f.path);
    expect(paths.filter((p) => !/^(dist|schema|templates)\//.test(p)).sort()).toEqual(['LICENSE', 'README.md', 'package.json']);
    expect(paths.filter((p) => /^dist\/[^/]+\.(c|m)?js$/.test(p)).sort()).toEqual(['dist/kspec-api.mjs', 'dist/kspec-bundle.cjs', 'dist/kspec.cjs']);
    for (const p of ['dist/api.d.ts', 'dist/generated/validator.cjs', 'dist/generated/templates.cjs', 'schema/kspec.schema.json']) expect(paths).toContain(p);
    expect(paths.some((p) => p.startsWith('templates/bootc/'))).toBe(true);
    expect(paths.some((p) => /\.test\.|^src\/|^test\//.test(p))).toBe(false);
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg.dependencies).toBeUndefined();
    expect(pkg.optionalDependencies).toBeUndefined();
    expect(pkg.peerDependencies).toBeUndefined();
    // `npm pack` prints the tarball's name alone on stdout (pre-commit reads it from there).
  });

  it('npm pack prints only the tarball name on stdout, the prepare build included', async () => {
    const dest = tempDir('kspec-pack-');
    expect(await npm(ROOT, 'pack', '--pack-destination', dest)).toBe('kspec-0.1.0.tgz\n');
  }, 300_000);

  describe('from the tarball into a project', () => {
    let app: string;
    beforeAll(async () => {
      const packDir = tempDir('kspec-pack-');
      await npm(ROOT, 'pack', '--pack-destination', packDir, '--ignore-scripts');
      const tgz = readdirSync(packDir).find((f) => f.endsWith('.tgz'))!;
      app = newProject('module');
      await npm(app, 'install', path.join(packDir, tgz));
    }, 300_000);

    it('installs kspec alone, and npx kspec works', async () => {
      expect(readdirSync(path.join(app, 'node_modules')).filter((f) => !f.startsWith('.'))).toEqual(['kspec']);
      const help = await run(app, 'npx', '--no-install', 'kspec', '--help');
      expect(own(help.stderr)).toBe('');
      expect(help.status).toBe(0);
      for (const cmd of ['compile', 'validate', 'diff', 'explain', 'init', 'schema']) expect(help.stdout).toContain(cmd);
      // The shipped schema and templates are found from the installed package.
      const init = await run(app, 'npx', '--no-install', 'kspec', 'init', '--platform', 'bootc', '-o', 'starter.yaml');
      expect(init.status).toBe(0);
      expect(readFileSync(path.join(app, 'starter.yaml'), 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=node_modules/kspec/schema/kspec.schema.json');
      expect(await compileWith(app, ['npx', '--no-install', 'kspec'])).toContain('margine-cachyos/install.sh');
    });

    it('serves the library API: compile and validate on a path or on text', async () => {
      rmSync(path.join(app, 'out'), { recursive: true, force: true });
      writeFileSync(path.join(app, 'k.yaml'), readFileSync(path.join(ROOT, 'specs', 'bootc-cachyos.yaml')));
      writeFileSync(
        path.join(app, 'use.mjs'),
        `import { compile, validate } from 'kspec';\n` +
          `const a = await compile({ path: 'k.yaml' });\n` +
          `const b = await validate({ text: 'apiVersion: kspec.dev/v1alpha1\\n', path: 'x.yaml' });\n` +
          `console.log(JSON.stringify({ ok: a.ok, name: a.name, files: a.files.map((f) => f.path), b }));\n`,
      );
      const r = await run(app, process.execPath, 'use.mjs');
      expect(r.stderr).toBe('');
      const out = JSON.parse(r.stdout) as { ok: boolean; name: string; files: string[]; b: { ok: boolean; diagnostics: Array<{ code: string; file: string; line: number }> } };
      expect(out.ok).toBe(true);
      expect(out.name).toBe('margine-cachyos');
      expect(out.files).toContain('install.sh');
      expect(out.b.ok).toBe(false);
      expect(out.b.diagnostics[0]).toMatchObject({ code: 'KS2002', file: 'x.yaml', line: 1 });
      expect(existsSync(path.join(app, 'out'))).toBe(false);
    });

    it('type-checks a TypeScript consumer against the shipped types alone (skipLibCheck off)', async () => {
      writeFileSync(
        path.join(app, 'tsconfig.json'),
        JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: false, types: [] }, files: ['use.ts'] }),
      );
      writeFileSync(
        path.join(app, 'use.ts'),
        `import { compile, validate, type Diagnostic, type CompileOutput } from 'kspec';\n` +
          `const r: CompileOutput = await compile({ text: 'kind: KernelSpec\\n' }, { outDir: 'out', strict: true });\n` +
          `const d: Diagnostic[] = (await validate({ path: 'k.yaml' })).diagnostics;\n` +
          `const line: number = d[0]!.line;\n` +
          `const content: string = r.files[0]!.content;\n` +
          `// @ts-expect-error a spec is given as text or a path\n` +
          `await compile({});\n` +
          `export { line, content };\n`,
      );
      const r = await run(app, process.execPath, path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json');
      expect(r.stdout + r.stderr).toBe('');
      expect(r.status).toBe(0);
    });
  });

  describe('from a git URL (builds through prepare)', () => {
    let snap: Snapshot;
    beforeAll(() => {
      snap = snapshotRepository();
    });

    it('into a project: npm i git+file://…, then npx kspec', async () => {
      const app = newProject();
      await npm(app, 'install', `git+file://${snap.dir}#${snap.sha}`);
      expect(readdirSync(path.join(app, 'node_modules')).filter((f) => !f.startsWith('.'))).toEqual(['kspec']);
      expect(await compileWith(app, ['npx', '--no-install', 'kspec'])).toContain('margine-cachyos/install.sh');
    }, 600_000);

    it('globally: npm i -g git+file://…, then kspec from the prefix', async () => {
      const prefix = tempDir('kspec-global-');
      await npm(tempDir(), 'install', '--global', '--prefix', prefix, `git+file://${snap.dir}#${snap.sha}`);
      const installed = path.join(prefix, 'lib', 'node_modules', 'kspec');
      expect(readdirSync(installed).sort()).toEqual(['LICENSE', 'README.md', 'dist', 'package.json', 'schema', 'templates']);
      expect(existsSync(path.join(installed, 'node_modules'))).toBe(false);
      const bin = path.join(prefix, 'bin', 'kspec');
      expect((await run(tempDir(), bin, '--version')).stdout).toBe('0.1.0\n');
      expect(await compileWith(tempDir(), [bin])).toContain('margine-cachyos/install.sh');
    }, 600_000);
  });
});
