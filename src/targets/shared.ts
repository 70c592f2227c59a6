/**
 * What several targets render the same way: the dracut drop-in's name, dracut's
 * compression flags, Go's arch names, the package providers and their retry policy.
 */
import { DEFAULTS } from '../normalize.js';
import { D } from '../diagnostics/catalogue.js';
import { pointer } from '../diagnostics/diagnostic.js';
import type { Reporter } from '../diagnostics/diagnostic.js';
import type { Arch, Compression, CoprProvider, Provider, RepoProvider, Retry, Signing, Spec } from '../types.js';

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
export const retryOf = (p: Provider): Retry => (isPackageProvider(p) ? p.retry : DEFAULTS.retry);

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
      r.report(D.PackageRepoUnknown, pointer('packages', i, 'repo'), { repo: x.repo, ...(extraRepo ? { extraRepo } : {}) });
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
