/**
 * bootc: the target's own checks (KS4xxx), on hand-built normalized specs.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allEntries } from '../../../diagnostics/all.js';
import { BOOTC } from '../diagnostics.js';
import type { Entry } from '../../../diagnostics/catalogue.js';
import { Reporter } from '../../../diagnostics/diagnostic.js';
import type { Diagnostic, SourceIndex } from '../../../diagnostics/diagnostic.js';
import { bootc } from '../../../targets/bootc/index.js';
import { bootcSpec, type BootcSpec } from './fixtures.js';
import { ROOT } from '../../../../test/helpers.js';



const SOURCE: SourceIndex = {
  locate: () => ({ file: 'specs/bootc-cachyos.yaml', line: 1, column: 1 }),
  lineText: () => undefined,
};

function check(spec: BootcSpec): Diagnostic[] {
  const report = new Reporter(SOURCE);
  bootc.check(spec, { specPath: 'specs/bootc-cachyos.yaml', specDir: path.join(ROOT, 'specs'), report });
  return report.diagnostics;
}
const codes = (ds: Diagnostic[]): Array<[string, string, string]> => ds.map((d) => [d.code, d.severity, d.path]);
/** The expected [code, severity, pointer] of one diagnostic; the severity is the entry's and checked against the brief. */
function at(entry: Entry, path: string, severity: 'error' | 'warning'): [string, string, string] {
  expect(entry.severity).toBe(severity);
  return [entry.code, entry.severity, path];
}
const stock = { type: 'stock', allowInsecure: false } as any;

describe('bootc check', () => {
  it('accepts the example and its common variants without a diagnostic', () => {
    expect(check(bootcSpec())).toEqual([]);
    expect(check(bootcSpec({ kernel: { version: '7.0.8-cachyos1.fc44.x86_64' } }))).toEqual([]);
    expect(check(bootcSpec({ kernel: { version: '7.0.8-cachyos1.fc44.x86_64', package: undefined } }))).toEqual([]);
    expect(check(bootcSpec({ signing: undefined }))).toEqual([]);
    expect(check(bootcSpec({ provider: stock, kernel: { package: undefined }, modules: [], signing: undefined }))).toEqual([]);
    expect(check(bootcSpec({ provider: stock, kernel: { package: undefined }, modules: [], signing: { modules: false } }))).toEqual([]);
    expect(
      check(
        bootcSpec({
          provider: {
            type: 'repo',
            packages: ['kernel', 'kernel-core', 'kernel-modules', 'kernel-devel-matched'],
            extraRepo: { name: 'surface', url: 'https://example.org/surface-release.noarch.rpm' },
            retry: { attempts: 5, backoffSeconds: 30 },
            allowInsecure: false,
          } as any,
          kernel: { package: 'kernel' },
          modules: [
            { name: 'a', package: 'akmod-a', repo: 'surface', optional: false },
            { name: 'b', package: 'akmod-b', repo: 'rpmfusion-nonfree', optional: false },
            { name: 'c', package: 'akmod-c', repo: '@ublue/akmods', optional: true },
            { name: 'd', package: 'akmod-d', optional: true },
          ],
        }),
      ),
    ).toEqual([]);
  });

  it('KS4001: initramfs.hostonly: true is an error (the build host is not the machine)', () => {
    const ds = check(bootcSpec({ initramfs: { hostonly: true } }));
    expect(codes(ds)).toEqual([at(BOOTC.BootcHostonly, '/initramfs/hostonly', 'error')]);
    expect(ds[0]!.message).toBe(BOOTC.BootcHostonly.message);
    expect(ds[0]!.fix).toBe('Set initramfs.hostonly: false.');
  });

  it('KS4002: ostree in initramfs.omit is an error', () => {
    const ds = check(bootcSpec({ initramfs: { omit: ['nfs', 'ostree'] } }));
    expect(codes(ds)).toEqual([at(BOOTC.BootcOmitOstree, '/initramfs/omit/1', 'error')]);
    expect(ds[0]!.fix).toMatch(/Remove 'ostree' from initramfs\.omit/);
  });

  it('KS4003: a module repository the build cannot enable is an error', () => {
    const ds = check(
      bootcSpec({
        modules: [
          { name: 'ok', package: 'akmod-ok', repo: 'rpmfusion-free', optional: true },
          { name: 'bad', package: 'akmod-bad', repo: 'my-private-repo', optional: true },
          { name: 'url', package: 'akmod-url', repo: 'https://example.org/x.repo', optional: true },
        ],
      }),
    );
    expect(codes(ds)).toEqual([
      at(BOOTC.BootcModuleRepo, '/modules/1/repo', 'error'),
      at(BOOTC.BootcModuleRepo, '/modules/2/repo', 'error'),
    ]);
    expect(ds[0]!.message).toContain("'my-private-repo'");
    // a repo provider's extraRepo is offered by name
    const repo = check(
      bootcSpec({
        provider: {
          type: 'repo',
          packages: ['kernel-cachyos', 'kernel-cachyos-devel-matched'],
          extraRepo: { name: 'extra', url: 'https://example.org/extra.rpm' },
          retry: { attempts: 5, backoffSeconds: 30 },
          allowInsecure: false,
        } as any,
        modules: [{ name: 'm', package: 'akmod-m', repo: 'extras', optional: false }],
      }),
    );
    expect(codes(repo)).toEqual([at(BOOTC.BootcModuleRepo, '/modules/0/repo', 'error')]);
    expect(repo[0]!.fix).toContain("or 'extra' (provider.extraRepo)");
  });

  it('KS4004: a copr/repo provider without kernel.package and without kernel.version is an error', () => {
    const ds = check(bootcSpec({ kernel: { package: undefined } }));
    expect(codes(ds)).toEqual([at(BOOTC.BootcKernelPackageMissing, '/kernel', 'error')]);
    expect(ds[0]!.fix).toMatch(/Add kernel\.package/);
    expect(check(bootcSpec({ kernel: { package: undefined, version: '7.0.8-cachyos1.fc44.x86_64' } }))).toEqual([]);
  });

  it('KS4005: kernel.package not among provider.packages is an error', () => {
    const ds = check(bootcSpec({ kernel: { package: 'kernel-cachyos-lto' } }));
    expect(codes(ds)).toEqual([at(BOOTC.BootcKernelPackageNotListed, '/kernel/package', 'error')]);
    expect(ds[0]!.fix).toContain("Add 'kernel-cachyos-lto' to provider.packages");
  });

  it('KS4006: initramfs.minSizeMiB below 30 is a warning', () => {
    expect(codes(check(bootcSpec({ initramfs: { minSizeMiB: 20 } })))).toEqual([at(BOOTC.BootcMinSizeLow, '/initramfs/minSizeMiB', 'warning')]);
    expect(check(bootcSpec({ initramfs: { minSizeMiB: 30 } }))).toEqual([]);
  });

  it('KS4007: signing without modules while out-of-tree modules are built is a warning', () => {
    const ds = check(bootcSpec({ signing: { modules: false } }));
    expect(codes(ds)).toEqual([at(BOOTC.BootcUnsignedModules, '/signing/modules', 'warning')]);
    expect(ds[0]!.message).toMatch(/Secure Boot/);
    expect(check(bootcSpec({ signing: { modules: false }, modules: [] }))).toEqual([]);
  });

  it('KS4008: removeStock empty with a copr or repo provider is a warning', () => {
    expect(codes(check(bootcSpec({ target: { removeStock: [] } })))).toEqual([at(BOOTC.BootcRemoveStockEmpty, '/target/removeStock', 'warning')]);
    expect(check(bootcSpec({ target: { removeStock: [] }, provider: stock, kernel: { package: undefined }, modules: [], signing: undefined }))).toEqual([]);
  });

  it('KS4009: modules or module signing without a -devel-matched package is an error', () => {
    const noHeaders = { packages: ['kernel-cachyos', 'kernel-cachyos-core', 'kernel-cachyos-modules'] } as any;
    const ds = check(bootcSpec({ provider: noHeaders }));
    expect(codes(ds)).toEqual([at(BOOTC.BootcNoHeaders, '/provider/packages', 'error')]);
    expect(ds[0]!.fix).toContain("Add 'kernel-cachyos-devel-matched'");
    expect(ds[0]!.message).toMatch(/^Building out-of-tree modules with akmods/);
    const signOnly = check(bootcSpec({ provider: noHeaders, modules: [] }));
    expect(codes(signOnly)).toEqual([at(BOOTC.BootcNoHeaders, '/provider/packages', 'error')]);
    expect(signOnly[0]!.message).toMatch(/^Signing modules with sign-file/);
    expect(check(bootcSpec({ provider: noHeaders, modules: [], signing: { modules: false } }))).toEqual([]);
    // plain -devel is enough here; the common check warns about it (KS3009)
    expect(check(bootcSpec({ provider: { packages: ['kernel-cachyos', 'kernel-cachyos-devel'] } as any }))).toEqual([]);
  });

  it('KS4010: module signing with a stock provider is an error', () => {
    const ds = check(bootcSpec({ provider: stock, kernel: { package: undefined }, modules: [] }));
    expect(codes(ds)).toEqual([at(BOOTC.BootcStockSignModules, '/signing', 'error')]);
    expect(ds[0]!.fix).toMatch(/Set signing\.modules: false/);
  });

  it('KS4011: metadata.labels may not set the labels kspec writes', () => {
    const ds = check(bootcSpec({ metadata: { labels: { 'ostree.linux': '6.1', 'containers.bootc': '1', 'org.example': 'x' } } }));
    expect(codes(ds)).toEqual([
      at(BOOTC.BootcReservedLabel, '/metadata/labels/ostree.linux', 'error'),
      at(BOOTC.BootcReservedLabel, '/metadata/labels/containers.bootc', 'error'),
    ]);
  });

  it('KS4012: a dracut module in both add and omit is an error', () => {
    expect(codes(check(bootcSpec({ initramfs: { add: ['ostree', 'nfs'], omit: ['nfs'] } })))).toEqual([at(BOOTC.BootcAddOmitConflict, '/initramfs/omit/0', 'error')]);
  });

  it('KS4013: a release suffixed with an arch kernel.arch does not list is an error; a listed one is not', () => {
    const v = '7.0.8-cachyos1.fc44';
    expect(codes(check(bootcSpec({ kernel: { version: `${v}.aarch64` } })))).toEqual([at(BOOTC.BootcVersionArch, '/kernel/version', 'error')]);
    expect(codes(check(bootcSpec({ kernel: { version: `${v}.ppc64le`, arch: ['x86_64', 'aarch64'] } })))).toEqual([at(BOOTC.BootcVersionArch, '/kernel/version', 'error')]);
    expect(check(bootcSpec({ kernel: { version: `${v}.aarch64`, arch: ['x86_64', 'aarch64'] } }))).toEqual([]);
    expect(check(bootcSpec({ kernel: { version: '6.8.9', arch: ['x86_64', 'aarch64'] } }))).toEqual([]);
  });

  it('does not repeat the common checks (key material, https, OCI references, -devel)', () => {
    const ds = check(
      bootcSpec({
        target: { base: 'not a reference' },
        provider: { packages: ['kernel-cachyos', 'kernel-cachyos-devel'] } as any,
        metadata: { description: '-----BEGIN PRIVATE KEY-----' },
      }),
    );
    expect(ds).toEqual([]);
  });

  it('every KS4xxx entry is exercised above, has a bootc- id and says what to do', () => {
    const ks4 = allEntries().filter((e) => e.code.startsWith('KS4'));
    expect(ks4.map((e) => e.code).sort()).toEqual(['KS4001', 'KS4002', 'KS4003', 'KS4004', 'KS4005', 'KS4006', 'KS4007', 'KS4008', 'KS4009', 'KS4010', 'KS4011', 'KS4012', 'KS4013', 'KS4014', 'KS4015']);
    for (const e of ks4) {
      expect(e.id).toMatch(/^bootc-[a-z0-9-]+$/);
      expect(e.fix).toMatch(/^(Set|Remove|Add|Use|List|Keep|Pin)\b/);
    }
  });
});
