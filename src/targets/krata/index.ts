/**
 * krata: package a zone kernel as krata's OCI kernel image (FROM scratch, /kernel/image,
 * /kernel/addons.squashfs, /kernel/config.gz, /kernel/metadata), push it with the
 * manifest annotations krata's fetcher requires, launch zones on it (launch.sh) or make it
 * the system-wide default (install-system.sh); or install a host (dom0) kernel on the
 * machine (install-host.sh, scope: host with a build provider).
 *
 * What krata does with them, read in edera-dev/krata at a320efad6ba9c7d3897862e0a024bec17782c9f3
 * (the last commit with the daemon): `kratactl zone launch -k` makes the daemon read only
 * kernel/image from the image (crates/daemon/src/reconcile/zone/create.rs); the addons are
 * always the system-wide addons.squashfs, found once at daemon start in <store>/zone/ or
 * else /usr/share/krata/zone/ (crates/daemon/src/lib.rs, detect_zone_path); the zone's
 * command line is "console=hvc0 quiet" plus --kernel-cmdline-append (crates/runtime/src/launch.rs).
 *
 * The lessons of upstream-docs/krata-custom-kernels.md and reference/krata/ are behaviours
 * of package.sh (run in the Containerfile's build stage), build.sh, check.sh and the
 * checks below; the required options are one list in krata-options.ts. This module only
 * decides the view; the text lives in templates/krata/.
 */
import path from 'node:path';
import { D } from '../../diagnostics/catalogue.js';
import { pointer } from '../../diagnostics/diagnostic.js';
import { parseOciReference, repositoryOf } from '../../oci.js';
import { UnsafeValueError } from '../../quote.js';
import { besideSpec, readInside, reportReadProblem, repositoryRoot } from '../../specfiles.js';
import type { Arch, PlannedFile, SpecFor } from '../../types.js';
import { HOST_OPTIONS, requiredOnAll, requiredOnAny, requiredOptions, satisfies } from './options.js';
import type { RequiredOption } from './options.js';
import type { CheckContext, PlanContext } from '../target.js';
import { defineTarget } from '../target.js';
import { NO_PACKAGES, GOARCH } from '../shared.js';

type KrataSpec = SpecFor<'krata'>;

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
    labels: Object.keys(spec.metadata.labels)
      .sort()
      .map((key) => ({ key, value: spec.metadata.labels[key]! })),
    description: spec.metadata.description ?? null,
    fallback: t.scope === 'zone' && spec.fallback?.via === 'default',
    cmdline: t.scope === 'zone' && spec.kernel.cmdline.length > 0 ? spec.kernel.cmdline.join(' ') : null,
    zoneLimit: SQUASHFS_LIMIT.zone,
  };
}

/**
 * Whether a kernel image path cannot be /kernel/image for `arch`: a vmlinux (krata boots
 * bzImage on x86_64 and Image.gz on aarch64), another arch's image, or an uncompressed arm64 Image.
 */
function imageProblem(file: string, arch: Arch): boolean {
  const base = path.posix.basename(file);
  const namesX86 = base === 'bzImage' || file.includes('arch/x86/');
  const namesArm = base === 'Image' || base === 'Image.gz' || file.includes('arch/arm64/');
  if (base === 'vmlinux' || base.startsWith('vmlinux.')) return true;
  return arch === 'x86_64' ? namesArm : namesX86 || base === 'Image';
}

/** Parses a .config: each option's last assignment (Kconfig lets the last one win), with its line. */
export function parseConfig(text: string): Map<string, { value: string; line: number }> {
  const out = new Map<string, { value: string; line: number }>();
  text.split('\n').forEach((raw, i) => {
    const l = raw.trim();
    const set = /^(CONFIG_[A-Za-z0-9_]+)=(.*)$/.exec(l);
    const unset = /^# (CONFIG_[A-Za-z0-9_]+) is not set$/.exec(l);
    if (set) out.set(set[1]!, { value: set[2]!, line: i + 1 });
    else if (unset) out.set(unset[1]!, { value: 'is not set', line: i + 1 });
  });
  return out;
}

function check(spec: KrataSpec, ctx: CheckContext): void {
  const r = ctx.report;
  const p = spec.provider;
  const scope = spec.target.scope;

  // kernel.config applies to every arch: it must not contradict an option any of them needs.
  for (const o of requiredOnAny(scope, spec.kernel.arch)) {
    const v = spec.kernel.config[o.name];
    if (v !== undefined && !satisfies(o.value, v)) {
      r.report(D.KrataConfigContradicts, pointer('kernel', 'config', o.name), { option: o.name, required: o.value, actual: v, scope });
    }
  }

  if (scope === 'host') {
    // A host kernel is installed on the machine (install-host.sh), never pushed or launched:
    // these fields change no byte of a host output.
    const hostIgnored: Array<[string, boolean, string]> = [
      ['/target/image', p.type === 'build' && spec.target.image !== undefined, 'a host kernel built here is installed by install-host.sh, not pushed as an image'],
      ['/target/tags', p.type === 'build' && spec.target.tags.length > 0, 'a host kernel built here is installed by install-host.sh, not pushed as an image'],
      ['/kernel/cmdline', spec.kernel.cmdline.length > 0, "a host kernel's command line is the boot loader's (GRUB_CMDLINE_LINUX, GRUB_CMDLINE_XEN), which install-host.sh leaves to the machine"],
      ['/fallback', spec.fallback !== undefined, "via: default is krata's system-wide zone kernel, which a host kernel is not; the previous host kernel stays in GRUB's menu"],
    ];
    for (const [ptr, set, why] of hostIgnored) {
      if (set) r.report(D.FieldIgnored, ptr, { field: ptr.slice(1).replace(/\//g, '.'), platform: 'krata', why: `${why} (target.scope: host)` }, 'key');
    }
  }

  if (p.type === 'build') {
    if (spec.target.image === undefined && scope === 'zone') r.report(D.KrataImageMissing, '/target', {}, 'key');
    const wrong = spec.kernel.arch.find((a) => imageProblem(p.kernelImage, a));
    if (wrong) r.report(D.KrataKernelImageArch, '/provider/kernelImage', { file: p.kernelImage, arch: wrong, expected: KERNEL_IMAGE_NAME[wrong] });
    if (p.configFile === undefined) {
      r.report(D.KrataConfigFileMissing, '/provider', {}, 'key');
    } else {
      // Checked only when it exists now: in CI the kernel is often built after compiling, and
      // package.sh checks the final .config again in the build.
      // Read as every file read for a spec is (src/specfiles.ts): inside the repository, a
      // regular file, at most 1 MiB; any other problem than "not there yet" is reported.
      const got = readInside(path.resolve(ctx.specDir, p.configFile), repositoryRoot(ctx.specDir));
      if ('problem' in got && got.problem !== 'missing') reportReadProblem(r, '/provider/configFile', 'provider.configFile', p.configFile, besideSpec(ctx.specPath, p.configFile), got);
      if ('bytes' in got) {
        const config = parseConfig(got.bytes.toString('utf8'));
        // A file shared by several arches can only be held to what all of them need.
        for (const o of requiredOnAll(scope, spec.kernel.arch)) {
          const got = config.get(o.name);
          if (got && !satisfies(o.value, got.value === 'is not set' ? undefined : got.value)) {
            r.report(D.KrataConfigFileContradicts, '/provider/configFile', {
              file: p.configFile, line: got.line, option: o.name, required: o.value, actual: got.value, scope,
            });
          }
        }
      }
    }
  }

  if (p.type === 'oci') {
    if (p.modules) r.report(D.KrataOciModules, '/provider/modules', {}, 'key');
    const f = p.kernel.filename;
    if (f !== undefined && f.replace(/^\/+/, '') !== 'kernel/image') r.report(D.KrataOciFilename, '/provider/kernel/filename', { filename: f });
  }
}

function plan(spec: KrataSpec, ctx: PlanContext): PlannedFile[] {
  const data = krataView(spec, ctx);
  const files: PlannedFile[] = data.fragments.map((f) => ({ path: f.path, syntax: 'hash', template: 'krata/required.config', data: f }));
  if (data.scope === 'host') {
    // A host (dom0) kernel boots the machine: installed like any kernel, never an OCI zone
    // image (no Containerfile, build or launch). A published host image is also checked.
    files.push({ path: 'install-host.sh', syntax: 'hash', mode: 0o755, template: 'krata/install-host.sh', data });
    if (!data.build) files.push({ path: 'check.sh', syntax: 'hash', mode: 0o755, template: 'krata/check.sh', data });
    return files;
  }
  files.push({ path: 'check.sh', syntax: 'hash', mode: 0o755, template: 'krata/check.sh', data });
  if (data.scope === 'zone') {
    files.push(
      { path: 'launch.sh', syntax: 'hash', mode: 0o755, template: 'krata/launch.sh', data },
      { path: 'install-system.sh', syntax: 'hash', mode: 0o755, template: 'krata/install-system.sh', data },
    );
  }
  if (data.build) {
    files.push(
      { path: 'Containerfile', syntax: 'hash', template: 'krata/Containerfile', data },
      { path: 'package.sh', syntax: 'hash', mode: 0o755, template: 'krata/package.sh', data },
      { path: 'build.sh', syntax: 'hash', mode: 0o755, template: 'krata/build.sh', data },
    );
  }
  return files;
}

export const krata = defineTarget<'krata'>({
  platform: 'krata',
  providers: ['build', 'oci'],
  signing: false,
  fallbacks: ['default'],
  ignored: [
    ...NO_PACKAGES,
    { path: '/validation', why: 'no bootable image is built here, so there is no boot test or on-machine validator' },
    { path: '/initramfs', why: 'a krata zone kernel boots with the initramfs krata supplies' },
    { path: '/kernel/package', why: 'krata boots a kernel image (provider.kernelImage or an OCI image), never a package' },
    {
      path: '/provider/initrd',
      why: "it is Liquid Metal's initial ramdisk; a krata zone boots krata's own initrd (/var/lib/krata/zone/initrd, or kratactl's -I image holding krata/initrd), which is krata's init, not the kernel's",
    },
    { path: '/provider/modules/readOnly', why: "it is Liquid Metal's modules volume flag; krata mounts a zone's modules read-only from addons.squashfs whatever it says" },
  ],
  configValues: {
    accepts: configWritable,
    hint: "y, m, n, a number, or text of letters, digits, spaces and '._,:/=+-' (it is written into required.config, which package.sh merges into the kernel's .config)",
  },
  versionRequired: () => 'it is KERNEL_VERSION in /kernel/metadata and the dev.edera.kernel.version annotation, both written before the build',
  check,
  plan,
});
