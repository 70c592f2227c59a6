/**
 * What several targets render the same way: the dracut drop-in's name, dracut's
 * compression flags, Go's arch names, the package providers and their retry policy.
 */
import { DEFAULTS } from '../normalize.js';
import type { Arch, Compression, CoprProvider, Provider, RepoProvider, Retry, Signing } from '../types.js';

/** The dracut drop-in, as planned and as installed under /etc/dracut.conf.d/. */
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
