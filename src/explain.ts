/**
 * `kspec explain <generated-file>:<line>`: which spec fields produced a line of output.
 *
 * Recomputed, not stored: the spec named by the output folder's kspec.lock.json is
 * compiled again, then once more per leaf value of the (merged) spec with only that value
 * varied. The lines that change are exactly the lines that depend on that value, whether
 * the value is copied (a package name) or derived (a compression flag, a size in bytes),
 * with no change to the templates or to normal rendering. A line no variation changes is
 * template text. When varying a value breaks the plan (an enum with no flag for the new
 * value), the value's literal occurrences stand in for it.
 */
import path from 'node:path';
import { diffArrays } from 'diff';
import { compileFile, headerInfo, regenerateCommand } from './compile.js';
import { fail, ioReason } from './commands.js';
import { hasErrors, parsePointer, pointer } from './diagnostics/diagnostic.js';
import { MANIFEST, readBounded, readManifest } from './write.js';
import { normalize } from './normalize.js';
import { displayPath, outputId, specFromId, toPosix } from './paths.js';
import { render } from './render.js';
import { getTarget } from './targets/index.js';
import type { RenderedFile } from './types.js';

interface Leaf {
  ptr: string;
  value: string | number | boolean;
}

function leaves(data: unknown, ptr = ''): Leaf[] {
  if (Array.isArray(data)) return data.flatMap((x, i) => leaves(x, ptr + pointer(i)));
  if (data && typeof data === 'object') return Object.entries(data).flatMap(([k, x]) => leaves(x, ptr + pointer(k)));
  if (typeof data === 'string' || typeof data === 'number' || typeof data === 'boolean') return [{ ptr, value: data }];
  return [];
}

/** Same shape, different text: letters and digits shifted, punctuation kept. */
function vary(v: Leaf['value']): Leaf['value'] {
  if (typeof v === 'boolean') return !v;
  if (typeof v === 'number') return v + 7;
  return v.replace(/[a-z]/g, (c) => String.fromCharCode(((c.charCodeAt(0) - 97 + 1) % 26) + 97))
    .replace(/[A-Z]/g, (c) => String.fromCharCode(((c.charCodeAt(0) - 65 + 1) % 26) + 65))
    .replace(/[0-9]/g, (c) => String((Number(c) + 1) % 10));
}

function setAt(data: unknown, ptr: string, value: unknown): unknown {
  const copy = structuredClone(data) as Record<string, unknown>;
  const segs = parsePointer(ptr);
  let node: Record<string, unknown> = copy;
  for (const s of segs.slice(0, -1)) node = node[s] as Record<string, unknown>;
  node[segs.at(-1)!] = value;
  return copy;
}

/** 1-based numbers of the lines of `a` that are not in `b`. */
function changedLines(a: string, b: string): number[] {
  const out: number[] = [];
  let line = 1;
  for (const part of diffArrays(a.split('\n'), b.split('\n'))) {
    if (part.added) continue;
    if (part.removed) for (let i = 0; i < part.value.length; i++) out.push(line + i);
    line += part.value.length;
  }
  return out;
}

export interface Origin {
  ptr: string;
  file: string;
  line: number;
  column: number;
  value: string;
}

/** Where each line of one generated file comes from: line number -> spec pointers. */
export async function traceFile(specFile: string, outDir: string, rel: string, cwd = process.cwd()): Promise<{ content: string; lines: Map<number, Origin[]> } | { error: string }> {
  const r = await compileFile(specFile, { outDir, cwd });
  const file = r.files.find((f) => f.path === rel);
  if (!r.spec || !r.source || hasErrors(r.diagnostics)) return { error: `${r.specPath} has errors: run kspec validate ${r.specPath}` };
  if (!file) return { error: `${r.specPath} does not generate '${rel}' (any more): run kspec compile` };
  const target = getTarget(r.spec.target.platform)!;
  const ctx = { specPath: r.specPath, specDir: path.dirname(path.resolve(cwd, specFile)) };
  const info = headerInfo(r.specId, regenerateCommand(r.specId, outputId(outDir, cwd)));
  const lines = new Map<number, Origin[]>();
  const add = (n: number, leaf: Leaf): void => {
    const loc = r.source!.locate(leaf.ptr);
    const list = lines.get(n) ?? [];
    if (!list.some((o) => o.ptr === leaf.ptr)) list.push({ ptr: leaf.ptr, ...loc, value: String(leaf.value) });
    lines.set(n, list);
  };
  const original = file.content.split('\n');
  for (const leaf of leaves(r.data)) {
    if (leaf.ptr === '/extends' || leaf.ptr === '/apiVersion' || leaf.ptr === '/kind') continue;
    let varied: RenderedFile | undefined;
    let planned = true;
    try {
      const spec = normalize(setAt(r.data, leaf.ptr, vary(leaf.value)));
      varied = render(target.plan(spec, ctx), info).find((f) => f.path === rel);
    } catch {
      planned = false;
    }
    if (planned) {
      for (const n of changedLines(file.content, varied?.content ?? '')) add(n, leaf);
    } else if (typeof leaf.value === 'string' && leaf.value.length > 0) {
      original.forEach((l, i) => l.includes(String(leaf.value)) && add(i + 1, leaf));
    }
  }
  return { content: file.content, lines };
}

/**
 * Finds the output folder (the nearest kspec.lock.json above the file) and its spec. The
 * manifest is read as src/write.ts reads it (no symlink, at most 1 MiB, validated): one
 * that is not a kspec manifest is a message, not a crash.
 */
function manifestAbove(file: string): { dir: string; spec: string } | { problem: string } | undefined {
  for (let d = path.dirname(path.resolve(file)); ; d = path.dirname(d)) {
    const r = readManifest(d);
    if (r.manifest) return { dir: d, spec: r.manifest.spec };
    if (r.problem) return { problem: `${displayPath(path.join(d, MANIFEST))}: ${r.problem}; run kspec compile to regenerate it` };
    if (path.dirname(d) === d) return undefined;
  }
}

export async function runExplain(where: string, opts: { format: 'text' | 'json' }): Promise<number> {
  const m = /^(.*):(\d+)$/.exec(where);
  if (!m) return fail(`'${where}' is not <generated-file>:<line>`);
  const [, file, lineText] = m as unknown as [string, string, string];
  const line = Number(lineText);
  const found = manifestAbove(file);
  if (!found) return fail(`no ${MANIFEST} above '${file}': is it a file kspec generated?`);
  if ('problem' in found) return fail(found.problem);
  const rel = toPosix(path.relative(found.dir, path.resolve(file)));
  // The lock names the spec relative to the repository root (src/paths.ts).
  const outDir = path.dirname(found.dir);
  const specFile = specFromId(found.spec, outDir);
  if (specFile === undefined) return fail(`'${file}' was generated from standard input: there is no spec file to explain it with`);
  let traced;
  try {
    traced = await traceFile(specFile, outDir, rel);
  } catch (e) {
    return fail(`cannot read '${found.spec}': ${ioReason(e)}`);
  }
  if ('error' in traced) return fail(traced.error);
  // Bounded, and never through a symlink: the generated file is committed, so untrusted.
  const read = readBounded(file, 4 << 20);
  const onDisk = 'bytes' in read ? read.bytes.toString('utf8') : undefined;
  if (onDisk !== traced.content) process.stderr.write(`kspec: warning: '${file}' differs from what ${found.spec} generates now; run kspec compile (lines are explained as generated now)\n`);
  const lines = traced.content.split('\n');
  if (line < 1 || line >= lines.length) return fail(`'${file}' has ${lines.length - 1} lines; line ${line} does not exist`);
  // A blank line carries no value, even where a structural change moves it.
  const origins = (lines[line - 1]!.trim() === '' ? [] : traced.lines.get(line) ?? []).sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
  if (opts.format === 'json') {
    process.stdout.write(JSON.stringify({ file, line, text: lines[line - 1], origins: origins.map(({ ptr, ...o }) => ({ path: ptr, ...o })) }, null, 2) + '\n');
    return 0;
  }
  process.stdout.write(`${file}:${line}: ${lines[line - 1]}\n`);
  if (origins.length === 0) process.stdout.write('  template text: no spec value produces this line\n');
  for (const o of origins) process.stdout.write(`  from ${o.file}:${o.line}:${o.column} ${o.ptr} = ${JSON.stringify(o.value)}\n`);
  return 0;
}
