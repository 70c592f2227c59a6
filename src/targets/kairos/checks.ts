/**
 * kairos' platform checks (KS5xxx): what the schema and the common checks (src/check.ts)
 * cannot say about a kairos spec.
 */
import { D } from '../../diagnostics/catalogue.js';
import { KAIROS } from './diagnostics.js';
import { pointer } from '../../diagnostics/diagnostic.js';
import { parseOciReference } from '../../oci.js';
import { activeSigning, checkPackagesAndServices } from '../shared.js';
import { closest } from '../../suggest.js';
import { FAMILIES, isFamily, KAIROS_DRACUT_MODULES, OPENRC_FAMILIES } from './families.js';
import type { CheckContext } from '../target.js';
import { besideSpec, reportReadProblem } from '../../specfiles.js';
import { cloudConfigText } from './view.js';
import type { KairosSpec } from './view.js';

/** Dracut modules a Kairos initrd cannot boot without. */
const REQUIRED_DRACUT = new Set<string>(KAIROS_DRACUT_MODULES);

function checkCloudConfig(spec: KairosSpec, ctx: CheckContext): void {
  const cc = spec.target.cloudConfig;
  if (!cc) return;
  const r = ctx.report;
  const ptr = cc.file !== undefined ? '/target/cloudConfig/file' : '/target/cloudConfig/inline';
  if (spec.target.bootloader === 'trustedboot') r.report(KAIROS.KairosCloudConfigTrustedboot, '/target/cloudConfig', {}, 'key');
  const got = cloudConfigText(spec, ctx.specDir);
  if (got === null) return;
  if ('problem' in got) {
    reportReadProblem(r, ptr, 'target.cloudConfig.file', cc.file!, besideSpec(ctx.specPath, cc.file!), got.problem);
    return;
  }
  // The inline text is already searched for key material with the rest of the spec (KS3006).
  if (cc.file !== undefined && got.text.includes('-----BEGIN')) r.report(D.KeyMaterial, ptr, {});
  const first = got.text.split('\n', 1)[0]!.replace(/\r$/, '');
  if (first.trimEnd() !== '#cloud-config') r.report(KAIROS.KairosCloudConfigHeader, ptr, { first });
}

function checkFamily(spec: KairosSpec, ctx: CheckContext): boolean {
  const f: string = spec.target.family;
  if ((OPENRC_FAMILIES as readonly string[]).includes(f)) {
    ctx.report.report(KAIROS.KairosOpenrcFamily, '/target/family', { family: f });
    return false;
  }
  if (!isFamily(f)) {
    const suggestion = closest(f, Object.keys(FAMILIES));
    ctx.report.report(KAIROS.KairosUnknownFamily, '/target/family', { family: f, ...(suggestion ? { suggestion } : {}) });
    return false;
  }
  return true;
}

export function check(spec: KairosSpec, ctx: CheckContext): void {
  const r = ctx.report;
  const t = spec.target;
  const p = spec.provider;

  if (checkFamily(spec, ctx) && p.type === 'copr' && t.family !== 'fedora') {
    r.report(KAIROS.KairosCoprFamily, '/provider/type', { family: t.family });
  }

  checkPackagesAndServices(spec, r);
  if (t.family !== 'fedora') {
    (spec.packages ?? []).forEach((x, i) => {
      if (x.copr !== undefined) r.report(KAIROS.KairosPackageCoprFamily, pointer('packages', i, 'copr'), { family: t.family });
    });
  }

  if (p.type === 'repo' && p.extraRepo && t.family === 'ubuntu') r.report(KAIROS.KairosExtraRepoFamily, '/provider/extraRepo', { family: t.family }, 'key');

  // `FROM scratch` has no OS for the package steps to run in: upstream builds a rootfs
  // into an image with its own flow (ADD . /), which kspec does not emit.
  if (t.base === 'scratch') r.report(KAIROS.KairosScratchBase, '/target/base', {});
  if (t.framework === undefined && t.init === undefined) r.report(KAIROS.KairosNoFrameworkOrInit, '/target', {}, 'key');
  if (t.framework !== undefined && t.init !== undefined) r.report(KAIROS.KairosFrameworkAndInit, '/target/init', {}, 'key');

  if (t.fips && t.framework !== undefined) {
    const ref = parseOciReference(t.framework);
    const tag = 'error' in ref ? undefined : ref.tag;
    // The common check already reports an unparsable reference.
    if (!('error' in ref) && !(tag ?? '').split(/[-_.]/).includes('fips')) r.report(KAIROS.KairosFipsFramework, '/target/framework', { framework: t.framework });
  }

  // Kairos boots on EFI either way: grub's EFI loader starts the kernel through its EFI
  // stub, and trustedboot's unified kernel image is that stub with the initrd attached.
  const efiStub = spec.kernel.config.CONFIG_EFI_STUB;
  if (t.bootloader !== 'trustedboot' && efiStub !== undefined && efiStub !== 'y') {
    r.report(KAIROS.KairosGrubEfiStub, pointer('kernel', 'config', 'CONFIG_EFI_STUB'), { value: efiStub });
  }
  if (t.bootloader === 'trustedboot') {
    const stub = efiStub;
    if (stub === undefined) r.report(KAIROS.KairosTrustedbootEfiStubUnstated, '/target/bootloader', {});
    else if (stub !== 'y') r.report(KAIROS.KairosTrustedbootEfiStub, pointer('kernel', 'config', 'CONFIG_EFI_STUB'), { value: stub });
    if (activeSigning(spec.signing)) r.report(KAIROS.KairosSigningTrustedboot, '/signing', {}, 'key');
  }

  checkCloudConfig(spec, ctx);

  const ini = spec.initramfs;
  if (ini.hostonly) r.report(KAIROS.KairosHostonly, '/initramfs/hostonly', {});
  ini.omit.forEach((m, i) => {
    if (REQUIRED_DRACUT.has(m)) r.report(KAIROS.KairosOmitRequired, pointer('initramfs', 'omit', i), { module: m });
  });
  if (spec.modules.length > 0) r.report(KAIROS.KairosModulesUnsupported, '/modules', {}, 'key');
}
