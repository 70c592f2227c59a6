/**
 * rancheros: check-kernel-tarball.sh run for real against small tarballs built here: a
 * good one (os-kernel's ./-prefixed layout), one whose vmlinuz carries another release
 * than its modules, one without lib/firmware, and one whose checksum differs from the
 * spec's. src/targets/rancheros/test/layout.test.ts compares its verdicts with rancher/os's own
 * scripts/layout-kernel.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../../test/helpers.js';
import { ROS, SUM_X86, compileIn, withLine } from './fixtures.js';

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
    expect(r.out).toContain(`ok    kernel boot/vmlinuz-${KVER} (the build copies it to vmlinuz-<KERNEL_VERSION>)\n`);
    expect(r.out).toContain(`ok    modules lib/modules/${KVER}/\n`);
    expect(r.out).toContain('ok    lib/firmware/\n');
    expect(r.out).toContain(`ok    sha256 ${sha256(tgz)}\n`);
  });

  it('accepts a kernel named for another release than kernel.version, as layout-kernel does, and warns when its modules differ', async () => {
    const bad = { ...GOOD, 'boot/vmlinuz-4.14.138': 'kernel' };
    delete (bad as Record<string, string>)[`boot/vmlinuz-${KVER}`];
    const tgz = tarball('other-name.tar.gz', bad);
    const r = check(await script(pinned(sha256(tgz))), '--arch=x86_64', tgz);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain('ok    kernel boot/vmlinuz-4.14.138 ');
    expect(r.out).toContain(`warn  the kernel is named for release 4.14.138 but the modules are lib/modules/${KVER}:`);
  });

  it('warns about a missing lib/firmware/ (layout-kernel accepts it)', async () => {
    const noFw = Object.fromEntries(Object.entries(GOOD).filter(([k]) => !k.startsWith('lib/firmware/')));
    const tgz = tarball('no-firmware.tar.gz', noFw);
    const r = check(await script(pinned(sha256(tgz))), '--arch', 'x86_64', tgz);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain('warn  no lib/firmware/: os-kernel packages the firmware with the kernel');
    expect(r.out).toContain(`ok    kernel boot/vmlinuz-${KVER} `);
  });

  it('reports a checksum mismatch with both sums, and every other problem too', async () => {
    const tgz = tarball('mismatch.tar.gz', { ...GOOD, 'lib/firmware/intel/ucode.bin': 'other' });
    const noKernel = tarball('both.tar.gz', { [`lib/modules/${KVER}/x`]: '' });
    const sh = await script(ROS); // pins SUM_X86, which neither tarball has
    const r = check(sh, '--arch', 'x86_64', tgz);
    expect(r.status).toBe(1);
    expect(r.out).toContain(`FAIL  sha256 is ${sha256(tgz)} but provider.sha256.x86_64 is ${SUM_X86}: this is not the tarball the spec pins`);
    const both = check(sh, '--arch', 'x86_64', noKernel);
    expect(both.out).toMatch(/FAIL  no single boot\/vmlinuz-\* or boot\/vmlinux-\*.*\nFAIL  sha256 is /s);
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
    expect(r.out).toContain('FAIL  tar cannot extract');
    expect(check(sh, junk).status).toBe(2); // two arches: --arch is required
    expect(check(sh, '--arch', 'riscv64', junk).status).toBe(2);
    expect(check(sh, '--arch', 'x86_64', path.join(tempDir(), 'missing.tar.gz')).status).toBe(2);
  });
});
