/**
 * kairos: the target's own checks (KS5xxx), each on a real spec with its line and column,
 * and the common checks it relies on instead of repeating them.
 */
import { describe, expect, it } from 'vitest';
import { allEntries } from '../../../diagnostics/all.js';
import { D } from '../../../diagnostics/catalogue.js';
import { KAIROS } from '../diagnostics.js';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileBytes } from '../../../compile.js';
import { compileText, expectDiagnostic, replaceLine, tempDir } from '../../../../test/helpers.js';

/** A valid kairos spec; the line numbers below refer to this text. */
const KAIROS_SPEC = `apiVersion: kspec.dev/v1alpha1
kind: KernelSpec
metadata:
  name: kairos-demo
kernel:
  package: kernel
  arch: [x86_64]
provider:
  type: repo
  packages: [kernel, kernel-modules, kernel-modules-extra]
initramfs:
  hostonly: false
target:
  platform: kairos
  base: fedora:38
  family: fedora
  framework: quay.io/kairos/framework:v2.4.3
  bootloader: grub
`;

/** Replaces one line (1-based) of KAIROS_SPEC. */
const withLine = (n: number, text: string, base = KAIROS_SPEC): string => replaceLine(base, n, text);

const codes = (r: { diagnostics: Array<{ code: string }> }): string[] => r.diagnostics.map((d) => d.code);

describe('kairos checks', () => {
  it('the base spec and its variants compile clean', async () => {
    for (const spec of [
      KAIROS_SPEC,
      withLine(17, '  init: quay.io/kairos/kairos-init:v0.5.8'),
      withLine(16, '  family: ubuntu').replace(/packages: \[.*\]/, 'packages: [linux-image-generic]'),
      withLine(16, '  family: opensuse'),
      withLine(9, '  type: stock').replace(/  packages: .*\n/, ''),
      withLine(5, 'kernel:\n  version: 6.8.9-300.fc40.x86_64'),
      KAIROS_SPEC + 'fallback: {kernel: previous-image, via: rollback}\n',
      withLine(18, '  bootloader: trustedboot').replace('  arch: [x86_64]', '  arch: [x86_64]\n  config: {CONFIG_EFI_STUB: y}'),
    ]) {
      const r = await compileText(spec);
      expect(r.diagnostics, spec).toEqual([]);
      expect(r.files.map((f) => f.path)).toContain('build-kernel.sh');
    }
  });

  it('KS5001: an OpenRC family is rejected', async () => {
    const d = expectDiagnostic(await compileText(withLine(16, '  family: alpine')), KAIROS.KairosOpenrcFamily, 16, 11);
    expect(d.message).toContain('systemd');
  });

  it('KS5002: a family kspec has no package set for, with a suggestion', async () => {
    const d = expectDiagnostic(await compileText(withLine(16, '  family: fedroa')), KAIROS.KairosUnknownFamily, 16, 11);
    expect(d.message).toContain("Did you mean 'fedora'?");
    const far = expectDiagnostic(await compileText(withLine(16, '  family: debian')), KAIROS.KairosUnknownFamily, 16, 11);
    expect(far.message).not.toContain('Did you mean');
    expect(far.fix).toBe(KAIROS.KairosUnknownFamily.fix);
  });

  it('KS5003: neither framework nor init', async () => {
    expectDiagnostic(await compileText(withLine(17, '')), KAIROS.KairosNoFrameworkOrInit, 13, 1);
  });

  it('KS5004: both framework and init', async () => {
    const spec = withLine(17, '  framework: quay.io/kairos/framework:v2.4.3\n  init: quay.io/kairos/kairos-init:v0.5.8');
    expectDiagnostic(await compileText(spec), KAIROS.KairosFrameworkAndInit, 18, 3);
  });

  it('KS5005: trustedboot with CONFIG_EFI_STUB not y', async () => {
    const spec = withLine(18, '  bootloader: trustedboot').replace('  arch: [x86_64]', '  arch: [x86_64]\n  config:\n    CONFIG_EFI_STUB: n');
    const r = await compileText(spec);
    expectDiagnostic(r, KAIROS.KairosTrustedbootEfiStub, 9, 22);
    expect(codes(r)).not.toContain(KAIROS.KairosTrustedbootEfiStubUnstated.code);
  });

  it('KS5006: trustedboot without CONFIG_EFI_STUB stated is a warning, and the files are written', async () => {
    const r = await compileText(withLine(18, '  bootloader: trustedboot'));
    expectDiagnostic(r, KAIROS.KairosTrustedbootEfiStubUnstated, 18, 15);
    expect(r.files.length).toBeGreaterThan(0);
  });

  it('KS5007: fips without a fips framework tag', async () => {
    const r = await compileText(KAIROS_SPEC + '  fips: true\n');
    expectDiagnostic(r, KAIROS.KairosFipsFramework, 17, 14);
    const ok = await compileText(withLine(17, '  framework: quay.io/kairos/framework:v2.4.3-fips') + '  fips: true\n');
    expect(ok.diagnostics).toEqual([]);
    const init = await compileText(withLine(17, '  init: quay.io/kairos/kairos-init:v0.5.8') + '  fips: true\n');
    expect(init.diagnostics).toEqual([]);
  });

  it('KS5008: a copr provider on a family without dnf', async () => {
    const spec = withLine(9, '  type: copr\n  repo: bieszczaders/kernel-cachyos');
    expect((await compileText(spec)).diagnostics).toEqual([]);
    expectDiagnostic(await compileText(spec.replace('family: fedora', 'family: ubuntu')), KAIROS.KairosCoprFamily, 9, 9);
  });

  it('KS5013: an extraRepo on a family with no step to add it', async () => {
    const spec = withLine(10, '  packages: [kernel, kernel-modules, kernel-modules-extra]\n  extraRepo: {name: extra, url: "https://example.org/extra-release.noarch.rpm"}');
    expect((await compileText(spec)).diagnostics).toEqual([]);
    expectDiagnostic(await compileText(spec.replace('family: fedora', 'family: ubuntu')), KAIROS.KairosExtraRepoFamily, 11, 3);
  });

  it('KS5009: a host-only initrd', async () => {
    expectDiagnostic(await compileText(withLine(12, '  hostonly: true')), KAIROS.KairosHostonly, 12, 13);
  });

  it('KS5010: out-of-tree modules are not built by this target', async () => {
    const spec = withLine(11, 'modules:\n  - {name: v4l2loopback, package: akmod-v4l2loopback}\ninitramfs:');
    expectDiagnostic(await compileText(spec), KAIROS.KairosModulesUnsupported, 11, 1);
  });

  it('KS5011: omitting a dracut module Kairos boots through', async () => {
    const r = await compileText(withLine(12, '  omit: [nfs, immucore]'));
    const d = expectDiagnostic(r, KAIROS.KairosOmitRequired, 12, 15);
    expect(d.message).toContain("'immucore'");
  });

  it('KS5012: MOK signing with trustedboot', async () => {
    const spec = withLine(18, '  bootloader: trustedboot').replace('  arch: [x86_64]', '  arch: [x86_64]\n  config: {CONFIG_EFI_STUB: y}') + 'signing: {keySecret: k, certSecret: c}\n';
    expectDiagnostic(await compileText(spec), KAIROS.KairosSigningTrustedboot, 20, 1);
  });

  it('KS5012 says what trustedboot emits: build-uki with the keys of KSPEC_UKI_KEYS', () => {
    const m = `${KAIROS.KairosSigningTrustedboot.message} ${KAIROS.KairosSigningTrustedboot.fix}`;
    for (const w of ['build-uki', 'KSPEC_UKI_KEYS', 'tpm2-pcr-private.pem', 'db.key']) expect(m).toContain(w);
  });

  it('KS5016: grub on EFI with a kernel.config that turns CONFIG_EFI_STUB off', async () => {
    const spec = KAIROS_SPEC.replace('  arch: [x86_64]', '  arch: [x86_64]\n  config: {CONFIG_EFI_STUB: n}');
    const d = expectDiagnostic(await compileText(spec), KAIROS.KairosGrubEfiStub, 8, 29);
    expect(d.message).toContain("'n'");
    expect((await compileText(spec.replace('CONFIG_EFI_STUB: n', 'CONFIG_EFI_STUB: y'))).diagnostics).toEqual([]);
    // with trustedboot the same value is KS5005, not both
    const tb = codes(await compileText(withLine(19, '  bootloader: trustedboot', spec)));
    expect(tb).toContain(KAIROS.KairosTrustedbootEfiStub.code);
    expect(tb).not.toContain(KAIROS.KairosGrubEfiStub.code);
  });

  it('signing is accepted on kairos (KS3002 is not reported)', async () => {
    const r = await compileText(KAIROS_SPEC + 'signing: {keySecret: mok-key, certSecret: mok-cert}\n');
    expect(codes(r)).not.toContain(D.SigningNotSupported.code);
    expect(r.diagnostics).toEqual([]);
  });

  it('reuses the common checks: KS3010 for kernel.version, KS3011 for fallback, KS3001 for providers', async () => {
    expectDiagnostic(await compileText(withLine(5, 'kernel:\n  version: latest')), D.BadKernelRelease, 6, 12);
    expectDiagnostic(await compileText(KAIROS_SPEC + 'fallback: {kernel: x, via: template}\n'), D.FallbackNotSupported, 19, 28);
    const oci = withLine(9, '  type: oci\n  kernel: {image: ghcr.io/x/k:1}').replace(/  packages: .*\n/, '');
    expectDiagnostic(await compileText(oci), D.ProviderNotAccepted, 9, 9);
    expectDiagnostic(await compileText(withLine(17, '  framework: quay.io/kairos/framework')), D.UntaggedOciRef, 17, 14);
  });

  it('every KS5xxx entry has a kairos- id and says what to do', () => {
    const ks5 = allEntries().filter((e) => e.code.startsWith('KS5'));
    expect(ks5.map((e) => e.code)).toEqual(Array.from({ length: 18 }, (_, i) => `KS50${String(i + 1).padStart(2, '0')}`));
    for (const e of ks5) {
      expect(e.id).toMatch(/^kairos-[a-z0-9-]+$/);
      expect(e.fix).toMatch(/^(Set|Remove|Add|Use)\b/);
    }
  });
});

describe('kairos: the dracut drop-in order and base: scratch', () => {
  it("the drop-in sorts after kairos-init's 99-immucore.conf (C locale), so initramfs.compress wins", async () => {
    const { KAIROS_DRACUT_CONF } = await import('../../../targets/kairos/view.js');
    const { spawnSync } = await import('node:child_process');
    const name = KAIROS_DRACUT_CONF.split('/').pop()!;
    // dracut reads /etc/dracut.conf.d/*.conf in sorted order, the last assignment winning
    const sorted = spawnSync('sort', { input: `${name}\n99-immucore.conf\n10-immucore.conf\n`, env: { LC_ALL: 'C' }, encoding: 'utf8' }).stdout.trim().split('\n');
    expect(sorted.at(-1)).toBe(name);
    const r = await compileText(KAIROS_SPEC.replace('initramfs:\n', 'initramfs:\n  compress: lz4\n'));
    const conf = r.files.find((f) => f.path === KAIROS_DRACUT_CONF);
    expect(conf?.content).toContain('compress="lz4"');
  });

  it('KS5015: base: scratch', async () => {
    const d = expectDiagnostic(await compileText(KAIROS_SPEC.replace(/  base: .*\n/, '  base: scratch\n')), KAIROS.KairosScratchBase, 15, 9);
    expect(d.fix).toContain('ADD . /');
  });
});

describe('kairos: target.cloudConfig (attached to the ISO and netboot by AuroraBoot)', () => {
  const ISO = KAIROS_SPEC + '  artifacts: [iso, netboot]\n';
  const compileIn = (dir: string, yaml: string) => compileBytes(new TextEncoder().encode(yaml), { specPath: 'spec.yaml', specDir: dir, command: 'kspec compile spec.yaml -o out' });
  const repo = (): string => {
    const dir = tempDir('kspec-cloud-');
    mkdirSync(join(dir, '.git'));
    return dir;
  };

  it('inline: emitted as cloud-config.yaml without a header, and auroraboot.sh attaches it', async () => {
    const r = await compileText(ISO + '  cloudConfig:\n    inline: |\n      #cloud-config\n      users: [{name: kairos, passwd: kairos}]\n');
    expect(r.diagnostics).toEqual([]);
    const cc = r.files.find((f) => f.path === 'cloud-config.yaml')!;
    expect(cc.content).toBe('#cloud-config\nusers: [{name: kairos, passwd: kairos}]\n');
    const ab = r.files.find((f) => f.path === 'auroraboot.sh')!.content;
    expect(ab).toContain('build-iso --cloud-config /cloud-config.yaml --output /result "docker:$IMAGE"');
    expect(ab).toContain('  --cloud-config /cloud-config.yaml \\\n  --set "container_image=docker://$IMAGE"');
    expect(ab.match(/-v "\$CLOUD_CONFIG:\/cloud-config.yaml:ro"/g)).toHaveLength(2);
    expect(r.files.some((f) => f.path === 'cloud-config.yaml' && (f.mode & 0o111) !== 0)).toBe(false);
  });

  it('KS5017: a cloud-config file whose first line is not #cloud-config (inline, the schema says so)', async () => {
    const dir = repo();
    writeFileSync(join(dir, 'cc.yaml'), 'users: []\n');
    const d = expectDiagnostic(await compileIn(dir, ISO + '  cloudConfig: {file: cc.yaml}\n'), KAIROS.KairosCloudConfigHeader, 20, 23);
    expect(d.message).toContain("starts with 'users: []'");
    const inline = await compileText(ISO + '  cloudConfig: {inline: "users: []"}\n');
    expect(inline.diagnostics.map((x) => x.code)).toEqual([expect.stringMatching(/^KS2/)]);
    expect(inline.diagnostics[0]!.line).toBe(20);
  });

  it('KS5018: trustedboot (build-uki has no cloud-config option)', async () => {
    const spec = withLine(18, '  bootloader: trustedboot', ISO).replace('  arch: [x86_64]', '  arch: [x86_64]\n  config: {CONFIG_EFI_STUB: y}') + '  cloudConfig: {inline: "#cloud-config"}\n';
    expectDiagnostic(await compileText(spec), KAIROS.KairosCloudConfigTrustedboot, 21, 3);
  });

  it('file: read beside the spec inside the repository, and refused as every file read for a spec is', async () => {
    const dir = repo();
    writeFileSync(join(dir, 'cc.yaml'), '#cloud-config\nhostname: k\n');
    const ok = await compileIn(dir, ISO + '  cloudConfig: {file: cc.yaml}\n');
    expect(ok.diagnostics).toEqual([]);
    expect(ok.files.find((f) => f.path === 'cloud-config.yaml')!.content).toBe('#cloud-config\nhostname: k\n');

    expect(expectDiagnostic(await compileIn(dir, ISO + '  cloudConfig: {file: nope.yaml}\n'), D.FileUnreadable, 20, 23).message).toContain('no such file');
    mkdirSync(join(dir, 'folder'));
    expectDiagnostic(await compileIn(dir, ISO + '  cloudConfig: {file: folder}\n'), D.FileNotRegular, 20, 23);
    symlinkSync('/etc/passwd', join(dir, 'out.yaml'));
    expectDiagnostic(await compileIn(dir, ISO + '  cloudConfig: {file: out.yaml}\n'), D.FileOutsideRepo, 20, 23);
    writeFileSync(join(dir, 'big.yaml'), '#cloud-config\n' + 'x'.repeat(70_000));
    expectDiagnostic(await compileIn(dir, ISO + '  cloudConfig: {file: big.yaml}\n'), D.FileTooLarge, 20, 23);
    writeFileSync(join(dir, 'key.yaml'), '#cloud-config\nk: "-----BEGIN PRIVATE KEY-----"\n');
    expectDiagnostic(await compileIn(dir, ISO + '  cloudConfig: {file: key.yaml}\n'), D.KeyMaterial, 20, 23);
    writeFileSync(join(dir, 'nohead.yaml'), 'hostname: k\n');
    expectDiagnostic(await compileIn(dir, ISO + '  cloudConfig: {file: nohead.yaml}\n'), KAIROS.KairosCloudConfigHeader, 20, 23);
  });

  it('the schema takes exactly one of file and inline', async () => {
    const both = await compileText(ISO + '  cloudConfig: {file: a.yaml, inline: "#cloud-config"}\n');
    expect(both.diagnostics.map((d) => d.code)).toEqual([expect.stringMatching(/^KS2/)]);
    const none = await compileText(ISO + '  cloudConfig: {}\n');
    expect(none.diagnostics.map((d) => d.code)).toEqual([expect.stringMatching(/^KS2/)]);
  });
});
