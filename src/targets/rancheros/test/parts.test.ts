/**
 * RancherOS provider.headers and provider.extras: os-kernel's build-linux-<kver>-<arch>.tar.gz
 * and extra-linux-<kver>-<arch>.tar.gz (rancher/os-kernel at 1ed0df3: scripts/build-common's
 * list_build_files and split_tar, images/10-headers/headers.sh and images/10-extras/extra.sh).
 * The emitted check-headers-tarball.sh and check-extras-tarball.sh run on tarballs laid out
 * as os-kernel packs them and on broken ones; os-kernel/place-tarballs.sh places checked
 * tarballs in a fake os-kernel checkout (curl is a shim serving local files); and the checks
 * of the spec, each with its line and column.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { D } from '../../../diagnostics/catalogue.js';
import { RANCHEROS } from '../diagnostics.js';
import { expectDiagnostic, tempDir } from '../../../../test/helpers.js';
import { ROS, compileIn } from './fixtures.js';

const KVER = '4.14.138-rancher';
const REL = 'https://example.org/v4.14.138-rancher';

/** ROS with headers and extras for both arches, no part checksums unless given. */
function spec(extra = ''): string {
  return ROS.replace(
    'target:\n',
    `  headers:
    x86_64: ${REL}/build-linux-${KVER}-x86.tar.gz
    aarch64: ${REL}/build-linux-${KVER}-arm64.tar.gz
  extras:
    x86_64: ${REL}/extra-linux-${KVER}-x86.tar.gz
    aarch64: ${REL}/extra-linux-${KVER}-arm64.tar.gz
${extra}target:\n`,
  );
}

/** The emitted scripts of a spec, written to a folder (the output folder's layout). */
async function emitted(yaml: string): Promise<string> {
  const r = await compileIn(tempDir(), yaml);
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const dir = tempDir('kspec-ros-parts-out-');
  for (const f of r.files) {
    const p = path.join(dir, f.path);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, f.content, { mode: f.mode ?? 0o644 });
  }
  return dir;
}

/** A tarball of `entries` (path -> content), written ./-prefixed as os-kernel's tar does. */
function tarball(name: string, entries: Record<string, string>, opts: { compress?: 'gzip' | 'xz'; names?: string[] } = {}): string {
  const dir = tempDir('kspec-ros-parts-');
  const root = path.join(dir, 'root');
  mkdirSync(root);
  for (const [p, c] of Object.entries(entries)) {
    mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    writeFileSync(path.join(root, p), c);
  }
  const out = path.join(dir, name);
  const flag = opts.compress === 'xz' ? '-cJf' : '-czf';
  const r = spawnSync('tar', [flag, out, '-C', root, ...(opts.names ?? ['.'])], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return out;
}

const HEADERS = (arch = 'x86'): Record<string, string> => ({
  Makefile: 'VERSION = 4\n',
  Kconfig: 'source "arch/$SRCARCH/Kconfig"\n',
  // find . -name Makefile\* -o -name Kconfig\* also finds the source tree's own lib/.
  'lib/Makefile': 'obj-y += string.o\n',
  'lib/Kconfig.debug': 'menu "Kernel hacking"\n',
  'drivers/net/Kconfig': 'menuconfig NETDEVICES\n',
  'include/linux/module.h': '/* */\n',
  'include/generated/autoconf.h': '#define CONFIG_MODULES 1\n',
  'scripts/Makefile.build': '# build\n',
  'scripts/mod/modpost.c': '/* */\n',
  [`arch/${arch}/Makefile`]: '# arch\n',
  [`arch/${arch}/include/asm/module.h`]: '/* */\n',
  'Module.symvers': '0x0\tprintk\tvmlinux\tEXPORT_SYMBOL\n',
});

const EXTRAS = (rel = KVER): Record<string, string> => ({
  [`lib/modules/${rel}/kernel/drivers/net/wireless/ath10k.ko`]: 'ko',
  [`lib/modules/${rel}/kernel/drivers/media/usb/uvc.ko`]: 'ko',
  'lib/firmware/ath10k/QCA6174/firmware-6.bin': 'fw',
});

function run(script: string, args: string[], env: NodeJS.ProcessEnv = {}): { status: number; out: string } {
  const r = spawnSync('bash', [script, ...args], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C', ...env } });
  if (r.error) throw r.error;
  return { status: r.status!, out: r.stdout + r.stderr };
}

describe('check-headers-tarball.sh', async () => {
  const out = await emitted(spec());
  const check = (tgz: string, arch = 'x86_64'): { status: number; out: string } => run(path.join(out, 'check-headers-tarball.sh'), ['--arch', arch, tgz]);

  it('accepts headers packed as list_build_files packs them, for each arch', () => {
    const x86 = check(tarball(`build-linux-${KVER}-x86.tar.gz`, HEADERS()));
    expect(x86.status, x86.out).toBe(0);
    expect(x86.out).toContain('ok    arch/x86/');
    expect(x86.out).toContain('ok    Module.symvers');
    expect(x86.out).toMatch(/note  the spec pins no sha256 for x86_64; this tarball has [0-9a-f]{64}: pin it in provider\.headersSha256\.x86_64/);
    const arm = check(tarball(`build-linux-${KVER}-arm64.tar.gz`, HEADERS('arm64')), 'aarch64');
    expect(arm.status, arm.out).toBe(0);
  });

  it('refuses the headers of another arch', () => {
    const r = check(tarball('build.tar.gz', HEADERS('arm64')));
    expect(r.status).toBe(1);
    expect(r.out).toContain('FAIL  no arch/x86/: an out-of-tree module build needs it');
  });

  it('refuses a tree without Makefile, include/ or scripts/, and reports every problem', () => {
    const h = HEADERS();
    for (const k of Object.keys(h)) if (k === 'Makefile' || k.startsWith('include/') || k.startsWith('scripts/')) delete h[k];
    const r = check(tarball('build.tar.gz', h));
    expect(r.status).toBe(1);
    expect(r.out).toContain('FAIL  no top-level Makefile');
    expect(r.out).toContain('FAIL  no include/');
    expect(r.out).toContain('FAIL  no scripts/');
    expect(r.out).toContain('3 problem(s)');
  });

  it('refuses the kernel tarball given as the headers', () => {
    const r = check(tarball('build.tar.gz', { [`boot/vmlinuz-${KVER}`]: 'k', [`lib/modules/${KVER}/kernel/a.ko`]: 'ko' }));
    expect(r.status).toBe(1);
    expect(r.out).toContain('FAIL  boot/ in the headers: this looks like the kernel or extras tarball');
    expect(r.out).toContain('FAIL  lib/modules/ in the headers');
    const extras = check(tarball('build.tar.gz', { ...HEADERS(), 'lib/firmware/a.bin': 'fw' }));
    expect(extras.status).toBe(1);
    expect(extras.out).toContain('FAIL  lib/firmware/ in the headers');
  });

  it('refuses what the image cannot unpack: not gzip, names with ..', () => {
    const xz = check(tarball('build.tar.xz', HEADERS(), { compress: 'xz' }));
    expect(xz.status).toBe(1);
    expect(xz.out).toContain('FAIL  not a gzip file: the image unpacks it with gzip -dc');
    const dir = tempDir('kspec-ros-dotdot-');
    mkdirSync(path.join(dir, 'a'));
    writeFileSync(path.join(dir, 'evil'), 'x');
    for (const [k, v] of Object.entries(HEADERS())) {
      mkdirSync(path.dirname(path.join(dir, 'a', k)), { recursive: true });
      writeFileSync(path.join(dir, 'a', k), v);
    }
    const tgz = path.join(dir, 'dotdot.tar.gz');
    const t = spawnSync('tar', ['-czPf', tgz, '-C', path.join(dir, 'a'), '.', '../evil'], { encoding: 'utf8' });
    expect(t.status, t.stderr).toBe(0);
    const r = check(tgz);
    expect(r.status).toBe(1);
    expect(r.out).toContain('FAIL  names that leave the folder it is unpacked into: ../evil');
  });

  it('warns without Module.symvers or a configured tree, and still passes', () => {
    const h = HEADERS();
    delete h['Module.symvers'];
    delete h['include/generated/autoconf.h'];
    const r = check(tarball('build.tar.gz', h));
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain('warn  no Module.symvers');
    expect(r.out).toContain('warn  no include/generated/autoconf.h');
  });

  it('fails when the spec pins another sha256', async () => {
    const pinned = await emitted(spec(`  headersSha256:\n    x86_64: ${'c'.repeat(64)}\n    aarch64: ${'d'.repeat(64)}\n`));
    const r = run(path.join(pinned, 'check-headers-tarball.sh'), ['--arch', 'x86_64', tarball('build.tar.gz', HEADERS())]);
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/FAIL  sha256 is [0-9a-f]{64} but provider\.headersSha256\.x86_64 is c{64}/);
  });
});

describe('check-extras-tarball.sh', async () => {
  const out = await emitted(spec());
  const check = (tgz: string, ...args: string[]): { status: number; out: string } => run(path.join(out, 'check-extras-tarball.sh'), ['--arch', 'x86_64', ...args, tgz]);

  it('accepts extras packed as split_tar packs them (modules of one release and firmware)', () => {
    const r = check(tarball(`extra-linux-${KVER}-x86.tar.gz`, EXTRAS()));
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain(`ok    modules for ${KVER} (2)`);
    expect(r.out).toContain('ok    firmware (1)');
    const rel = check(tarball('extra.tar.gz', EXTRAS('4.14.138-rancher2')), '--release', '4.14.138-rancher2');
    expect(rel.status, rel.out).toBe(0);
  });

  it('refuses anything it would unpack outside lib/modules and lib/firmware', () => {
    const r = check(tarball('extra.tar.gz', { ...EXTRAS(), 'etc/modprobe.d/blacklist.conf': 'x', 'boot/vmlinuz': 'k' }));
    expect(r.status).toBe(1);
    expect(r.out).toContain('FAIL  outside lib/modules/ and lib/firmware/ (extra.sh unpacks this over /)');
    expect(r.out).toContain('etc/modprobe.d/blacklist.conf');
  });

  it('refuses modules of two kernels, and modules of another release than --release', () => {
    const two = check(tarball('extra.tar.gz', { ...EXTRAS(), ...EXTRAS('4.14.137-rancher') }));
    expect(two.status).toBe(1);
    expect(two.out).toContain('FAIL  modules for several releases (4.14.137-rancher 4.14.138-rancher)');
    const other = check(tarball('extra.tar.gz', EXTRAS('4.14.137-rancher')), '--release', KVER);
    expect(other.status).toBe(1);
    expect(other.out).toContain(`FAIL  modules for 4.14.137-rancher, but the kernel's module folder is ${KVER} (--release)`);
  });

  it('warns when the release is not kernel.version and no --release says which it must be', () => {
    const r = check(tarball('extra.tar.gz', EXTRAS('4.14.138-rancher2')));
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain(`warn  modules for 4.14.138-rancher2, not kernel.version ${KVER}`);
  });

  it('refuses a tarball that is not gzip, and an empty one', () => {
    expect(check(tarball('extra.tar.xz', EXTRAS(), { compress: 'xz' })).out).toContain('FAIL  not a gzip file');
    const empty = check(tarball('extra.tar.gz', {}));
    expect(empty.status).toBe(1);
    expect(empty.out).toContain('FAIL  the tarball is empty');
  });
});

describe('os-kernel/place-tarballs.sh', async () => {
  const out = await emitted(spec());

  function setup(files: Record<string, string>): { checkout: string; env: NodeJS.ProcessEnv } {
    const box = tempDir('kspec-ros-place-');
    const serve = path.join(box, 'serve');
    mkdirSync(serve);
    for (const [name, src] of Object.entries(files)) spawnSync('cp', [src, path.join(serve, name)]);
    const bin = path.join(box, 'bin');
    mkdirSync(bin);
    // curl -fsSL --retry 3 -o FILE -- URL: serves the URL's file name from `serve`.
    writeFileSync(
      path.join(bin, 'curl'),
      `#!/usr/bin/env bash\nwhile (( $# )); do case $1 in -o) o=$2; shift 2 ;; --retry) shift 2 ;; --) u=$2; shift 2 ;; *) shift ;; esac; done\ncp -- "${serve}/\${u##*/}" "$o" 2>/dev/null || { echo "curl: (22) 404 \${u##*/}" >&2; exit 22; }\n`,
    );
    chmodSync(path.join(bin, 'curl'), 0o755);
    const checkout = path.join(box, 'os-kernel');
    mkdirSync(path.join(checkout, 'scripts'), { recursive: true });
    writeFileSync(path.join(checkout, 'scripts', 'package-kernel'), '#!/bin/bash\n');
    return { checkout, env: { PATH: `${bin}:${process.env.PATH}` } };
  }

  const kernel = (): string =>
    tarball(`linux-${KVER}-x86.tar.gz`, { [`boot/vmlinuz-${KVER}`]: 'k', [`lib/modules/${KVER}/kernel/fs/btrfs.ko`]: 'ko', 'lib/firmware/a.bin': 'fw' });

  it("downloads, checks and places the three under the names os-kernel's build looks for", () => {
    const { checkout, env } = setup({
      [`linux-${KVER}-x86.tar.gz`]: kernel(),
      [`build-linux-${KVER}-x86.tar.gz`]: tarball('b.tar.gz', HEADERS()),
      [`extra-linux-${KVER}-x86.tar.gz`]: tarball('e.tar.gz', EXTRAS()),
    });
    // The ROS spec pins the kernel tarballs' sha256 (fixtures that are not these files):
    // the kernel check fails on the checksum, so place-tarballs stops there.
    const pinned = run(path.join(out, 'os-kernel', 'place-tarballs.sh'), ['--arch', 'x86_64', checkout], env);
    expect(pinned.status).not.toBe(0);
    expect(pinned.out).toContain('but provider.sha256.x86_64 is');
    expect(existsSync(path.join(checkout, 'dist', 'kernel', `linux-${KVER}-x86.tar.gz`))).toBe(false);
  });

  it('places what passes its check, and stops at the first that does not', async () => {
    const unpinned = await emitted(spec().replace(/  sha256:\n(    .*\n)+/, ''));
    const { checkout, env } = setup({
      [`linux-${KVER}-x86.tar.gz`]: kernel(),
      [`build-linux-${KVER}-x86.tar.gz`]: tarball('b.tar.gz', HEADERS()),
      [`extra-linux-${KVER}-x86.tar.gz`]: tarball('e.tar.gz', EXTRAS()),
    });
    const r = run(path.join(unpinned, 'os-kernel', 'place-tarballs.sh'), ['--arch', 'x86_64', checkout], env);
    expect(r.status, r.out).toBe(0);
    expect(readdirSync(path.join(checkout, 'dist', 'kernel')).sort()).toEqual([
      `build-linux-${KVER}-x86.tar.gz`,
      `extra-linux-${KVER}-x86.tar.gz`,
      `linux-${KVER}-x86.tar.gz`,
    ]);

    const bad = setup({
      [`linux-${KVER}-x86.tar.gz`]: kernel(),
      [`build-linux-${KVER}-x86.tar.gz`]: tarball('b.tar.gz', HEADERS('arm64')),
      [`extra-linux-${KVER}-x86.tar.gz`]: tarball('e.tar.gz', EXTRAS()),
    });
    const f = run(path.join(unpinned, 'os-kernel', 'place-tarballs.sh'), ['--arch', 'x86_64', bad.checkout], bad.env);
    expect(f.status).not.toBe(0);
    expect(f.out).toContain('FAIL  no arch/x86/');
    expect(readdirSync(path.join(bad.checkout, 'dist', 'kernel'))).toEqual([`linux-${KVER}-x86.tar.gz`]);
  });

  it('refuses a folder that is not an os-kernel checkout', () => {
    const r = run(path.join(out, 'os-kernel', 'place-tarballs.sh'), [tempDir()]);
    expect(r.status).toBe(2);
    expect(r.out).toContain('is not a rancher/os-kernel checkout (no scripts/package-kernel)');
  });
});

describe('provider.headers and provider.extras: checks', () => {
  // spec() lines: 16 headers, 17 x86_64, 18 aarch64, 19 extras, 20 x86_64, 21 aarch64.
  it('no files for them without the fields; the three files with them', async () => {
    const plain = await compileIn(tempDir(), ROS);
    expect(plain.files.map((f) => f.path)).not.toContain('os-kernel/place-tarballs.sh');
    const full = await compileIn(tempDir(), spec());
    expect(full.files.map((f) => f.path)).toEqual(expect.arrayContaining(['check-headers-tarball.sh', 'check-extras-tarball.sh', 'os-kernel/place-tarballs.sh']));
  });

  it('KS6013: an arch of kernel.arch without a headers tarball', async () => {
    const r = await compileIn(tempDir(), spec().replace(`    aarch64: ${REL}/build-linux-${KVER}-arm64.tar.gz\n`, ''));
    expectDiagnostic(r, RANCHEROS.RancherosPartArchMissing, 16, 3);
  });

  it('KS6014: no sha256 for a part is a warning per arch, at the field', async () => {
    const r = await compileIn(tempDir(), spec());
    const at = r.diagnostics.filter((d) => d.code === 'KS6014').map((d) => [d.line, d.column, d.severity, d.path]);
    expect(at).toEqual([
      [16, 3, 'warning', '/provider/headers'],
      [16, 3, 'warning', '/provider/headers'],
      [19, 3, 'warning', '/provider/extras'],
      [19, 3, 'warning', '/provider/extras'],
    ]);
    // With one map pinned for x86_64 only, its aarch64 entry points at that map (line 22).
    const one = await compileIn(tempDir(), spec(`  extrasSha256:\n    x86_64: ${'e'.repeat(64)}\n`));
    const extras = one.diagnostics.filter((d) => d.code === 'KS6014' && d.path === '/provider/extrasSha256');
    expect(extras.map((d) => [d.line, d.column])).toEqual([[22, 3]]);
    expectDiagnostic({ ...one, diagnostics: extras } as typeof one, RANCHEROS.RancherosPartUnpinned, 22, 3);
    const pinned = await compileIn(tempDir(), spec(`  headersSha256:\n    x86_64: ${'c'.repeat(64)}\n    aarch64: ${'d'.repeat(64)}\n`));
    expect(pinned.diagnostics.filter((d) => d.code === 'KS6014')).toHaveLength(2);
  });

  it('KS6015: a name that is not the part of that arch; KS6016: the kernel tarball given as a part', async () => {
    const wrong = await compileIn(tempDir(), spec().replace(`build-linux-${KVER}-arm64.tar.gz`, `build-linux-${KVER}-x86.tar.gz`));
    expectDiagnostic(wrong, RANCHEROS.RancherosPartName, 18, 14);
    const kernel = await compileIn(tempDir(), spec().replace(`${REL}/extra-linux-${KVER}-x86.tar.gz`, `${REL}/linux-${KVER}-x86.tar.gz`));
    expectDiagnostic(kernel, RANCHEROS.RancherosPartIsKernel, 20, 13);
    expect(kernel.files).toEqual([]);
  });

  it('KS3004: an http part URL is refused like the kernel tarball', async () => {
    const r = await compileIn(tempDir(), spec().replace(`    x86_64: ${REL}/build-linux`, `    x86_64: http://example.org/v4.14.138-rancher/build-linux`));
    expectDiagnostic(r, D.InsecureUrl, 17, 13);
  });
});
