/**
 * rancheros' platform checks (KS6xxx): what the schema and the common checks (src/check.ts)
 * cannot say about a rancheros spec, target.dapperfile included.
 */
import { RANCHEROS } from './diagnostics.js';
import { pointer, type Reporter } from '../../diagnostics/diagnostic.js';
import { besideSpec, reportReadProblem } from '../../specfiles.js';
import type { Arch } from '../../types.js';
import { findKernelArgs } from './dapper.js';
import { type CheckContext } from '../target.js';
import { ARCHES, KERNEL_ARG_NAMES, PARTS, readDapperfile } from './view.js';
import type { PartKind, RancherosSpec } from './view.js';

/** A larger "Dockerfile.dapper" is not one; reading stops there. */
const SOURCE_ARCHIVE = /\.tar\.(gz|xz)$/;

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

export function check(spec: RancherosSpec, ctx: CheckContext): void {
  const r = ctx.report;
  const p = spec.provider;
  if (p.type !== 'tarball') return; // KS3001 already reported
  const src = spec.target.kernelSource;

  for (const arch of spec.kernel.arch) {
    const { docker, suffix } = ARCHES[arch];
    const url = p.urls[arch];
    if (url === undefined) {
      r.report(RANCHEROS.RancherosArchUrlMissing, '/provider/urls', { arch, dockerArch: docker }, 'key');
      continue;
    }
    const file = urlFile(url);
    if (!file.includes(suffix)) {
      r.report(RANCHEROS.RancherosTarballName, archPointer(r, ['provider', 'urls'], arch), { arch, dockerArch: docker, suffix, file, kernelArch: arch === 'x86_64' ? 'is x86, not amd64' : 'is arm64' });
    }
    // A tarball built by the user's own os-kernel run from a sha1-pinned source has no
    // sha256 until that build has run; anything else is a third party's file, unverified.
    if (p.sha256?.[arch] === undefined && !(src?.sha1 && src.form !== 'tag')) {
      r.report(RANCHEROS.RancherosTarballUnpinned, p.sha256 ? '/provider/sha256' : '/provider/urls', { arch }, 'key');
    }
  }

  for (const kind of Object.keys(PARTS) as PartKind[]) {
    const urls = p[kind];
    if (urls === undefined) continue;
    const part = PARTS[kind];
    for (const arch of spec.kernel.arch) {
      const url = urls[arch];
      if (url === undefined) {
        r.report(RANCHEROS.RancherosPartArchMissing, pointer('provider', kind), { field: kind, arch, what: part.what, image: part.image }, 'key');
        continue;
      }
      const at = archPointer(r, ['provider', kind], arch);
      if (url === p.urls[arch]) {
        r.report(RANCHEROS.RancherosPartIsKernel, at, { field: kind, arch, what: part.what });
        continue;
      }
      const file = urlFile(url);
      const { suffix } = ARCHES[arch];
      if (!file.startsWith(part.prefix) || !file.endsWith('.tar.gz') || (file.startsWith(`${part.prefix}-linux-`) && !file.includes(suffix))) {
        r.report(RANCHEROS.RancherosPartName, at, { file, arch, what: part.what, expected: `${part.prefix}-linux-<kernel.version>${suffix}.tar.gz, or ${part.prefix}.tar.gz` });
      }
      if (p[part.sums]?.[arch] === undefined) {
        r.report(RANCHEROS.RancherosPartUnpinned, p[part.sums] ? pointer('provider', part.sums) : pointer('provider', kind), { field: part.sums, arch, what: part.what, script: part.script }, 'key');
      }
    }
  }

  if (src?.form === 'tag') {
    if (src.tag === undefined) r.report(RANCHEROS.RancherosSourceTagMissing, '/target/kernelSource', {}, 'key');
    if (!src.url.replace(/[?#].*$/, '').endsWith('/')) r.report(RANCHEROS.RancherosSourceTagUrl, '/target/kernelSource/url', { url: src.url });
    if (src.sha1 !== undefined) r.report(RANCHEROS.RancherosSourceTagSha1, '/target/kernelSource/sha1', {}, 'key');
  } else if (src) {
    if (!src.sha1) r.report(RANCHEROS.RancherosSourceNoSha1, '/target/kernelSource', {}, 'key');
    if (!SOURCE_ARCHIVE.test(urlFile(src.url))) r.report(RANCHEROS.RancherosSourceFormat, '/target/kernelSource/url', { url: src.url });
    if (src.tag !== undefined) r.report(RANCHEROS.RancherosSourceTagIgnored, '/target/kernelSource/tag', {}, 'key');
  }

  const rel = spec.target.dapperfile;
  if (rel !== undefined) {
    const read = readDapperfile(ctx.specDir, rel);
    if ('problem' in read && read.problem === 'missing') r.report(RANCHEROS.RancherosDapperfileNotFound, '/target/dapperfile', { path: rel, reason: 'no such file' });
    else if ('problem' in read) reportReadProblem(r, '/target/dapperfile', 'target.dapperfile', rel, besideSpec(ctx.specPath, rel), read);
    else if (findKernelArgs(read.text, KERNEL_ARG_NAMES).length === 0) {
      r.report(RANCHEROS.RancherosDapperfileNoKernelArgs, '/target/dapperfile', { path: rel });
    } else {
      for (const u of unlistedVersionUrls(read.text, spec)) r.report(RANCHEROS.RancherosDapperUnlistedUrl, '/target/dapperfile', { file: rel, ...u });
    }
  }
}
