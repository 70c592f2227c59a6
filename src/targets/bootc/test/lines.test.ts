/** bootc diagnostics from real YAML: each KS4xxx code with the line and column it names. */
import { describe, expect, it } from 'vitest';
import { BOOTC } from '../diagnostics.js';
import { BASE } from '../../../../test/fixtures.js';
import { compileText, expectDiagnostic, replaceLine } from '../../../../test/helpers.js';

/** Replaces one line (1-based) of BASE. */
const withLine = (n: number, text: string, base = BASE): string => replaceLine(base, n, text);

const STOCK_SIGNED = `apiVersion: kspec.dev/v1alpha1
kind: KernelSpec
metadata: {name: demo}
kernel: {arch: [x86_64]}
provider: {type: stock}
signing: {keySecret: k, certSecret: c}
target: {platform: bootc, base: "quay.io/fedora/fedora-bootc:42"}
`;

describe('bootc diagnostics with their lines', () => {
  it('KS4001 hostonly', async () => expectDiagnostic(await compileText(BASE + 'initramfs:\n  hostonly: true\n'), BOOTC.BootcHostonly, 20, 13));
  it('KS4002 ostree omitted', async () => expectDiagnostic(await compileText(BASE + 'initramfs:\n  omit: [nfs, ostree]\n'), BOOTC.BootcOmitOstree, 20, 15));
  it('KS4003 module repo', async () => expectDiagnostic(await compileText(withLine(15, '    repo: my-private-repo')), BOOTC.BootcModuleRepo, 15, 11));
  it('KS4004 no kernel.package', async () => expectDiagnostic(await compileText(withLine(6, '  flavor: cachyos')), BOOTC.BootcKernelPackageMissing, 5, 1));
  it('KS4005 kernel.package not installed', async () =>
    expectDiagnostic(await compileText(withLine(6, '  package: kernel-cachyos-lto')), BOOTC.BootcKernelPackageNotListed, 6, 12));
  it('KS4006 small minSizeMiB', async () => expectDiagnostic(await compileText(BASE + 'initramfs:\n  minSizeMiB: 20\n'), BOOTC.BootcMinSizeLow, 20, 15));
  it('KS4007 unsigned modules', async () =>
    expectDiagnostic(await compileText(BASE + 'signing:\n  keySecret: k\n  certSecret: c\n  modules: false\n'), BOOTC.BootcUnsignedModules, 22, 12));
  it('KS4008 removeStock empty', async () =>
    expectDiagnostic(await compileText(withLine(18, '  base: ghcr.io/ublue-os/bluefin-dx:stable\n  removeStock: []')), BOOTC.BootcRemoveStockEmpty, 19, 16));
  it('KS4009 no headers', async () => expectDiagnostic(await compileText(withLine(11, '  packages: [kernel-cachyos]')), BOOTC.BootcNoHeaders, 11, 13));
  it('KS4010 stock with module signing', async () => expectDiagnostic(await compileText(STOCK_SIGNED), BOOTC.BootcStockSignModules, 6, 1));
  it('KS4011 reserved label', async () =>
    expectDiagnostic(await compileText(withLine(4, '  name: demo\n  labels:\n    ostree.linux: "6.0"')), BOOTC.BootcReservedLabel, 6, 5));
  it('KS4012 add and omit the same module', async () =>
    expectDiagnostic(await compileText(BASE + 'initramfs:\n  add: [nfs]\n  omit: [nfs]\n'), BOOTC.BootcAddOmitConflict, 21, 10));
  it('KS4013 kernel.version built for an arch kernel.arch does not list', async () =>
    expectDiagnostic(await compileText(withLine(7, '  version: 7.0.8-cachyos1.fc44.aarch64\n  arch: [x86_64]')), BOOTC.BootcVersionArch, 7, 12));
  it('KS4013 with several arches too', async () =>
    expectDiagnostic(await compileText(withLine(7, '  arch: [x86_64, aarch64]\n  version: 6.5.0-1.fc44.ppc64le')), BOOTC.BootcVersionArch, 8, 12));
});

describe('bootc kernel.cmdline', () => {
  it('ships as a bootc kargs.d drop-in copied into the image', async () => {
    const r = await compileText(withLine(7, '  arch: [x86_64]\n  cmdline: [console=ttyS0, "rd.luks.options=discard", quiet]'));
    expect(r.diagnostics).toEqual([]);
    const kargs = r.files.find((f) => f.path === 'kargs.d/90-kspec.toml')!;
    expect(kargs.content.split('\n').filter((l) => !l.startsWith('#'))).toEqual(['kargs = ["console=ttyS0", "rd.luks.options=discard", "quiet"]', '']);
    const cf = r.files.find((f) => f.path === 'Containerfile')!.content;
    expect(cf).toContain('COPY --chmod=0644 kargs.d/90-kspec.toml /usr/lib/bootc/kargs.d/90-kspec.toml\n');
    expect(cf.indexOf('kargs.d')).toBeLessThan(cf.indexOf('RUN bootc container lint'));
  });
  it('emits no drop-in without a cmdline', async () => {
    expect((await compileText(BASE)).files.map((f) => f.path)).not.toContain('kargs.d/90-kspec.toml');
  });
});
