/**
 * What `kspec diff` says about one spec: the changes a reviewer cares about first, in
 * words (kernel, provider, signing, platform), and the unified diff of the generated
 * files. Works on two compile results, either of which may be absent (added, removed).
 */
import { createTwoFilesPatch } from 'diff';
import type { CompileResult } from './compile.js';
import type { Provider, RenderedFile, Spec } from './types.js';

export interface SpecChange {
  spec: string;
  name?: string;
  status: 'added' | 'removed' | 'changed' | 'unchanged';
  summary: string[];
  before: RenderedFile[];
  after: RenderedFile[];
  beforeName?: string;
}

const show = (v: unknown): string => (v === undefined ? '(none)' : typeof v === 'string' ? v : JSON.stringify(v));

function provider(p: Provider): string {
  switch (p.type) {
    case 'copr':
      return `copr ${p.repo} [${p.packages.join(', ')}]`;
    case 'repo':
      return `repo [${p.packages.join(', ')}]${p.extraRepo ? ` + ${p.extraRepo.name}` : ''}`;
    case 'tarball':
      return `tarball ${Object.values(p.urls).join(', ')}`;
    case 'oci':
      return `oci ${p.kernel.image}${p.modules ? ` + modules ${p.modules.image}` : ''}`;
    case 'build':
      return `build ${p.kernelImage}`;
    case 'stock':
      return 'stock (the base image\'s kernel)';
  }
}

function signing(s: Spec['signing']): string {
  if (!s || !s.secureBoot) return 'unsigned';
  return `signed with secrets ${s.keySecret}/${s.certSecret}${s.modules ? ', modules signed' : ''}, enroll ${s.enroll}`;
}

/** The reviewer's headlines: one line per aspect that changed. */
export function summarize(a: Spec, b: Spec): string[] {
  const out: string[] = [];
  const line = (what: string, x: string, y: string): void => {
    if (x !== y) out.push(`${what}: ${x} -> ${y}`);
  };
  line('kernel version', show(a.kernel.version), show(b.kernel.version));
  line('kernel package', show(a.kernel.package), show(b.kernel.package));
  line('kernel arch', a.kernel.arch.join(', '), b.kernel.arch.join(', '));
  line('provider', provider(a.provider), provider(b.provider));
  line('signing', signing(a.signing), signing(b.signing));
  line('platform', a.target.platform, b.target.platform);
  if (a.target.platform === b.target.platform && JSON.stringify(a.target) !== JSON.stringify(b.target)) {
    const keys = [...new Set([...Object.keys(a.target), ...Object.keys(b.target)])].filter(
      (k) => JSON.stringify((a.target as never)[k]) !== JSON.stringify((b.target as never)[k]),
    );
    out.push(`target settings changed: ${keys.sort().join(', ')}`);
  }
  return out;
}

function sameFiles(a: RenderedFile[], b: RenderedFile[]): boolean {
  return a.length === b.length && a.every((f, i) => f.path === b[i]!.path && f.content === b[i]!.content && f.mode === b[i]!.mode);
}

export function describeChanges(spec: string, before?: CompileResult, after?: CompileResult): SpecChange {
  const base = { spec, name: after?.name ?? before?.name, before: before?.files ?? [], after: after?.files ?? [], beforeName: before?.name };
  if (!before) return { ...base, status: 'added', summary: after?.spec ? [`new spec: ${after.spec.target.platform}, ${provider(after.spec.provider)}`] : [] };
  if (!after) return { ...base, status: 'removed', summary: before.spec ? [`spec removed: ${before.spec.target.platform}, its output folder is no longer generated`] : [] };
  const summary = before.spec && after.spec ? summarize(before.spec, after.spec) : [];
  if (before.name !== after.name) summary.unshift(`metadata.name: ${show(before.name)} -> ${show(after.name)}`);
  const same = sameFiles(before.files, after.files) && before.name === after.name;
  if (!same) {
    const paths = new Set([...before.files.map((f) => f.path), ...after.files.map((f) => f.path)]);
    let added = 0, removed = 0, changed = 0;
    for (const p of paths) {
      const x = before.files.find((f) => f.path === p);
      const y = after.files.find((f) => f.path === p);
      if (!x) added++;
      else if (!y) removed++;
      else if (x.content !== y.content || x.mode !== y.mode) changed++;
    }
    summary.push(`generated files: ${changed} changed, ${added} added, ${removed} removed`);
  }
  return { ...base, status: same && summary.length === 0 ? 'unchanged' : 'changed', summary };
}

const mode = (m: number): string => '0' + (m & 0o777).toString(8);

/** The unified diff of one spec's generated files, paths as `a/<out>/<name>/<file>`. */
export function fileDiff(c: SpecChange, outRel: string): string {
  const at = (name: string | undefined, f: string): string => `${outRel}/${name ?? ''}/${f}`;
  const parts: string[] = [];
  const paths = [...new Set([...c.before.map((f) => f.path), ...c.after.map((f) => f.path)])].sort();
  for (const p of paths) {
    const x = c.before.find((f) => f.path === p);
    const y = c.after.find((f) => f.path === p);
    const from = x ? `a/${at(c.beforeName, p)}` : '/dev/null';
    const to = y ? `b/${at(c.name, p)}` : '/dev/null';
    if (!x || !y || x.content !== y.content || from.slice(2) !== to.slice(2)) {
      parts.push(createTwoFilesPatch(from, to, x?.content ?? '', y?.content ?? ''));
    }
    if (x && y && x.mode !== y.mode) parts.push(`mode change ${at(c.name, p)}: ${mode(x.mode)} => ${mode(y.mode)}\n`);
  }
  return parts.map((p) => p.replace(/^=+\n/, '')).join('');
}
