/**
 * What several targets render the same way: the dracut drop-in's name, dracut's
 * compression flags, Go's arch names, the package providers and their retry policy, and
 * the view pieces bootc and kairos (and the others, for maps) build alike: signing,
 * initramfs, repositories, services, sorted maps (labels, kernel.config).
 */
import { SCHEMA_DEFAULTS } from '../generated/spec-defaults.js';
import { D } from '../diagnostics/catalogue.js';
import { pointer } from '../diagnostics/diagnostic.js';
import { UnsafeValueError, wholeNumber } from '../quote.js';
import type { Reporter } from '../diagnostics/diagnostic.js';
import type { Arch, Compression, CoprProvider, Initramfs, Provider, RepoProvider, Retry, Signing, Spec } from '../types.js';

/** bootc's dracut drop-in, as planned and as installed under /etc/dracut.conf.d/ (Kairos' own sorts after kairos-init's: KAIROS_DRACUT_CONF). */
export const DRACUT_CONF = 'dracut.conf.d/90-kspec.conf';

/** dracut's flag for each compression. */
export const COMPRESS_FLAG: Record<Compression, string> = { zstd: '--zstd', xz: '--xz', gzip: '--gzip', lz4: '--lz4' };

/** Go's name of each kernel arch: OCI platforms (linux/<goarch>), podman, skopeo, Docker. */
export const GOARCH: Record<Arch, 'amd64' | 'arm64'> = { x86_64: 'amd64', aarch64: 'arm64' };

export const uniq = (xs: readonly string[]): string[] => [...new Set(xs)];

/** Providers that install kernel packages from a repository (COPR or a .repo). */
export const isPackageProvider = (p: Provider): p is CoprProvider | RepoProvider => p.type === 'copr' || p.type === 'repo';

/** The install retry policy: the provider's own, or the default (stock installs tools only). */
export const retryOf = (p: Provider): Retry => (isPackageProvider(p) ? p.retry : SCHEMA_DEFAULTS.coprProvider.retry);

/**
 * The signing that takes effect. `signing.secureBoot: false` means an unsigned build: no
 * sbsign, no sign-file, no MOK certificate or enrollment unit (issue 11, must-have 8).
 */
export const activeSigning = (s: Signing | undefined): Signing | undefined => (s?.secureBoot ? s : undefined);

/** A repository URL that names a .repo file (query and fragment aside), not a release package. */
export const isRepoFile = (url: string): boolean => /\.repo$/.test(url.replace(/[?#].*$/, ''));

/** The COPR projects of the spec's packages, in order of first mention. */
export const packageCoprs = (spec: Spec): string[] => uniq((spec.packages ?? []).flatMap((p) => (p.copr ? [p.copr] : [])));

/** Top-level packages and services, as bootc and kairos read them (KS3025-KS3027). */
export function checkPackagesAndServices(spec: Spec, r: Reporter): void {
  const p = spec.provider;
  const extraRepo = p.type === 'repo' ? p.extraRepo?.name : undefined;
  (spec.packages ?? []).forEach((x, i) => {
    if (x.copr !== undefined && x.repo !== undefined) r.report(D.PackageCoprAndRepo, pointer('packages', i), { name: x.name }, 'key');
    else if (x.repo !== undefined && x.repo !== extraRepo) {
      r.report(D.PackageRepoUnknown, pointer('packages', i, 'repo'), { repo: x.repo, extraRepo: extraRepo ? `here '${extraRepo}'` : 'this spec has none' });
    }
  });
  const enable = spec.services?.enable ?? [];
  (spec.services?.disable ?? []).forEach((u, i) => {
    if (enable.includes(u)) r.report(D.ServiceEnabledAndDisabled, pointer('services', 'disable', i), { unit: u });
  });
}

/** What the platforms without a package step say about packages and services (KS3013). */
export const NO_PACKAGES = [
  { path: '/packages', why: 'only bootc and kairos install userland packages with the kernel' },
  { path: '/services', why: 'only bootc and kairos build a systemd image whose unit defaults kspec sets' },
] as const;

/** A map's entries sorted by key (code-unit order): a map keeps no order in the output. */
export function byKey(map: Readonly<Record<string, string>>): Array<{ key: string; value: string }> {
  return Object.keys(map)
    .sort()
    .map((key) => ({ key, value: map[key]! }));
}

/**
 * kernel.config as the templates print it: NAME VALUE pairs sorted by option name, as one
 * flat list of words, printed with `{{sh kernelConfig}}` (one call of the quoting helper
 * for the whole list: an `#each` over 50,000 pairs cost ~150 ms of Handlebars frames,
 * issue 11 must-have 4). Every word still goes through shQuote.
 */
export function configWords(config: Readonly<Record<string, string>>): string[] {
  // Straight from the sorted keys: no { key, value } object per entry (byKey's), 50,000 of
  // them for a 1 MiB spec.
  const keys = Object.keys(config).sort();
  const words = new Array<string>(keys.length * 2);
  for (let i = 0; i < keys.length; i++) {
    words[2 * i] = keys[i]!;
    words[2 * i + 1] = config[keys[i]!]!;
  }
  return words;
}

/** The signing a template prints: the build secrets' ids, sign-file or not, and first-boot MOK enrollment. */
export interface SigningView {
  keySecret: string;
  certSecret: string;
  modules: boolean;
  enroll: boolean;
}

/** The signing view, or null for an unsigned build (activeSigning). */
export function signingView(s: Signing | undefined): SigningView | null {
  const a = activeSigning(s);
  return a ? { keySecret: a.keySecret, certSecret: a.certSecret, modules: a.modules, enroll: a.enroll === 'first-boot' } : null;
}

/** dracut's flag for a compression; anything else stops the render. */
export function compressFlag(c: Compression): string {
  const flag = Object.hasOwn(COMPRESS_FLAG, c) ? COMPRESS_FLAG[c] : undefined;
  if (!flag) throw new UnsafeValueError(String(c), 'a dracut compression (zstd, xz, gzip, lz4)');
  return flag;
}

/** The dracut drop-in and the initramfs checks of a build (initramfs.*). */
export interface InitramfsView {
  /** The drop-in as planned (dracut.conf.d/<name>) and its file name. */
  conf: string;
  confName: string;
  compress: Compression;
  compressFlag: string;
  /** Dracut modules added: the platform's own first, then initramfs.add, each once. */
  add: string[];
  omit: string[];
  require: string[];
  minSizeMiB: number;
}

/** The initramfs view for a drop-in at `conf`, with `add` already the platform's choice of modules. */
export function initramfsView(ini: Initramfs, conf: string, add: readonly string[]): InitramfsView {
  return {
    conf,
    confName: conf.slice(conf.lastIndexOf('/') + 1),
    compress: ini.compress,
    compressFlag: compressFlag(ini.compress),
    add: uniq(add),
    omit: uniq(ini.omit),
    require: uniq(ini.require),
    minSizeMiB: wholeNumber(ini.minSizeMiB, 'a size in MiB'),
  };
}

/** Where the kernel packages come from, and the install's retry policy. */
export interface RepoView {
  provider: 'copr' | 'repo' | 'stock';
  copr: string | null;
  extraRepoUrl: string | null;
  retry: { attempts: number; backoffSeconds: number };
}

export function repoView(p: Provider): RepoView {
  const retry = retryOf(p);
  return {
    provider: isPackageProvider(p) ? p.type : 'stock',
    copr: p.type === 'copr' ? p.repo : null,
    extraRepoUrl: p.type === 'repo' && p.extraRepo ? p.extraRepo.url : null,
    retry: { attempts: wholeNumber(retry.attempts, 'a retry count'), backoffSeconds: wholeNumber(retry.backoffSeconds, 'a backoff in seconds') },
  };
}

/** services: the units enabled and disabled in the image. */
export interface ServicesView {
  enable: string[];
  disable: string[];
  any: boolean;
}

export function servicesView(spec: Spec): ServicesView {
  const enable = [...(spec.services?.enable ?? [])];
  const disable = [...(spec.services?.disable ?? [])];
  return { enable, disable, any: enable.length + disable.length > 0 };
}
