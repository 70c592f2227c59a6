/**
 * kairos: a Kairos derivative image built from a base OS image, with the kernel the spec
 * names (upstream-docs/kairos-build-from-scratch.md, reference/kairos/README.md).
 *
 * Two flows install the Kairos framework: the BYOI one (`COPY --from=<framework> / /`, then
 * the initrd built here) and kairos-init (`-s install`, the kernel swap, `-s init`, which
 * builds the initrd itself). Either way the kernel-dependent steps live in build-kernel.sh,
 * run from the Containerfile with the build context bind-mounted, so they can be linted
 * and run in a fake root. This module only decides the view; the text is in templates/kairos/.
 */
import { D } from '../../diagnostics/catalogue.js';
import { pointer } from '../../diagnostics/diagnostic.js';
import { parseOciReference } from '../../oci.js';
import { UnsafeValueError, wholeNumber } from '../../quote.js';
import { activeSigning, checkPackagesAndServices, COMPRESS_FLAG, isPackageProvider, isRepoFile, packageCoprs, retryOf, uniq } from '../shared.js';
import { closest } from '../../suggest.js';
import type { Compression, PlannedFile, SpecFor } from '../../types.js';
import { FAMILIES, isFamily, KAIROS_DRACUT_MODULES, OPENRC_FAMILIES } from './families.js';
import type { CheckContext, PlanContext } from '../target.js';
import path from 'node:path';
import { besideSpec, readInside, reportReadProblem, repositoryRoot } from '../../specfiles.js';
import { defineTarget } from '../target.js';
import { lifecycleFiles, lifecycleView } from '../lifecycle.js';

type KairosSpec = SpecFor<'kairos'>;

/** AuroraBoot builds the ISO and serves netboot; the script lets AURORABOOT override it. */
export const AURORABOOT = 'quay.io/kairos/auroraboot:v0.21.2';
/** AuroraBoot's netboot command line in the upstream example. */
const NETBOOT_CMDLINE = ['rd.neednet=1', 'ip=dhcp', 'rd.cos.disable', 'netboot', 'install-mode', 'console=tty0', 'selinux=0'];
/**
 * Kairos' dracut drop-in. kairos-init writes /etc/dracut.conf.d/99-immucore.conf
 * (compress="xz", kairos-io/kairos-init pkg/bundled: DracutConfigPath), and dracut reads
 * the drop-ins in C-locale order with later values winning: the name sorts after it so
 * initramfs.compress (and the rest of kspec's policy) takes effect.
 */
export const KAIROS_DRACUT_CONF = 'dracut.conf.d/99-kspec.conf';
/**
 * KAIROS_BUG_REPORT_URL and KAIROS_HOME_URL as kairos-init writes them (kairos-io/kairos-init
 * pkg/stages/steps_init.go, the kairos-release stage); its validate requires both.
 */
export const KAIROS_BUG_REPORT_URL = 'https://github.com/kairos-io/kairos/issues';
export const KAIROS_HOME_URL = 'https://github.com/kairos-io/kairos';
/** Dracut modules a Kairos initrd cannot boot without. */
const REQUIRED_DRACUT = new Set<string>(KAIROS_DRACUT_MODULES);

export interface KairosView {
  flow: 'framework' | 'init';
  base: string;
  framework: string | null;
  init: string | null;
  family: string;
  pm: 'dnf' | 'apt' | 'zypper';
  /** Installed in the packages step (framework flow; kairos-init installs its own). */
  basePackages: string[];
  grub: { x86_64: string[]; aarch64: string[] } | null;
  /** The kernel packages of the provider (empty for stock). */
  kernelPackages: string[];
  stockKernel: string[];
  stockKernelGlobs: string[];
  provider: 'copr' | 'repo' | 'stock';
  copr: string | null;
  extraRepoUrl: string | null;
  /** extraRepoUrl names a .repo file (added with config-manager), not a release package. */
  extraRepoFile: boolean;
  retry: { attempts: number; backoffSeconds: number };
  kver: string | null;
  kernelConfig: Array<{ name: string; value: string }>;
  release: {
    name: string;
    version: string;
    model: string;
    family: string;
    repo: string;
    fips: boolean;
    trustedBoot: boolean;
    bugReportUrl: string;
    homeUrl: string;
  };
  initramfs: { conf: string; confName: string; compress: Compression; add: string[]; omit: string[]; require: string[]; minSizeMiB: number };
  signing: { keySecret: string; certSecret: string; modules: boolean; enroll: boolean } | null;
  artifacts: { iso: boolean; netboot: boolean; any: boolean };
  /** target.cloudConfig: the output file auroraboot.sh attaches, or null. */
  cloudConfig: string | null;
  auroraboot: string;
  image: string;
  /** The kernel command line of a netboot install (upstream's, then kernel.cmdline). */
  netbootCmdline: string;
  /** trustedboot: kernel.cmdline, extending the signed images' default command line ('' for none). */
  ukiCmdline: string;
  /** trustedboot: the ISO build-uki writes, without .iso. */
  ukiName: string;
  /** Top-level packages: installed with the kernel (same retry loop, same scrub). */
  packageNames: string[];
  /** Their COPR projects (fedora family), enabled for the install and scrubbed after. */
  packageCoprs: string[];
  /** dnf's copr command is needed (provider or package COPRs). */
  coprPlugin: boolean;
  services: { enable: string[]; disable: string[]; any: boolean };
  /** fallback.via: rollback: the Containerfile says how Kairos goes back (A/B, kairos-agent bootentry). */
  fallback: { kernel: string } | null;
}


/** Kairos versions start with "v" (KAIROS_VERSION, kairos-init --version). */
const vVersion = (v: string): string => (v.startsWith('v') ? v : `v${v}`);

export function kairosView(spec: KairosSpec): KairosView {
  const t = spec.target;
  const p = spec.provider;
  // check() refuses any other family; plan() is not reached with one.
  const fam = FAMILIES[isFamily(t.family) ? t.family : 'fedora'];
  const provider = isPackageProvider(p) ? p.type : 'stock';
  const trusted = t.bootloader === 'trustedboot';
  const signing = activeSigning(spec.signing) ?? null;
  const ini = spec.initramfs;
  if (!Object.hasOwn(COMPRESS_FLAG, ini.compress)) throw new UnsafeValueError(String(ini.compress), 'a dracut compression');
  const name = t.os?.name ?? spec.metadata.name;
  const retry = retryOf(p);
  return {
    flow: t.init ? 'init' : 'framework',
    base: t.base,
    framework: t.framework ?? null,
    init: t.init ?? null,
    family: t.family,
    pm: fam.pm,
    basePackages: uniq([...fam.base, ...fam.dracutExtras, ...(signing ? fam.signing : [])]),
    grub: trusted ? null : { x86_64: [...fam.grub.x86_64], aarch64: [...fam.grub.aarch64] },
    kernelPackages: isPackageProvider(p) ? [...p.packages] : [],
    stockKernel: [...fam.stockKernel],
    stockKernelGlobs: [...fam.stockKernelGlobs],
    provider,
    copr: p.type === 'copr' ? p.repo : null,
    extraRepoUrl: p.type === 'repo' && p.extraRepo ? p.extraRepo.url : null,
    extraRepoFile: p.type === 'repo' && p.extraRepo !== undefined && isRepoFile(p.extraRepo.url),
    retry: { attempts: wholeNumber(retry.attempts, 'a retry count'), backoffSeconds: wholeNumber(retry.backoffSeconds, 'a backoff in seconds') },
    kver: spec.kernel.version ?? null,
    kernelConfig: Object.keys(spec.kernel.config)
      .sort()
      .map((n) => ({ name: n, value: spec.kernel.config[n]! })),
    release: {
      name,
      version: vVersion(t.os?.version ?? '0.0.0'),
      model: t.model,
      family: t.family,
      repo: t.os?.repo ?? name,
      fips: t.fips,
      trustedBoot: trusted,
      bugReportUrl: KAIROS_BUG_REPORT_URL,
      homeUrl: KAIROS_HOME_URL,
    },
    initramfs: {
      conf: KAIROS_DRACUT_CONF,
      confName: KAIROS_DRACUT_CONF.slice(KAIROS_DRACUT_CONF.lastIndexOf('/') + 1),
      compress: ini.compress,
      add: uniq([...KAIROS_DRACUT_MODULES, ...ini.add]),
      omit: uniq(ini.omit),
      require: uniq(ini.require),
      minSizeMiB: wholeNumber(ini.minSizeMiB, 'a size in MiB'),
    },
    signing: signing && {
      keySecret: signing.keySecret,
      certSecret: signing.certSecret,
      modules: signing.modules,
      enroll: signing.enroll === 'first-boot',
    },
    artifacts: { iso: t.artifacts.includes('iso'), netboot: t.artifacts.includes('netboot'), any: t.artifacts.length > 0 },
    cloudConfig: t.cloudConfig ? CLOUD_CONFIG : null,
    auroraboot: AURORABOOT,
    image: t.os?.repo ?? spec.metadata.name,
    netbootCmdline: [...NETBOOT_CMDLINE, ...spec.kernel.cmdline].join(' '),
    ukiCmdline: spec.kernel.cmdline.join(' '),
    ukiName: spec.metadata.name.endsWith('-uki') ? spec.metadata.name : `${spec.metadata.name}-uki`,
    fallback: spec.fallback?.via === 'rollback' ? { kernel: spec.fallback.kernel } : null,
    packageNames: uniq((spec.packages ?? []).map((x) => x.name)),
    packageCoprs: packageCoprs(spec),
    coprPlugin: p.type === 'copr' || packageCoprs(spec).length > 0,
    services: {
      enable: [...(spec.services?.enable ?? [])],
      disable: [...(spec.services?.disable ?? [])],
      any: (spec.services?.enable.length ?? 0) + (spec.services?.disable.length ?? 0) > 0,
    },
  };
}

/** The output file AuroraBoot attaches (build-iso --cloud-config, netboot --cloud-config). */
export const CLOUD_CONFIG = 'cloud-config.yaml';
/** The most a cloud-config may weigh, inline (the schema's maxLength) or in a file. */
const CLOUD_CONFIG_MAX = 65536;

/**
 * target.cloudConfig's text: inline, or the file read beside the spec as every file read
 * for a spec is (src/specfiles.ts: inside the repository, a regular file, size-limited).
 */
function cloudConfigText(spec: KairosSpec, specDir: string): { text: string } | { problem: Parameters<typeof reportReadProblem>[5] } | null {
  const cc = spec.target.cloudConfig;
  if (!cc) return null;
  if (cc.inline !== undefined) return { text: cc.inline };
  if (cc.file === undefined) return null; // the schema requires one of the two
  const got = readInside(path.resolve(specDir, cc.file), repositoryRoot(specDir), CLOUD_CONFIG_MAX);
  return 'bytes' in got ? { text: got.bytes.toString('utf8') } : { problem: got };
}

function checkCloudConfig(spec: KairosSpec, ctx: CheckContext): void {
  const cc = spec.target.cloudConfig;
  if (!cc) return;
  const r = ctx.report;
  const ptr = cc.file !== undefined ? '/target/cloudConfig/file' : '/target/cloudConfig/inline';
  if (spec.target.bootloader === 'trustedboot') r.report(D.KairosCloudConfigTrustedboot, '/target/cloudConfig', {}, 'key');
  const got = cloudConfigText(spec, ctx.specDir);
  if (got === null) return;
  if ('problem' in got) {
    reportReadProblem(r, ptr, 'target.cloudConfig.file', cc.file!, besideSpec(ctx.specPath, cc.file!), got.problem);
    return;
  }
  // The inline text is already searched for key material with the rest of the spec (KS3006).
  if (cc.file !== undefined && got.text.includes('-----BEGIN')) r.report(D.KeyMaterial, ptr, {});
  const first = got.text.split('\n', 1)[0]!.replace(/\r$/, '');
  if (first.trimEnd() !== '#cloud-config') r.report(D.KairosCloudConfigHeader, ptr, { first });
}

function checkFamily(spec: KairosSpec, ctx: CheckContext): boolean {
  const f: string = spec.target.family;
  if ((OPENRC_FAMILIES as readonly string[]).includes(f)) {
    ctx.report.report(D.KairosOpenrcFamily, '/target/family', { family: f });
    return false;
  }
  if (!isFamily(f)) {
    const suggestion = closest(f, Object.keys(FAMILIES));
    ctx.report.report(D.KairosUnknownFamily, '/target/family', { family: f, ...(suggestion ? { suggestion } : {}) });
    return false;
  }
  return true;
}

function check(spec: KairosSpec, ctx: CheckContext): void {
  const r = ctx.report;
  const t = spec.target;
  const p = spec.provider;

  if (checkFamily(spec, ctx) && p.type === 'copr' && t.family !== 'fedora') {
    r.report(D.KairosCoprFamily, '/provider/type', { family: t.family });
  }

  checkPackagesAndServices(spec, r);
  if (t.family !== 'fedora') {
    (spec.packages ?? []).forEach((x, i) => {
      if (x.copr !== undefined) r.report(D.KairosPackageCoprFamily, pointer('packages', i, 'copr'), { family: t.family });
    });
  }

  if (p.type === 'repo' && p.extraRepo && t.family === 'ubuntu') r.report(D.KairosExtraRepoFamily, '/provider/extraRepo', { family: t.family }, 'key');

  // `FROM scratch` has no OS for the package steps to run in: upstream builds a rootfs
  // into an image with its own flow (ADD . /), which kspec does not emit.
  if (t.base === 'scratch') r.report(D.KairosScratchBase, '/target/base', {});
  if (t.framework === undefined && t.init === undefined) r.report(D.KairosNoFrameworkOrInit, '/target', {}, 'key');
  if (t.framework !== undefined && t.init !== undefined) r.report(D.KairosFrameworkAndInit, '/target/init', {}, 'key');

  if (t.fips && t.framework !== undefined) {
    const ref = parseOciReference(t.framework);
    const tag = 'error' in ref ? undefined : ref.tag;
    // The common check already reports an unparsable reference.
    if (!('error' in ref) && !(tag ?? '').split(/[-_.]/).includes('fips')) r.report(D.KairosFipsFramework, '/target/framework', { framework: t.framework });
  }

  // Kairos boots on EFI either way: grub's EFI loader starts the kernel through its EFI
  // stub, and trustedboot's unified kernel image is that stub with the initrd attached.
  const efiStub = spec.kernel.config.CONFIG_EFI_STUB;
  if (t.bootloader !== 'trustedboot' && efiStub !== undefined && efiStub !== 'y') {
    r.report(D.KairosGrubEfiStub, pointer('kernel', 'config', 'CONFIG_EFI_STUB'), { value: efiStub });
  }
  if (t.bootloader === 'trustedboot') {
    const stub = efiStub;
    if (stub === undefined) r.report(D.KairosTrustedbootEfiStubUnstated, '/target/bootloader', {});
    else if (stub !== 'y') r.report(D.KairosTrustedbootEfiStub, pointer('kernel', 'config', 'CONFIG_EFI_STUB'), { value: stub });
    if (activeSigning(spec.signing)) r.report(D.KairosSigningTrustedboot, '/signing', {}, 'key');
  }

  checkCloudConfig(spec, ctx);

  const ini = spec.initramfs;
  if (ini.hostonly) r.report(D.KairosHostonly, '/initramfs/hostonly', {});
  ini.omit.forEach((m, i) => {
    if (REQUIRED_DRACUT.has(m)) r.report(D.KairosOmitRequired, pointer('initramfs', 'omit', i), { module: m });
  });
  if (spec.modules.length > 0) r.report(D.KairosModulesUnsupported, '/modules', {}, 'key');
}

function plan(spec: KairosSpec, ctx: PlanContext): PlannedFile[] {
  const data = kairosView(spec);
  const files: PlannedFile[] = [
    { path: 'Containerfile', syntax: 'hash', template: 'kairos/Containerfile', data },
    { path: 'build-kernel.sh', syntax: 'hash', mode: 0o755, template: 'kairos/build-kernel.sh', data },
    { path: KAIROS_DRACUT_CONF, syntax: 'hash', template: 'kairos/dracut.conf', data },
  ];
  if (data.artifacts.any) files.push({ path: 'auroraboot.sh', syntax: 'hash', mode: 0o755, template: 'kairos/auroraboot.sh', data });
  const cc = cloudConfigText(spec, ctx.specDir);
  if (cc !== null) {
    // check() reported an unreadable file, so plan() is not reached with one.
    if ('problem' in cc) throw new Error(`target.cloudConfig.file became unreadable: ${cc.problem.problem}`);
    // No header: Kairos wants '#cloud-config' as the first line; the lock lists the file.
    files.push({ path: CLOUD_CONFIG, syntax: 'none', text: cc.text.endsWith('\n') ? cc.text : `${cc.text}\n` });
  }
  if (data.signing?.enroll) files.push({ path: 'mok-enroll.service', syntax: 'hash', template: 'kairos/mok-enroll.service', data });
  // The lifecycle after the build: on-machine validator and boot test.
  files.push(...lifecycleFiles(lifecycleView(spec, { image: data.image, stockKernel: data.stockKernel, pm: data.pm === 'apt' ? 'dpkg' : 'rpm', auroraboot: data.auroraboot })));
  return files;
}

export const kairos = defineTarget<'kairos'>({
  platform: 'kairos',
  providers: ['repo', 'copr', 'stock'],
  signing: true,
  // Kairos upgrades are A/B: the previous image stays bootable as the fallback.
  fallbacks: ['rollback'],
  // The build finds the release from the single directory under /lib/modules.
  versionRequired: () => undefined,
  check,
  plan,
});
