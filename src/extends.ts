/**
 * Stage 1b: extends. A spec may name a base spec (`extends: ../base/x.yaml`); the spec is
 * merged over it (maps key by key, lists and scalars replace) before validation, so the
 * schema and every later stage see one document. What makes this more than a merge is
 * that diagnostics must name the file a value came from: `LayeredSourceIndex` resolves
 * each JSON pointer to the layer (file) that supplied the node.
 *
 * Bases are read through a `SpecReader`, so `kspec diff` can read them at a git ref with
 * `git show` exactly like the working tree reads them from disk.
 */
import path from 'node:path';
import { D } from './diagnostics/catalogue.js';
import { hasErrors, parsePointer, Reporter } from './diagnostics/diagnostic.js';
import type { Diagnostic, SourceIndex, SourceLocation } from './diagnostics/diagnostic.js';
import { parseSpec, type RawSpec } from './parse.js';
import { displayPath } from './paths.js';
import { isInside, pathProblem, readInside, reportReadProblem, repositoryRoot, type ReadOutcome } from './specfiles.js';

export { repositoryRoot } from './specfiles.js';

/** Where spec files come from: the working tree, or a git ref. */
export interface SpecReader {
  /** The folder no base may leave (the git top level, or the spec's folder outside git). */
  root(): string;
  /** The bytes of a file by absolute path, or why it cannot be used (src/specfiles.ts). */
  read(abs: string): Promise<ReadOutcome>;
  /** The path shown in diagnostics (POSIX, relative to the cwd). */
  display(abs: string): string;
}

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** `over` merged over `base`: maps key by key, anything else replaces. Inputs are not mutated. */
export function mergeSpec(base: unknown, over: unknown): unknown {
  if (!isMap(base) || !isMap(over)) return over;
  // A null-prototype object: a key named `__proto__` is then an own key like any other
  // (validate reports it), never the object's prototype.
  const out = Object.create(null) as Record<string, unknown>;
  for (const [k, v] of Object.entries(base)) out[k] = v;
  for (const [k, v] of Object.entries(over)) out[k] = Object.hasOwn(base, k) ? mergeSpec(base[k], v) : v;
  return out;
}

function has(data: unknown, segs: string[]): { found: boolean; value: unknown } {
  let v = data;
  for (const s of segs) {
    if (isMap(v) && Object.hasOwn(v, s)) v = v[s];
    else if (Array.isArray(v) && /^\d+$/.test(s) && Number(s) < v.length) v = v[Number(s)];
    else return { found: false, value: undefined };
  }
  return { found: true, value: v };
}

interface Layer {
  data: unknown;
  source: SourceIndex & { file: string };
}

/**
 * Locates pointers in a merged spec. Layers are ordered from the spec itself to its last
 * base. Walking the pointer, each node belongs to the first layer that has it; below a
 * list or scalar the owner is fixed, because those replace instead of merging.
 */
export class LayeredSourceIndex implements SourceIndex {
  constructor(readonly layers: readonly Layer[]) {}

  /** The layer that supplied the node at `ptr` (or its deepest supplied ancestor). */
  ownerOf(ptr: string): Layer {
    let owner = this.layers[0]!;
    let candidates = [...this.layers];
    const segs = parsePointer(ptr);
    for (let i = 1; i <= segs.length; i++) {
      const prefix = segs.slice(0, i);
      const next = candidates.filter((l) => has(l.data, prefix).found);
      if (next.length === 0) break;
      owner = next[0]!;
      candidates = isMap(has(owner.data, prefix).value) ? next : [owner];
    }
    return owner;
  }

  locate(ptr: string, at: 'key' | 'value' = 'value'): SourceLocation {
    return this.ownerOf(ptr).source.locate(ptr, at);
  }

  lineText(file: string, line: number): string | undefined {
    return this.layers.find((l) => l.source.file === file)?.source.lineText(file, line);
  }
}

export interface ExtendsResult {
  /** The merged data; absent when a base could not be used. */
  data?: unknown;
  /** Covers every file read, also on failure (for code frames). */
  source: LayeredSourceIndex;
  diagnostics: Diagnostic[];
}

/**
 * Follows `extends` from `top` (already parsed, at absolute path `topAbs`) through its
 * bases, and merges them. Errors are reported at the `extends` line of the file that
 * names the bad base, or are the base's own parse errors.
 */
export async function resolveExtends(top: RawSpec, topAbs: string, reader: SpecReader): Promise<ExtendsResult> {
  const layers: Array<Layer & { abs: string }> = [{ data: top.data, source: top.source, abs: topAbs }];
  const diagnostics: Diagnostic[] = [];
  const fail = (more: Diagnostic[]): ExtendsResult => ({ source: new LayeredSourceIndex(layers), diagnostics: [...diagnostics, ...more] });
  for (;;) {
    const cur = layers.at(-1)!;
    const ref = (cur.data as Record<string, unknown>).extends;
    if (ref === undefined) break;
    const rep = new Reporter(cur.source);
    // The spec's own `extends` is checked by the schema after the merge; a base's is not
    // part of the merged document, so it is checked here.
    if (typeof ref !== 'string') {
      if (layers.length === 1) break;
      rep.report(D.WrongType, '/extends', { expected: 'a string', actual: Array.isArray(ref) ? 'a list' : typeof ref });
      return fail(rep.diagnostics);
    }
    // A NUL byte or an over-long name is the writer's mistake at this line, not an I/O error.
    const bad = pathProblem(ref);
    if (bad) {
      rep.report(D.FileBadPath, '/extends', { field: 'extends', ref, reason: bad });
      return fail(rep.diagnostics);
    }
    const abs = path.resolve(path.dirname(cur.abs), ref);
    const root = reader.root();
    if (path.isAbsolute(ref) || !isInside(root, abs)) {
      rep.report(D.ExtendsOutsideRepo, '/extends', { ref, path: reader.display(abs) });
      return fail(rep.diagnostics);
    }
    const seen = layers.findIndex((l) => l.abs === abs);
    if (seen >= 0) {
      const chain = [...layers.slice(seen), { abs }].map((l) => reader.display(l.abs));
      rep.report(D.ExtendsCycle, '/extends', { chain: chain.join(' -> ') });
      return fail(rep.diagnostics);
    }
    const got = await reader.read(abs);
    if (!('bytes' in got)) {
      reportReadProblem(rep, '/extends', 'extends', ref, reader.display(abs), got);
      return fail(rep.diagnostics);
    }
    const parsed = parseSpec(reader.display(abs), got.bytes);
    diagnostics.push(...parsed.diagnostics);
    if (!parsed.raw || hasErrors(parsed.diagnostics)) {
      if (parsed.source) layers.push({ data: {}, source: parsed.source, abs });
      return fail([]);
    }
    layers.push({ data: parsed.raw.data, source: parsed.raw.source, abs });
  }
  let data: unknown = {};
  for (let i = layers.length - 1; i >= 0; i--) data = mergeSpec(data, layers[i]!.data);
  return { data, source: new LayeredSourceIndex(layers), diagnostics };
}

/** Reads bases from the working tree, inside the repository only (src/specfiles.ts). No git command is run. */
export function fsReader(specDir: string, cwd = process.cwd()): SpecReader {
  let root: string | undefined;
  return {
    root: () => (root ??= repositoryRoot(specDir)),
    // Synchronous: a spec is a few KB, and the thread pool's round trips cost more than the
    // reads (npm run bench).
    read: async (abs) => readInside(abs, (root ??= repositoryRoot(specDir))),
    display: (abs) => displayPath(abs, cwd),
  };
}
