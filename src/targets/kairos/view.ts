/**
 * kairos' view: what its templates (templates/kairos/) print, computed from the spec, and
 * target.cloudConfig's text. Data only; the text is the templates'.
 */
import { configRules } from '../kconfig.js';
import { configWords, initramfsView, isPackageProvider, isRepoFile, packageCoprs, repoView, servicesView, signingView, uniq } from '../shared.js';
import type { InitramfsView, RepoView, ServicesView, SigningView } from '../shared.js';
import type { SpecFor } from '../../types.js';
import { FAMILIES, isFamily, KAIROS_DRACUT_MODULES } from './families.js';
import type { PackageManager } from './families.js';
import path from 'node:path';
import { readInside, reportReadProblem, repositoryRoot } from '../../specfiles.js';

export type KairosSpec = SpecFor<'kairos'>;

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
export interface KairosView {
  flow: 'framework' | 'init';
  base: string;
  framework: string | null;
  init: string | null;
  family: string;
  pm: PackageManager;
  /**
   * The partial that defines build-kernel.sh's package-manager functions for `pm`
   * (templates/_partials/kairos-pm/<pm>.hbs; the interface is in ARCHITECTURE.md).
   */
  pmPartial: `kairos-pm/${PackageManager}`;
  /** Installed in the packages step (framework flow; kairos-init installs its own). */
  basePackages: string[];
  grub: { x86_64: string[]; aarch64: string[] } | null;
  /** The kernel packages of the provider (empty for stock). */
  kernelPackages: string[];
  stockKernel: string[];
  stockKernelGlobs: string[];
  provider: RepoView['provider'];
  copr: string | null;
  extraRepoUrl: string | null;
  /** extraRepoUrl names a .repo file (added with config-manager), not a release package. */
  extraRepoFile: boolean;
  retry: RepoView['retry'];
  kver: string | null;
  /** kernel.config as NAME VALUE words, sorted by name (configWords). */
  kernelConfig: string[];
  /** What meets a wanted value besides itself (src/targets/kconfig.ts ALSO_MEETS), for config_unmet. */
  configRules: Array<{ want: string; have: string }>;
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
  /** add: Kairos' required dracut modules, then initramfs.add. */
  initramfs: InitramfsView;
  signing: SigningView | null;
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
  /** Every COPR project enabled before the install: the provider's, then the packages'. */
  coprs: string[];
  services: ServicesView;
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
  const repos = repoView(p);
  const trusted = t.bootloader === 'trustedboot';
  const signing = signingView(spec.signing);
  const name = t.os?.name ?? spec.metadata.name;
  return {
    flow: t.init ? 'init' : 'framework',
    base: t.base,
    framework: t.framework ?? null,
    init: t.init ?? null,
    family: t.family,
    pm: fam.pm,
    pmPartial: `kairos-pm/${fam.pm}`,
    basePackages: uniq([...fam.base, ...fam.dracutExtras, ...(signing ? fam.signing : [])]),
    grub: trusted ? null : { x86_64: [...fam.grub.x86_64], aarch64: [...fam.grub.aarch64] },
    kernelPackages: isPackageProvider(p) ? [...p.packages] : [],
    stockKernel: [...fam.stockKernel],
    stockKernelGlobs: [...fam.stockKernelGlobs],
    ...repos,
    extraRepoFile: p.type === 'repo' && p.extraRepo !== undefined && isRepoFile(p.extraRepo.url),
    kver: spec.kernel.version ?? null,
    kernelConfig: configWords(spec.kernel.config),
    configRules: configRules(),
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
    initramfs: initramfsView(spec.initramfs, KAIROS_DRACUT_CONF, [...KAIROS_DRACUT_MODULES, ...spec.initramfs.add]),
    signing,
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
    coprs: [...(repos.copr === null ? [] : [repos.copr]), ...packageCoprs(spec)],
    services: servicesView(spec),
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
export function cloudConfigText(spec: KairosSpec, specDir: string): { text: string } | { problem: Parameters<typeof reportReadProblem>[5] } | null {
  const cc = spec.target.cloudConfig;
  if (!cc) return null;
  if (cc.inline !== undefined) return { text: cc.inline };
  if (cc.file === undefined) return null; // the schema requires one of the two
  const got = readInside(path.resolve(specDir, cc.file), repositoryRoot(specDir), CLOUD_CONFIG_MAX);
  return 'bytes' in got ? { text: got.bytes.toString('utf8') } : { problem: got };
}
