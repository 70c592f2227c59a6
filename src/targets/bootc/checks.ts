/**
 * bootc's platform checks (KS4xxx): what the schema and the common checks (src/check.ts)
 * cannot say about a bootc spec.
 */
import { BOOTC } from './diagnostics.js';
import { pointer } from '../../diagnostics/diagnostic.js';
import { parseOciReference } from '../../oci.js';
import { activeSigning, checkPackagesAndServices, isPackageProvider } from '../shared.js';
import type { CheckContext } from '../target.js';
import { HEADERS, RESERVED_LABELS, moduleRepo, releaseArch } from './view.js';
import type { BootcSpec } from './view.js';

export function check(spec: BootcSpec, ctx: CheckContext): void {
  const r = ctx.report;
  const p = spec.provider;
  const ini = spec.initramfs;
  const signing = activeSigning(spec.signing);

  if (ini.hostonly) r.report(BOOTC.BootcHostonly, '/initramfs/hostonly', {});
  checkPackagesAndServices(spec, r);
  ini.omit.forEach((m, i) => {
    if (m === 'ostree') r.report(BOOTC.BootcOmitOstree, pointer('initramfs', 'omit', i), {});
    else if (ini.add.includes(m)) r.report(BOOTC.BootcAddOmitConflict, pointer('initramfs', 'omit', i), { module: m });
  });
  if (ini.minSizeMiB < 30) r.report(BOOTC.BootcMinSizeLow, '/initramfs/minSizeMiB', { value: ini.minSizeMiB });

  const extraRepo = p.type === 'repo' ? p.extraRepo?.name : undefined;
  spec.modules.forEach((m, i) => {
    if (moduleRepo(spec, m.repo) === undefined) {
      r.report(BOOTC.BootcModuleRepo, pointer('modules', i, 'repo'), { repo: m.repo!, extraRepo: extraRepo ? `'${extraRepo}' (provider.extraRepo)` : 'the name of a provider.extraRepo' });
    }
    if (m.package === undefined && m.image === undefined) r.report(BOOTC.BootcModuleSource, pointer('modules', i, 'name'), { module: m.name }, 'key');
    if (m.image !== undefined) {
      // An invalid reference is KS3007, one without tag or digest KS3008 (src/check.ts).
      const ref = parseOciReference(m.image);
      if (!('error' in ref) && ref.tag !== undefined && ref.digest === undefined) {
        r.report(BOOTC.BootcModuleImageUnpinned, pointer('modules', i, 'image'), { ref: m.image, module: m.name });
      }
    }
  });
  const built = spec.modules.some((m) => m.image === undefined);

  if (isPackageProvider(p)) {
    const pkg = spec.kernel.package;
    if (pkg === undefined) {
      if (spec.kernel.version === undefined) r.report(BOOTC.BootcKernelPackageMissing, '/kernel', { type: p.type }, 'key');
    } else if (!p.packages.includes(pkg)) {
      r.report(BOOTC.BootcKernelPackageNotListed, '/kernel/package', { pkg });
    }
    if (spec.target.removeStock.length === 0) r.report(BOOTC.BootcRemoveStockEmpty, '/target/removeStock', { type: p.type });
    const why = built ? 'Building out-of-tree modules with akmods' : signing?.modules ? 'Signing modules with sign-file' : undefined;
    if (why && !p.packages.some((x) => HEADERS.test(x))) {
      r.report(BOOTC.BootcNoHeaders, '/provider/packages', { why, suggestion: `${pkg ?? p.packages[0] ?? 'kernel'}-devel-matched` });
    }
  }

  if (signing) {
    // Kmods from an image are signed with the image's key (enrolled with the MOK request).
    if (!signing.modules && built) r.report(BOOTC.BootcUnsignedModules, '/signing/modules', {});
    if (signing.modules && p.type === 'stock') r.report(BOOTC.BootcStockSignModules, '/signing', {}, 'key');
  }

  const suffix = spec.kernel.version === undefined ? undefined : releaseArch(spec.kernel.version);
  if (suffix !== undefined && !(spec.kernel.arch as string[]).includes(suffix)) {
    r.report(BOOTC.BootcVersionArch, '/kernel/version', { version: spec.kernel.version!, suffix, arches: spec.kernel.arch, example: spec.kernel.version!.slice(0, -suffix.length) + spec.kernel.arch[0] });
  }

  for (const label of Object.keys(spec.metadata.labels)) {
    if (RESERVED_LABELS.includes(label)) r.report(BOOTC.BootcReservedLabel, pointer('metadata', 'labels', label), { label }, 'key');
  }
}
