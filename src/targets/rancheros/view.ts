/**
 * rancheros' view: the Dockerfile.dapper ARGs, os-kernel overrides and tarball checks its
 * templates (templates/rancheros/) print, computed from the spec. Data only.
 */
import path from 'node:path';
import { dockerString } from '../../quote.js';
import { readInside, repositoryRoot, type ReadProblem } from '../../specfiles.js';
import type { Arch, SpecFor } from '../../types.js';
import { type ArgLine } from './dapper.js';
import { GOARCH } from '../shared.js';

export type RancherosSpec = SpecFor<'rancheros'>;

/**
 * Per spec arch: Docker's name (the ARG suffix; also the arch's alias in specs) and
 * os-kernel's tarball suffix (KERNEL_ARCH).
 */
export const ARCHES: Record<Arch, { docker: 'amd64' | 'arm64'; suffix: string }> = {
  x86_64: { docker: GOARCH.x86_64, suffix: '-x86' },
  aarch64: { docker: GOARCH.aarch64, suffix: '-arm64' },
};

/** Dockerfile.dapper's kernel ARGs, in the order upstream writes them. */
export const KERNEL_ARG_NAMES = ['KERNEL_VERSION', 'KERNEL_URL_amd64', 'KERNEL_URL_arm64'] as const;

export interface RancherosView {
  kver: string;
  /** The ARG lines, already quoted for a Dockerfile (one function writes them for the block and the patch). */
  args: string[];
  arches: Arch[];
  /** Docker arch names (ARG suffixes) that kernel.arch does not list: their URL is left alone. */
  unlisted: string[];
  /** Expected sha256 (lower-case) per arch, only where the spec pins one. */
  sha256: Array<{ arch: Arch; sum: string }>;
  /**
   * The os-kernel overrides (target.kernelSource): `archive` is the documented, older
   * scripts/build-common (`: ${KERNEL_URL:=...}`, `: ${KERNEL_SHA1:=...}`, scripts/download
   * compares the sha1); `tag` is os-kernel at 1ed0df3 (KERNEL_TAG, and scripts/download
   * fetching ${KERNEL_URL}${KERNEL_TAR} from a folder URL, without a checksum).
   */
  source:
    | { form: 'archive'; url: string; sha1: string | null }
    | { form: 'tag'; url: string; tag: string; tar: string; sign: string; version: string }
    | null;
  dapperfile: string | null;
  /** provider.headers and provider.extras, those that are set. */
  parts: PartView[];
  /** os-kernel's KERNEL_ARCH per spec arch (the tarball suffix without its dash). */
  kernelArches: Array<{ arch: Arch; karch: string; url: string }>;
}

/**
 * The two other tarballs of an os-kernel release (rancher/os-kernel at 1ed0df3,
 * scripts/package-kernel and scripts/release): build-linux-<kver>-<arch>.tar.gz, the headers
 * (list_build_files of scripts/build-common, unpacked by images/10-headers/headers.sh into
 * /lib/modules/<kver>/build), and extra-linux-<kver>-<arch>.tar.gz, the extra modules and
 * firmware (split_tar, unpacked at / by images/10-extras/extra.sh).
 */
export const PARTS = {
  headers: { sums: 'headersSha256', prefix: 'build', what: 'headers tarball', image: 'os-headers', script: 'check-headers-tarball.sh' },
  extras: { sums: 'extrasSha256', prefix: 'extra', what: 'extras tarball', image: 'os-extras', script: 'check-extras-tarball.sh' },
} as const;
export type PartKind = keyof typeof PARTS;

export interface PartView {
  kind: PartKind;
  headers: boolean;
  prefix: string;
  script: string;
  arches: Array<{ arch: Arch; karch: string; url: string; sum: string | null }>;
}

/** The part tarballs the spec sets, in a fixed order. */
export function partsOf(spec: RancherosSpec): PartView[] {
  const p = spec.provider;
  if (p.type !== 'tarball') return [];
  return (Object.keys(PARTS) as PartKind[]).flatMap((kind) => {
    const urls = p[kind];
    if (urls === undefined) return [];
    const sums = p[PARTS[kind].sums] ?? {};
    return [
      {
        kind,
        headers: kind === 'headers',
        prefix: PARTS[kind].prefix,
        script: PARTS[kind].script,
        arches: spec.kernel.arch.flatMap((arch) =>
          urls[arch] === undefined ? [] : [{ arch, karch: ARCHES[arch].suffix.slice(1), url: urls[arch]!, sum: sums[arch]?.toLowerCase() ?? null }],
        ),
      },
    ];
  });
}

/** One ARG line; values are Dockerfile strings (quoted, `$` escaped), never bare. */
export function argLine(name: (typeof KERNEL_ARG_NAMES)[number], value: string): ArgLine {
  return { name, line: `ARG ${name}=${dockerString(value)}` };
}

export function kernelArgs(spec: RancherosSpec): ArgLine[] {
  const p = spec.provider;
  const urls = p.type === 'tarball' ? p.urls : {};
  const out = [argLine('KERNEL_VERSION', spec.kernel.version!)];
  for (const arch of spec.kernel.arch) {
    const url = urls[arch];
    if (url !== undefined) out.push(argLine(`KERNEL_URL_${ARCHES[arch].docker}`, url));
  }
  return out;
}

export type DapperRead = { text: string } | ReadProblem;

/**
 * Reads target.dapperfile relative to the spec, as every file read for a spec is read
 * (src/specfiles.ts): inside the repository, a regular file, at most 1 MiB. A problem is
 * returned, never thrown.
 */
export function readDapperfile(specDir: string, rel: string): DapperRead {
  const got = readInside(path.resolve(specDir, rel), repositoryRoot(specDir));
  return 'bytes' in got ? { text: got.bytes.toString('utf8') } : got;
}

export function rancherosView(spec: RancherosSpec): RancherosView {
  const p = spec.provider;
  const sums = p.type === 'tarball' ? (p.sha256 ?? {}) : {};
  const src = spec.target.kernelSource;
  return {
    kver: spec.kernel.version!,
    args: kernelArgs(spec).map((a) => a.line),
    arches: [...spec.kernel.arch],
    unlisted: (Object.keys(ARCHES) as Arch[]).filter((a) => !spec.kernel.arch.includes(a)).map((a) => ARCHES[a].docker),
    sha256: spec.kernel.arch.flatMap((arch) => (sums[arch] ? [{ arch, sum: sums[arch]!.toLowerCase() }] : [])),
    source: !src
      ? null
      : src.form === 'tag'
        ? { form: 'tag', url: src.url, tag: src.tag ?? '', tar: `linux-${src.tag ?? ''}.tar.xz`, sign: `linux-${src.tag ?? ''}.tar.sign`, version: spec.kernel.version! }
        : { form: 'archive', url: src.url, sha1: src.sha1 ? src.sha1.toLowerCase() : null },
    dapperfile: spec.target.dapperfile ?? null,
    parts: partsOf(spec),
    kernelArches: spec.kernel.arch.flatMap((arch) => {
      const url = p.type === 'tarball' ? p.urls[arch] : undefined;
      return url === undefined ? [] : [{ arch, karch: ARCHES[arch].suffix.slice(1), url }];
    }),
  };
}
