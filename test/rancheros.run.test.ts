/**
 * rancheros: check-kernel-tarball.sh run for real against small tarballs built here: a
 * good one (os-kernel's ./-prefixed layout), one whose vmlinuz carries another release,
 * one without lib/firmware, and one whose checksum differs from the spec's.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';
import { ROS, SUM_X86, compileIn, withLine } from './rancheros.fixtures.js';

const KVER = '4.14.138-rancher';

/** A gzip tarball of the given files (path -> content), entries written as ./path like os-kernel's. */
function tarball(name: string, files: Record<string, string>): string {
  const dir = tempDir('kspec-ros-tar-');
  const root = path.join(dir, 'root');
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    writeFileSync(path.join(root, p), content);
  }
  const out = path.join(dir, name);
  const r = spawnSync('tar', ['-czf', out, '-C', root, '.'], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return out;
}

const GOOD = {
  [`boot/vmlinuz-${KVER}`]: 'kernel',
  [`boot/System.map-${KVER}`]: 'map',
  [`lib/modules/${KVER}/kernel/fs/btrfs/btrfs.ko`]: 'ko',
  [`lib/modules/${KVER}/modules.dep`]: '',
  'lib/firmware/intel/ucode.bin': 'fw',
};

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Compiles `spec` and returns the path of its check-kernel-tarball.sh. */
async function script(spec: string): Promise<string> {
  const r = await compileIn(tempDir(), spec);
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const f = r.files.find((x) => x.path === 'check-kernel-tarball.sh')!;
  const file = path.join(tempDir('kspec-ros-sh-'), f.path);
  writeFileSync(file, f.content, { mode: f.mode });
  return file;
}

function check(sh: string, ...args: string[]) {
  const r = spawnSync('bash', [sh, ...args], { encoding: 'utf8' });
  if (r.error) throw r.error;
  return { status: r.status, out: r.stdout, err: r.stderr };
}

/** A spec pinning `sum` for x86_64 (upper-case, as a user may paste it). */
const pinned = (sum: string) => withLine(14, `    x86_64: ${sum.toUpperCase()}`);

describe('check-kernel-tarball.sh', () => {
  it('passes a good tarball whose sha256 the spec pins', async () => {
    const tgz = tarball(`linux-${KVER}-x86.tar.gz`, GOOD);
    const r = check(await script(pinned(sha256(tgz))), '--arch', 'x86_64', tgz);
    expect(r.status, r.out + r.err).toBe(0);
    expect(r.out).toContain(`ok    boot/vmlinuz-${KVER}\n`);
    expect(r.out).toContain(`ok    lib/modules/${KVER}/\n`);
    expect(r.out).toContain('ok    lib/firmware/\n');
    expect(r.out).toContain(`ok    sha256 ${sha256(tgz)}\n`);
  });

  it('names the vmlinuz it found when the kernel release differs from kernel.version', async () => {
    const bad = { ...GOOD, 'boot/vmlinuz-4.14.138': 'kernel', 'lib/modules/4.14.138/modules.dep': '' };
    delete (bad as Record<string, string>)[`boot/vmlinuz-${KVER}`];
    for (const k of Object.keys(bad)) if (k.startsWith(`lib/modules/${KVER}/`)) delete (bad as Record<string, string>)[k];
    const tgz = tarball('wrong-name.tar.gz', bad);
    const r = check(await script(pinned(sha256(tgz))), '--arch=x86_64', tgz);
    expect(r.status).toBe(1);
    expect(r.out).toContain(`FAIL  no boot/vmlinuz-${KVER}, found boot/vmlinuz-4.14.138: the kernel's release (CONFIG_LOCALVERSION) must equal kernel.version '${KVER}'`);
    expect(r.out).toContain(`FAIL  no lib/modules/${KVER}/, found lib/modules/4.14.138:`);
    expect(r.out).toContain('ok    lib/firmware/\n');
    expect(r.out).toContain(`${tgz}: 2 problem(s):`);
  });

  it('reports a missing lib/firmware/', async () => {
    const noFw = Object.fromEntries(Object.entries(GOOD).filter(([k]) => !k.startsWith('lib/firmware/')));
    const tgz = tarball('no-firmware.tar.gz', noFw);
    const r = check(await script(pinned(sha256(tgz))), '--arch', 'x86_64', tgz);
    expect(r.status).toBe(1);
    expect(r.out).toContain('FAIL  no lib/firmware/: os-kernel packages the firmware with the kernel');
    expect(r.out).toContain(`ok    boot/vmlinuz-${KVER}\n`);
    expect(r.out).toContain(': 1 problem(s):');
  });

  it('reports a checksum mismatch with both sums, and every other problem too', async () => {
    const tgz = tarball('mismatch.tar.gz', { ...GOOD, 'lib/firmware/intel/ucode.bin': 'other' });
    const noFw = tarball('both.tar.gz', { [`boot/vmlinuz-${KVER}`]: 'k', [`lib/modules/${KVER}/x`]: '' });
    const sh = await script(ROS); // pins SUM_X86, which neither tarball has
    const r = check(sh, '--arch', 'x86_64', tgz);
    expect(r.status).toBe(1);
    expect(r.out).toContain(`FAIL  sha256 is ${sha256(tgz)} but provider.sha256.x86_64 is ${SUM_X86}: this is not the tarball the spec pins`);
    const both = check(sh, '--arch', 'x86_64', noFw);
    expect(both.out).toMatch(/FAIL  no lib\/firmware\/.*\nFAIL  sha256 is /s);
    expect(both.out).toContain(': 2 problem(s):');
  });

  it('without a pinned sha256, prints the tarball\'s so it can be pinned, and passes', async () => {
    const tgz = tarball('unpinned.tar.gz', GOOD);
    const spec = withLine(7, '  arch: [x86_64]').replace(/    aarch64: .*\n/g, '').replace(/  sha256:\n(    .*\n)+/, '');
    const r = check(await script(spec), tgz); // one arch: --arch is optional
    expect(r.status, r.out + r.err).toBe(0);
    expect(r.out).toContain(`note  the spec pins no sha256 for x86_64; this tarball has ${sha256(tgz)}: pin it in provider.sha256.x86_64`);
  });

  it('reports a file that is not a tar archive, and refuses usage errors with status 2', async () => {
    const sh = await script(ROS);
    const junk = path.join(tempDir(), 'junk.tar.gz');
    writeFileSync(junk, 'not a tarball');
    const r = check(sh, '--arch', 'aarch64', junk);
    expect(r.status).toBe(1);
    expect(r.out).toContain('FAIL  tar cannot list');
    expect(check(sh, junk).status).toBe(2); // two arches: --arch is required
    expect(check(sh, '--arch', 'riscv64', junk).status).toBe(2);
    expect(check(sh, '--arch', 'x86_64', path.join(tempDir(), 'missing.tar.gz')).status).toBe(2);
  });
});
