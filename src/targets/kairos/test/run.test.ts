/**
 * kairos: build-kernel.sh run for real in a fake root (KSPEC_ROOT), with small shims on PATH
 * standing in for dnf, rpm, depmod and dracut. Each shim logs its arguments.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileText } from '../../../../test/helpers.js';

const KVER = '6.9.1-200.fc40.x86_64';
const STOCK = '6.8.5-301.fc40.x86_64';
const SPEC = `apiVersion: kspec.dev/v1alpha1
kind: KernelSpec
metadata:
  name: kairos-demo
kernel:
  package: kernel
  arch: [x86_64, aarch64]
provider:
  type: repo
  packages: [kernel, kernel-modules]
  retry: {attempts: 2, backoffSeconds: 0}
target:
  platform: kairos
  base: fedora:40
  family: fedora
  framework: quay.io/kairos/framework:v2.4.3
  os: {name: kairos-fedora, version: 1.0.0, repo: quay.io/example/kairos-fedora}
`;

const SHIMS: Record<string, string> = {
  dnf: `case $1 in
  --version) echo "dnf5 version 5.2.8.1"; exit 0 ;;
  -y) shift ;;
esac
case $1 in
  install)
    for p in "$@"; do
      case $p in
        -*|install) ;;
        kernel) mkdir -p "$KSPEC_ROOT/lib/modules/$NEW_KVER" "$KSPEC_ROOT/boot"
          printf 'kernel' >"$KSPEC_ROOT/lib/modules/$NEW_KVER/vmlinuz"
          printf 'host-only' >"$KSPEC_ROOT/boot/initramfs-$NEW_KVER.img"
          echo kernel >>"$S/installed" ;;
        *) echo "$p" >>"$S/installed" ;;
      esac
    done ;;
  remove)
    for p in "$@"; do
      grep -Fxv -- "$p" "$S/installed" >"$S/tmp" || :; mv "$S/tmp" "$S/installed"
      if [[ $p == kernel-core ]]; then rm -rf "$KSPEC_ROOT/lib/modules/$STOCK_KVER"; fi
    done ;;
esac`,
  rpm: `[[ $1 == -q && $2 == --quiet ]] || exit 1
grep -Fxq -- "$3" "$S/installed"`,
  depmod: ':',
  systemctl: `[[ $1 == --root=* ]] && shift
[[ $1 == enable ]]; shift
for u in "$@"; do
  [[ -f "$KSPEC_ROOT/etc/systemd/system/$u" ]] || { echo "Unit $u does not exist" >&2; exit 1; }
  mkdir -p "$KSPEC_ROOT/etc/systemd/system/multi-user.target.wants"
  ln -sf "/etc/systemd/system/$u" "$KSPEC_ROOT/etc/systemd/system/multi-user.target.wants/$u"
done`,
  dracut: `img=\${*: -2:1}
truncate -s 60M "$img"`,
};

const COS_SETUP = ['cos-setup-reconcile.timer', 'cos-setup-fs.service', 'cos-setup-boot.service', 'cos-setup-network.service'];
const roots: string[] = [];
afterAll(() => roots.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function setup(spec = SPEC): Promise<{ root: string; ctx: string; env: NodeJS.ProcessEnv; log: string }> {
  const r = await compileText(spec);
  expect(r.diagnostics).toEqual([]);
  const base = mkdtempSync(join(tmpdir(), 'kspec-kairos-run-'));
  roots.push(base);
  const root = join(base, 'root');
  const ctx = join(base, 'ctx');
  const bin = join(base, 'bin');
  for (const f of r.files) {
    mkdirSync(dirname(join(ctx, f.path)), { recursive: true });
    writeFileSync(join(ctx, f.path), f.content, { mode: f.mode });
  }
  mkdirSync(join(root, '.shim'), { recursive: true });
  writeFileSync(join(root, '.shim', 'installed'), 'kernel\nkernel-core\n');
  mkdirSync(join(root, 'lib', 'modules', STOCK), { recursive: true });
  mkdirSync(join(root, 'usr', 'lib'), { recursive: true });
  mkdirSync(join(root, 'etc'), { recursive: true });
  writeFileSync(join(root, 'usr', 'lib', 'os-release'), 'NAME="Fedora Linux"\nID=fedora\nVERSION_ID=40\n');
  // What the framework COPY brings: the cos-setup units, and a machine-id of the build.
  mkdirSync(join(root, 'etc', 'systemd', 'system'), { recursive: true });
  for (const u of COS_SETUP) writeFileSync(join(root, 'etc', 'systemd', 'system', u), '[Unit]\n');
  writeFileSync(join(root, 'etc', 'machine-id'), '0123456789abcdef0123456789abcdef\n');
  symlinkSync('../usr/lib/os-release', join(root, 'etc', 'os-release'));
  mkdirSync(bin);
  const log = join(base, 'calls.log');
  for (const [name, body] of Object.entries(SHIMS)) {
    const p = join(bin, name);
    writeFileSync(p, `#!/bin/bash\nset -euo pipefail\nS="$KSPEC_ROOT/.shim"\n{ printf '%s' "\${0##*/}"; printf ' %s' "$@"; printf '\\n'; } >>"$SHIM_LOG"\n${body}\n`);
    chmodSync(p, 0o755);
  }
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, KSPEC_ROOT: root, SHIM_LOG: log, NEW_KVER: KVER, STOCK_KVER: STOCK };
  return { root, ctx, env, log };
}

function run(s: { ctx: string; env: NodeJS.ProcessEnv }, ...steps: string[]): { status: number | null; err: string } {
  const r = spawnSync('bash', [join(s.ctx, 'build-kernel.sh'), ...steps], { env: s.env, encoding: 'utf8' });
  return { status: r.status, err: r.stderr };
}

describe('build-kernel.sh in a fake root', () => {
  it('swaps the kernel, writes the release values and builds the initrd for exactly that kernel', async () => {
    const s = await setup();
    const r = run(s, 'kernel', 'byoi', 'release', 'initrd');
    expect(r.err).toContain(`kernel: ${KVER}`);
    expect(r.status, r.err).toBe(0);
    const { root } = s;
    expect(readdirSync(join(root, 'lib', 'modules'))).toEqual([KVER]);
    expect(readlinkSync(join(root, 'boot', 'initrd'))).toBe(`initrd-${KVER}`);
    expect(readlinkSync(join(root, 'boot', 'vmlinuz'))).toBe(`vmlinuz-${KVER}`);
    expect(readdirSync(join(root, 'boot')).sort()).toEqual(['initrd', `initrd-${KVER}`, 'vmlinuz', `vmlinuz-${KVER}`]);
    expect(existsSync(join(root, 'etc', 'dracut.conf.d', '99-kspec.conf'))).toBe(true);
    const release = readFileSync(join(root, 'etc', 'kairos-release'), 'utf8');
    expect(release).toContain('KAIROS_MODEL="generic"\n');
    expect(release).toContain('KAIROS_VERSION="v1.0.0"\n');
    expect(release).toContain('KAIROS_ARCH="amd64"\n');
    // the keys kairos-init writes and validates, beyond kspec's own
    expect(release).toContain('KAIROS_FLAVOR_RELEASE="40"\n');
    expect(release).toContain('KAIROS_BUG_REPORT_URL="https://github.com/kairos-io/kairos/issues"\n');
    expect(release).toContain('KAIROS_HOME_URL="https://github.com/kairos-io/kairos"\n');
    // the BYOI contract
    expect(existsSync(join(root, 'run', 'lock'))).toBe(true);
    expect(existsSync(join(root, 'usr', 'libexec', '.keep'))).toBe(true);
    expect(readFileSync(join(root, 'etc', 'machine-id'), 'utf8')).toBe('');
    for (const u of COS_SETUP) expect(readlinkSync(join(root, 'etc', 'systemd', 'system', 'multi-user.target.wants', u))).toBe(`/etc/systemd/system/${u}`);
    // /etc/os-release stays a link; the values land in its target, other lines kept.
    expect(readlinkSync(join(root, 'etc', 'os-release'))).toBe('../usr/lib/os-release');
    const os = readFileSync(join(root, 'usr', 'lib', 'os-release'), 'utf8');
    expect(os).toMatch(/^ID=fedora$/m);
    expect(os).toContain('KAIROS_NAME="kairos-fedora"');
    const calls = readFileSync(s.log, 'utf8').trim().split('\n');
    expect(calls).toContain('dnf -y remove --no-autoremove kernel kernel-core');
    expect(calls).toContain('dnf -y install --refresh --setopt=install_weak_deps=False kernel kernel-modules');
    expect(calls).toContain(`dracut -v -N -f ${root}/boot/initrd-${KVER} ${KVER}`);
    expect(calls.findIndex((c) => c.startsWith('depmod'))).toBeLessThan(calls.findIndex((c) => c.startsWith('dracut')));
    expect(calls).toContain('dnf -y clean all');
    // the same steps again (a rebuild of the layer) give the same result
    expect(run(s, 'release', 'initrd', 'check').status).toBe(0);
    expect(readFileSync(join(root, 'etc', 'kairos-release'), 'utf8')).toBe(release);
  }, 30_000);

  it('fails when more than one kernel is under /lib/modules', async () => {
    const s = await setup();
    mkdirSync(join(s.root, 'lib', 'modules', '6.1.0-extra'), { recursive: true });
    const r = run(s, 'initrd');
    expect(r.status).toBe(1);
    expect(r.err).toContain('expected exactly one kernel under /lib/modules, found 2');
  });

  it('fails when the kernel is not kernel.version', async () => {
    const s = await setup(SPEC.replace('  package: kernel', '  package: kernel\n  version: 6.10.0-1.fc40.x86_64'));
    const r = run(s, 'kernel');
    expect(r.status).toBe(1);
    expect(r.err).toContain(`the kernel under /lib/modules is ${KVER} but kernel.version is 6.10.0-1.fc40.x86_64`);
  });

  it('check refuses a small (host-only sized) initrd and a missing link', async () => {
    const s = await setup();
    expect(run(s, 'kernel', 'byoi', 'release', 'initrd').status).toBe(0);
    writeFileSync(join(s.root, 'boot', `initrd-${KVER}`), 'tiny');
    const small = run(s, 'check');
    expect(small.status).toBe(1);
    expect(small.err).toContain('below 50 MiB: a host-only initrd?');
    rmSync(join(s.root, 'boot', 'vmlinuz'));
    expect(run(s, 'check').err).toContain('/boot/vmlinuz does not resolve');
  });

  it('check refuses a broken BYOI contract and missing release keys', async () => {
    const s = await setup();
    expect(run(s, 'kernel', 'byoi', 'release', 'initrd').status).toBe(0);
    const { root } = s;
    const broken: Array<[string, () => void, () => void, string]> = [
      ['machine-id', () => writeFileSync(join(root, 'etc', 'machine-id'), 'abc\n'), () => writeFileSync(join(root, 'etc', 'machine-id'), ''), '/etc/machine-id must be an empty file'],
      ['unit', () => rmSync(join(root, 'etc', 'systemd', 'system', 'multi-user.target.wants', 'cos-setup-fs.service')), () => run(s, 'byoi'), 'cos-setup-fs.service is not enabled'],
      ['keep', () => rmSync(join(root, 'usr', 'libexec', '.keep')), () => run(s, 'byoi'), 'no /usr/libexec/.keep'],
      ['lock', () => rmSync(join(root, 'run', 'lock'), { recursive: true }), () => run(s, 'byoi'), 'no /run/lock'],
      ['release', () => writeFileSync(join(root, 'etc', 'kairos-release'), readFileSync(join(root, 'etc', 'kairos-release'), 'utf8').replace(/^KAIROS_HOME_URL=.*\n/m, '').replace(/^KAIROS_FLAVOR_RELEASE=.*$/m, 'KAIROS_FLAVOR_RELEASE=""')), () => run(s, 'release'), 'lacks KAIROS_FLAVOR_RELEASE KAIROS_HOME_URL'],
    ];
    for (const [what, breakIt, fix, message] of broken) {
      breakIt();
      const r = run(s, 'check');
      expect(r.status, what).toBe(1);
      expect(r.err, what).toContain(message);
      fix();
      expect(run(s, 'check').status, `${what} fixed`).toBe(0);
    }
  });

  it('release fails on a base without VERSION_ID, and names openSUSE flavors as kairos-init does', async () => {
    const s = await setup();
    writeFileSync(join(s.root, 'usr', 'lib', 'os-release'), 'NAME="Fedora Linux"\nID=fedora\n');
    const r = run(s, 'release');
    expect(r.status).toBe(1);
    expect(r.err).toContain('no VERSION_ID');
    writeFileSync(join(s.root, 'usr', 'lib', 'os-release'), 'NAME="openSUSE Leap"\nID="opensuse-leap"\nVERSION_ID="15.6"\n');
    expect(run(s, 'release').status).toBe(0);
    expect(readFileSync(join(s.root, 'etc', 'kairos-release'), 'utf8')).toContain('KAIROS_FLAVOR_RELEASE="leap-15.6"\n');
  });

  it('removes the stale initrds and links a kernel package hook wrote, and check refuses them', async () => {
    const s = await setup();
    const { root } = s;
    mkdirSync(join(root, 'boot'), { recursive: true });
    writeFileSync(join(root, 'boot', `initrd.img-${STOCK}`), 'host-only');
    symlinkSync(`boot/initrd.img-${STOCK}`, join(root, 'initrd.img'));
    symlinkSync(`boot/initrd.img-${STOCK}`, join(root, 'initrd.img.old'));
    expect(run(s, 'kernel').status).toBe(0);
    expect(readdirSync(join(root, 'boot')).filter((f) => f.startsWith('init'))).toEqual([]);
    expect(existsSync(join(root, 'initrd.img')) || readdirSync(root).includes('initrd.img')).toBe(false);
    expect(readdirSync(root).includes('initrd.img.old')).toBe(false);
    expect(run(s, 'byoi', 'release', 'initrd').status).toBe(0);
    for (const stale of [`boot/initrd.img-${KVER}`, 'initrd.img', `boot/initramfs-${KVER}.img`]) {
      writeFileSync(join(root, stale), 'host-only');
      const r = run(s, 'check');
      expect(r.status, stale).toBe(1);
      expect(r.err).toContain(`stale /${stale} next to /boot/initrd`);
      rmSync(join(root, stale));
    }
    expect(run(s, 'check').status).toBe(0);
  });

  it('check_efi_stub: the kernel step fails on a config without CONFIG_EFI_STUB=y', async () => {
    const s = await setup();
    const cfg = join(s.root, 'boot', `config-${KVER}`);
    mkdirSync(join(s.root, 'boot'), { recursive: true });
    writeFileSync(cfg, '# CONFIG_EFI_STUB is not set\n');
    const r = run(s, 'kernel');
    expect(r.status).toBe(1);
    expect(r.err).toContain(`the kernel's config (/boot/config-${KVER}) does not set CONFIG_EFI_STUB=y`);
    writeFileSync(cfg, 'CONFIG_EFI_STUB=y\n');
    const ok = run(s, 'kernel');
    expect(ok.status, ok.err).toBe(0);
    expect(ok.err).toContain(`CONFIG_EFI_STUB=y in /boot/config-${KVER}`);
  });
});

describe('FIPS on Fedora: the kernel HMAC linked as upstream fedora-fips does', () => {
  const FIPS = SPEC.replace('framework:v2.4.3', 'framework:v2.4.3-fips') + '  fips: true\n';
  it('links /boot/.vmlinuz.hmac to the HMAC of the kernel, and fails without one', async () => {
    const s = await setup(FIPS);
    expect(run(s, 'kernel', 'byoi', 'release').status).toBe(0);
    const none = run(s, 'initrd');
    expect(none.status).toBe(1);
    expect(none.err).toContain(`fips: no HMAC of the kernel (/boot/.vmlinuz-${KVER}.hmac`);
    writeFileSync(join(s.root, 'lib', 'modules', KVER, '.vmlinuz.hmac'), 'hmac\n');
    const r = run(s, 'initrd');
    expect(r.status, r.err).toBe(0);
    expect(readlinkSync(join(s.root, 'boot', '.vmlinuz.hmac'))).toBe(`.vmlinuz-${KVER}.hmac`);
    expect(readFileSync(join(s.root, 'boot', `.vmlinuz-${KVER}.hmac`), 'utf8')).toBe('hmac\n');
    rmSync(join(s.root, 'boot', '.vmlinuz.hmac'));
    const check = run(s, 'check');
    expect(check.status).toBe(1);
    expect(check.err).toContain(`fips: /boot/.vmlinuz.hmac does not link the HMAC of ${KVER}`);
  });
});

describe('auroraboot.sh with bootloader: trustedboot, against a docker shim', () => {
  const TRUSTED = SPEC.replace('  arch: [x86_64, aarch64]', '  arch: [x86_64]\n  config: {CONFIG_EFI_STUB: y}') + '  bootloader: trustedboot\n  artifacts: [iso]\n';
  it('refuses to run without the key folder, then passes build-uki the keys read-only', async () => {
    const s = await setup(TRUSTED);
    const dir = dirname(s.ctx);
    const docker = join(dir, 'bin', 'fake-docker');
    writeFileSync(docker, `#!/usr/bin/env bash\nprintf '%s\\n' "$@" >"${join(dir, 'docker.args')}"\n`);
    chmodSync(docker, 0o755);
    const ab = (env: NodeJS.ProcessEnv) => spawnSync('bash', [join(s.ctx, 'auroraboot.sh'), 'quay.io/example/kairos-fedora', join(dir, 'build')], { env: { ...s.env, KSPEC_DOCKER: docker, ...env }, encoding: 'utf8' });
    const none = ab({ KSPEC_UKI_KEYS: '' });
    expect(none.status).toBe(1);
    expect(none.stderr).toContain('set KSPEC_UKI_KEYS');
    const keys = join(dir, 'keys');
    mkdirSync(keys);
    for (const k of ['db.key', 'db.pem']) writeFileSync(join(keys, k), 'x');
    const partial = ab({ KSPEC_UKI_KEYS: keys });
    expect(partial.status).toBe(1);
    expect(partial.stderr).toContain(`no tpm2-pcr-private.pem in ${keys}`);
    writeFileSync(join(keys, 'tpm2-pcr-private.pem'), 'x');
    const ok = ab({ KSPEC_UKI_KEYS: keys });
    expect(ok.status, ok.stderr).toBe(0);
    const args = readFileSync(join(dir, 'docker.args'), 'utf8').trim().split('\n');
    expect(args).toContain(`${keys}:/keys:ro`);
    expect(args.slice(args.indexOf('build-uki'))).toEqual(['build-uki', '--output-dir', '/result', '--output-type', 'iso', '--name', 'kairos-demo-uki',
      '--public-keys', '/keys', '--tpm-pcr-private-key', '/keys/tpm2-pcr-private.pem', '--sb-key', '/keys/db.key', '--sb-cert', '/keys/db.pem', 'docker:quay.io/example/kairos-fedora']);
  });
});
