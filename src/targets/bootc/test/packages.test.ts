/**
 * Top-level `packages` and `services` (spec-format.md "Additions"): userland installed with
 * the kernel under the same retry loop and repository scrub, and systemd unit defaults,
 * on bootc and Kairos; KS3025-KS3027, KS5014, and KS3013 on the other platforms.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { D } from '../../../diagnostics/catalogue.js';
import { KAIROS } from '../../kairos/diagnostics.js';
import { compileText, expectDiagnostic, goldenDir } from '../../../../test/helpers.js';
import { bootcSpec, calls, KVER, line, runScript, setup } from '../../../../test/shims.js';

const GOLDEN = readFileSync(join(goldenDir('bootc-packages-services'), 'spec.yaml'), 'utf8');

describe('bootc: packages and services in the fake root', () => {
  it('installs the packages with the kernel in one retried install, scrubs their COPR, sets the unit defaults', () => {
    const spec = bootcSpec({
      modules: [],
      signing: undefined,
      packages: [{ name: 'scx-scheds', copr: 'bieszczaders/kernel-cachyos-addons' }, { name: 'htop' }],
      services: { enable: ['fstrim.timer'], disable: ['scx_loader.service'] },
    } as any);
    const box = setup(spec);
    const r = runScript(box, 'install.sh');
    expect(r.status, r.out).toBe(0);
    const all = calls(box).map(line);
    const addons = all.indexOf('dnf -y copr enable bieszczaders/kernel-cachyos-addons');
    const inst = all.findIndex((l) => l.startsWith('dnf -y install --refresh '));
    expect(addons).toBeGreaterThan(0);
    expect(addons).toBeLessThan(inst);
    expect(all[inst]).toBe('dnf -y install --refresh kernel-cachyos kernel-cachyos-core kernel-cachyos-modules kernel-cachyos-devel-matched scx-scheds htop');
    // the addons COPR is gone with the kernel's
    expect(readdirSync(join(box.root, 'etc/yum.repos.d'))).toEqual(['fedora.repo']);
    // userland is not versionlocked: only the kernel packages are
    expect(all.find((l) => l.startsWith('dnf versionlock add'))).not.toContain('scx-scheds');
    expect(all).toContain(`systemctl --root=${box.root} enable fstrim.timer`);
    expect(all).toContain(`systemctl --root=${box.root} disable scx_loader.service`);
    expect(existsSync(join(box.root, 'etc/systemd/system/multi-user.target.wants/fstrim.timer'))).toBe(true);
    expect(r.out).toContain(`kernel swap done: ${KVER}`);
  });

  it('a stock provider installs the packages too, and scrubs what they brought', () => {
    const spec = bootcSpec({
      provider: { type: 'stock', allowInsecure: false } as any,
      kernel: { package: undefined },
      modules: [],
      signing: undefined,
      packages: [{ name: 'scx-scheds', copr: 'bieszczaders/kernel-cachyos-addons' }],
    } as any);
    const box = setup(spec);
    const r = runScript(box, 'install.sh', [], { SHIM_KVER: '6.14.9-300.fc44.x86_64' });
    expect(r.status, r.out).toBe(0);
    const all = calls(box).map(line);
    expect(all).toContain('dnf -y install --refresh scx-scheds');
    expect(readdirSync(join(box.root, 'etc/yum.repos.d'))).toEqual(['fedora.repo']);
  });
});

describe('packages and services: checks', () => {
  it('the golden spec compiles clean', async () => {
    expect((await compileText(GOLDEN)).diagnostics).toEqual([]);
  });

  it('KS3025: copr and repo on one package', async () => {
    const spec = GOLDEN.replace('    copr: bieszczaders/kernel-cachyos-addons\n', '    copr: bieszczaders/kernel-cachyos-addons\n    repo: addons\n');
    expectDiagnostic(await compileText(spec), D.PackageCoprAndRepo, 15, 5);
  });

  it('KS3026: a repo that is not provider.extraRepo', async () => {
    const spec = GOLDEN.replace('  - name: htop\n', '  - name: htop\n    repo: rpmfusion-free\n');
    const d = expectDiagnostic(await compileText(spec), D.PackageRepoUnknown, 18, 11);
    expect(d.message).toContain('this spec has none');
  });

  it('KS3027: a unit both enabled and disabled', async () => {
    const spec = GOLDEN.replace('  enable: [fstrim.timer]', '  enable: [fstrim.timer, scx_loader.service]');
    expectDiagnostic(await compileText(spec), D.ServiceEnabledAndDisabled, 20, 13);
  });

  it('the schema refuses a unit name that is not one', async () => {
    const r = await compileText(GOLDEN.replace('disable: [scx_loader.service]', 'disable: ["-x; reboot"]'));
    expect(r.diagnostics.map((d) => d.code)).toContain('KS2005');
  });

  it('KS3013 on a platform without a package step', async () => {
    const krata = `apiVersion: kspec.dev/v1alpha1
kind: KernelSpec
metadata:
  name: kz
kernel:
  version: 6.12.8
provider:
  type: oci
  kernel: {image: ghcr.io/edera-dev/zone-kernel:6.12.8}
packages: [{name: htop}]
target:
  platform: krata
  scope: zone
`;
    expectDiagnostic(await compileText(krata), D.FieldIgnored, 10, 1);
  });
});

describe('kairos: packages and services', () => {
  const KAIROS_SPEC = readFileSync(join(goldenDir('kairos-fedora'), 'spec.yaml'), 'utf8');
  const withPackages = KAIROS_SPEC.replace(
    'target:\n',
    'packages:\n  - {name: scx-scheds, copr: bieszczaders/kernel-cachyos-addons}\nservices: {disable: [scx_loader.service]}\ntarget:\n',
  );

  it('build-kernel.sh installs them with the kernel and disables the unit', async () => {
    const r = await compileText(withPackages);
    expect(r.diagnostics).toEqual([]);
    const sh = r.files.find((f) => f.path === 'build-kernel.sh')!.content;
    expect(sh).toMatch(/^ {2}pm_enable_coprs [^\n]*'bieszczaders\/kernel-cachyos-addons'$/m);
    expect(sh).toMatch(/install_with_retry [^\n]* 'scx-scheds'\n/);
    expect(sh).toContain('systemctl ${ROOT:+--root="$ROOT"} disable \'scx_loader.service\'');
  });

  it('KS5014: a COPR package on a family that is not fedora', async () => {
    const ubuntu = withPackages.replace('family: fedora', 'family: ubuntu').replace(/packages: \[kernel[^\]]*\]/, 'packages: [linux-image-generic]');
    const d = expectDiagnostic(await compileText(ubuntu), KAIROS.KairosPackageCoprFamily, 18, 30);
    expect(d.path).toBe('/packages/0/copr');
  });
});
