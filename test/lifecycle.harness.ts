/**
 * A harness for the lifecycle scripts (kspec-validate-kernel, boot-test.sh, promote.sh,
 * verify-and-record.sh): the spec compiled in memory, its files written to a temp folder,
 * a fake root (KSPEC_ROOT) and a bin/ of shims first on PATH. Shims are bash scripts
 * written per test; each logs its argv (joined by \x1f) to calls.log.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, expect } from 'vitest';
import { compileText, runAsync as runCommand } from './helpers.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

export interface Bench {
  dir: string;
  out: string;
  root: string;
  bin: string;
  log: string;
  env: NodeJS.ProcessEnv;
}

export function put(path: string, content: string | Buffer, mode = 0o644): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  chmodSync(path, mode);
}

/** Shell text: raw (backslashes kept), with \${ written for a literal ${. */
export const sh = (s: TemplateStringsArray): string => String.raw(s).replace(/\\\$\{/g, '${');

/** A shim: logs its call, then runs `body` (bash). */
export function shim(b: Bench, name: string, body: string): void {
  put(join(b.bin, name), `#!/bin/bash\nset -euo pipefail\n{ printf '%s' "\${0##*/}"; printf '\\x1f%s' "$@"; printf '\\n'; } >>"$SHIM_LOG"\n${body}\n`, 0o755);
}

/** Compiles `yaml` and writes its files to <dir>/out; fails the test on any error. */
export async function bench(yaml: string): Promise<Bench> {
  const r = await compileText(yaml);
  expect(r.diagnostics.filter((d) => d.severity === 'error'), JSON.stringify(r.diagnostics)).toEqual([]);
  const dir = mkdtempSync(join(tmpdir(), 'kspec-lifecycle-'));
  dirs.push(dir);
  const out = join(dir, 'out');
  for (const f of r.files) put(join(out, f.path), f.content, f.mode);
  const b: Bench = {
    dir,
    out,
    root: join(dir, 'root'),
    bin: join(dir, 'bin'),
    log: join(dir, 'calls.log'),
    env: {},
  };
  mkdirSync(b.root, { recursive: true });
  mkdirSync(b.bin, { recursive: true });
  put(b.log, '');
  b.env = { PATH: `${b.bin}:${process.env.PATH}`, HOME: dir, LC_ALL: 'C', KSPEC_ROOT: b.root, SHIM_LOG: b.log, TMPDIR: dir };
  return b;
}

export function run(b: Bench, script: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; out: string } {
  const r = spawnSync('bash', [join(b.out, script), ...args], { env: { ...b.env, ...env }, encoding: 'utf8', cwd: b.dir, timeout: 60_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, out: `${r.stdout}${r.stderr}` };
}

/**
 * run without blocking the worker: for a script that mostly waits (boot-test.sh polls a
 * console), so that a file's tests can wait at the same time (describe.concurrent).
 */
export async function runAsync(b: Bench, script: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; stdout: string; out: string }> {
  const r = await runCommand('bash', [join(b.out, script), ...args], { env: { ...b.env, ...env }, cwd: b.dir, timeout: 60_000 });
  if (r.status === null) throw new Error(`${script} did not exit within 60 s:\n${r.stdout}${r.stderr}`);
  return { status: r.status, stdout: r.stdout, out: `${r.stdout}${r.stderr}` };
}

export function calls(b: Bench, tool?: string): string[][] {
  return readFileSync(b.log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\x1f'))
    .filter((c) => tool === undefined || c[0] === tool);
}

export const BOOTC = `apiVersion: kspec.dev/v1alpha1
kind: KernelSpec
metadata:
  name: margine-cachyos
kernel:
  package: kernel-cachyos
provider:
  type: copr
  repo: bieszczaders/kernel-cachyos
  packages: [kernel-cachyos, kernel-cachyos-core, kernel-cachyos-modules, kernel-cachyos-devel-matched]
signing:
  keySecret: mok-key
  certSecret: mok-cert
  enroll: first-boot
target:
  platform: bootc
  base: ghcr.io/ublue-os/bluefin-dx:stable
  image: ghcr.io/margine/margine
`;

export const KAIROS_UBUNTU = `apiVersion: kspec.dev/v1alpha1
kind: KernelSpec
metadata:
  name: kairos-ubuntu-hwe
kernel:
  version: 6.8.0-45-generic
provider:
  type: repo
  packages: [linux-image-generic-hwe-24.04, linux-headers-generic-hwe-24.04]
target:
  platform: kairos
  base: ubuntu:24.04
  family: ubuntu
  framework: quay.io/kairos/framework:v2.4.3
  model: generic
  os: {name: kairos-ubuntu, version: v1.2.0, repo: ghcr.io/example/kairos-ubuntu}
`;
