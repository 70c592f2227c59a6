/**
 * bootc modules[].image: prebuilt kmod RPMs from an image in the ublue-os/akmods layout
 * (/rpms/kmods, /rpms/common, /rpms/ublue-os with the signing key's addons package), run
 * for real in the fake root of test/shims.ts: the image's /rpms is what the Containerfile
 * copies into the build context (ctx/kmods/<n>), written here as fake package files that the
 * dnf and rpm shims read.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderFile } from '../../../render.js';
import { bootc } from '../../../targets/bootc/index.js';
import { bootcView } from '../../../targets/bootc/view.js';
import { BOOTC } from '../diagnostics.js';
import { compileText, expectDiagnostic } from '../../../../test/helpers.js';
import { bootcSpec, calls, expectHooksRestored, fakeRpm, HEADER, installedPkgs, line, read, runScript, setup, STOCK_KVER, write, type Box, type BootcSpec } from '../../../../test/shims.js';

const IMAGE = 'ghcr.io/ublue-os/akmods:main-44@sha256:' + 'ab'.repeat(32);
const EXTRA = 'ghcr.io/ublue-os/akmods-extra:main-44@sha256:' + 'cd'.repeat(32);
const KEY = '/etc/pki/akmods/certs/akmods-ublue.der';

/** The stock kernel with image modules, no signing (the pattern the handbook calls the cleanest). */
function stockSpec(modules: BootcSpec['modules'], over: Partial<BootcSpec> = {}): BootcSpec {
  return bootcSpec({
    provider: { type: 'stock', allowInsecure: false } as any,
    kernel: { package: undefined },
    signing: undefined,
    modules,
    ...(over as any),
  });
}

const v4l2 = (optional = false): BootcSpec['modules'][number] => ({ name: 'v4l2loopback', image: IMAGE, optional });

/** The /rpms of an akmods image, as ublue-os/akmods lays it out, for kernel `kver`. */
function akmodsImage(box: Box, dir: string, kver: string, opts: { modules?: string[]; key?: boolean; wrongContent?: boolean } = {}): void {
  const root = join(box.ctx, dir);
  for (const m of opts.modules ?? ['v4l2loopback']) {
    const inside = opts.wrongContent ? '6.1.0-1.fc44.x86_64' : kver;
    fakeRpm(join(root, 'kmods', `kmod-${m}-${kver}-0.13.2-1.fc44.x86_64.rpm`), `kmod-${m}`, [
      `/usr/lib/modules/${inside}/extra/${m}/${m}.ko.xz`,
    ]);
    fakeRpm(join(root, 'common', `${m}-0.13.2-1.fc44.x86_64.rpm`), m, [`/usr/bin/${m}-ctl`]);
  }
  if (opts.key !== false) {
    fakeRpm(join(root, 'ublue-os', 'ublue-os-akmods-addons-0.8-1.fc44.noarch.rpm'), 'ublue-os-akmods-addons', [
      KEY,
      '/usr/share/ublue-os/etc/pki/akmods/certs/akmods-ublue.der',
      '/etc/yum.repos.d/_copr_ublue-os-akmods.repo',
    ]);
  }
}

const dnfInstalls = (box: Box): string[] => calls(box, 'dnf').map(line).filter((l) => l.startsWith('dnf -y install --refresh '));

describe('bootc modules[].image in install.sh', () => {
  it('installs the kmod built for the kernel, its userland and the key package in one retried install, keeps the key and scrubs the repos', () => {
    const box = setup(stockSpec([v4l2()]));
    akmodsImage(box, 'kmods/1', STOCK_KVER);
    const r = runScript(box, 'install.sh');
    expect(r.status, r.out).toBe(0);
    const dir = join(box.ctx, 'kmods/1');
    expect(dnfInstalls(box)).toEqual([
      `dnf -y install --refresh ${dir}/kmods/kmod-v4l2loopback-${STOCK_KVER}-0.13.2-1.fc44.x86_64.rpm ${dir}/common/v4l2loopback-0.13.2-1.fc44.x86_64.rpm ${dir}/ublue-os/ublue-os-akmods-addons-0.8-1.fc44.noarch.rpm`,
    ]);
    expect(existsSync(join(box.root, 'usr/lib/modules', STOCK_KVER, 'extra/v4l2loopback/v4l2loopback.ko.xz'))).toBe(true);
    // The key is kept for enrollment; the addons package went with the repository it added.
    expect(read(join(box.root, 'usr/share/kspec/kmod-keys/akmods-ublue.der'))).toBe(`${KEY} of ublue-os-akmods-addons\n`);
    expect(existsSync(join(box.root, 'etc/yum.repos.d/_copr_ublue-os-akmods.repo'))).toBe(false);
    expect(calls(box, 'dnf').map(line)).toContain('dnf -y remove --no-autoremove ublue-os-akmods-addons');
    expect(installedPkgs(box)).toEqual(expect.arrayContaining(['kmod-v4l2loopback', 'v4l2loopback']));
    expect(installedPkgs(box)).not.toContain('ublue-os-akmods-addons');
    expect(r.out).toContain('mokutil --import /usr/share/kspec/kmod-keys/akmods-ublue.der');
    expect(r.out).toContain(`module v4l2loopback installed from ${IMAGE}`);
    // No akmods in this build: nothing to patch, nothing built.
    expect(calls(box, 'akmods')).toEqual([]);
    expect(r.out).not.toContain('akmodsbuild');
    expect(calls(box, 'dracut')).toHaveLength(1);
    expect(r.out).toContain(`kernel swap done: ${STOCK_KVER}`);
  });

  it('two modules of one image: the key package is installed once, the second kmod alone', () => {
    const box = setup(stockSpec([v4l2(), { name: 'xone', image: IMAGE, optional: false }]));
    akmodsImage(box, 'kmods/1', STOCK_KVER, { modules: ['v4l2loopback', 'xone'] });
    const r = runScript(box, 'install.sh');
    expect(r.status, r.out).toBe(0);
    const installs = dnfInstalls(box);
    expect(installs).toHaveLength(2);
    expect(installs[0]).toContain('ublue-os-akmods-addons');
    expect(installs[1]).toMatch(/kmod-xone-.*common\/xone-0\.13\.2-1\.fc44\.x86_64\.rpm$/);
    expect(installedPkgs(box)).toEqual(expect.arrayContaining(['kmod-v4l2loopback', 'kmod-xone']));
  });

  it('fails clearly when the image has no kmod RPM for this kernel, naming what it has; nothing is installed', () => {
    const box = setup(stockSpec([v4l2()]));
    akmodsImage(box, 'kmods/1', '6.15.2-200.fc44.x86_64');
    const r = runScript(box, 'install.sh');
    expect(r.status).not.toBe(0);
    expect(r.out).toContain(
      `${IMAGE} has no kmod-v4l2loopback RPM for kernel ${STOCK_KVER} (it has: kmod-v4l2loopback-6.15.2-200.fc44.x86_64-0.13.2-1.fc44.x86_64.rpm): use the tag or digest of the image built for this kernel`,
    );
    expect(r.out).toContain(`module v4l2loopback could not be installed from ${IMAGE} for ${STOCK_KVER}; it is required`);
    expect(dnfInstalls(box)).toEqual([]);
    expect(calls(box, 'dracut')).toEqual([]);
    expectHooksRestored(box);
  });

  it('refuses an RPM named for this kernel whose modules are for another', () => {
    const box = setup(stockSpec([v4l2()]));
    akmodsImage(box, 'kmods/1', STOCK_KVER, { wrongContent: true });
    const r = runScript(box, 'install.sh');
    expect(r.status).not.toBe(0);
    expect(r.out).toContain(`holds no modules under /usr/lib/modules/${STOCK_KVER}: it was built for another kernel`);
    expect(dnfInstalls(box)).toEqual([]);
  });

  it('an image without /rpms/kmods is not an akmods image', () => {
    const box = setup(stockSpec([v4l2()]));
    write(join(box.ctx, 'kmods/1/other/readme'), 'x\n');
    const r = runScript(box, 'install.sh');
    expect(r.status).not.toBe(0);
    expect(r.out).toContain(`${IMAGE} has no /rpms/kmods: not an image of prebuilt kmods in the ublue-os/akmods layout`);
  });

  it('dnf failing: retried retry.attempts times, then a required module fails the build', () => {
    // The stock provider has no retry settings: the default, 5 attempts 30 s apart.
    const box = setup(stockSpec([v4l2()]), { installFailures: 99 });
    akmodsImage(box, 'kmods/1', STOCK_KVER);
    const r = runScript(box, 'install.sh');
    expect(r.status).not.toBe(0);
    expect(dnfInstalls(box)).toHaveLength(5);
    expect(calls(box, 'sleep').map(line)).toEqual(['sleep 30', 'sleep 60', 'sleep 90', 'sleep 120']);
    expect(r.out).toContain('dnf install failed (attempt 5 of 5)');
    expect(r.out).toContain(`module v4l2loopback could not be installed from ${IMAGE} for ${STOCK_KVER}; it is required`);
    expect(r.out).not.toContain('kernel swap done');
    expect(existsSync(join(box.root, 'usr/share/kspec/kmod-keys'))).toBe(false);
    expectHooksRestored(box);
  });

  it('dnf failing for an optional module: logged and skipped, the other module and the build go on', () => {
    const spec = stockSpec([{ name: 'evdi', image: EXTRA, optional: true }, v4l2()]);
    const box = setup(spec);
    akmodsImage(box, 'kmods/1', STOCK_KVER, { modules: ['evdi'], key: false });
    akmodsImage(box, 'kmods/2', STOCK_KVER);
    // dnf cannot find evdi's package file (a broken download): every attempt fails.
    write(join(box.state, 'missing'), join(box.ctx, 'kmods/1/kmods', `kmod-evdi-${STOCK_KVER}-0.13.2-1.fc44.x86_64.rpm`) + '\n');
    const r = runScript(box, 'install.sh');
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain(`optional module evdi could not be installed from ${EXTRA} for ${STOCK_KVER}: skipped`);
    expect(r.out).toContain(`module v4l2loopback installed from ${IMAGE}`);
    expect(installedPkgs(box)).not.toContain('kmod-evdi');
    expect(installedPkgs(box)).toContain('kmod-v4l2loopback');
    expect(calls(box, 'dracut')).toHaveLength(1);
  });

  it('an image with no signing key: installed, with a warning that says how its kmods would load', () => {
    const box = setup(stockSpec([v4l2()]));
    akmodsImage(box, 'kmods/1', STOCK_KVER, { key: false });
    const r = runScript(box, 'install.sh');
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain(`WARNING: ${IMAGE} carries no signing key`);
    expect(existsSync(join(box.root, 'usr/share/kspec/kmod-keys'))).toBe(false);
  });

  it('beside akmods-built modules: the built one goes through akmods, the image one through dnf', () => {
    const spec = bootcSpec({
      modules: [
        { name: 'xone', package: 'akmod-xone', repo: 'ublue-os/akmods', optional: false },
        { name: 'v4l2loopback', image: IMAGE, optional: false },
      ],
    });
    const box = setup(spec);
    akmodsImage(box, 'kmods/1', box.env.SHIM_KVER!);
    const r = runScript(box, 'install.sh');
    expect(r.status, r.out).toBe(0);
    expect(calls(box, 'akmods').map(line)).toEqual([expect.stringContaining('--kmod xone')]);
    expect(r.out).toContain('module xone built and installed');
    expect(r.out).toContain(`module v4l2loopback installed from ${IMAGE}`);
    // signing.modules: the image's kmods are signed with the MOK too.
    const signed = calls(box, 'sign-file').map((c) => c.at(-1)!);
    expect(signed.some((f) => f.endsWith('/extra/v4l2loopback/v4l2loopback.ko'))).toBe(true);
  });
});

describe('bootc modules[].image: Containerfile and enrollment', () => {
  const spec = stockSpec([v4l2(), { name: 'xone', image: IMAGE, optional: true }, { name: 'evdi', image: EXTRA, optional: true }], {
    signing: { secureBoot: true, keySecret: 'mok-key', certSecret: 'mok-cert', modules: false, enroll: 'first-boot' },
  } as any);
  const files = new Map(bootc.plan(spec, { specPath: HEADER.specPath, specDir: '/tmp' }).map((f) => [f.path, renderFile(f, HEADER).content]));

  it('copies each image once into the build context, as ublue-os/akmods README "Usage" copies /rpms', () => {
    const cf = files.get('Containerfile')!;
    const copies = cf.split('\n').filter((l) => l.startsWith('COPY --from='));
    expect(copies).toEqual([`COPY --from=${IMAGE} /rpms/ /kmods/1/`, `COPY --from=${EXTRA} /rpms/ /kmods/2/`]);
    // In the ctx stage (before the base's FROM): the RPMs never land in a layer of the image.
    expect(cf.indexOf(copies[1]!)).toBeLessThan(cf.indexOf('FROM ghcr.io/ublue-os/bluefin-dx:stable'));
    expect(bootcView(spec).modules.map((m) => [m.package, m.image?.dir])).toEqual([
      ['kmod-v4l2loopback', 'kmods/1'],
      ['kmod-xone', 'kmods/1'],
      ['kmod-evdi', 'kmods/2'],
    ]);
  });

  it('mok-enroll.service asks for the kept kmod keys with the MOK, and for the MOK alone when there are none', () => {
    const unit = files.get('mok-enroll.service')!;
    const exec = unit.split('\n').find((l) => l.startsWith('ExecStart='))!;
    // systemd turns $$ into $; run the command with the paths moved into a temp root.
    const box = setup(spec);
    const share = join(box.root, 'usr/share/kspec');
    const cmd = exec.slice('ExecStart=/usr/bin/sh -c '.length).replace(/^'|'$/g, '').replace(/\$\$/g, '$').replaceAll('/usr/share/kspec', share);
    write(join(share, 'MOK.der'), 'mok\n');
    const run = (): string[] => {
      write(box.log, '');
      const r = spawnSync('sh', ['-c', cmd], { env: box.env, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return calls(box, 'mokutil').map((c) => c.slice(1).join(' '));
    };
    expect(run()).toEqual([`--import ${share}/MOK.der`]);
    write(join(share, 'kmod-keys/akmods-ublue.der'), 'k1\n');
    write(join(share, 'kmod-keys/evdi-akmods-ublue.der'), 'k2\n');
    expect(run()).toEqual([`--import ${share}/MOK.der ${share}/kmod-keys/akmods-ublue.der ${share}/kmod-keys/evdi-akmods-ublue.der`]);
  });

  it('asks for the MOK alone when signing.modules re-signs the kmods with it', () => {
    const resigned = bootcSpec({ modules: [v4l2()] });
    const unit = bootc.plan(resigned, { specPath: HEADER.specPath, specDir: '/tmp' }).find((f) => f.path === 'mok-enroll.service')!;
    expect(renderFile(unit, HEADER).content).toContain("mokutil --import /usr/share/kspec/MOK.der'");
    expect(bootcView(resigned).kmodKeysEnroll).toBe(false);
  });
});

describe('bootc modules[].image: checks', () => {
  const base = `apiVersion: kspec.dev/v1alpha1
kind: KernelSpec
metadata: {name: akmods}
kernel: {arch: [x86_64]}
provider: {type: stock}
target: {platform: bootc, base: ghcr.io/ublue-os/silverblue-main:42}
`;

  it('a module from an image needs no package provider, and no package', async () => {
    const r = await compileText(base + `modules:\n  - name: v4l2loopback\n    image: ${IMAGE}\n`, 'spec.yaml', true);
    expect(r.diagnostics).toEqual([]);
  });

  it('KS4014: an image pinned by tag only is a warning at its line', async () => {
    const r = await compileText(base + 'modules:\n  - name: v4l2loopback\n    image: ghcr.io/ublue-os/akmods:main-42\n', 'spec.yaml', true);
    expectDiagnostic(r, BOOTC.BootcModuleImageUnpinned, 9, 12);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['KS4014']);
  });

  it('KS3008 (not KS4014) without tag or digest; KS3007 for an invalid reference', async () => {
    const untagged = await compileText(base + 'modules:\n  - name: v4l2loopback\n    image: ghcr.io/ublue-os/akmods\n', 'spec.yaml', true);
    expect(untagged.diagnostics.map((d) => d.code)).toEqual(['KS3008']);
    const invalid = await compileText(base + 'modules:\n  - name: v4l2loopback\n    image: ghcr.io/UBlue/akmods:1\n', 'spec.yaml', true);
    expect(invalid.diagnostics.map((d) => d.code)).toEqual(['KS3007']);
  });

  it('KS4015: a module with neither package nor image, at its item; the akmods form still needs a package provider (KS3012)', async () => {
    const neither = await compileText(base + 'modules:\n  - name: v4l2loopback\n    optional: true\n', 'spec.yaml', true);
    expectDiagnostic(neither, BOOTC.BootcModuleSource, 8, 5);
    expect(neither.diagnostics.map((d) => d.code)).toEqual(['KS4015']);
    const built = await compileText(base + 'modules:\n  - name: v4l2loopback\n    package: akmod-v4l2loopback\n', 'spec.yaml', true);
    expect(built.diagnostics.map((d) => d.code)).toEqual(['KS3012']);
  });

  it('on another platform a module from an image is still KS3012 (only bootc installs them)', async () => {
    const krata = `apiVersion: kspec.dev/v1alpha1
kind: KernelSpec
metadata: {name: z}
kernel: {version: 6.8.9}
provider: {type: oci, kernel: {image: 'ghcr.io/a/k:6.8.9'}}
modules:
  - name: v4l2loopback
    image: ${IMAGE}
target: {platform: krata, scope: zone, image: 'ghcr.io/a/z:1'}
`;
    const r = await compileText(krata, 'spec.yaml', true);
    expect(r.diagnostics.map((d) => d.code)).toContain('KS3012');
  });

  it('no headers needed (KS4009) and no unsigned-modules warning (KS4007) for image modules', async () => {
    const copr = `apiVersion: kspec.dev/v1alpha1
kind: KernelSpec
metadata: {name: c}
kernel: {package: kernel-cachyos}
provider: {type: copr, repo: bieszczaders/kernel-cachyos, packages: [kernel-cachyos]}
signing: {keySecret: k, certSecret: c, modules: false}
modules:
  - name: v4l2loopback
    image: ${IMAGE}
target: {platform: bootc, base: 'quay.io/fedora/fedora-bootc:42'}
`;
    const r = await compileText(copr, 'spec.yaml', true);
    expect(r.diagnostics.map((d) => d.code)).toEqual([]);
  });
});
