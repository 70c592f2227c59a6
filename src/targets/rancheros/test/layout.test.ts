/**
 * check-kernel-tarball.sh against rancher/os's own scripts/layout-kernel (vendored under
 * test/data/rancheros/, see SOURCE.md): the same small tarballs go through both, upstream's
 * script run in a fake root (DOWNLOADS, BUILD, ARTIFACTS, INITRD_DIR in a temp folder, a
 * depmod shim that succeeds when `-b BASE VERSION` names a module folder, as depmod does),
 * and their verdicts must agree, for amd64 and arm64.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../../../../test/helpers.js';
import { ROS, compileIn } from './fixtures.js';

const KVER = '4.14.138-rancher';
const LAYOUT_KERNEL = path.join(ROOT, 'test', 'data', 'rancheros', 'layout-kernel');
const ENV = { ...process.env, LC_ALL: 'C' };

type Entry = string | { dir: true } | { link: string };

/** A gzip tarball of the entries (path -> file content, folder or symlink), written as ./path. */
function tarball(name: string, entries: Record<string, Entry>): string {
  const dir = tempDir('kspec-ros-layout-');
  const root = path.join(dir, 'root');
  mkdirSync(root);
  for (const [p, e] of Object.entries(entries)) {
    const abs = path.join(root, p);
    mkdirSync(path.dirname(abs), { recursive: true });
    if (typeof e === 'string') writeFileSync(abs, e);
    else if ('dir' in e) mkdirSync(abs, { recursive: true });
    else symlinkSync(e.link, abs);
  }
  const out = path.join(dir, name);
  const r = spawnSync('tar', ['-czf', out, '-C', root, '.'], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return out;
}

const mods = (rel: string) => ({ [`lib/modules/${rel}/modules.dep`]: '', [`lib/modules/${rel}/kernel/fs/btrfs.ko`]: 'ko' });
const GOOD: Record<string, Entry> = {
  [`boot/vmlinuz-${KVER}`]: 'kernel',
  [`boot/System.map-${KVER}`]: 'map',
  ...mods(KVER),
  'lib/firmware/intel/ucode.bin': 'fw',
};

/** Runs upstream's layout-kernel in a fake root; its exit status. */
function upstream(tgz: string, arch: 'amd64' | 'arm64'): { status: number; out: string } {
  const box = tempDir('kspec-ros-upstream-');
  const dirs = { DAPPER_SOURCE: 'src', DOWNLOADS: 'downloads', BUILD: 'build', ARTIFACTS: 'artifacts', INITRD_DIR: 'initrd' };
  const env: Record<string, string> = { ...ENV, ARCH: arch, KERNEL_VERSION: KVER } as Record<string, string>;
  for (const [k, v] of Object.entries(dirs)) {
    env[k] = path.join(box, v);
    if (k !== 'BUILD' && k !== 'ARTIFACTS') mkdirSync(env[k]!, { recursive: true });
  }
  mkdirSync(path.join(box, 'initrd', 'usr', 'lib'), { recursive: true });
  copyFileSync(tgz, path.join(box, 'downloads', 'kernel.tar.gz'));
  const bin = path.join(box, 'bin');
  mkdirSync(bin);
  // depmod -b BASE [VERSION]: without a version it uses the running kernel's release,
  // which is not in the fake initrd.
  writeFileSync(
    path.join(bin, 'depmod'),
    '#!/usr/bin/env bash\n[[ $1 == -b && $# -eq 3 ]] || { echo "depmod: no module folder for $(uname -r)" >&2; exit 1; }\n[[ -d "$2/lib/modules/$3" ]] || { echo "depmod: ERROR: could not open directory $2/lib/modules/$3" >&2; exit 1; }\n',
  );
  chmodSync(path.join(bin, 'depmod'), 0o755);
  env.PATH = `${bin}:${process.env.PATH}`;
  const r = spawnSync('bash', [LAYOUT_KERNEL], { encoding: 'utf8', env, cwd: box });
  if (r.error) throw r.error;
  return { status: r.status!, out: r.stdout + r.stderr };
}

let scriptPath: string | undefined;
/** check-kernel-tarball.sh of ROS without pinned checksums, so only the layout decides. */
async function ours(tgz: string, arch: 'x86_64' | 'aarch64'): Promise<{ status: number; out: string }> {
  if (!scriptPath) {
    const r = await compileIn(tempDir(), ROS.replace(/  sha256:\n(    .*\n)+/, ''));
    const f = r.files.find((x) => x.path === 'check-kernel-tarball.sh')!;
    scriptPath = path.join(tempDir('kspec-ros-sh-'), f.path);
    writeFileSync(scriptPath, f.content, { mode: 0o755 });
  }
  const r = spawnSync('bash', [scriptPath, '--arch', arch, tgz], { encoding: 'utf8', env: ENV });
  if (r.error) throw r.error;
  return { status: r.status!, out: r.stdout + r.stderr };
}

const without = (base: Record<string, Entry>, prefix: string) => Object.fromEntries(Object.entries(base).filter(([k]) => !k.startsWith(prefix)));

/** name, entries, layout-kernel's verdict on amd64 and on arm64 (true: accepted), a line ours prints. */
const CASES: Array<[string, Record<string, Entry> | 'junk', boolean, boolean, string]> = [
  ['os-kernel layout', GOOD, true, true, `ok    kernel boot/vmlinuz-${KVER}`],
  ['two vmlinuz-* and two module folders', { ...GOOD, 'boot/vmlinuz-4.14.139-rancher': 'k2', ...mods('4.14.139-rancher') }, false, true, 'two of a kind count as none'],
  ['vmlinux-* only', { ...without(GOOD, 'boot/vmlinuz-'), [`boot/vmlinux-${KVER}`]: 'elf' }, true, true, `ok    kernel boot/vmlinux-${KVER}`],
  ['a kernel named for another release than the tag', { ...without(without(GOOD, 'boot/'), 'lib/modules/'), 'boot/vmlinuz-4.14.138': 'k', ...mods('4.14.138') }, true, true, 'ok    kernel boot/vmlinuz-4.14.138'],
  ['two vmlinuz-* but one vmlinux-*', { ...GOOD, 'boot/vmlinuz-other': 'k2', [`boot/vmlinux-${KVER}`]: 'elf' }, true, true, `ok    kernel boot/vmlinux-${KVER}`],
  ['no kernel', without(GOOD, 'boot/'), false, true, 'no single boot/vmlinuz-* or boot/vmlinux-*'],
  ['a kernel that is a folder', { ...without(GOOD, 'boot/vmlinuz-'), [`boot/vmlinuz-${KVER}`]: { dir: true } }, false, false, 'is not a readable file'],
  ['a dangling kernel symlink', { ...without(GOOD, 'boot/vmlinuz-'), [`boot/vmlinuz-${KVER}`]: { link: 'nowhere' } }, false, true, 'no single boot/vmlinuz-*'],
  ['two module folders, one kernel', { ...GOOD, ...mods('4.14.139-rancher') }, true, true, "layout-kernel's depmod indexes only lib/modules/4.14.138-rancher"],
  ['three module folders', { ...GOOD, ...mods('4.14.139-rancher'), ...mods('4.14.140-rancher') }, false, false, '3 module folders'],
  ['lib/ without modules', without(GOOD, 'lib/modules/'), false, false, 'lib/ but no lib/modules/<release>/'],
  ['a module "folder" that is a file', { ...without(GOOD, 'lib/modules/'), [`lib/modules/${KVER}`]: 'x' }, false, false, 'is not a folder'],
  ['no lib/ at all', without(GOOD, 'lib/'), true, true, 'warn  no lib/'],
  ['no lib/firmware/', without(GOOD, 'lib/firmware/'), true, true, 'warn  no lib/firmware/'],
  ['not a tar archive', 'junk', false, false, 'tar cannot extract'],
];

describe('check-kernel-tarball.sh agrees with rancher/os scripts/layout-kernel', () => {
  it.each(CASES)('%s', async (name, entries, amd64, arm64, line) => {
    let tgz: string;
    if (entries === 'junk') {
      tgz = path.join(tempDir(), 'junk.tar.gz');
      writeFileSync(tgz, 'not a tarball');
    } else {
      tgz = tarball(`${name.replace(/\W+/g, '-')}.tar.gz`, entries);
    }
    const up = { amd64: upstream(tgz, 'amd64'), arm64: upstream(tgz, 'arm64') };
    const me = { x86_64: await ours(tgz, 'x86_64'), aarch64: await ours(tgz, 'aarch64') };
    // upstream's own verdicts are what the table says (the fixture is not silently broken) ...
    expect(up.amd64.status === 0, up.amd64.out).toBe(amd64);
    expect(up.arm64.status === 0, up.arm64.out).toBe(arm64);
    // ... and ours agree with them, 0 or 1, never a usage error.
    expect(me.x86_64.status, me.x86_64.out).toBe(amd64 ? 0 : 1);
    expect(me.aarch64.status, me.aarch64.out).toBe(arm64 ? 0 : 1);
    expect(me.x86_64.out).toContain(line);
  });
});
