/**
 * Files read on a spec's behalf (src/specfiles.ts): the spec, its `extends` bases, krata's
 * provider.configFile and rancheros' target.dapperfile. Each stays inside the repository,
 * is a regular file, is read up to 1 MiB, and every refusal is a diagnostic at the line
 * that named the file. A FIFO and an oversize file are refused by what they are (fstat on
 * a non-blocking descriptor), so these tests cannot hang or read gigabytes even when the
 * code is wrong in another way: the FIFO has no writer, and the big file is sparse.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { compileFile } from '../src/compile.js';
import { D, fix, message } from '../src/diagnostics/catalogue.js';
import { mergeSpec } from '../src/extends.js';
import { MAX_READ_BYTES, pathProblem, readInside, repositoryRoot } from '../src/specfiles.js';
import { BASE, KRATA } from './fixtures.js';
import { expectDiagnostic, git, ROOT_KEYS, tempDir } from './helpers.js';
import { ROS } from '../src/targets/rancheros/test/fixtures.js';

/** BASE's kernel and provider, as a base file. */
const KERNEL_BASE = `apiVersion: kspec.dev/v1alpha1
kind: KernelSpec
kernel:
  package: kernel-cachyos
  arch: [x86_64]
provider:
  type: copr
  repo: bieszczaders/kernel-cachyos
  packages: [kernel-cachyos, kernel-cachyos-devel-matched]
`;
const child = (ref: string): string => `extends: ${ref}
metadata:
  name: demo
target:
  platform: bootc
  base: ghcr.io/ublue-os/bluefin-dx:stable
`;

let work: string;
let outside: string;
function write(rel: string, text: string): string {
  const file = path.join(work, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}
const compile = (rel = 'specs/demo.yaml') => compileFile(rel, { outDir: 'out', cwd: work });
const mkfifo = (file: string): void => {
  mkdirSync(path.dirname(file), { recursive: true });
  execFileSync('mkfifo', [file]);
};

beforeEach(() => {
  work = tempDir('kspec-reads-');
  git(work, 'init', '-q');
  outside = tempDir('kspec-outside-');
  writeFileSync(path.join(outside, 'secret.yaml'), KERNEL_BASE);
});

describe('the repository root is found without running git', () => {
  it('is the nearest folder holding .git, or the folder itself outside git', () => {
    mkdirSync(path.join(work, 'a/b'), { recursive: true });
    expect(repositoryRoot(path.join(work, 'a/b'))).toBe(work);
    // a worktree or submodule has a .git file naming its git folder; its own top level wins
    mkdirSync(path.join(work, 'c/d'), { recursive: true });
    writeFileSync(path.join(work, 'c/.git'), `gitdir: ${path.join(work, '.git')}\n`);
    expect(repositoryRoot(path.join(work, 'c/d'))).toBe(path.join(work, 'c'));
    // a .git file naming nothing is not a top level (as git decides)
    mkdirSync(path.join(work, 'e/f'), { recursive: true });
    writeFileSync(path.join(work, 'e/.git'), 'gitdir: /nowhere\n');
    expect(repositoryRoot(path.join(work, 'e/f'))).toBe(work);
    expect(repositoryRoot(outside)).toBe(outside);
  });
  it('no git process runs: a `git` first on PATH is never called', async () => {
    const bin = tempDir('kspec-bin-');
    writeFileSync(path.join(bin, 'git'), `#!/bin/sh\ntouch '${path.join(outside, 'RAN')}'\nexit 1\n`, { mode: 0o755 });
    write('base/kernel.yaml', KERNEL_BASE);
    write('specs/sub/demo.yaml', child('../../base/kernel.yaml'));
    const saved = process.env.PATH;
    process.env.PATH = `${bin}:${saved}`;
    try {
      expect((await compile('specs/sub/demo.yaml')).diagnostics).toEqual([]);
    } finally {
      process.env.PATH = saved;
    }
    expect(existsSync(path.join(outside, 'RAN'))).toBe(false);
  });
});

describe('extends', () => {
  it('KS3015: a FIFO as base is refused at the extends line, without waiting for a writer', async () => {
    mkfifo(path.join(work, 'base/kernel.yaml'));
    write('specs/demo.yaml', child('../base/kernel.yaml'));
    const d = expectDiagnostic(await compile(), D.FileNotRegular, 1, 10);
    expect(d.message).toBe(message(D.FileNotRegular, { field: 'extends', ref: '../base/kernel.yaml', kind: 'a FIFO' }));
    expect(d.path).toBe('/extends');
  });

  it('KS3015: a folder, or /dev/zero through a symlink inside the repository (refused as leading out)', async () => {
    mkdirSync(path.join(work, 'base/kernel.yaml'), { recursive: true });
    write('specs/demo.yaml', child('../base/kernel.yaml'));
    expect(expectDiagnostic(await compile(), D.FileNotRegular, 1, 10).message).toContain('is a folder, not a regular file');
    symlinkSync('/dev/zero', path.join(work, 'base/zero.yaml'));
    write('specs/demo.yaml', child('../base/zero.yaml'));
    expect(expectDiagnostic(await compile(), D.FileOutsideRepo, 1, 10).message).toContain('is a symlink that leads outside the repository');
  });

  it('KS3016: a 1.5 GB base is refused from its size, not read (a sparse file)', async () => {
    const big = write('base/kernel.yaml', '');
    truncateSync(big, 1.5 * 1024 ** 3);
    write('specs/demo.yaml', child('../base/kernel.yaml'));
    const before = process.memoryUsage().rss;
    const d = expectDiagnostic(await compile(), D.FileTooLarge, 1, 10);
    expect(d.message).toContain(`is ${1.5 * 1024 ** 3} bytes or more; files read for a spec are limited to ${MAX_READ_BYTES} bytes`);
    // nowhere near the file's size: it was never read
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * 1024 * 1024);
  });

  it('a base of exactly 1 MiB is read; one byte more is KS3016', () => {
    const file = write('base/limit.yaml', '#'.repeat(MAX_READ_BYTES));
    const got = readInside(file, work);
    expect('bytes' in got && got.bytes.length).toBe(MAX_READ_BYTES);
    writeFileSync(file, '#'.repeat(MAX_READ_BYTES + 1));
    expect(readInside(file, work)).toEqual({ problem: 'too-large', size: MAX_READ_BYTES + 1, limit: MAX_READ_BYTES });
  });

  it('KS3014: a symlink in the repository that leads out of it is not followed', async () => {
    mkdirSync(path.join(work, 'base'));
    symlinkSync(path.join(outside, 'secret.yaml'), path.join(work, 'base/kernel.yaml'));
    write('specs/demo.yaml', child('../base/kernel.yaml'));
    const d = expectDiagnostic(await compile(), D.FileOutsideRepo, 1, 10);
    expect(d.message).toContain("extends '../base/kernel.yaml' is a symlink that leads outside the repository (base/kernel.yaml)");
    // and a folder symlink on the way out is caught the same way
    symlinkSync(outside, path.join(work, 'elsewhere'));
    write('specs/demo.yaml', child('../elsewhere/secret.yaml'));
    expectDiagnostic(await compile(), D.FileOutsideRepo, 1, 10);
  });

  it('a symlink that stays inside the repository is followed', async () => {
    write('base/real.yaml', KERNEL_BASE);
    symlinkSync('real.yaml', path.join(work, 'base/kernel.yaml'));
    write('specs/demo.yaml', child('../base/kernel.yaml'));
    expect((await compile()).diagnostics).toEqual([]);
  });

  it('KS3017: a NUL byte or an over-long name in extends is located at the extends line, naming the base', async () => {
    write('specs/demo.yaml', child('"../base/a\\0b.yaml"'));
    const nul = expectDiagnostic(await compile(), D.FileBadPath, 1, 10);
    expect(nul.message).toBe(message(D.FileBadPath, { field: 'extends', ref: '../base/a\0b.yaml', reason: 'it holds a NUL byte' }));
    const long = 'x'.repeat(300) + '.yaml';
    write('specs/demo.yaml', child(`../base/${long}`));
    const d = expectDiagnostic(await compile(), D.FileBadPath, 1, 10);
    expect(d.message).toContain('a file name in it is longer than 255 bytes');
    expect(d.message).toContain('(313 characters)');
    // in a base, too: at the base's own extends line
    write('base/kernel.yaml', KERNEL_BASE + `extends: "a\\0"\n`);
    write('specs/demo.yaml', child('../base/kernel.yaml'));
    expect(expectDiagnostic(await compile(), D.FileBadPath, 10, 10).file).toBe('base/kernel.yaml');
  });

  it('pathProblem: NUL, a long component, a long path', () => {
    expect(pathProblem('a/b.yaml')).toBeUndefined();
    expect(pathProblem('a\0')).toBe('it holds a NUL byte');
    expect(pathProblem(`${'a/'.repeat(2100)}b`)).toBe('it is longer than 4095 bytes');
    expect(pathProblem('é'.repeat(128))).toBe('a file name in it is longer than 255 bytes');
  });

  it('__proto__, constructor and prototype in a base are unknown (or, in a free map, reserved) keys, located in the base', async () => {
    write('base/kernel.yaml', KERNEL_BASE + '__proto__: {polluted: true}\nmetadata:\n  labels:\n    constructor: x\n');
    write('specs/demo.yaml', child('../base/kernel.yaml'));
    const r = await compile();
    expect(r.diagnostics.map((d) => [d.code, d.file, d.line, d.column, d.path])).toEqual([
      [D.UnknownKey.code, 'base/kernel.yaml', 10, 1, '/__proto__'],
      [D.ReservedKey.code, 'base/kernel.yaml', 13, 5, '/metadata/labels/constructor'],
    ]);
    expect(r.diagnostics[0]!.message).toBe(message(D.UnknownKey, { key: '__proto__', allowed: [] }));
    expect(r.diagnostics[0]!.fix).toBe(fix(D.UnknownKey, { key: '__proto__', allowed: ROOT_KEYS }));
    expect(r.files).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('merged data is built on null-prototype objects: __proto__ is an own key, never the prototype', () => {
    const over = JSON.parse('{"a": {"__proto__": {"x": 1}}}') as Record<string, unknown>;
    const merged = mergeSpec({ a: { b: 1 } }, over) as Record<string, Record<string, unknown>>;
    expect(Object.getPrototypeOf(merged)).toBeNull();
    expect(Object.getPrototypeOf(merged.a)).toBeNull();
    expect(Object.keys(merged.a!)).toEqual(['b', '__proto__']);
    expect(merged.a!.x).toBeUndefined();
  });
});

describe('the spec itself', () => {
  it('a FIFO named on the command line is refused (exit 2 from the CLI), not waited on', async () => {
    mkfifo(path.join(work, 'specs/demo.yaml'));
    await expect(compile()).rejects.toThrow('it is a FIFO, not a regular file');
  });
  it('an oversize spec is KS1004 from its size, not read', async () => {
    const big = write('specs/demo.yaml', '');
    truncateSync(big, 1.5 * 1024 ** 3);
    expectDiagnostic(await compile(), D.TooLarge, 1, 1);
  });
  it('a spec that is a symlink out of its repository is refused', async () => {
    mkdirSync(path.join(work, 'specs'));
    symlinkSync(path.join(outside, 'secret.yaml'), path.join(work, 'specs/demo.yaml'));
    await expect(compile()).rejects.toThrow('it is a symlink that leads outside the repository');
  });
});

describe('krata provider.configFile', () => {
  const krata = (ref: string): string => KRATA.replace('configFile: build/.config', `configFile: ${ref}`);
  it("KS3014: a '../' path that leaves the repository, even when the file does not exist", async () => {
    write('specs/demo.yaml', krata('../../etc/x.config'));
    const d = expectDiagnostic(await compile(), D.FileOutsideRepo, 14, 15);
    expect(d.message).toBe(message(D.FileOutsideRepo, { field: 'provider.configFile', ref: '../../etc/x.config', how: 'is outside the repository', path: '../etc/x.config' }));
    expect(d.path).toBe('/provider/configFile');
  });
  it('KS3014: a symlink to a file outside; KS3015: a FIFO; KS3016: a 1.5 GB file', async () => {
    mkdirSync(path.join(work, 'specs/build'), { recursive: true });
    symlinkSync(path.join(outside, 'secret.yaml'), path.join(work, 'specs/build/.config'));
    write('specs/demo.yaml', KRATA);
    expectDiagnostic(await compile(), D.FileOutsideRepo, 14, 15);
    mkfifo(path.join(work, 'specs/build/fifo'));
    write('specs/demo.yaml', krata('build/fifo'));
    expectDiagnostic(await compile(), D.FileNotRegular, 14, 15);
    truncateSync(write('specs/build/big', ''), 1.5 * 1024 ** 3);
    write('specs/demo.yaml', krata('build/big'));
    expectDiagnostic(await compile(), D.FileTooLarge, 14, 15);
  });
  it('KS3018: an unreadable file', async () => {
    if (process.getuid?.() === 0) return; // root reads anything
    const f = write('specs/build/.config', 'CONFIG_XEN=y\n');
    execFileSync('chmod', ['000', f]);
    write('specs/demo.yaml', KRATA);
    expect(expectDiagnostic(await compile(), D.FileUnreadable, 14, 15).message).toContain('(permission denied)');
  });
});

describe('rancheros target.dapperfile', () => {
  const ros = (ref: string): string => ROS + `  dapperfile: ${ref}\n`;
  it("KS3014: a '../' path that leaves the repository", async () => {
    write('specs/demo.yaml', ros('../../os/Dockerfile.dapper'));
    expectDiagnostic(await compile(), D.FileOutsideRepo, 18, 15);
  });
  it('KS3014: a symlink out; KS3015: a FIFO or a folder; KS3016: a 1.5 GB file', async () => {
    mkdirSync(path.join(work, 'specs/os'), { recursive: true });
    symlinkSync(path.join(outside, 'secret.yaml'), path.join(work, 'specs/os/Dockerfile.dapper'));
    write('specs/demo.yaml', ros('os/Dockerfile.dapper'));
    expectDiagnostic(await compile(), D.FileOutsideRepo, 18, 15);
    mkfifo(path.join(work, 'specs/os/fifo'));
    write('specs/demo.yaml', ros('os/fifo'));
    expectDiagnostic(await compile(), D.FileNotRegular, 18, 15);
    write('specs/demo.yaml', ros('.'));
    expect(expectDiagnostic(await compile(), D.FileNotRegular, 18, 15).message).toContain('is a folder');
    truncateSync(write('specs/os/big', ''), 1.5 * 1024 ** 3);
    write('specs/demo.yaml', ros('os/big'));
    expectDiagnostic(await compile(), D.FileTooLarge, 18, 15);
  });
});

it('BASE compiles from a file in a repository (the fixtures these tests vary are valid)', async () => {
  write('specs/demo.yaml', BASE);
  expect((await compile()).diagnostics).toEqual([]);
});
