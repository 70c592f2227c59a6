/**
 * End-to-end: the command line (src/cli.ts's main, in-process: test/cli-run.ts) with
 * NO_COLOR in temp folders; whole outputs compared where they are short, exit codes
 * everywhere. What only a process shows (colour without a terminal) spawns the bin.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { D, fix, message } from '../src/diagnostics/catalogue.js';
import { BASE } from './fixtures.js';
import { kspecInProcess } from './cli-run.js';
import { BIN, KERNEL_KEYS, lazily, ROOT, tempDir, withoutClosingLine } from './helpers.js';

const CLI = BIN;

async function kspec(cwd: string, ...args: string[]) {
  const r = await kspecInProcess(cwd, args, { env: { NO_COLOR: '1' } });
  return { ...r, stderr: withoutClosingLine(r.stderr) };
}

let work: string;
beforeEach(() => {
  work = tempDir('kspec-cli-');
  mkdirSync(path.join(work, 'specs'));
  writeFileSync(path.join(work, 'specs', 'demo.yaml'), BASE);
});

/**
 * out/ as `kspec compile specs -o out` writes it for specs/demo.yaml (BASE): compiled once by
 * kspec, then copied (modes kept) into each test's folder that starts from a compiled
 * output to change it; each such test spawned its own compile before.
 */
const compiledOnce = lazily(async () => {
  const dir = tempDir('kspec-cli-compiled-');
  mkdirSync(path.join(dir, 'specs'));
  writeFileSync(path.join(dir, 'specs', 'demo.yaml'), BASE);
  const r = await kspec(dir, 'compile', 'specs', '-o', 'out');
  expect([r.code, r.stderr]).toEqual([0, '']);
  return path.join(dir, 'out');
});
async function compiled(cwd: string): Promise<void> {
  cpSync(await compiledOnce(), path.join(cwd, 'out'), { recursive: true });
}

function listTree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

describe('kspec compile', () => {
  it('writes <out>/<name>/ with a manifest, and is a no-op the second time', async () => {
    const first = await kspec(work, 'compile', 'specs', '-o', 'out');
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^specs\/demo\.yaml -> out\/demo: \d+ written, 0 unchanged, 0 removed\n$/);
    const manifest = JSON.parse(readFileSync(path.join(work, 'out/demo/kspec.lock.json'), 'utf8'));
    expect(Object.keys(manifest.files).sort()).toEqual(listTree(path.join(work, 'out/demo')).filter((f) => f !== 'kspec.lock.json'));
    const second = await kspec(work, 'compile', 'specs', '-o', 'out');
    expect(second.stdout).toMatch(/: 0 written, \d+ unchanged, 0 removed\n$/);
  });

  it('is byte-deterministic: a second compile from scratch gives the same bytes', async () => {
    // the first compile: compiledOnce's, from scratch in another folder
    const once = await compiledOnce();
    const first = new Map(listTree(path.join(once, 'demo')).map((f) => [f, readFileSync(path.join(once, 'demo', f), 'utf8')]));
    expect(existsSync(path.join(work, 'out'))).toBe(false);
    await kspec(work, 'compile', 'specs', '-o', 'out');
    expect(listTree(path.join(work, 'out/demo'))).toEqual([...first.keys()].sort());
    for (const [f, a] of first) {
      expect(readFileSync(path.join(work, 'out/demo', f), 'utf8'), f).toBe(a);
      expect(a.endsWith('\n') && !a.endsWith('\n\n') && !a.includes('\r'), f).toBe(true);
    }
  });

  it('--check passes when up to date and reports drift as a diff with exit 1', async () => {
    await compiled(work);
    expect((await kspec(work, 'compile', 'specs', '-o', 'out', '--check')).code).toBe(0);
    const file = path.join(work, 'out/demo/install.sh');
    writeFileSync(file, readFileSync(file, 'utf8').replace('set -euo pipefail', 'set -e'));
    rmSync(path.join(work, 'out/demo/Containerfile'));
    const r = await kspec(work, 'compile', 'specs', '-o', 'out', '--check');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('--- a/out/demo/install.sh\n+++ b/out/demo/install.sh\n');
    expect(r.stdout).toContain('-set -e\n+set -euo pipefail\n');
    expect(r.stdout).toContain('--- /dev/null\n+++ b/out/demo/Containerfile');
    expect(r.stdout).toContain('drift: specs/demo.yaml -> out/demo\n');
    expect(r.stderr).toContain('generated files differ');
    // --check wrote nothing.
    expect(existsSync(path.join(work, 'out/demo/Containerfile'))).toBe(false);
  });

  it('--check reports a mode change and an extra (stale) file', async () => {
    await compiled(work);
    chmodSync(path.join(work, 'out/demo/install.sh'), 0o644);
    const lock = path.join(work, 'out/demo/kspec.lock.json');
    const m = JSON.parse(readFileSync(lock, 'utf8'));
    m.files['old.txt'] = { sha256: '0', mode: '0644' };
    writeFileSync(lock, JSON.stringify(m));
    writeFileSync(path.join(work, 'out/demo/old.txt'), 'old\n');
    const r = await kspec(work, 'compile', 'specs', '-o', 'out', '--check');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('mode change out/demo/install.sh: 0644 => 0755');
    expect(r.stdout).toContain('--- a/out/demo/old.txt\n+++ /dev/null');
  });

  it('removes files the previous manifest listed and never touches others', async () => {
    await compiled(work);
    const lock = path.join(work, 'out/demo/kspec.lock.json');
    const m = JSON.parse(readFileSync(lock, 'utf8'));
    m.files['gone/stale.sh'] = { sha256: '0', mode: '0755' };
    writeFileSync(lock, JSON.stringify(m));
    mkdirSync(path.join(work, 'out/demo/gone'));
    writeFileSync(path.join(work, 'out/demo/gone/stale.sh'), 'x\n');
    writeFileSync(path.join(work, 'out/demo/NOTES.md'), 'mine\n');
    const r = await kspec(work, 'compile', 'specs', '-o', 'out');
    expect(r.stdout).toMatch(/1 removed/);
    expect(existsSync(path.join(work, 'out/demo/gone'))).toBe(false);
    expect(readFileSync(path.join(work, 'out/demo/NOTES.md'), 'utf8')).toBe('mine\n');
  });

  it('refuses an output folder that is a symlink to elsewhere, and writes nothing', async () => {
    const elsewhere = tempDir('kspec-elsewhere-');
    mkdirSync(path.join(work, 'out'));
    symlinkSync(elsewhere, path.join(work, 'out/demo'));
    const r = await kspec(work, 'compile', 'specs', '-o', 'out');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`specs/demo.yaml:4:9: error ${D.OutputSymlink.code} ${D.OutputSymlink.id}:`);
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  it('refuses a symlink inside the output folder that points outside it', async () => {
    await compiled(work);
    const elsewhere = tempDir('kspec-elsewhere-');
    rmSync(path.join(work, 'out/demo/install.sh'));
    symlinkSync(path.join(elsewhere, 'x'), path.join(work, 'out/demo/install.sh'));
    const r = await kspec(work, 'compile', 'specs', '-o', 'out');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(D.OutputSymlink.code);
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  it('a bad spec: located diagnostics with a code frame, exit 1, nothing written', async () => {
    writeFileSync(path.join(work, 'specs', 'demo.yaml'), BASE.replace('  arch: [x86_64]', '  archs: [x86_64]'));
    const r = await kspec(work, 'compile', 'specs', '-o', 'out');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      [
        `specs/demo.yaml:7:3: error ${D.UnknownKey.code} ${D.UnknownKey.id}: ${message(D.UnknownKey, { key: 'archs', suggestion: 'arch', allowed: KERNEL_KEYS })}`,
        '  7 |   archs: [x86_64]',
        '    |   ^',
        `  fix: ${fix(D.UnknownKey, { key: 'archs', allowed: KERNEL_KEYS })}`,
        '  at /kernel/archs',
        '',
      ].join('\n'),
    );
    expect(existsSync(path.join(work, 'out'))).toBe(false);
  });

  it('one bad spec among good ones writes nothing at all', async () => {
    // A spec (it says so on its first lines) whose YAML breaks further down.
    writeFileSync(path.join(work, 'specs', 'bad.yaml'), 'apiVersion: kspec.dev/v1alpha1\nkind: KernelSpec\nmetadata: [\n');
    const r = await kspec(work, 'compile', 'specs', '-o', 'out');
    expect(r.code).toBe(1);
    expect(existsSync(path.join(work, 'out'))).toBe(false);
  });

  it('KS9003: two specs with one name', async () => {
    writeFileSync(path.join(work, 'specs', 'other.yaml'), BASE);
    const r = await kspec(work, 'compile', 'specs', '-o', 'out');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`specs/other.yaml:4:9: error ${D.DuplicateName.code} ${D.DuplicateName.id}: metadata.name 'demo' is also used by specs/demo.yaml`);
  });

  it('--strict turns warnings into errors', async () => {
    writeFileSync(path.join(work, 'specs', 'demo.yaml'), BASE.replace('bluefin-dx:stable', 'bluefin-dx'));
    const loose = await kspec(work, 'compile', 'specs', '-o', 'out');
    expect(loose.code).toBe(0);
    expect(loose.stderr).toContain(`warning ${D.UntaggedOciRef.code}`);
    const strict = await kspec(work, 'compile', 'specs', '-o', 'out2', '--strict');
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain(`error ${D.UntaggedOciRef.code}`);
    expect(existsSync(path.join(work, 'out2'))).toBe(false);
  });

  it('--format json prints machine-readable diagnostics', async () => {
    writeFileSync(path.join(work, 'specs', 'demo.yaml'), BASE.replace('type: copr', 'type: cop'));
    const r = await kspec(work, 'validate', 'specs', '--format', 'json');
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.diagnostics).toEqual([
      {
        code: D.UnknownVariant.code,
        id: D.UnknownVariant.id,
        severity: 'error',
        message: "Unknown provider.type 'cop'. Did you mean 'copr'?",
        fix: "Use one of 'copr', 'repo', 'tarball', 'oci', 'build', 'stock'.",
        file: 'specs/demo.yaml',
        line: 9,
        column: 9,
        path: '/provider/type',
      },
    ]);
    expect(out.summary).toEqual({ errors: 1, warnings: 0, drift: false });
  });
});

describe('exit codes and other commands', () => {
  it('validate: valid specs exit 0 and write nothing', async () => {
    const r = await kspec(work, 'validate', 'specs');
    expect(r).toEqual({ code: 0, stdout: 'specs/demo.yaml: valid\n', stderr: '' });
    expect(existsSync(path.join(work, 'out'))).toBe(false);
  });
  it('a missing file is exit 2', async () => {
    const r = await kspec(work, 'compile', 'nope.yaml');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("kspec: cannot read 'nope.yaml': no such file or folder\n");
  });
  it('an unknown option is exit 2', async () => {
    expect((await kspec(work, 'compile', '--frobnicate', 'specs')).code).toBe(2);
    expect((await kspec(work, 'compile', 'specs', '--format', 'xml')).code).toBe(2);
  });
  it('--help documents commands and exit codes, exit 0', async () => {
    const r = await kspec(work, '--help');
    expect(r.code).toBe(0);
    for (const s of ['compile', 'validate', 'schema', 'Exit codes:']) expect(r.stdout).toContain(s);
    expect((await kspec(work, 'compile', '--help')).stdout).toContain('--check');
  });
  it('schema prints the JSON Schema, and --out writes it', async () => {
    const r = await kspec(work, 'schema');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).$id).toMatch(/kspec/);
    expect((await kspec(work, 'schema', '--out', 'k.json')).code).toBe(0);
    expect(readFileSync(path.join(work, 'k.json'), 'utf8')).toBe(r.stdout);
  });
  it('no colour without a TTY even without NO_COLOR', async () => {
    writeFileSync(path.join(work, 'specs', 'demo.yaml'), 'kind: [\n');
    const r = spawnSync(process.execPath, [CLI, 'validate', 'specs'], { cwd: work, encoding: 'utf8', env: { ...process.env, NO_COLOR: '', FORCE_COLOR: undefined } });
    expect(r.stderr).not.toContain('\x1b[');
  });
});

describe('the bundled examples', () => {
  it('compile with --strict', async () => {
    const dir = tempDir('kspec-examples-');
    cpSync(path.join(ROOT, 'specs'), path.join(dir, 'specs'), { recursive: true });
    const r = await kspec(dir, 'compile', 'specs', '-o', 'out', '--strict');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});
