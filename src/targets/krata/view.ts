/**
 * krata's view: what its templates (templates/krata/) print, computed from the spec, with
 * the required-options fragments. Data only; the text is the templates'.
 */
import path from 'node:path';
import { parseOciReference, repositoryOf } from '../../oci.js';
import { UnsafeValueError } from '../../quote.js';
import type { Arch, SpecFor } from '../../types.js';
import { configRules } from '../kconfig.js';
import { HOST_OPTIONS, requiredOnAny, requiredOptions } from './options.js';
import type { RequiredOption } from './options.js';
import type { PlanContext } from '../target.js';
import { byKey, GOARCH } from '../shared.js';

export type KrataSpec = SpecFor<'krata'>;

/**
 * addons.squashfs limits, in bytes: exactly linux-kernel-oci's build checks (a build over
 * them fails), edera-dev/linux-kernel-oci hack/build/build.sh at 41532373003e430706d9ed7dc8e71a6f731cc25c
 * (`-gt 52428800` for zone flavors, `-gt 419430400` for host flavors): 50 and 400 MiB.
 */
export const SQUASHFS_LIMIT = { zone: 52_428_800, host: 419_430_400 } as const;
/** What /kernel/image is on each architecture (reference/krata/krata-kernel-oci-layout.md). */
export const KERNEL_IMAGE_NAME: Record<Arch, string> = { x86_64: 'bzImage', aarch64: 'Image.gz' };
/** The OCI platform of each kernel architecture (the image manifests are per platform). */
export const OCI_PLATFORM = (a: Arch): string => `linux/${GOARCH[a]}`;
/** .config values written bare; anything else is written as a quoted plain string. */
const CONFIG_BARE = /^(?:[ymn]|-?[0-9]+|0x[0-9a-fA-F]+)$/;
const CONFIG_STRING = /^[A-Za-z0-9 ._,:/=+-]*$/;

export interface FragmentView {
  path: string;
  arch: Arch | null;
  scope: 'zone' | 'host';
  required: Array<{ name: string; value: string; why: string | null; heading: string | null }>;
  /** kernel.config, after the required options (check() made sure they agree). */
  user: Array<{ name: string; value: string }>;
  /** Which emitted script checks a final .config against this fragment, and when. */
  checkedBy: string;
}

export interface KrataView {
  scope: 'zone' | 'host';
  build: boolean;
  version: string;
  flavor: string;
  arches: Array<{ arch: Arch; platform: string; imageName: string; fragment: string }>;
  archNames: Arch[];
  /** The required-options fragments (one, or one per arch), each planned as a file. */
  fragments: FragmentView[];
  /** The one fragment path when every arch shares it, else null (the script picks by arch). */
  fragment: string | null;
  squashfsLimit: number;
  /** The limit in MiB (50 or 400), as linux-kernel-oci's messages say it. */
  squashfsLimitMib: number;
  /** The image zones are launched with: target.image (build) or provider.kernel.image (oci). */
  kernelRef: string;
  /** build only: repository (no tag), the tags pushed, KERNEL_TAGS. */
  repository: string | null;
  tags: string[];
  kernelTags: string;
  kernelImage: string | null;
  modulesDir: string | null;
  configFile: string | null;
  /** Where build.sh finds the build tree by default: the spec's folder, from where kspec ran. */
  defaultTree: string;
  labels: Array<{ key: string; value: string }>;
  description: string | null;
  /** fallback.via: default (zone scope): install-system.sh keeps the previous pair and can restore it. */
  fallback: boolean;
  /** kernel.cmdline joined for `kratactl zone launch --kernel-cmdline-append` (zone scope), or null. */
  cmdline: string | null;
  /** The zone limit in bytes, for install-system.sh's notes (whatever the scope). */
  zoneLimit: number;
  /** What meets a required value besides itself (src/targets/kconfig.ts ALSO_MEETS), for config_unmet. */
  configRules: Array<{ want: string; have: string }>;
}

/** Whether configValue can write `v` (the krata target's configValues capability). */
export const configWritable = (v: string): boolean => CONFIG_BARE.test(v) || CONFIG_STRING.test(v.replace(/^"(.*)"$/, '$1'));

function configValue(v: string): string {
  if (CONFIG_BARE.test(v)) return v;
  const s = v.replace(/^"(.*)"$/, '$1');
  if (!CONFIG_STRING.test(s)) throw new UnsafeValueError(v, 'a .config value');
  return `"${s}"`;
}

function fragmentFor(spec: KrataSpec, arch: Arch | null, file: string): FragmentView {
  const scope = spec.target.scope;
  const opts: RequiredOption[] = arch ? requiredOptions(scope, arch) : requiredOnAny(scope, spec.kernel.arch);
  const names = new Set(opts.map((o) => o.name));
  const firstHost = opts.find((o) => HOST_OPTIONS.includes(o))?.name;
  const checkedBy =
    scope === 'host'
      ? 'install-host.sh does, before and after it installs the kernel'
      : spec.provider.type === 'build'
        ? 'package.sh does, in the build'
        : "check.sh does, in the published image's /kernel/config.gz";
  return {
    path: file,
    arch,
    scope,
    checkedBy,
    required: opts.map((o) => ({
      name: o.name,
      value: configValue(o.value),
      why: o.why ?? null,
      heading: o.name === firstHost ? 'Host (dom0) kernels: the admin guide\'s host set, on top of the zone set' : null,
    })),
    user: Object.keys(spec.kernel.config)
      .sort()
      .filter((n) => !names.has(n))
      .map((name) => ({ name, value: configValue(spec.kernel.config[name]!) })),
  };
}

/** One fragment when all arches need the same options, else one per arch. */
export function fragments(spec: KrataSpec): FragmentView[] {
  const arches = spec.kernel.arch;
  const key = (a: Arch): string => requiredOptions(spec.target.scope, a).map((o) => o.name).join(',');
  if (arches.every((a) => key(a) === key(arches[0]!))) return [fragmentFor(spec, arches[0]!, 'required.config')];
  return arches.map((a) => fragmentFor(spec, a, `required-${a}.config`));
}

export function krataView(spec: KrataSpec, ctx: PlanContext): KrataView {
  const p = spec.provider;
  const t = spec.target;
  const frags = fragments(spec);
  const build = p.type === 'build';
  const kernelRef = build ? t.image ?? '' : p.type === 'oci' ? p.kernel.image : '';
  const ref = parseOciReference(kernelRef);
  const parsed = 'error' in ref ? undefined : ref;
  const repository = build && parsed ? repositoryOf(parsed) : null;
  const tags = build ? [...new Set([parsed?.tag ?? spec.kernel.version!, ...t.tags])] : [];
  const specDir = path.posix.dirname(ctx.specPath);
  return {
    scope: t.scope,
    build,
    version: spec.kernel.version!,
    flavor: spec.kernel.flavor ?? t.scope,
    arches: spec.kernel.arch.map((arch) => ({
      arch,
      platform: OCI_PLATFORM(arch),
      imageName: KERNEL_IMAGE_NAME[arch],
      fragment: (frags.find((f) => f.arch === arch) ?? frags[0]!).path,
    })),
    archNames: [...spec.kernel.arch],
    fragments: frags,
    fragment: frags.length === 1 ? frags[0]!.path : null,
    squashfsLimit: SQUASHFS_LIMIT[t.scope],
    squashfsLimitMib: SQUASHFS_LIMIT[t.scope] / 1_048_576,
    kernelRef,
    repository,
    tags,
    kernelTags: tags.join(','),
    kernelImage: build ? p.kernelImage : null,
    modulesDir: build ? p.modulesDir ?? null : null,
    configFile: build ? p.configFile ?? null : null,
    defaultTree: specDir === '' ? '.' : specDir,
    labels: byKey(spec.metadata.labels),
    description: spec.metadata.description ?? null,
    fallback: t.scope === 'zone' && spec.fallback?.via === 'default',
    cmdline: t.scope === 'zone' && spec.kernel.cmdline.length > 0 ? spec.kernel.cmdline.join(' ') : null,
    zoneLimit: SQUASHFS_LIMIT.zone,
    configRules: configRules(),
  };
}
