/**
 * kspec-validate-kernel, the on-machine validator, run against a fake machine: a fake root
 * (KSPEC_ROOT: the recorded release, efivars, the MOK certificate) and shims for uname,
 * rpm, dpkg-query and mokutil. A good machine passes; each fault is one change from it.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BOOTC, KAIROS_UBUNTU, bench, put, run, shim, type Bench } from './lifecycle.harness.js';

const KVER = '7.0.8-cachyos1.fc44.x86_64';
const EFI = 'sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c';

interface Machine {
  uname?: string;
  packages?: string[];
  secureBoot?: 'on' | 'off' | 'no-efi';
  mok?: 'enrolled' | 'not' | 'pending';
}

/** A deployed machine of the bootc example: the shipped kernel running, SB on, MOK enrolled. */
async function machine(yaml = BOOTC, m: Machine = {}): Promise<Bench> {
  const b = await bench(yaml);
  put(join(b.root, 'usr/lib/modules', KVER, 'vmlinuz'), 'kernel\n');
  const inst = run(b, 'kspec-validate-kernel', ['--install']);
  expect(inst.status, inst.out).toBe(0);
  put(join(b.root, 'usr/share/kspec/MOK.der'), 'certificate\n');
  const sb = m.secureBoot ?? 'on';
  if (sb !== 'no-efi') put(join(b.root, EFI), Buffer.from([6, 0, 0, 0, sb === 'on' ? 1 : 0]));
  const pkgs = m.packages ?? ['bash', 'kernel-cachyos', 'kernel-cachyos-core', 'kernel-cachyos-modules', 'kmod-v4l2loopback'];
  shim(b, 'uname', `echo ${m.uname ?? KVER}`);
  shim(b, 'rpm', `[[ "$1" == -qa ]] || exit 2\nprintf '%s\\n' ${pkgs.map((p) => `'${p}'`).join(' ')}`);
  const mok = m.mok ?? 'enrolled';
  const said = { enrolled: 'is already enrolled', not: 'is not enrolled', pending: 'is already in the enrollment request' }[mok];
  shim(b, 'mokutil', `[[ "$1" == --test-key ]] || exit 2\necho "$2 ${said}"\n${mok === 'enrolled' ? 'exit 0' : 'exit 1'}`);
  return b;
}

const validate = (b: Bench, args: string[] = []) => run(b, 'kspec-validate-kernel', args);

function expectOneFailure(r: { status: number | null; out: string }, reason: string): void {
  expect(r.status, r.out).toBe(1);
  expect(r.out).toContain(`FAIL  ${reason}`);
  expect(r.out).toContain('1 check(s) failed');
}

describe('kspec-validate-kernel --install (at image build time)', () => {
  it('records the one kernel release and installs itself as /usr/bin/kspec-validate-kernel', async () => {
    const b = await machine();
    expect(readFileSync(join(b.root, 'usr/share/kspec/kernel-release'), 'utf8')).toBe(`${KVER}\n`);
    const installed = join(b.root, 'usr/bin/kspec-validate-kernel');
    expect(readFileSync(installed, 'utf8')).toBe(readFileSync(join(b.out, 'kspec-validate-kernel'), 'utf8'));
    expect(statSync(installed).mode & 0o777).toBe(0o755);
  });

  it('refuses when the image has two kernels (and records nothing)', async () => {
    const b = await bench(BOOTC);
    put(join(b.root, 'usr/lib/modules', KVER, 'vmlinuz'), 'kernel\n');
    put(join(b.root, 'usr/lib/modules/6.14.9-300.fc44.x86_64/vmlinuz'), 'stock\n');
    const r = run(b, 'kspec-validate-kernel', ['--install']);
    expect(r.status).toBe(1);
    expect(r.out).toContain('expected exactly one kernel under /usr/lib/modules, found 2');
    expect(existsSync(join(b.root, 'usr/share/kspec/kernel-release'))).toBe(false);
  });

  it('is wired into both Containerfiles', async () => {
    for (const yaml of [BOOTC, KAIROS_UBUNTU]) {
      const b = await bench(yaml);
      const cf = readFileSync(join(b.out, 'Containerfile'), 'utf8');
      expect(cf).toContain('COPY --chmod=0755 kspec-validate-kernel /kspec-validate-kernel');
      expect(cf).toContain('/ctx/kspec-validate-kernel --install');
    }
    // bootc: before the lint, which must stay the last step
    const cf = readFileSync(join((await bench(BOOTC)).out, 'Containerfile'), 'utf8');
    expect(cf.indexOf('kspec-validate-kernel --install')).toBeLessThan(cf.indexOf('RUN bootc container lint'));
  });
});

describe('kspec-validate-kernel on a machine', () => {
  it('passes a machine running the shipped kernel, with Secure Boot on and the MOK enrolled', async () => {
    const r = validate(await machine());
    expect(r.out).toContain('all checks passed');
    expect(r.out).not.toContain('FAIL');
    expect(r.status, r.out).toBe(0);
  });

  it('--json reports every check, parseable, with the same verdict', async () => {
    const ok = validate(await machine(), ['--json']);
    expect(ok.status).toBe(0);
    const j = JSON.parse(ok.stdout);
    expect(j.ok).toBe(true);
    expect(j.kernel).toEqual({ running: KVER, shipped: KVER });
    expect(j.secureBoot).toBe('on');
    expect(j.checks.map((c: { name: string }) => c.name)).toEqual(['kernel', 'stock-kernel', 'out-of-policy', 'secure-boot', 'mok']);
    const bad = validate(await machine(BOOTC, { uname: '6.14.9-300.fc44.x86_64' }), ['--json']);
    expect(bad.status).toBe(1);
    const jb = JSON.parse(bad.stdout);
    expect(jb.ok).toBe(false);
    expect(jb.checks[0]).toMatchObject({ name: 'kernel', status: 'fail' });
  });

  it('fails when another kernel is running', async () => {
    expectOneFailure(validate(await machine(BOOTC, { uname: '6.14.9-300.fc44.x86_64' })), `running kernel is 6.14.9-300.fc44.x86_64, but this image shipped ${KVER}`);
  });

  it('fails when no release was recorded at build time', async () => {
    const b = await machine();
    put(join(b.root, 'usr/share/kspec/kernel-release'), '');
    expectOneFailure(validate(b), 'no kernel release recorded at /usr/share/kspec/kernel-release');
  });

  it('fails when a stock kernel package is installed', async () => {
    expectOneFailure(
      validate(await machine(BOOTC, { packages: ['kernel-cachyos', 'kernel-core', 'kernel-modules'] })),
      'stock kernel package(s) installed beside the shipped kernel: kernel-core kernel-modules',
    );
  });

  it('flags out-of-policy module packages, case-insensitively (default nvidia, zfs, virtualbox)', async () => {
    expectOneFailure(
      validate(await machine(BOOTC, { packages: ['kernel-cachyos', 'akmod-nvidia', 'zfs-dkms', 'VirtualBox-kmodsrc', 'nvme-cli-x'] })),
      'out-of-policy module package(s) installed (validation.outOfPolicy): akmod-nvidia zfs-dkms VirtualBox-kmodsrc',
    );
  });

  it('takes validation.outOfPolicy from the spec', async () => {
    const yaml = `${BOOTC}validation:\n  outOfPolicy: [v4l2loopback]\n`;
    expectOneFailure(
      validate(await machine(yaml, { packages: ['kernel-cachyos', 'akmod-nvidia', 'kmod-v4l2loopback'] })),
      'out-of-policy module package(s) installed (validation.outOfPolicy): kmod-v4l2loopback',
    );
  });

  it('fails when Secure Boot is off (or no UEFI) but the image is signed for it', async () => {
    expectOneFailure(validate(await machine(BOOTC, { secureBoot: 'off' })), 'Secure Boot is off, but the image is signed for it');
    const r = validate(await machine(BOOTC, { secureBoot: 'no-efi' }));
    expect(r.status).toBe(1);
    expect(r.out).toContain('FAIL  the machine booted without UEFI');
    expect(r.out).toContain('FAIL  no UEFI, so the MOK certificate cannot be enrolled');
  });

  it('fails when the MOK is not enrolled, or only requested, saying how to finish', async () => {
    expectOneFailure(validate(await machine(BOOTC, { mok: 'not' })), 'the MOK certificate is not enrolled: run systemctl start mok-enroll.service');
    expectOneFailure(validate(await machine(BOOTC, { mok: 'pending' })), 'the MOK certificate is waiting for enrollment: reboot');
  });

  it('an unsigned spec fails with Secure Boot on, passes with it off, and checks no MOK', async () => {
    const unsigned = BOOTC.replace(/signing:\n(  .*\n)+/, '');
    expectOneFailure(validate(await machine(unsigned, { secureBoot: 'on' })), 'Secure Boot is on, but the spec does not sign the kernel for it');
    const r = validate(await machine(unsigned, { secureBoot: 'off' }), ['--json']);
    expect(r.status, r.out).toBe(0);
    expect(JSON.parse(r.stdout).checks.map((c: { name: string }) => c.name)).not.toContain('mok');
  });

  it('kairos on Ubuntu: reads dpkg, and flags kernel packages of another release', async () => {
    const b = await bench(KAIROS_UBUNTU);
    const kver = '6.8.0-45-generic';
    put(join(b.root, 'usr/lib/modules', kver, 'vmlinuz'), 'kernel\n');
    expect(run(b, 'kspec-validate-kernel', ['--install']).status).toBe(0);
    put(join(b.root, EFI), Buffer.from([6, 0, 0, 0, 0]));
    shim(b, 'uname', `echo ${kver}`);
    const dpkg = (lines: string[]) => shim(b, 'dpkg-query', `printf '%s\\n' ${lines.map((l) => `'${l}'`).join(' ')}`);
    dpkg([`ii  linux-image-${kver}`, `ii  linux-modules-${kver}`, 'ii  linux-image-generic-hwe-24.04', 'rc  linux-image-6.8.0-31-generic']);
    const ok = validate(b);
    expect(ok.out).toContain('all checks passed');
    expect(ok.status, ok.out).toBe(0);
    dpkg([`ii  linux-image-${kver}`, 'ii  linux-image-6.8.0-31-generic', 'ii  linux-modules-6.8.0-31-generic', 'ii  zfsutils-linux']);
    const r = validate(b);
    expect(r.status).toBe(1);
    expect(r.out).toContain('FAIL  kernel package(s) of another release installed beside the shipped kernel: linux-image-6.8.0-31-generic linux-modules-6.8.0-31-generic');
    expect(r.out).toContain('FAIL  out-of-policy module package(s) installed (validation.outOfPolicy): zfsutils-linux');
  });

  it('refuses unknown arguments with exit 2', async () => {
    expect(validate(await machine(), ['--nope']).status).toBe(2);
  });
});
