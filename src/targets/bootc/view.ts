/**
 * bootc's view: what its templates (templates/bootc/) print, computed from the spec. Data
 * only; the text is the templates'.
 */
import { configRules } from '../kconfig.js';
import { byKey, configWords, DRACUT_CONF, GOARCH, initramfsView, isPackageProvider, packageCoprs, repoView, servicesView, signingView, uniq } from '../shared.js';
import type { InitramfsView, RepoView, ServicesView, SigningView } from '../shared.js';
import type { Arch, SpecFor } from '../../types.js';

export type BootcSpec = SpecFor<'bootc'>;

/** Labels the Containerfile writes itself. */
export const RESERVED_LABELS = ['containers.bootc', 'ostree.linux'];
/** A COPR project: owner (or @group) / project. */
const COPR = /^@?[A-Za-z0-9][A-Za-z0-9_.+-]*\/[A-Za-z0-9][A-Za-z0-9_.+-]*$/;
export const HEADERS = /-devel(-matched)?$/;
/**
 * The RPM arch a Fedora kernel release ends with (`7.0.8-cachyos1.fc44.x86_64`). Other
 * distributions' releases (`6.8.9`, `6.1.0-18-amd64`) carry none and are the same on every arch.
 */
const RELEASE_ARCH = /\.(x86_64|aarch64|i686|ppc64le|s390x|armv7hl|riscv64)$/;

/** The arch suffix of a kernel release, or undefined when it has none. */
export function releaseArch(version: string): string | undefined {
  return RELEASE_ARCH.exec(version)?.[1];
}

/** How install.sh enables the repository of one module; `arg` is quoted by the template. */
export type ModuleRepo =
  | { kind: 'none'; arg: '' }
  | { kind: 'rpmfusion'; arg: 'free' | 'nonfree' }
  | { kind: 'url'; arg: string }
  | { kind: 'copr'; arg: string };

export interface BootcView {
  /**
   * kernel.version when known before the build and the same on every arch; null when the
   * build captures it, or when it names the arch (see kverStem).
   */
  kver: string | null;
  /**
   * With several arches and a version ending in `.<arch>`: the version without that suffix.
   * The release then differs per arch (`<stem>.$(uname -m)`), so no single LABEL is right.
   */
  kverStem: string | null;
  /** kernel.arch with Go's names; more than one means a multi-arch (manifest list) build. */
  arches: Array<{ arch: Arch; goarch: string }>;
  multiArch: boolean;
  kernelPackage: string | null;
  /** kernel.config as NAME VALUE words, sorted by name (configWords), checked against /usr/lib/modules/<kver>/config by the build. */
  kernelConfig: string[];
  /** What meets a wanted value besides itself (src/targets/kconfig.ts ALSO_MEETS), for config_unmet. */
  configRules: Array<{ want: string; have: string }>;
  provider: RepoView['provider'];
  copr: string | null;
  extraRepoUrl: string | null;
  /** Stock packages to remove (only the installed ones are removed); empty for stock. */
  removeStock: string[];
  /** One `dnf install --refresh` (with retries): provider packages + akmods + sbsigntools. */
  install: string[];
  retry: RepoView['retry'];
  /** Build-only packages known before the build (akmod-* are added by the script). */
  transient: string[];
  /**
   * Built with akmods (image null), or installed from an image of prebuilt kmods (package is
   * then the kmod package picked from it, kmod-<name> unless modules[].package says).
   */
  modules: Array<{ name: string; package: string; optional: boolean; repo: ModuleRepo; image: KmodImage | null }>;
  /** A module is built with akmods (akmods installed, akmodsbuild patched). */
  building: boolean;
  /** modules[].image, each once: the Containerfile copies its /rpms into the build context at dir. */
  kmodImages: KmodImage[];
  /**
   * mok-enroll.service also asks for the kmod images' signing keys: their kmods are not
   * re-signed with the MOK (signing.modules false), so only their own key lets them load.
   */
  kmodKeysEnroll: boolean;
  signing: SigningView | null;
  /** add: the dracut modules added besides ostree (which is always added). */
  initramfs: InitramfsView;

  image: {
    base: string;
    name: string | null;
    labels: Array<{ key: string; value: string }>;
    description: string | null;
  };
  /** Stock packages that must be gone from the built image (removeStock minus provider.packages). */
  stockGone: string[];
  /** kernel.cmdline, shipped as a bootc kargs.d drop-in (applied by bootc at deploy time). */
  kargs: string[];
  /** The provider's packages, versionlocked once installed (empty for stock). */
  versionlock: string[];
  /** COPR projects of the top-level packages, enabled for the install and scrubbed after. */
  packageCoprs: string[];
  /** services: units enabled and disabled in the image. */
  services: ServicesView;
  /** fallback.via: rollback: verify-image.sh names `bootc rollback` when a check fails. */
  fallback: { kernel: string } | null;
}

/** An image of prebuilt kmod RPMs and the build-context folder its /rpms is copied to. */
export interface KmodImage {
  ref: string;
  dir: string;
}

/** Where install.sh puts the signing keys of the kmod images (mok-enroll.service reads them). */
export const KMOD_KEYS_DIR = '/usr/share/kspec/kmod-keys';

/** modules[].image, each once, in order of first use, with its folder in the build context. */
export function kmodImages(spec: BootcSpec): KmodImage[] {
  const refs = uniq(spec.modules.flatMap((m) => (m.image === undefined ? [] : [m.image])));
  return refs.map((ref, i) => ({ ref, dir: `kmods/${i + 1}` }));
}

/** bootc reads kernel arguments shipped in the image from /usr/lib/bootc/kargs.d/*.toml. */
export const KARGS_FILE = 'kargs.d/90-kspec.toml';


function packagesOf(spec: BootcSpec): string[] {
  const p = spec.provider;
  return isPackageProvider(p) ? p.packages : [];
}

/** Resolves a module's `repo`; undefined when the build could not enable it. */
export function moduleRepo(spec: BootcSpec, repo: string | undefined): ModuleRepo | undefined {
  if (repo === undefined) return { kind: 'none', arg: '' };
  const p = spec.provider;
  if (p.type === 'repo' && p.extraRepo && p.extraRepo.name === repo) return { kind: 'url', arg: p.extraRepo.url };
  if (repo === 'rpmfusion-free') return { kind: 'rpmfusion', arg: 'free' };
  if (repo === 'rpmfusion-nonfree') return { kind: 'rpmfusion', arg: 'nonfree' };
  if (COPR.test(repo)) return { kind: 'copr', arg: repo };
  return undefined;
}

export function bootcView(spec: BootcSpec): BootcView {
  const p = spec.provider;
  const repos = repoView(p);
  const provider = repos.provider;
  const packages = packagesOf(spec);
  const building = spec.modules.some((m) => m.image === undefined);
  const images = kmodImages(spec);
  const signing = signingView(spec.signing);
  const userland = (spec.packages ?? []).map((x) => x.name);
  const install = provider === 'stock' && !signing && userland.length === 0 ? [] : uniq([
    ...packages,
    ...userland,
    ...(building ? ['akmods'] : []),
    ...(signing ? ['sbsigntools'] : []),
  ]);
  const removeStock = provider === 'stock' ? [] : [...spec.target.removeStock];
  const version = spec.kernel.version;
  const multiArch = spec.kernel.arch.length > 1;
  // check() refuses a suffix naming an unlisted arch, so with several arches it names one of them.
  const suffix = version === undefined ? undefined : releaseArch(version);
  const perArch = multiArch && suffix !== undefined;
  return {
    kver: perArch ? null : version ?? null,
    kverStem: perArch ? version!.slice(0, -(suffix.length + 1)) : null,
    arches: spec.kernel.arch.map((arch) => ({ arch, goarch: GOARCH[arch] })),
    multiArch,
    kernelPackage: spec.kernel.package ?? null,
    kernelConfig: configWords(spec.kernel.config),
    configRules: configRules(),
    ...repos,
    removeStock,
    install,
    transient: uniq([
      ...(building ? ['akmods'] : []),
      ...(signing ? ['sbsigntools'] : []),
      ...packages.filter((x) => HEADERS.test(x)),
    ]),
    modules: spec.modules.map((m) => ({
      name: m.name,
      // check() requires package unless image is given (KS4015).
      package: m.package ?? `kmod-${m.name}`,
      optional: m.optional,
      // check() refuses unresolvable repos; plan() is not reached with one.
      repo: moduleRepo(spec, m.repo) ?? { kind: 'none', arg: '' },
      image: m.image === undefined ? null : images.find((x) => x.ref === m.image)!,
    })),
    building,
    kmodImages: images,
    kmodKeysEnroll: images.length > 0 && signing?.enroll === true && !signing.modules,
    signing,
    initramfs: initramfsView(spec.initramfs, DRACUT_CONF, spec.initramfs.add.filter((m) => m !== 'ostree')),
    image: {
      base: spec.target.base,
      name: spec.target.image ?? null,
      labels: byKey(spec.metadata.labels),
      description: spec.metadata.description ?? null,
    },
    stockGone: removeStock.filter((x) => !packages.includes(x)),
    kargs: [...spec.kernel.cmdline],
    versionlock: provider === 'stock' ? [] : [...packages],
    packageCoprs: packageCoprs(spec),
    services: servicesView(spec),
    fallback: spec.fallback?.via === 'rollback' ? { kernel: spec.fallback.kernel } : null,
  };
}
