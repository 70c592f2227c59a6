/**
 * rancheros: the emitted files. The ARG block parses as a Dockerfile (dockerfile-ast), the
 * patch applies to a realistic Dockerfile.dapper with `patch --dry-run` and changes only
 * the kernel ARG lines, the build-common overrides win over `: ${VAR:=...}` defaults, and
 * the scripts pass `bash -n` and shellcheck.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DockerfileParser, type Arg } from 'dockerfile-ast';
import { beforeAll, describe, expect, it } from 'vitest';
import { UnsafeValueError } from '../../../quote.js';
import { argLine, KERNEL_ARG_NAMES } from '../../../targets/rancheros/view.js';
import { dapperPatch, replaceKernelArgs } from '../../../targets/rancheros/dapper.js';
import { bashSyntax, lazily, shellcheck, shellcheckAll, tempDir } from '../../../../test/helpers.js';
import { DAPPERFILE, ROS, compileIn, withLine } from './fixtures.js';

const SOURCE = '  kernelSource: {url: https://example.org/linux-4.14.138.tar.gz, sha1: 84B9BC53BBB4DD465B97EA54A71A9805E27AE4F2}\n';
const X86_ONLY = withLine(7, '  arch: [x86_64]').replace(/    aarch64: .*\n/g, '');

async function filesOf(yaml: string, dir = tempDir()): Promise<Map<string, string>> {
  const r = await compileIn(dir, yaml);
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return new Map(r.files.map((f) => [f.path, f.content]));
}

/** ARG name -> value as BuildKit reads it (quotes removed, `\$` unescaped). */
function args(dockerfile: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const a of DockerfileParser.parse(dockerfile).getARGs() as Arg[]) {
    const p = a.getProperty()!;
    const v = p.getValue() ?? '';
    // dockerfile-ast removes the quotes and leaves escapes; BuildKit reads `\$` as `$`.
    out.set(p.getName(), v.startsWith('"') ? JSON.parse(v.replace(/\\\$/g, '$')) : v.replace(/\\\$/g, '$'));
  }
  return out;
}

function run(cmd: string, argv: string[], cwd: string, input?: string) {
  const r = spawnSync(cmd, argv, { cwd, input, encoding: 'utf8' });
  if (r.error) throw r.error;
  return r;
}

/** Writes DAPPERFILE (or `text`) and compiles a spec that names it; returns the folder and the files. */
async function withDapperfile(spec = ROS, text = DAPPERFILE) {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'Dockerfile.dapper'), text);
  const files = await filesOf(spec + '  dapperfile: Dockerfile.dapper\n', dir);
  return { dir, files, patch: files.get('Dockerfile.dapper.patch') };
}

describe('rancheros: Dockerfile.dapper ARG block', () => {
  it('holds KERNEL_VERSION and one KERNEL_URL_<arch> per listed arch, and parses', async () => {
    const text = (await filesOf(ROS)).get('Dockerfile.dapper.args')!;
    expect(DockerfileParser.parse(text).getInstructions().map((i) => i.getKeyword())).toEqual(['ARG', 'ARG', 'ARG']);
    expect(Object.fromEntries(args(text))).toEqual({
      KERNEL_VERSION: '4.14.138-rancher',
      KERNEL_URL_amd64: 'https://example.org/v4.14.138-rancher/linux-4.14.138-rancher-x86.tar.gz',
      KERNEL_URL_arm64: 'https://example.org/v4.14.138-rancher/linux-4.14.138-rancher-arm64.tar.gz',
    });
  });
  it('with only x86_64 listed, sets no arm64 URL and says so', async () => {
    const text = (await filesOf(X86_ONLY)).get('Dockerfile.dapper.args')!;
    expect([...args(text).keys()]).toEqual(['KERNEL_VERSION', 'KERNEL_URL_amd64']);
    expect(text).toContain('# KERNEL_URL_arm64 is not set here');
  });
  it('quotes ARG values for a Dockerfile: $ cannot expand, a newline cannot start an instruction', () => {
    expect(argLine('KERNEL_VERSION', '4.14-$(x)${y}').line).toBe('ARG KERNEL_VERSION="4.14-\\$(x)\\${y}"');
    expect(args(argLine('KERNEL_URL_amd64', 'https://h/a$b').line + '\n').get('KERNEL_URL_amd64')).toBe('https://h/a$b');
    expect(() => argLine('KERNEL_VERSION', '4.14\nRUN reboot')).toThrow(UnsafeValueError);
  });
});

describe('rancheros: the Dockerfile.dapper patch', () => {
  it('applies with patch --dry-run and git apply --check, and changes only the kernel ARG lines', async () => {
    const { dir, files, patch } = await withDapperfile();
    expect(patch).toBeDefined();
    writeFileSync(path.join(dir, 'kernel.patch'), patch!);
    const dry = run('patch', ['--dry-run', '-p1', '-i', 'kernel.patch'], dir);
    expect(dry.stderr).toBe('');
    expect(dry.status, dry.stdout).toBe(0);
    expect(run('git', ['apply', '--check', '-p1', 'kernel.patch'], dir).status).toBe(0);

    const applied = run('patch', ['-p1', '-i', 'kernel.patch'], dir);
    expect(applied.status, applied.stdout + applied.stderr).toBe(0);
    const before = DAPPERFILE.split('\n');
    const after = readFileSync(path.join(dir, 'Dockerfile.dapper'), 'utf8').split('\n');
    expect(after).toHaveLength(before.length);
    const changed = before.flatMap((l, i) => (l === after[i] ? [] : [[l, after[i]]]));
    expect(changed.map(([old]) => old!.split('=')[0])).toEqual(['ARG KERNEL_VERSION', 'ARG KERNEL_URL_amd64', 'ARG KERNEL_URL_arm64']);
    // The new lines are exactly the ARG block's.
    const block = files.get('Dockerfile.dapper.args')!.split('\n').filter((l) => l.startsWith('ARG '));
    expect(changed.map(([, now]) => now)).toEqual(block);
    // The ENV block that re-exports the ARGs is untouched.
    expect(after).toContain('    KERNEL_URL_amd64=${KERNEL_URL_amd64} \\');
  });
  it('has the generated-file header above the diff, where patch ignores it', async () => {
    const { patch } = await withDapperfile();
    const lines = patch!.split('\n');
    expect(lines[0]).toMatch(/^Generated by kspec from spec\.yaml\./);
    expect(lines.slice(2, 4)).toEqual(['--- a/Dockerfile.dapper', '+++ b/Dockerfile.dapper']);
    expect(patch).not.toMatch(/\t|\r/); // no timestamps
  });
  it('leaves the arm64 URL alone when only x86_64 is listed', async () => {
    const { patch } = await withDapperfile(X86_ONLY);
    expect(patch!.split('\n').filter((l) => /^[-+]ARG/.test(l)).map((l) => l.slice(0, l.indexOf('=')))).toEqual([
      '-ARG KERNEL_VERSION',
      '-ARG KERNEL_URL_amd64',
      '+ARG KERNEL_VERSION',
      '+ARG KERNEL_URL_amd64',
    ]);
  });
  it('adds a kernel ARG the file lacks next to the others', () => {
    const text = DAPPERFILE.replace(/ARG KERNEL_URL_arm64=.*\n/, '');
    const lines = [argLine('KERNEL_VERSION', '5.4.0-x'), argLine('KERNEL_URL_amd64', 'https://h/a-x86.tar.gz'), argLine('KERNEL_URL_arm64', 'https://h/a-arm64.tar.gz')];
    const out = replaceKernelArgs(text, lines, KERNEL_ARG_NAMES).split('\n');
    const at = out.indexOf(lines[0]!.line);
    expect(out.slice(at, at + 3)).toEqual(lines.map((l) => l.line));
  });
  it('replaces an ARG whose value continues on the next line as one instruction', () => {
    const text = 'FROM x\nARG KERNEL_VERSION=4.14 \\\n  # continued\nARG OTHER=1\n';
    expect(replaceKernelArgs(text, [argLine('KERNEL_VERSION', '5.4')], KERNEL_ARG_NAMES)).toBe('FROM x\nARG KERNEL_VERSION="5.4"\nARG OTHER=1\n');
  });
  it('is not emitted when the Dockerfile.dapper already says the same (an empty patch fails patch)', async () => {
    const { dir, patch } = await withDapperfile();
    writeFileSync(path.join(dir, 'kernel.patch'), patch!);
    expect(run('patch', ['-p1', '-i', 'kernel.patch'], dir).status).toBe(0);
    const files = await filesOf(ROS + '  dapperfile: Dockerfile.dapper\n', dir);
    expect(files.has('Dockerfile.dapper.patch')).toBe(false);
    expect(dapperPatch('ARG KERNEL_VERSION="1.0"\n', [argLine('KERNEL_VERSION', '1.0')], KERNEL_ARG_NAMES)).toBe('');
  });
  it('is byte-identical across compiles', async () => {
    const a = await withDapperfile();
    const b = await withDapperfile();
    expect(b.files).toEqual(a.files);
  });
});

describe('rancheros: os-kernel build-common overrides', () => {
  it('only with target.kernelSource', async () => {
    expect((await filesOf(ROS)).has('os-kernel/build-common.env')).toBe(false);
  });
  it('win over build-common\'s `: ${VAR:=...}` defaults, sha1 lower-cased', async () => {
    const env = (await filesOf(ROS + SOURCE)).get('os-kernel/build-common.env')!;
    expect(shellcheck(env, 'build-common.env')).toBe('');
    const dir = tempDir();
    writeFileSync(path.join(dir, 'build-common.env'), env);
    // The defaults as build-common writes them, after sourcing the overrides.
    const script = [
      '. ./build-common.env',
      ': ${KERNEL_URL:="https://github.com/rancher/linux/archive/Ubuntu-3.19.0-27.29.tar.gz"}',
      ': ${KERNEL_SHA1:="84b9bc53bbb4dd465b97ea54a71a9805e27ae4f2"}',
      'bash -c \'printf "%s %s\\n" "$KERNEL_URL" "$KERNEL_SHA1"\'',
    ].join('\n');
    const r = run('bash', ['-c', script], dir);
    expect(r.stdout).toBe('https://example.org/linux-4.14.138.tar.gz 84b9bc53bbb4dd465b97ea54a71a9805e27ae4f2\n');
  });
});

describe('rancheros: check-kernel-tarball.sh is clean', () => {
  const variants = {
    'two arches, pinned': ROS,
    'x86_64 only, unpinned, with source': X86_ONLY.replace(/  sha256:\n(    .*\n)+/, '') + SOURCE,
  };
  // One shellcheck run over both variants' scripts.
  const findings = lazily(async () =>
    shellcheckAll(await Promise.all(Object.entries(variants).map(async ([name, spec]) => [`${name}/check-kernel-tarball.sh`, (await filesOf(spec)).get('check-kernel-tarball.sh')!] as const))),
  );
  // The whole run before the variants' tests: it takes a while on a loaded machine.
  beforeAll(async () => {
    await findings();
  }, 300_000);
  for (const [name, spec] of Object.entries(variants)) {
    it(`bash -n and shellcheck: ${name}`, async () => {
      const sh = (await filesOf(spec)).get('check-kernel-tarball.sh')!;
      expect(sh.startsWith('#!/usr/bin/env bash\n# Generated by kspec')).toBe(true);
      expect(bashSyntax(sh)).toBe('');
      expect((await findings()).get(`${name}/check-kernel-tarball.sh`)).toBe('');
    });
  }
});
