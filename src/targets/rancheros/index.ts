/**
 * rancheros: point a RancherOS ISO build at a custom kernel tarball.
 *
 * RancherOS has no kernel-swap step of its own: rancher/os's Dockerfile.dapper names the
 * kernel tarball per architecture in ARGs ("General Configuration" section), and the
 * tarball is packaged by rancher/os-kernel, whose scripts/build-common takes the source
 * archive from `: ${KERNEL_URL:=...}` defaults. So kspec emits those ARGs (and a patch
 * against the user's Dockerfile.dapper), the build-common overrides, and a script that
 * checks a tarball's layout before the ISO build trusts it. See
 * upstream-docs/rancheros-custom-kernels.md and reference/rancheros/README.md.
 */
import path from 'node:path';
import { D } from '../../diagnostics/catalogue.js';
import { pointer, type Reporter } from '../../diagnostics/diagnostic.js';
import { dockerString } from '../../quote.js';
import { besideSpec, readInside, reportReadProblem, repositoryRoot, type ReadProblem } from '../../specfiles.js';
import type { Arch, PlannedFile, SpecFor } from '../../types.js';
import { dapperPatch, findKernelArgs, type ArgLine } from './dapper.js';
import { NO_PACKAGES, GOARCH } from '../shared.js';
import { defineTarget, type CheckContext, type PlanContext } from '../target.js';

type RancherosSpec = SpecFor<'rancheros'>;

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

/** A larger "Dockerfile.dapper" is not one; reading stops there. */
const SOURCE_ARCHIVE = /\.tar\.(gz|xz)$/;

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

/** The file name at the end of a URL, without query or fragment. */
function urlFile(url: string): string {
  const p = url.replace(/[?#].*$/, '');
  return p.slice(p.lastIndexOf('/') + 1);
}

/**
 * The pointer of an arch-keyed map entry as the user wrote it (`x86_64` or its alias
 * `amd64`): normalize has folded the aliases, the source still has the written key.
 */
function archPointer(r: Reporter, base: string[], arch: Arch): string {
  const parent = r.source.locate(pointer(...base));
  for (const key of [arch, ARCHES[arch].docker]) {
    const loc = r.source.locate(pointer(...base, key));
    if (loc.line !== parent.line || loc.column !== parent.column) return pointer(...base, key);
  }
  return pointer(...base, arch);
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

/** The value of an `ARG NAME=value` instruction, its quotes removed. */
function argValue(line: string): string {
  const v = line.slice(line.indexOf('=') + 1).trim();
  return /^(["']).*\1$/.test(v) ? v.slice(1, -1) : v;
}

/**
 * The URL ARGs the patch keeps (arches kernel.arch does not list) that are built from
 * ${KERNEL_VERSION} while the patch changes KERNEL_VERSION: they silently follow the new
 * release (rancher/os's Dockerfile.dapper writes both URLs that way).
 */
export function unlistedVersionUrls(text: string, spec: RancherosSpec): Array<{ line: number; name: string; arch: string; from: string; to: string }> {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const matches = findKernelArgs(text, KERNEL_ARG_NAMES);
  const version = matches.find((m) => m.name === 'KERNEL_VERSION');
  const from = version && lines[version.start]!.includes('=') ? argValue(lines[version.start]!) : undefined;
  const to = spec.kernel.version!;
  if (from === to) return [];
  const out = [];
  for (const arch of Object.keys(ARCHES) as Arch[]) {
    if (spec.kernel.arch.includes(arch)) continue;
    const name = `KERNEL_URL_${ARCHES[arch].docker}`;
    for (const m of matches.filter((x) => x.name === name)) {
      const text = lines.slice(m.start, m.end + 1).join('\n');
      if (/\$(\{KERNEL_VERSION[}:]|KERNEL_VERSION\b)/.test(text)) out.push({ line: m.start + 1, name, arch, from: from ?? '(unset)', to });
    }
  }
  return out;
}

function check(spec: RancherosSpec, ctx: CheckContext): void {
  const r = ctx.report;
  const p = spec.provider;
  if (p.type !== 'tarball') return; // KS3001 already reported
  const src = spec.target.kernelSource;

  for (const arch of spec.kernel.arch) {
    const { docker, suffix } = ARCHES[arch];
    const url = p.urls[arch];
    if (url === undefined) {
      r.report(D.RancherosArchUrlMissing, '/provider/urls', { arch, dockerArch: docker }, 'key');
      continue;
    }
    const file = urlFile(url);
    if (!file.includes(suffix)) {
      r.report(D.RancherosTarballName, archPointer(r, ['provider', 'urls'], arch), { arch, dockerArch: docker, suffix, file });
    }
    // A tarball built by the user's own os-kernel run from a sha1-pinned source has no
    // sha256 until that build has run; anything else is a third party's file, unverified.
    if (p.sha256?.[arch] === undefined && !(src?.sha1 && src.form !== 'tag')) {
      r.report(D.RancherosTarballUnpinned, p.sha256 ? '/provider/sha256' : '/provider/urls', { arch }, 'key');
    }
  }

  for (const kind of Object.keys(PARTS) as PartKind[]) {
    const urls = p[kind];
    if (urls === undefined) continue;
    const part = PARTS[kind];
    for (const arch of spec.kernel.arch) {
      const url = urls[arch];
      if (url === undefined) {
        r.report(D.RancherosPartArchMissing, pointer('provider', kind), { field: kind, arch, what: part.what, image: part.image }, 'key');
        continue;
      }
      const at = archPointer(r, ['provider', kind], arch);
      if (url === p.urls[arch]) {
        r.report(D.RancherosPartIsKernel, at, { field: kind, arch, what: part.what });
        continue;
      }
      const file = urlFile(url);
      const { suffix } = ARCHES[arch];
      if (!file.startsWith(part.prefix) || !file.endsWith('.tar.gz') || (file.startsWith(`${part.prefix}-linux-`) && !file.includes(suffix))) {
        r.report(D.RancherosPartName, at, { file, arch, what: part.what, expected: `${part.prefix}-linux-<kernel.version>${suffix}.tar.gz, or ${part.prefix}.tar.gz` });
      }
      if (p[part.sums]?.[arch] === undefined) {
        r.report(D.RancherosPartUnpinned, p[part.sums] ? pointer('provider', part.sums) : pointer('provider', kind), { field: part.sums, arch, what: part.what, script: part.script }, 'key');
      }
    }
  }

  if (src?.form === 'tag') {
    if (src.tag === undefined) r.report(D.RancherosSourceTagMissing, '/target/kernelSource', {}, 'key');
    if (!src.url.replace(/[?#].*$/, '').endsWith('/')) r.report(D.RancherosSourceTagUrl, '/target/kernelSource/url', { url: src.url });
    if (src.sha1 !== undefined) r.report(D.RancherosSourceTagSha1, '/target/kernelSource/sha1', {}, 'key');
  } else if (src) {
    if (!src.sha1) r.report(D.RancherosSourceNoSha1, '/target/kernelSource', {}, 'key');
    if (!SOURCE_ARCHIVE.test(urlFile(src.url))) r.report(D.RancherosSourceFormat, '/target/kernelSource/url', { url: src.url });
    if (src.tag !== undefined) r.report(D.RancherosSourceTagIgnored, '/target/kernelSource/tag', {}, 'key');
  }

  const rel = spec.target.dapperfile;
  if (rel !== undefined) {
    const read = readDapperfile(ctx.specDir, rel);
    if ('problem' in read && read.problem === 'missing') r.report(D.RancherosDapperfileNotFound, '/target/dapperfile', { path: rel, reason: 'no such file' });
    else if ('problem' in read) reportReadProblem(r, '/target/dapperfile', 'target.dapperfile', rel, besideSpec(ctx.specPath, rel), read);
    else if (findKernelArgs(read.text, KERNEL_ARG_NAMES).length === 0) {
      r.report(D.RancherosDapperfileNoKernelArgs, '/target/dapperfile', { path: rel });
    } else {
      for (const u of unlistedVersionUrls(read.text, spec)) r.report(D.RancherosDapperUnlistedUrl, '/target/dapperfile', { file: rel, ...u });
    }
  }
}

function plan(spec: RancherosSpec, ctx: PlanContext): PlannedFile[] {
  const data = rancherosView(spec);
  const files: PlannedFile[] = [
    { path: 'Dockerfile.dapper.args', syntax: 'hash', template: 'rancheros/Dockerfile.dapper.args', data },
    { path: 'check-kernel-tarball.sh', syntax: 'hash', mode: 0o755, template: 'rancheros/check-kernel-tarball.sh', data },
  ];
  if (data.source) files.push({ path: 'os-kernel/build-common.env', syntax: 'hash', template: 'rancheros/build-common.env', data });
  // One layout check per part, from one template; the script that places them for os-kernel.
  for (const part of data.parts) {
    files.push({ path: part.script, syntax: 'hash', mode: 0o755, template: 'rancheros/check-part-tarball.sh', data: { ...data, part } });
  }
  if (data.parts.length > 0) files.push({ path: 'os-kernel/place-tarballs.sh', syntax: 'hash', mode: 0o755, template: 'rancheros/place-tarballs.sh', data });
  if (data.dapperfile !== null) {
    const read = readDapperfile(ctx.specDir, data.dapperfile);
    // check() reported an unreadable file, so plan() is not reached with one.
    if ('problem' in read) throw new Error(`target.dapperfile became unreadable: ${read.problem}`);
    const patch = dapperPatch(read.text, kernelArgs(spec), KERNEL_ARG_NAMES, path.posix.basename(data.dapperfile));
    // Nothing to change (already patched): an empty patch would make `patch` fail.
    if (patch !== '') files.push({ path: 'Dockerfile.dapper.patch', syntax: 'diff', text: patch });
  }
  return files;
}

export const rancheros = defineTarget<'rancheros'>({
  platform: 'rancheros',
  providers: ['tarball'],
  // RancherOS boots the kernel from its ISO with syslinux/GRUB and no shim: nothing to sign for.
  signing: false,
  // The docs give RancherOS no fallback kernel mechanism (only `ros os` upgrades of the whole OS).
  fallbacks: [],
  ignored: [
    ...NO_PACKAGES,
    { path: '/validation', why: 'no bootable image is built here, so there is no boot test or on-machine validator' },
    { path: '/kernel/cmdline', why: "the kernel command line is set in RancherOS's own boot configuration, not in the kernel tarball" },
    { path: '/kernel/config', why: 'the tarball is prebuilt; its .config is not checked' },
    { path: '/initramfs', why: 'the RancherOS ISO build makes its own initrd' },
    { path: '/metadata/labels', why: 'no image is built' },
  ],
  versionRequired: () =>
    'Dockerfile.dapper\'s KERNEL_VERSION must be known before the build: rancher/os\'s scripts/layout-kernel names the kernel vmlinuz-${KERNEL_VERSION} in the ISO, and the amd64 build stops when that file is missing',
  check,
  plan,
});
