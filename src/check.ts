/**
 * Stage 4: check. Semantic invariants that the schema cannot express: first the ones
 * common to every platform, driven by the target's declared capabilities, then the
 * target's own `check`.
 */
import { D } from './diagnostics/catalogue.js';
import { parsePointer, pointer, valueAt } from './diagnostics/diagnostic.js';
import { parseOciReference } from './oci.js';
import { isPackageProvider } from './targets/shared.js';
import type { CheckContext, ImageField, TargetModule } from './targets/target.js';
import type { Spec } from './types.js';

/** A kernel release as `uname -r` prints it: at least major.minor, then anything sane. */
export const KERNEL_RELEASE = /^[0-9]+\.[0-9]+(\.[0-9]+)?([-+.~_][A-Za-z0-9._+~-]*)?$/;

/**
 * Every OCI reference of a spec: the target section's (from its module's `images`), then
 * the provider's, the modules' and the fallback's. KS3007/KS3008 check them; `kspec
 * outdated` resolves them.
 */
export function imageFields(spec: Spec, target: TargetModule<any>): ImageField[] {
  const p = spec.provider;
  const fields: ImageField[] = [...(target.images?.(spec) ?? [])];
  if (p.type === 'oci') {
    fields.push({ ptr: '/provider/kernel/image', ref: p.kernel.image, pulled: true });
    if (p.modules) fields.push({ ptr: '/provider/modules/image', ref: p.modules.image, pulled: true });
  }
  spec.modules.forEach((m, i) => {
    if (m.image !== undefined) fields.push({ ptr: pointer('modules', i, 'image'), ref: m.image, pulled: true });
  });
  if (spec.fallback?.via === 'template') fields.push({ ptr: '/fallback/kernel', ref: spec.fallback.kernel, pulled: true });
  return fields;
}

function urlFields(spec: Spec, target: TargetModule<any>): Array<{ ptr: string; url: string }> {
  const out: Array<{ ptr: string; url: string }> = [];
  const p = spec.provider;
  if (p.type === 'repo' && p.extraRepo) out.push({ ptr: '/provider/extraRepo/url', url: p.extraRepo.url });
  if (p.type === 'tarball') {
    for (const key of ['urls', 'headers', 'extras'] as const) {
      for (const [a, u] of Object.entries(p[key] ?? {})) out.push({ ptr: pointer('provider', key, a), url: u! });
    }
  }
  out.push(...(target.urls?.(spec) ?? []));
  return out;
}

/** Whether the user wrote a value at `ptr` (before defaults). */
function present(data: unknown, ptr: string): boolean {
  const v = valueAt(data, ptr);
  if (v === undefined) return false;
  const empty = Array.isArray(v) ? v.length === 0 : v !== null && typeof v === 'object' && Object.keys(v).length === 0;
  return !empty;
}

/**
 * `data` is the spec as written (after extends, before defaults): it tells which fields
 * the user set, for the KS3013 warning about fields the platform ignores.
 */
export function checkCommon(spec: Spec, target: TargetModule<any>, ctx: CheckContext, data?: unknown): void {
  const r = ctx.report;
  const platform = spec.target.platform;

  for (const { path, why } of target.ignored ?? []) {
    if (data !== undefined && present(data, path)) {
      r.report(D.FieldIgnored, path, { field: parsePointer(path).join('.'), platform, why }, 'key');
    }
  }

  if (!target.providers.includes(spec.provider.type)) {
    r.report(D.ProviderNotAccepted, '/provider/type', { platform, type: spec.provider.type, accepted: target.providers });
  }
  if (spec.signing && !target.signing) r.report(D.SigningNotSupported, '/signing', { platform }, 'key');
  if (spec.fallback && !target.fallbacks.includes(spec.fallback.via)) {
    r.report(D.FallbackNotSupported, '/fallback/via', { platform, via: spec.fallback.via, accepted: target.fallbacks });
  }

  // KS3019: a kernel.config value the platform's files cannot hold is refused here, at its
  // line, so validate and compile agree (the renderer would refuse it with KS9005).
  if (target.configValues && !(target.ignored ?? []).some((i) => i.path === '/kernel/config')) {
    for (const [option, value] of Object.entries(spec.kernel.config)) {
      if (!target.configValues.accepts(value)) {
        r.report(D.ConfigValueUnwritable, pointer('kernel', 'config', option), { platform, option, value, hint: target.configValues.hint });
      }
    }
  }

  if (spec.kernel.version === undefined) {
    const why = target.versionRequired?.(spec);
    if (why) r.report(D.VersionRequired, '/kernel', { platform, why }, 'key');
  } else if (!KERNEL_RELEASE.test(spec.kernel.version)) {
    r.report(D.BadKernelRelease, '/kernel/version', { value: spec.kernel.version });
  }

  for (const { ptr, url } of urlFields(spec, target)) {
    if (!url.startsWith('http://')) continue;
    if (spec.provider.allowInsecure) r.report(D.AllowInsecure, ptr, { url });
    else r.report(D.InsecureUrl, ptr, { url });
  }

  for (const { ptr, ref, pulled } of imageFields(spec, target)) {
    if (ref === undefined) continue;
    const parsed = parseOciReference(ref);
    if ('error' in parsed) r.report(D.InvalidOciRef, ptr, { ref, reason: parsed.error });
    else if (pulled && !parsed.tag && !parsed.digest) r.report(D.UntaggedOciRef, ptr, { ref });
  }

  // A module from an image of prebuilt kmods needs no kernel package to build against (one
  // with neither package nor image is the target's own error: bootc's KS4015).
  const built = spec.modules.filter((m) => !target.moduleImages || (m.image === undefined && m.package !== undefined));
  if (built.length > 0 && !isPackageProvider(spec.provider)) {
    r.report(D.ModulesWithoutPackages, '/modules', { type: spec.provider.type }, 'key');
  }
  const p = spec.provider;
  if (target.lifecycle) checkValidation(spec, r);
  if (built.length > 0 && isPackageProvider(p)) {
    const matched = p.packages.some((x) => x.endsWith('-devel-matched'));
    p.packages.forEach((pkg, i) => {
      if (pkg.endsWith('-devel') && !matched) {
        r.report(D.DevelNotMatched, pointer('provider', 'packages', i), { pkg, matched: `${pkg}-matched` });
      }
    });
  }
}

/** Initrd-stage lines: printed before the real root is up, so they prove too little. */
const EARLY_BOOT = /initrd|dracut|Switch Root|Basic System|Local File Systems \(Pre\)/i;

/** The lifecycle's settings (targets with `lifecycle`): the image must pass its own validator. */
function checkValidation(spec: Spec, r: CheckContext['report']): void {
  const p = spec.provider;
  const installs = [
    ...(isPackageProvider(p) ? p.packages.map((pkg, i) => ({ pkg, ptr: pointer('provider', 'packages', i) })) : []),
    ...spec.modules.map((m, i) =>
      m.package !== undefined ? { pkg: m.package, ptr: pointer('modules', i, 'package') } : { pkg: `kmod-${m.name}`, ptr: pointer('modules', i, 'name') },
    ),
  ];
  for (const { pkg, ptr } of installs) {
    const index = spec.validation.outOfPolicy.findIndex((w) => pkg.toLowerCase().includes(w));
    if (index >= 0) r.report(D.OutOfPolicyInstalled, ptr, { pkg, word: spec.validation.outOfPolicy[index]!, index });
  }
  const expect = spec.validation.boot.expect;
  if (EARLY_BOOT.test(expect)) r.report(D.BootExpectShell, '/validation/boot/expect', { expect });
}
