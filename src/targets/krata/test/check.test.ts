/**
 * krata: each KS7xxx code (and the common codes as krata triggers them) from a real spec,
 * with its line and column.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileBytes } from '../../../compile.js';
import { D } from '../../../diagnostics/catalogue.js';
import { KRATA } from '../diagnostics.js';
import { satisfies } from '../../../targets/kconfig.js';
import { requiredOptions } from '../../../targets/krata/options.js';
import { parseConfig } from '../../../targets/krata/checks.js';
import { KRATA as KRATA_SPEC } from '../../../../test/fixtures.js';
import { compileText, expectDiagnostic, replaceLine, tempDir } from '../../../../test/helpers.js';


const OCI = `apiVersion: kspec.dev/v1alpha1
kind: KernelSpec
metadata:
  name: kz
kernel:
  version: 6.12.8
provider:
  type: oci
  kernel: {image: ghcr.io/edera-dev/zone-kernel:6.12.8}
target:
  platform: krata
  scope: zone
`;

const withLine = (n: number, text: string, base = KRATA_SPEC): string => replaceLine(base, n, text);

/** Compiles a spec that lives in `dir` (relative paths in it resolve there). */
function compileIn(dir: string, yaml: string) {
  return compileBytes(new TextEncoder().encode(yaml), { specPath: 'spec.yaml', specDir: dir, command: 'kspec compile spec.yaml -o out' });
}

/** A .config that has every required zone option, as `make olddefconfig` would leave it. */
function goodConfig(): string {
  return ['#', '# Linux/x86 6.8.9 Kernel Configuration', ...requiredOptions('zone', 'x86_64').map((o) => `${o.name}=${o.value}`), ''].join('\n');
}

describe('krata: the base spec', () => {
  it('compiles clean to the build outputs', async () => {
    const r = await compileText(KRATA_SPEC);
    expect(r.diagnostics).toEqual([]);
    expect(r.files.map((f) => f.path)).toEqual(['Containerfile', 'build.sh', 'check.sh', 'install-system.sh', 'launch.sh', 'package.sh', 'required.config']);
  });
  it('an oci provider emits only the launch, system-wide install and check outputs', async () => {
    const r = await compileText(OCI);
    expect(r.diagnostics).toEqual([]);
    expect(r.files.map((f) => f.path)).toEqual(['check.sh', 'install-system.sh', 'launch.sh', 'required.config']);
  });
  it('a host scope built here is installed on the machine: install-host.sh instead of the zone packaging', async () => {
    const r = await compileText(withLine(18, '', withLine(17, '  scope: host')));
    expect(r.diagnostics).toEqual([]);
    expect(r.files.map((f) => f.path)).toEqual(['install-host.sh', 'required.config']);
  });
  it('a published host image (oci) is installed from the image, and checked', async () => {
    const r = await compileText(OCI.replace('scope: zone', 'scope: host'));
    expect(r.diagnostics).toEqual([]);
    expect(r.files.map((f) => f.path)).toEqual(['check.sh', 'install-host.sh', 'required.config']);
  });
  it('a configFile that satisfies every option is accepted', async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'build'));
    writeFileSync(path.join(dir, 'build', '.config'), goodConfig());
    expect((await compileIn(dir, KRATA_SPEC)).diagnostics).toEqual([]);
  });
});

describe('KS7xxx: krata', () => {
  it('KS7001 kernel.config contradicts a required option', async () => {
    const d = expectDiagnostic(await compileText(withLine(9, '    CONFIG_XEN_PV: n')), KRATA.KrataConfigContradicts, 9, 20);
    expect(d.message).toContain('CONFIG_XEN_PV=y');
    // =m is met by =y; a number must match
    expect((await compileText(withLine(9, '    CONFIG_XEN_FBDEV_FRONTEND: y'))).diagnostics).toEqual([]);
    expectDiagnostic(await compileText(withLine(9, '    CONFIG_XEN_MEMORY_HOTPLUG_LIMIT: 256')), KRATA.KrataConfigContradicts, 9, 38);
  });
  it('KS7001 an x86-only option does not bind an aarch64-only spec', async () => {
    const spec = withLine(12, '  kernelImage: build/arch/arm64/boot/Image.gz', withLine(7, '  arch: [aarch64]', withLine(9, '    CONFIG_XEN_PV: n')));
    expect((await compileText(spec)).diagnostics).toEqual([]);
  });
  it('KS7002 provider.configFile contradicts a required option, naming the file line', async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'build'));
    writeFileSync(path.join(dir, 'build', '.config'), goodConfig().replace('CONFIG_XEN_PVH=y', '# CONFIG_XEN_PVH is not set'));
    const line = goodConfig().split('\n').indexOf('CONFIG_XEN_PVH=y') + 1;
    const d = expectDiagnostic(await compileIn(dir, KRATA_SPEC), KRATA.KrataConfigFileContradicts, 14, 15);
    expect(d.path).toBe('/provider/configFile');
    expect(d.message).toContain(`build/.config:${line} leaves CONFIG_XEN_PVH unset`);
  });
  it('KS7002 is not reported when the configFile does not exist yet (the build checks it)', async () => {
    expect((await compileIn(tempDir(), KRATA_SPEC)).diagnostics).toEqual([]);
  });
  it('KS7003 a build provider without configFile', async () => {
    expectDiagnostic(await compileText(withLine(14, '')), KRATA.KrataConfigFileMissing, 10, 1);
  });
  it('KS7004 a kernel image of the wrong architecture', async () => {
    const d = expectDiagnostic(await compileText(withLine(7, '  arch: [aarch64]')), KRATA.KrataKernelImageArch, 12, 16);
    expect(d.message).toContain('Image.gz');
    // an uncompressed arm64 Image is not Image.gz
    const raw = withLine(12, '  kernelImage: build/arch/arm64/boot/Image', withLine(7, '  arch: [aarch64]'));
    expectDiagnostic(await compileText(raw), KRATA.KrataKernelImageArch, 12, 16);
    // two arches cannot share a path that names one of them
    expectDiagnostic(await compileText(withLine(7, '  arch: [x86_64, aarch64]')), KRATA.KrataKernelImageArch, 12, 16);
    expect((await compileText(withLine(12, '  kernelImage: out/kernel', withLine(7, '  arch: [x86_64, aarch64]')))).diagnostics).toEqual([]);
  });
  it('KS7005 a build provider without target.image', async () => {
    expectDiagnostic(await compileText(withLine(18, '')), KRATA.KrataImageMissing, 15, 1);
  });
  it('KS7006 an oci modules image is ignored by krata (warning)', async () => {
    const r = await compileText(OCI.replace('  kernel: {', '  modules: {image: ghcr.io/x/mods:6.12.8}\n  kernel: {'));
    expectDiagnostic(r, KRATA.KrataOciModules, 9, 3);
    expect(r.files.length).toBeGreaterThan(0);
  });
  it('KS7007 an oci kernel filename other than kernel/image', async () => {
    const r = await compileText(OCI.replace('6.12.8}', '6.12.8, filename: boot/vmlinux}'));
    expectDiagnostic(r, KRATA.KrataOciFilename, 9, 67);
    expect((await compileText(OCI.replace('6.12.8}', '6.12.8, filename: kernel/image}'))).diagnostics).toEqual([]);
  });
});

describe('common checks on krata', () => {
  it('KS3003 kernel.version is required', async () => {
    const d = expectDiagnostic(await compileText(withLine(6, '')), D.VersionRequired, 5, 1);
    expect(d.message).toContain('KERNEL_VERSION');
  });
  it('KS3002 signing is refused', async () => {
    expectDiagnostic(await compileText(KRATA_SPEC + 'signing: {keySecret: k, certSecret: c}\n'), D.SigningNotSupported, 19, 1);
  });
  it('KS3011 only the default fallback', async () => {
    expectDiagnostic(await compileText(KRATA_SPEC + 'fallback: {kernel: x, via: rollback}\n'), D.FallbackNotSupported, 19, 28);
    expect((await compileText(KRATA_SPEC + 'fallback: {kernel: system-default, via: default}\n')).diagnostics).toEqual([]);
  });
  it('KS3001 package providers are refused', async () => {
    const spec = withLine(11, '  type: stock').replace(/  kernelImage.*\n  modulesDir.*\n  configFile.*\n/, '');
    expectDiagnostic(await compileText(spec), D.ProviderNotAccepted, 11, 9);
  });
});

describe('the .config reader', () => {
  it('lets the last assignment win and reads "is not set"', () => {
    const c = parseConfig('CONFIG_A=y\n# CONFIG_B is not set\nCONFIG_A=m\n');
    expect(c.get('CONFIG_A')).toEqual({ value: 'm', line: 3 });
    expect(c.get('CONFIG_B')).toEqual({ value: 'is not set', line: 2 });
  });
  it('=m is met by =y, not the reverse; strings compare unquoted', () => {
    expect(satisfies('m', 'y')).toBe(true);
    expect(satisfies('y', 'm')).toBe(false);
    expect(satisfies('512', '"512"')).toBe(true);
    expect(satisfies('y', undefined)).toBe(false);
  });
});

describe('krata: kernel.package has no effect', () => {
  it('KS3013 at kernel.package: krata boots a kernel image, never a package', async () => {
    const d = expectDiagnostic(await compileText(OCI.replace('  version: 6.12.8\n', '  version: 6.12.8\n  package: kernel-zone\n')), D.FieldIgnored, 7, 3);
    expect(d.message).toContain('kernel.package');
    expect(d.message).toContain('never a package');
  });
});

describe('krata: fields that change nothing warn (KS3013)', () => {
  const HOST = withLine(17, '  scope: host');
  it('a host kernel built here: target.image and target.tags (install-host.sh pushes nothing)', async () => {
    const d = expectDiagnostic(await compileText(HOST), D.FieldIgnored, 18, 3);
    expect(d.message).toContain('target.image');
    expect(d.message).toContain('install-host.sh');
    expectDiagnostic(await compileText(withLine(18, '  tags: [latest]', HOST)), D.FieldIgnored, 18, 3);
    // KS7005 is a zone rule: a host build needs no image
    expect((await compileText(withLine(18, '', HOST))).diagnostics).toEqual([]);
  });
  it('a host kernel: kernel.cmdline (the boot loader owns it) and fallback (no system-wide zone kernel)', async () => {
    const host = withLine(18, '', HOST);
    const cmd = expectDiagnostic(await compileText(host.replace('  arch: [x86_64]\n', '  arch: [x86_64]\n  cmdline: [quiet]\n')), D.FieldIgnored, 8, 3);
    expect(cmd.message).toContain('GRUB_CMDLINE_LINUX');
    const fb = expectDiagnostic(await compileText(host + 'fallback: {kernel: system-default, via: default}\n'), D.FieldIgnored, 19, 1);
    expect(fb.message).toContain("GRUB's menu");
  });
  it('a zone kernel: kernel.cmdline is used (launch.sh), no warning', async () => {
    const r = await compileText(KRATA_SPEC.replace('  arch: [x86_64]\n', '  arch: [x86_64]\n  cmdline: [loglevel=7, quiet]\n'));
    expect(r.diagnostics).toEqual([]);
    expect(r.files.find((f) => f.path === 'launch.sh')!.content).toContain("CMDLINE='loglevel=7 quiet'");
  });
  it("provider.initrd and provider.modules.readOnly are Liquid Metal's", async () => {
    const d = expectDiagnostic(await compileText(OCI.replace('  kernel: {', '  initrd: {image: ghcr.io/x/initrd:1}\n  kernel: {')), D.FieldIgnored, 9, 3);
    expect(d.message).toContain('provider.initrd');
    expect(d.message).toContain('krata/initrd');
    const r = await compileText(OCI.replace('  kernel: {', '  modules: {image: ghcr.io/x/mods:6.12.8, readOnly: true}\n  kernel: {'));
    expectDiagnostic(r, KRATA.KrataOciModules, 9, 3);
    expect(expectDiagnostic(r, D.FieldIgnored, 9, 43).message).toContain('provider.modules.readOnly');
  });
});
