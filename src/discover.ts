/**
 * Which files a run compiles. A folder holds more YAML than specs (CI configs, a
 * `.pre-commit-config.yaml`, kspec's own output, bases for `extends`), so a folder search
 * takes only the documents that say they are specs: `apiVersion: kspec.dev/*` and
 * `kind: KernelSpec` at the top level, either in the file or through its `extends` chain
 * (a spec that extends a base may leave both to the base). Everything else is skipped,
 * with a reason that `--verbose` prints.
 *
 * - A base reached through `extends` is never compiled on its own: it is checked in the
 *   merge of every spec that extends it.
 * - The output folder, hidden folders and `node_modules` are never searched; symbolic
 *   links are not followed, and only regular files are read (a FIFO would block).
 * - `--exclude <pattern>` (relative to the working folder) and a `.kspecignore` file at
 *   the repository root (the git top level; outside git, the folder searched), both in
 *   gitignore syntax (the `ignore` library, which implements git's rules), leave out the
 *   rest. An excluded folder is not entered.
 * - A file named on the command line is taken as it is (unless it is a base of another
 *   spec of the run); `-` (stdin) passes through.
 *
 * Sniffing reads at most MAX_SPEC_BYTES of a file and never parses it in full: the top
 * level of a block mapping is scanned line by line, and only a document that is not laid
 * out that way (flow style, quoted keys) goes to the YAML parser, on the same bounded bytes,
 * without expanding aliases.
 */
import { closeSync, constants, fstatSync, openSync, readdirSync, readSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { MAX_DEPTH, MAX_SPEC_BYTES, MAX_VALUES } from './parse.js';
import { fastParseAhead, Kind } from './yamltree.js';
import { displayPath, gitTopLevel, realish, STDIN_ARG, toPosix } from './paths.js';

/** What a spec file is named like. */
export const SPEC_FILE = /\.ya?ml$/;
/** Folders never searched for specs: hidden ones and node_modules. */
export const skippedFolder = (name: string): boolean => name.startsWith('.') || name === 'node_modules';
/** The ignore file read at the repository root. */
export const IGNORE_FILE = '.kspecignore';
/** How many bases deep the sniffer follows `extends` (the compiler reports cycles itself). */
const MAX_CHAIN = 32;

export class UsageError extends Error {}

export interface Skipped {
  /** As shown to users: relative to the working folder, POSIX; a folder ends with '/'. */
  path: string;
  reason: string;
}

export interface Discovery {
  /** The files to compile, in order: sorted per folder, inputs in the order given. */
  specs: string[];
  skipped: Skipped[];
}

export interface DiscoverOptions {
  /** The output folder: never searched. */
  out?: string;
  /** gitignore-style patterns, relative to the working folder. */
  exclude?: string[];
  cwd?: string;
}

/** The top-level keys discovery looks at, as sniffed. */
export interface Sniffed {
  apiVersion?: string;
  kind?: string;
  extends?: string;
  /** Why the file is not a spec when it is not even a mapping. */
  notMapping?: string;
}

// ---- sniffing -------------------------------------------------------------------------

const KEY_LINE = /^([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:(?:[ \t]+(.*))?$/;
const WANTED = new Set(['apiVersion', 'kind', 'extends']);

/** A plain or quoted scalar on one line, without its comment; undefined for anything else. */
function scalarText(raw: string | undefined): string | undefined {
  const v = (raw ?? '').trim();
  if (v === '' || v.startsWith('#')) return undefined;
  if (v.startsWith('"')) {
    const m = /^"((?:[^"\\]|\\.)*)"\s*(#.*)?$/.exec(v);
    if (!m) return undefined;
    try {
      return JSON.parse(`"${m[1]}"`) as string;
    } catch {
      return undefined;
    }
  }
  if (v.startsWith("'")) {
    const m = /^'((?:[^']|'')*)'\s*(#.*)?$/.exec(v);
    return m ? m[1]!.replace(/''/g, "'") : undefined;
  }
  if (/^[[{&*!|>%@`]/.test(v)) return undefined;
  return v.replace(/\s+#.*$/, '').trim();
}

/**
 * The top-level apiVersion, kind and extends of the first YAML document in `text`: a
 * line scan for block mappings, the fast reader (no alias expansion) for anything else
 * (sniffParsed), never the YAML parser.
 */
export function sniff(text: string): Sniffed {
  const t = text.replace(/^\uFEFF/, '');
  return sniffByRegExp(t) ?? sniffLines(t, false);
}

/**
 * A top-level line that is not KEY_LINE (nor empty, indented or a comment), in a text
 * without CR, U+2028 or U+2029 (the other line terminators of a RegExp's ^ and $ in `m`
 * mode, and of its `.`): document markers are among them.
 */
const NOT_KEY_LINE = /^(?![ \t#\n]|$)(?![A-Za-z_][A-Za-z0-9_-]*[ \t]*:(?:[ \t]+.*)?$)/m;
const TOP_LEVEL_LINE = /^[^ \t#\n]/m;
const WANTED_LINE = /^(apiVersion|kind|extends)[ \t]*:(?:[ \t]+(.*))?$/gm;

/**
 * sniffLines for a text whose every top-level line is a key line (the usual spec, and the
 * 1 MiB ones of 50,000 top-level keys: ~40 ms of a JavaScript loop over the lines, a few
 * ms in the RegExp engine; issue 11.4). Undefined when the text holds any other top-level
 * line or a CR, U+2028 or U+2029: sniffLines reads it.
 */
function sniffByRegExp(t: string): Sniffed | undefined {
  if (/[\r\u2028\u2029]/.test(t) || NOT_KEY_LINE.test(t)) return undefined;
  if (!TOP_LEVEL_LINE.test(t)) return { notMapping: 'empty, or only comments' };
  const out: Sniffed = {};
  WANTED_LINE.lastIndex = 0;
  for (let m = WANTED_LINE.exec(t); m; m = WANTED_LINE.exec(t)) {
    const value = scalarText(m[2]);
    if (value !== undefined) out[m[1] as 'apiVersion' | 'kind' | 'extends'] ??= value;
  }
  return out;
}

/**
 * sniff's line scan of `t` (without a BOM). `lenient`: lines that are not `key: value` at
 * the top level are skipped instead of handing the text to sniffParsed (for a text the fast
 * reader gave up on).
 */
function sniffLines(t: string, lenient: boolean): Sniffed {
  const out: Sniffed = {};
  let started = false;
  // Line by line without splitting the text or cutting out a line per key: a 1 MiB spec
  // of 50,000 top-level keys cost ~40-100 ms split and matched line by line (issue 11.4).
  for (let start = 0; start <= t.length; ) {
    let end = t.indexOf('\n', start);
    if (end < 0) end = t.length;
    const from = start;
    start = end + 1;
    if (end > from && t.charCodeAt(end - 1) === 0x0d) end--;
    const first = t.charCodeAt(from);
    // Empty, indented, or a comment: not a top-level key.
    if (from === end || first === 0x20 || first === 0x09 || first === 0x23) continue;
    if (first === 0x2d || first === 0x2e) {
      const line = t.slice(from, end);
      if (/^---(\s|$)/.test(line)) {
        if (started) break;
        started = true;
        if (line.slice(3).trim() === '' || line.slice(3).trim().startsWith('#') || lenient) continue;
        return sniffParsed(t);
      }
      if (/^\.\.\.(\s|$)/.test(line)) break;
    }
    const m = keyLine(t, from, end);
    if (!m && lenient) continue;
    if (!m) return sniffParsed(t);
    started = true;
    if (!m.wanted) continue;
    const value = scalarText(m.value);
    if (value !== undefined) out[m.wanted] ??= value;
  }
  if (!started) return { notMapping: lenient ? 'no `key: value` line at its top level' : 'empty, or only comments' };
  return out;
}

const isKeyStart = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
const isKeyChar = (c: number): boolean => isKeyStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d;

/**
 * KEY_LINE on the line t[from, end), without cutting out a line whose key is not wanted:
 * null when it does not match, else the key when it is one of WANTED and KEY_LINE's text
 * after the colon (its m[2]).
 */
function keyLine(t: string, from: number, end: number): { wanted: 'apiVersion' | 'kind' | 'extends' | undefined; value: string | undefined } | null {
  if (!isKeyStart(t.charCodeAt(from))) return null;
  let i = from + 1;
  while (i < end && isKeyChar(t.charCodeAt(i))) i++;
  const keyLength = i - from;
  if (keyLength === 4 || keyLength === 7 || keyLength === 10) {
    const key = t.slice(from, i);
    if (WANTED.has(key)) {
      const m = KEY_LINE.exec(t.slice(from, end));
      return m ? { wanted: key as 'apiVersion' | 'kind' | 'extends', value: m[2] } : null;
    }
  }
  // The rest of KEY_LINE: [ \t]*:(?:[ \t]+(.*))?$, where `.` is no line terminator.
  while (i < end && (t.charCodeAt(i) === 0x20 || t.charCodeAt(i) === 0x09)) i++;
  if (i >= end || t.charCodeAt(i) !== 0x3a) return null;
  i++;
  if (i === end) return { wanted: undefined, value: undefined };
  if (t.charCodeAt(i) !== 0x20 && t.charCodeAt(i) !== 0x09) return null;
  for (; i < end; i++) {
    const c = t.charCodeAt(i);
    if (c === 0x0d || c === 0x2028 || c === 0x2029) return null;
  }
  return { wanted: undefined, value: undefined };
}

/**
 * sniff for documents that are not a plain block mapping: the fast reader of
 * src/yamltree.ts when it reads the text (it gives the tree yaml would, aliases
 * unexpanded), else the top-level `key: value` lines alone; never yaml, which costs
 * 2-10 µs a byte (issue 11, must-have 4). A text of more values than a spec may hold is
 * not one.
 */
function sniffParsed(t: string): Sniffed {
  // Past the limit of values a spec is refused (KS1016) before anything is built: yaml's
  // Document of 1 MiB of `[1,1,...` took 3.8 s and 570 MB here.
  const fast = fastParseAhead(t, MAX_VALUES, MAX_DEPTH);
  if ('tooMany' in fast) return { notMapping: `more than ${MAX_VALUES.toLocaleString('en-US')} values (a spec holds at most that many)` };
  if ('root' in fast) {
    const root = fast.root;
    if (root.kind !== Kind.Map) return { notMapping: 'not a YAML mapping' };
    const out: Sniffed = {};
    const keys = root.keys!;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      if (!k || k.kind !== Kind.Scalar || !WANTED.has(String(k.value))) continue;
      const key = String(k.value) as 'apiVersion' | 'kind' | 'extends';
      const v = root.items![i];
      if (v && v.kind === Kind.Scalar && typeof v.value === 'string') out[key] ??= v.value;
    }
    return out;
  }
  // What the fast reader gives up on is never read by yaml here: yaml costs 2-10 µs a byte,
  // and parse reads such a spec with yaml (up to MAX_FULL_PARSE_BYTES, refusing a larger
  // one with KS1018). Its top-level `key: value` lines decide.
  return sniffLines(t, true);
}

const isKspecApi = (v: string | undefined): boolean => v !== undefined && v.startsWith('kspec.dev/');

/** Why sniffed keys are not a spec, or undefined when they are. */
function notASpec(s: Sniffed): string | undefined {
  if (s.notMapping) return s.notMapping;
  if (s.apiVersion === undefined) return 'no apiVersion (a spec has apiVersion: kspec.dev/v1alpha1)';
  if (!isKspecApi(s.apiVersion)) return `apiVersion is '${s.apiVersion}', not kspec.dev/*`;
  if (s.kind === undefined) return 'no kind (a spec has kind: KernelSpec)';
  if (s.kind !== 'KernelSpec') return `kind is '${s.kind}', not KernelSpec`;
  return undefined;
}

// ---- reading --------------------------------------------------------------------------

type ReadResult = { bytes: Uint8Array } | { reason: string };

/**
 * At most `limit` bytes of a regular file, without following a symlink at the last
 * component and without blocking on a FIFO (opened non-blocking, refused after fstat).
 */
export function readBounded(abs: string, limit = MAX_SPEC_BYTES): ReadResult {
  let fd: number;
  try {
    fd = openSync(abs, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { reason: code === 'ELOOP' ? 'a symbolic link, not followed' : `cannot be read (${code ?? (e as Error).message})` };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { reason: 'not a regular file' };
    // The file's size, up to the limit (a zeroed 1 MiB buffer per spec was a sixth of a
    // 1,000-spec run); a file that grows after fstat is read as far as that size.
    const size = Math.min(st.size, limit);
    const buf = Buffer.allocUnsafe(size);
    let n = 0;
    for (let r; n < size && (r = readSync(fd, buf, n, size - n, null)) > 0; ) n += r;
    return { bytes: buf.subarray(0, n) };
  } catch (e) {
    return { reason: `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
  } finally {
    closeSync(fd);
  }
}

const decoder = new TextDecoder('utf-8', { fatal: false });

/** Where bases are read from while classifying: the working tree, or a git ref (kspec diff). */
export interface BaseSource {
  /** The bytes of a file (bounded), or why it cannot be used. */
  read(abs: string): Promise<ReadResult>;
  /** The folder no base may leave, for a spec at `abs`. */
  root(abs: string): string;
}

const isInside = (parent: string, child: string): boolean => {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

/** The working tree as a BaseSource: bases inside the root, symlinks resolved and kept inside it. */
export function fsBaseSource(fallbackRoot: (abs: string) => string = path.dirname): BaseSource {
  const realRoots = new Map<string, string>();
  const rootOf = (abs: string): string => gitTopLevel(path.dirname(abs)) ?? fallbackRoot(abs);
  return {
    root: rootOf,
    async read(abs) {
      const root = rootOf(abs);
      let real: string, realRoot: string;
      try {
        real = realpathSync(abs);
        realRoot = realRoots.get(root) ?? realpathSync(root);
        realRoots.set(root, realRoot);
      } catch {
        return { reason: 'missing' };
      }
      if (!isInside(realRoot, real)) return { reason: 'outside the repository' };
      return readBounded(real);
    },
  };
}

interface Candidate {
  abs: string;
  explicit: boolean;
}

/**
 * Sorts candidates into specs and skipped files. A candidate is a spec when its own
 * apiVersion and kind say so, or when it has an `extends` and its chain supplies what it
 * lacks (the child's values win, as in the merge). A chain that cannot be followed (a
 * missing base, a cycle, a base outside the repository) keeps a candidate whose `extends`
 * names a YAML file, so that the compiler reports the broken `extends` where it stands.
 * Every base reached from a spec is then dropped from the specs.
 */
export async function classify(candidates: Candidate[], source: BaseSource, show: (abs: string) => string): Promise<Discovery> {
  const cache = new Map<string, Promise<Sniffed | { reason: string }>>();
  const sniffAt = (abs: string, bytes?: Uint8Array): Promise<Sniffed | { reason: string }> => {
    let p = cache.get(abs);
    if (!p) {
      p = (async () => {
        const r = bytes ? { bytes } : await source.read(abs);
        return 'reason' in r ? r : sniff(decoder.decode(r.bytes));
      })();
      cache.set(abs, p);
    }
    return p;
  };

  /** The chain of bases below `abs` (absolute paths), whether it was followed to its end, and the merged keys. */
  const chainOf = async (abs: string, own: Sniffed): Promise<{ bases: string[]; complete: boolean; merged: Sniffed }> => {
    const bases: string[] = [];
    const merged: Sniffed = { apiVersion: own.apiVersion, kind: own.kind };
    let cur = abs;
    let ext = own.extends;
    const root = source.root(abs);
    while (ext !== undefined) {
      if (path.isAbsolute(ext) || bases.length >= MAX_CHAIN) return { bases, complete: false, merged };
      const next = path.resolve(path.dirname(cur), ext);
      if (!isInside(root, next) || next === abs || bases.includes(next)) return { bases, complete: false, merged };
      bases.push(next);
      const s = await sniffAt(next);
      if ('reason' in s || s.notMapping) return { bases, complete: false, merged };
      merged.apiVersion ??= s.apiVersion;
      merged.kind ??= s.kind;
      cur = next;
      ext = s.extends;
    }
    return { bases, complete: true, merged };
  };

  const taken: Array<{ abs: string; bases: string[] }> = [];
  const skipped: Array<{ abs: string; reason: string }> = [];
  for (const c of candidates) {
    const r = await source.read(c.abs);
    if ('reason' in r) {
      if (c.explicit) taken.push({ abs: c.abs, bases: [] });
      else skipped.push({ abs: c.abs, reason: r.reason });
      continue;
    }
    const own = (await sniffAt(c.abs, r.bytes)) as Sniffed;
    const chain = own.notMapping || own.extends === undefined ? { bases: [], complete: true, merged: own } : await chainOf(c.abs, own);
    const why = notASpec(chain.merged);
    const brokenChain = !chain.complete && own.extends !== undefined && SPEC_FILE.test(own.extends);
    if (c.explicit || why === undefined || brokenChain) taken.push({ abs: c.abs, bases: chain.bases });
    else skipped.push({ abs: c.abs, reason: own.extends !== undefined && why !== own.notMapping ? `${why}, with its bases (extends)` : why });
  }

  const baseOf = new Map<string, string>();
  for (const t of taken) for (const b of t.bases) if (!baseOf.has(b)) baseOf.set(b, t.abs);
  const specs: string[] = [];
  for (const t of taken) {
    const child = baseOf.get(t.abs);
    if (child === undefined || child === t.abs) specs.push(t.abs);
    else skipped.push({ abs: t.abs, reason: `a base of ${show(child)} (extends): checked in that merge, not compiled on its own` });
  }
  return { specs, skipped: skipped.map((s) => ({ path: show(s.abs), reason: s.reason })) };
}

// ---- exclusion ------------------------------------------------------------------------

/** Decides whether a path (file, or folder with isDir) is excluded, and by which rule. */
export class Excluder {
  private readonly cli: Ignore;
  private readonly roots = new Map<string, { rules: Ignore; file: string } | null>();

  constructor(
    private readonly patterns: readonly string[],
    private readonly cwd: string,
  ) {
    this.cli = ignore().add(patterns.map((p) => ({ pattern: p, mark: p })));
  }

  /** The .kspecignore rules at `root`, read once (bounded, regular file, no symlink). */
  private rootRules(root: string): { rules: Ignore; file: string } | null {
    let r = this.roots.get(root);
    if (r === undefined) {
      r = null;
      const file = path.join(root, IGNORE_FILE);
      const read = readBounded(file, 256 * 1024);
      if ('bytes' in read) {
        const lines = decoder.decode(read.bytes).split(/\r?\n/);
        r = { rules: ignore().add(lines.map((pattern, i) => ({ pattern, mark: String(i + 1) }))), file };
      }
      this.roots.set(root, r);
    }
    return r;
  }

  /** Why `abs` is excluded, or undefined. `root`: where the .kspecignore applies. */
  reason(abs: string, isDir: boolean, root: string): string | undefined {
    const suffix = isDir ? '/' : '';
    if (this.patterns.length > 0) {
      const rel = toPosix(path.relative(this.cwd, abs));
      if (rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)) {
        const t = this.cli.test(rel + suffix);
        if (t.ignored) return `excluded by --exclude '${t.rule!.mark ?? t.rule!.pattern}'`;
      }
    }
    const rules = this.rootRules(root);
    if (rules) {
      const rel = toPosix(path.relative(root, abs));
      if (rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)) {
        const t = rules.rules.test(rel + suffix);
        if (t.ignored) return `excluded by ${displayPath(rules.file, this.cwd)}:${t.rule!.mark} '${t.rule!.pattern}'`;
      }
    }
    return undefined;
  }
}


// ---- the search -----------------------------------------------------------------------

/**
 * The specs named by `inputs` (files, folders, `-`), and what was skipped. Throws a
 * UsageError for an input that does not exist.
 */
export async function discoverSpecs(inputs: string[], opts: DiscoverOptions = {}): Promise<Discovery> {
  const cwd = opts.cwd ?? process.cwd();
  const show = (abs: string): string => displayPath(abs, cwd);
  const outReal = opts.out !== undefined ? realish(path.resolve(cwd, opts.out)) : undefined;
  const excluder = new Excluder(opts.exclude ?? [], cwd);
  const candidates: Candidate[] = [];
  const seen = new Set<string>();
  const skipped: Skipped[] = [];
  const stdin: string[] = [];
  const skip = (abs: string, isDir: boolean, reason: string): void => {
    skipped.push({ path: show(abs) + (isDir ? '/' : ''), reason });
  };
  /** Folder searches bound their bases and .kspecignore by the git top level, else by the folder searched. */
  const searchRoots = new Map<string, string>();

  const walk = (dir: string, real: string, root: string): void => {
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = path.join(dir, e.name);
      const pReal = path.join(real, e.name);
      if (e.isDirectory()) {
        if (skippedFolder(e.name)) skip(p, true, e.name === 'node_modules' ? 'node_modules is not searched' : 'hidden folders are not searched');
        else if (outReal !== undefined && pReal === outReal) skip(p, true, 'the output folder is not searched');
        else {
          const why = excluder.reason(p, true, root);
          if (why) skip(p, true, why);
          else walk(p, pReal, root);
        }
        continue;
      }
      if (!SPEC_FILE.test(e.name)) continue;
      if (e.isSymbolicLink()) skip(p, false, 'a symbolic link, not followed');
      else if (!e.isFile()) skip(p, false, 'not a regular file');
      else {
        const why = excluder.reason(p, false, root);
        if (why) skip(p, false, why);
        else if (!seen.has(p)) {
          seen.add(p);
          candidates.push({ abs: p, explicit: false });
        }
      }
    }
  };

  for (const input of inputs) {
    if (input === STDIN_ARG) {
      stdin.push(input);
      continue;
    }
    const abs = path.resolve(cwd, input);
    let st;
    try {
      st = statSync(abs);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new UsageError(`cannot read '${input}': ${code === 'ENOENT' ? 'no such file or folder' : (code ?? (e as Error).message)}`);
    }
    if (!st.isDirectory()) {
      if (!seen.has(abs)) {
        seen.add(abs);
        candidates.push({ abs, explicit: true });
      }
      continue;
    }
    const real = realpathSync(abs);
    if (outReal !== undefined && isInside(outReal, real)) {
      skip(abs, true, 'the output folder is not searched');
      continue;
    }
    const root = gitTopLevel(real) ?? real;
    searchRoots.set(real, root);
    walk(abs, real, root);
  }

  // Bases of a folder search stay below its root; a file named directly: its git top level or folder.
  const source = fsBaseSource((abs) => {
    for (const [real, root] of searchRoots) if (isInside(real, abs)) return root;
    return path.dirname(abs);
  });
  const found = await classify(candidates, source, show);
  return { specs: [...stdin, ...found.specs], skipped: [...skipped, ...found.skipped] };
}

/** Prints what was skipped and why, one line each on stderr (`--verbose`). */
export function printSkipped(skipped: readonly Skipped[]): void {
  for (const s of skipped) process.stderr.write(`kspec: skipped ${s.path}: ${s.reason}\n`);
}
