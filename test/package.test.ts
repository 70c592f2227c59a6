/**
 * Packaging: `npm pack` ships only the built JavaScript, the schema and the templates
 * (plus package.json and README), and the packed tarball installed into an empty folder
 * gives a working `npx kspec`. Installing needs the registry for the dependencies.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './helpers.js';

/** npx's own notices (e.g. about the environment's npm config) are not kspec's output. */
const own = (stderr: string): string => stderr.split('\n').filter((l) => !l.startsWith('npm warn')).join('\n');
const npm = (cwd: string, ...args: string[]): string => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('npm package', () => {
  it('ships only dist/, schema/ and templates/ (and README, LICENSE)', () => {
    const [pack] = JSON.parse(npm(ROOT, 'pack', '--dry-run', '--json')) as Array<{ files: Array<{ path: string }> }>;
    const paths = pack!.files.map((f) => f.path);
    expect(paths.filter((p) => !/^(dist|schema|templates)\//.test(p)).sort()).toEqual(['LICENSE', 'README.md', 'package.json']);
    expect(paths).toContain('dist/cli.js');
    expect(paths).toContain('schema/kspec.schema.json');
    expect(paths.some((p) => p.startsWith('templates/bootc/'))).toBe(true);
    expect(paths.some((p) => /\.test\.|^src\/|^test\//.test(p))).toBe(false);
  });

  it('installs from the tarball into an empty folder, and npx kspec --help works', () => {
    const packDir = tempDir('kspec-pack-');
    npm(ROOT, 'pack', '--pack-destination', packDir, '--silent');
    const tgz = readdirSync(packDir).find((f) => f.endsWith('.tgz'))!;
    const app = tempDir('kspec-app-');
    writeFileSync(path.join(app, 'package.json'), '{"name":"app","private":true}\n');
    npm(app, 'install', '--no-audit', '--no-fund', '--silent', path.join(packDir, tgz));
    const help = spawnSync('npx', ['--no-install', 'kspec', '--help'], { cwd: app, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(own(help.stderr)).toBe('');
    expect(help.status).toBe(0);
    for (const cmd of ['compile', 'validate', 'diff', 'explain', 'init', 'schema']) expect(help.stdout).toContain(cmd);
    // The shipped schema and templates are found from the installed package.
    const init = spawnSync('npx', ['--no-install', 'kspec', 'init', '--platform', 'bootc', '-o', 'k.yaml'], { cwd: app, encoding: 'utf8' });
    expect(init.status).toBe(0);
    const compile = spawnSync('npx', ['--no-install', 'kspec', 'compile', 'k.yaml'], { cwd: app, encoding: 'utf8' });
    expect(own(compile.stderr)).toBe('');
    expect(compile.status).toBe(0);
    expect(execFileSync('head', ['-1', path.join(app, 'k.yaml')], { encoding: 'utf8' })).toBe('# yaml-language-server: $schema=node_modules/kspec/schema/kspec.schema.json\n');
  }, 240_000);
});
