/**
 * What `kspec diff` says about one spec: the changes a reviewer cares about first, in
 * words (kernel, provider, signing, platform), and the unified diff of the generated
 * files. Works on two compile results, either of which may be absent (added, removed).
 */
import { createTwoFilesPatch } from 'diff';
import type { CompileResult } from './compile.js';
import { escapeControls } from './diagnostics/safe.js';
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

/** Characters of diff a Markdown report holds in all (a pull-request comment takes 65,536). */
export const MARKDOWN_DIFF_BUDGET = 50_000;

/** Text for a Markdown table cell or <summary>: no control characters, no HTML, no pipes. */
function mdText(s: string): string {
  return escapeControls(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '\\|');
}

/** `s` as inline code in a table cell or <summary> (HTML, since backticks in `s` would end a code span). */
const mdCode = (s: string): string => `<code>${mdText(s)}</code>`;

/** A fence longer than any run of backticks in `body`. */
function fence(body: string): string {
  const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((r) => r.length));
  return '`'.repeat(Math.max(3, longest + 1));
}

export interface MarkdownInput {
  base: string;
  changes: SpecChange[];
  /** The unified diff of each change (same order); empty when the run failed. */
  diffs: string[];
  /** The diagnostics as text, when the run failed (shown in a code block). */
  diagnostics: string;
  /** The `N errors, M warnings` line. */
  summary: string;
}

/**
 * `kspec diff --format markdown`: a summary table (one row per spec: status and the
 * reviewer's headlines), then each changed spec's diff collapsed in a <details> block,
 * for $GITHUB_STEP_SUMMARY or a pull-request comment (docs/ci.md). Diffs are fenced code
 * (```diff), so nothing in a generated file is read as Markdown or HTML; past
 * MARKDOWN_DIFF_BUDGET characters the remaining diffs are left out with a note.
 */
export function markdownReport(m: MarkdownInput): string {
  const out: string[] = [`## kspec diff against ${mdCode(m.base)}`, ''];
  if (m.diagnostics) {
    const body = m.diagnostics.endsWith('\n') ? m.diagnostics : m.diagnostics + '\n';
    const f = fence(body);
    out.push(`The specs have errors (${mdText(m.summary)}): nothing was compared.`, '', f + 'text', body + f, '');
    return out.join('\n');
  }
  const changed = m.changes.filter((c) => c.status !== 'unchanged').length;
  out.push(`${m.changes.length} spec${m.changes.length === 1 ? '' : 's'}, ${changed} with changes to the generated files.`, '');
  out.push('| Spec | Name | Status | What changed |', '|---|---|---|---|');
  for (const c of m.changes) {
    const what = c.summary.length > 0 ? c.summary.map(mdText).join('<br>') : '—';
    out.push(`| ${mdCode(c.spec)} | ${c.name ? mdCode(c.name) : '—'} | ${c.status} | ${what} |`);
  }
  out.push('');
  let budget = MARKDOWN_DIFF_BUDGET;
  m.changes.forEach((c, i) => {
    const diff = m.diffs[i] ?? '';
    if (!diff) return;
    const files = (diff.match(/^\+\+\+ /gm) ?? []).length;
    out.push('<details>', `<summary>${mdCode(c.spec)}${c.name ? ` (${mdText(c.name)})` : ''}: ${c.status}, ${files} file${files === 1 ? '' : 's'}</summary>`, '');
    if (diff.length > budget) {
      out.push(`The diff (${diff.length} characters) is too large for this report: run ${mdCode(`kspec diff --base ${m.base}`)} to see it.`);
    } else {
      budget -= diff.length;
      // Control characters escaped, line breaks and tabs kept.
      const body = diff.replace(/[^\n\t]+/g, escapeControls);
      const f = fence(body);
      out.push(f + 'diff', body.endsWith('\n') ? body + f : body + '\n' + f);
    }
    out.push('', '</details>', '');
  });
  return out.join('\n');
}
