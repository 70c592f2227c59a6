/**
 * The test helpers the suite's checks rest on: a batched shellcheck must still fail per
 * script, and the in-process command line must answer as the bin does and leave the worker
 * as it found it.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { D, fix } from '../src/diagnostics/catalogue.js';
import { BASE } from './fixtures.js';
import { kspecInProcess } from './cli-run.js';
import { bashSyntaxAll, compileText, expectDiagnostic, KERNEL_KEYS, replaceLine, ROOT, schemaKeys, shellcheck, shellcheckAll, shellcheckAllAsync, tempDir } from './helpers.js';

const CLEAN = '#!/usr/bin/env bash\nset -euo pipefail\necho "$1"\n';
const DIRTY = '#!/usr/bin/env bash\necho $1\n';

describe('bashSyntaxAll', () => {
  it('reports each script that does not parse, under each of its keys, and nothing for one that does', () => {
    const r = bashSyntaxAll([
      ['a', 'if true; then\n'],
      ['b', 'echo ok\n'],
      ['c', 'if true; then\n'],
      ['d', "echo 'unterminated\n"],
    ]);
    expect([...r.keys()]).toEqual(['a', 'b', 'c', 'd']);
    expect(r.get('a')).toMatch(/syntax error/);
    expect(r.get('c')).toBe(r.get('a'));
    expect(r.get('b')).toBe('');
    expect(r.get('d')).toMatch(/unexpected EOF/);
  });
});

describe('shellcheckAll', () => {
  it('reports each finding under the key of every script that has it, and nothing for clean ones', () => {
    const found = shellcheckAll([
      ['a/install.sh', CLEAN],
      ['b/install.sh', DIRTY],
      ['c/install.sh', DIRTY],
      ['d/other.sh', CLEAN],
    ]);
    expect([...found.keys()]).toEqual(['a/install.sh', 'b/install.sh', 'c/install.sh', 'd/other.sh']);
    expect(found.get('a/install.sh')).toBe('');
    expect(found.get('d/other.sh')).toBe('');
    expect(found.get('b/install.sh')).toBe('b/install.sh:2:6: note: Double quote to prevent globbing and word splitting. [SC2086]\n');
    expect(found.get('c/install.sh')).toBe(found.get('b/install.sh')!.replace('b/', 'c/'));
  });

  it('refuses a key given twice, and checks nothing when given nothing', () => {
    expect(() => shellcheckAll([['x.sh', CLEAN], ['x.sh', DIRTY]])).toThrow(/given twice/);
    expect(shellcheckAll([]).size).toBe(0);
  });

  it('shellcheckAllAsync: the same answer without blocking the worker, and the same refusals', async () => {
    const scripts: Array<[string, string]> = [
      ['a/install.sh', CLEAN],
      ['b/install.sh', DIRTY],
      ['c/install.sh', DIRTY],
    ];
    expect(await shellcheckAllAsync(scripts)).toEqual(shellcheckAll(scripts));
    expect((await shellcheckAllAsync(scripts)).get('b/install.sh')).toMatch(/^b\/install\.sh:2:6: note: .*\[SC2086\]\n$/);
    await expect(shellcheckAllAsync([['x.sh', CLEAN], ['x.sh', DIRTY]])).rejects.toThrow(/given twice/);
    expect((await shellcheckAllAsync([])).size).toBe(0);
  });

  it('shellcheck: one script', () => {
    expect(shellcheck(CLEAN)).toBe('');
    expect(shellcheck(DIRTY, 'run.sh')).toMatch(/^run\.sh:2:6: note: .*\[SC2086\]\n$/);
  });
});

describe('schemaKeys', () => {
  it('lists what KS2001 lists for an unknown key in that mapping', async () => {
    const d = expectDiagnostic(await compileText(replaceLine(BASE, 7, '  archs: [x86_64]')), D.UnknownKey, 7, 3);
    expect(d.fix).toBe(fix(D.UnknownKey, { key: 'archs', allowed: KERNEL_KEYS }));
    expect(KERNEL_KEYS).toContain('arch');
  });

  it('refuses a mapping the schema does not have', () => {
    expect(() => schemaKeys('kernal')).toThrow("no mapping 'kernal'");
  });
});

describe('the suite shares modules between test files (vitest.config.ts: isolate false)', () => {
  it('so no test file replaces a module with vi.mock: a replaced module would leak into the next file', () => {
    const files = [
      ...readdirSync(path.join(ROOT, 'test')).filter((f) => f.endsWith('.test.ts')).map((f) => path.join(ROOT, 'test', f)),
      ...readdirSync(path.join(ROOT, 'src', 'targets'), { withFileTypes: true })
        .filter((d) => d.isDirectory() && existsSync(path.join(ROOT, 'src', 'targets', d.name, 'test')))
        .flatMap((d) => readdirSync(path.join(ROOT, 'src', 'targets', d.name, 'test')).filter((f) => f.endsWith('.test.ts')).map((f) => path.join(ROOT, 'src', 'targets', d.name, 'test', f))),
    ];
    expect(files.length).toBeGreaterThan(50);
    const mocking = files.filter((f) => /\bvi\.(mock|doMock)\(/.test(readFileSync(f, 'utf8'))).map((f) => path.relative(ROOT, f));
    expect(mocking).toEqual([]);
  });
});

describe('kspecInProcess (test/cli-run.ts): the command line in this worker', () => {
  it("gives the command's exit code and output, and puts back the working folder, variables, exit code, streams and signal listeners", async () => {
    const dir = tempDir('kspec-cli-run-');
    writeFileSync(path.join(dir, 'demo.yaml'), BASE);
    const state = () => ({
      cwd: process.cwd(),
      exitCode: process.exitCode,
      write: [process.stdout.write, process.stderr.write],
      sigint: process.listeners('SIGINT').length,
      sigterm: process.listeners('SIGTERM').length,
      env: process.env.KSPEC_CLI_RUN_PROBE,
    });
    const before = state();
    const ok = await kspecInProcess(dir, ['compile', 'demo.yaml', '-o', 'out'], { env: { NO_COLOR: '1', KSPEC_CLI_RUN_PROBE: 'set' } });
    expect(ok.code, ok.stderr).toBe(0);
    // Relative to the working folder it was given, not the worker's.
    expect(ok.stdout).toMatch(/^demo\.yaml -> out\/demo: \d+ written, 0 unchanged, 0 removed\n$/);
    expect(existsSync(path.join(dir, 'out', 'demo', 'kspec.lock.json'))).toBe(true);
    const bad = await kspecInProcess(dir, ['validate', 'missing.yaml']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^kspec: cannot read 'missing\.yaml'/);
    const usage = await kspecInProcess(dir, ['--frobnicate']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("unknown option '--frobnicate'");
    expect(state()).toEqual(before);
  });

  it('runs one command at a time: runs started together do not share streams', async () => {
    const dir = tempDir('kspec-cli-run-');
    const [a, b] = await Promise.all([kspecInProcess(dir, ['--version']), kspecInProcess(dir, ['schema'])]);
    expect(a).toEqual({ code: 0, stdout: '0.1.0\n', stderr: '' });
    expect(JSON.parse(b.stdout).$id).toMatch(/kspec/);
  });
});
