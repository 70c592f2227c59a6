/**
 * The light YAML tree that parse.ts analyses and locates pointers in, and the fast reader
 * that builds it straight from the text for the plain subset of YAML that specs are
 * written in (issue 11, must-have 4).
 *
 * yaml's Lexer, Parser and Composer cost ~10-20 µs a value (a 1 MiB spec of 100,000 values
 * took ~1.5 s of CPU before any check ran). The fast reader walks the text once, line by
 * line, and builds one small object per value with its offset, anchor and alias target:
 * ~1 µs a value. It reads block mappings and sequences (compact and indentless ones too),
 * single-line plain, single- and double-quoted scalars (over several lines in block
 * context), flow collections,
 * block scalars (`|`, `>`, with chomping; their value resolved by yaml's own code),
 * tags on scalars and keys (`!!str`, `!`, local `!x`, and the core `!!int`, `!!bool`,
 * `!!null`, `!!float`; `!!seq`/`!!map` on a flow collection), explicit keys (`? key` on one
 * line, `: value` below), anchors, aliases and comments, plain scalars and flow collections
 * over several lines, quoted scalars over several lines (blank lines included), tabs as
 * in-line white space, with LF or CRLF line ends. It gives up (returns undefined) on
 * anything else (quoted keys over several lines, quoted scalars over several lines with a
 * tab, CR or escaped line break in them, plain scalars over several lines in a flow
 * collection, other tags, other explicit keys, directives, a second document,
 * a tab in indentation, a lone CR, control characters, any syntax error...), and parse.ts then
 * parses with yaml, whose tree `fromDocument` turns into the same light tree. Every
 * diagnostic therefore comes from one analysis of one kind of tree, and every text the
 * fast reader accepts gives the tree yaml would give (test/yamltree.test.ts compares them).
 */
import { CST, isAlias, isMap, isScalar, isSeq, Schema } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';

export enum Kind {
  Scalar = 0,
  Map = 1,
  Seq = 2,
  Alias = 3,
}

/**
 * One node: a scalar (value), a mapping (keys + items), a sequence (items) or an alias.
 * A scalar is an LNode of four fields and nothing more (its data is its value, its size
 * 1: parse.ts's analysis writes nothing on it); a mapping, sequence or alias is an
 * LBranch, which adds the content, the alias's node and the analysis's state. A 1 MiB spec
 * holds ~100,000 scalars that live through the whole parse: half the bytes each is half
 * the young-generation copying the GC does for them.
 */
export class LNode {
  anchor: string | undefined = undefined;
  /** A scalar's value as yaml resolves it; an alias's anchor name. */
  value: unknown = undefined;
  /** A mapping's keys (null: no key), parallel to items (LBranch only). */
  declare keys: Array<LNode | null> | undefined;
  /** A mapping's values or a sequence's items (null: no node) (LBranch only). */
  declare items: Array<LNode | null> | undefined;
  /** An alias's node: the last node before it (document order) with its anchor (LBranch only). */
  declare target: LNode | undefined;
  /** For parse.ts's analysis (LBranch only): 0 not reached, 1 open (its content being walked), 2 closed. */
  declare state: number;
  /** Once closed (LBranch only): the plain data, and what expanding it costs (nodes, alias expansions). */
  declare data: unknown;
  declare size: number;
  declare expansions: number;
  constructor(
    readonly kind: Kind,
    /** Offset of the node in the text (as yaml's range[0]). */
    readonly offset: number,
  ) {}
}

/** A mapping, a sequence or an alias: a node with content or a target, and analysis state. */
export class LBranch extends LNode {
  override keys: Array<LNode | null> | undefined = undefined;
  override items: Array<LNode | null> | undefined = undefined;
  override target: LNode | undefined = undefined;
  override state = 0;
  override data: unknown = undefined;
  override size = 1;
  override expansions = 0;
}

/** yaml's Node tree (a composed document) as a light tree, aliases resolved as yaml resolves them. */
export function fromDocument(doc: Document.Parsed): LNode | null {
  const anchors = new Map<string, LNode>();
  const convert = (node: unknown): LNode | null => {
    if (node === null || node === undefined) return null;
    const n = node as YamlNode;
    const offset = n.range?.[0] ?? 0;
    if (isAlias(n)) {
      const l = new LBranch(Kind.Alias, offset);
      l.value = n.source;
      l.target = anchors.get(n.source);
      return l;
    }
    let l: LNode;
    if (isScalar(n)) {
      l = new LNode(Kind.Scalar, offset);
      l.value = n.value;
    } else if (isMap(n)) l = new LBranch(Kind.Map, offset);
    else if (isSeq(n)) l = new LBranch(Kind.Seq, offset);
    else return null;
    if (n.anchor) {
      l.anchor = n.anchor;
      anchors.set(n.anchor, l);
    }
    if (isMap(n)) {
      l.keys = [];
      l.items = [];
      for (const pair of n.items) {
        l.keys.push(convert(pair.key));
        l.items.push(convert(pair.value));
      }
    } else if (isSeq(n)) {
      l.items = n.items.map(convert);
    }
    return l;
  };
  return convert(doc.contents);
}

// ---------------------------------------------------------------- the fast reader

/** Thrown inside the reader to give up; caught in fastParse. */
const GIVE_UP = { giveUp: true };

type Resolve = (s: string, onError: (msg: string) => void, options: object) => unknown;
const CORE_TAGS = new Schema({}).tags
  .filter((t) => t.default === true && t.test && !t.collection)
  .map((t) => ({ test: t.test!, resolve: t.resolve as unknown as Resolve }));
const MAY_RESOLVE: boolean[] = [];
for (const c of '~nNtTfF.+-0123456789') MAY_RESOLVE[c.charCodeAt(0)] = true;
/** A plain scalar's value as yaml's core schema resolves it (compose-scalar's findScalarTagByTest). */
function resolvePlain(s: string): unknown {
  // Every core tag's pattern starts with one of ~ n N t T f F . + - or a digit (or is empty).
  if (s.length > 0 && !MAY_RESOLVE[s.charCodeAt(0)]) return s;
  // The commonest, answered as the core schema answers them without trying its tags in
  // turn (a bool or float tag builds a yaml Scalar per value): decimal digits are its
  // `int` (null, bool and octal fail first; resolved by parseInt), then the words of its
  // `null` and `bool`.
  if (allDigits(s)) return parseInt(s, 10);
  switch (s) {
    case '':
    case '~':
    case 'null':
    case 'Null':
    case 'NULL':
      return null;
    case 'true':
    case 'True':
    case 'TRUE':
      return true;
    case 'false':
    case 'False':
    case 'FALSE':
      return false;
  }
  for (const tag of CORE_TAGS) {
    if (tag.test.test(s)) {
      let failed = false;
      const v = tag.resolve(s, () => (failed = true), {});
      if (failed) throw GIVE_UP;
      // A float resolves to a Scalar (keeping its format); compose-scalar takes its value.
      return isScalar(v) ? v.value : v;
    }
  }
  return s;
}

/** Whether `s` is one or more decimal digits (yaml's core `int` without a sign). */
function allDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** yaml's core schema tags, in its order (compose-scalar's findScalarTagByName walks them). */
const SCHEMA_TAGS = new Schema({}).tags;
const CORE_PREFIX = 'tag:yaml.org,2002:';

type SchemaTag = (typeof SCHEMA_TAGS)[number];
/** What findScalarTagByName walks for `!!name`: the tags with a test before the first without one (which ends the walk). */
interface TagsNamed {
  withTest: SchemaTag[];
  tag: SchemaTag | undefined;
}
/** tagsNamed's answers, by name: worked out once per name, not once per tagged scalar (50,000 `!!str` values walked the schema's tags each). */
const TAGS_NAMED = new Map<string, TagsNamed>();
function tagsNamed(name: string): TagsNamed {
  let found = TAGS_NAMED.get(name);
  if (found) return found;
  const tagName = CORE_PREFIX + name;
  found = { withTest: [], tag: undefined };
  for (const t of SCHEMA_TAGS) {
    if (t.collection || t.tag !== tagName) continue;
    if (t.default && t.test) found.withTest.push(t);
    else {
      found.tag = t;
      break;
    }
  }
  // Names come from specs: only the core schema's few are kept (any other gives up anyway).
  if (found.tag || found.withTest.length > 0) TAGS_NAMED.set(name, found);
  return found;
}

/**
 * The value of a scalar of text `value` (quotes resolved) under the core tag `!!name`, as
 * yaml's findScalarTagByName and the tag's resolve give it: the tag itself when it has no
 * test (`!!str`), else the first of its kind whose test the text passes (`!!int 0x1F` is
 * the hexadecimal int). A text no tag of its name accepts (`!!int x`: yaml warns and keeps
 * a string), a tag the core schema lacks and a collection tag are yaml's (GIVE_UP).
 */
function resolveCoreTag(name: string, value: string): unknown {
  const byName = tagsNamed(name);
  let tag = byName.tag;
  if (!tag) for (let i = 0; i < byName.withTest.length && !tag; i++) if (byName.withTest[i]!.test!.test(value)) tag = byName.withTest[i];
  if (!tag) throw GIVE_UP;
  let failed = false;
  let v: unknown;
  try {
    v = (tag.resolve as unknown as Resolve)(value, () => (failed = true), {});
  } catch {
    throw GIVE_UP;
  }
  if (failed) throw GIVE_UP;
  return isScalar(v) ? v.value : v;
}

const SP = 0x20;
const TAB = 0x09;
/** In-line white space: a space or a tab (tabs are never indentation). */
const isWs = (c: number): boolean => c === SP || c === TAB;
/** After an indicator (- ? :): white space or the end of the line. */
const isSep = (c: number): boolean => c === SP || c === TAB || c === NL;
const NL = 0x0a;
const CR = 0x0d;
const HASH = 0x23;
const COLON = 0x3a;
const DASH = 0x2d;
const PIPE = 0x7c;
const GT = 0x3e;
/** Flow indicators: , [ ] { } */
const isFlowInd = (c: number): boolean => c === 0x2c || c === 0x5b || c === 0x5d || c === 0x7b || c === 0x7d;
/** Characters a plain scalar cannot start with (besides - ? : followed by a space). */
const BAD_PLAIN_START = new Set([...',[]{}#&*!|>\'"%@`'].map((c) => c.charCodeAt(0)));

/** Characters of a tag's name read here: letters, digits, `-`. */
const isTagChar = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === DASH;

export interface FastResult {
  root: LNode;
  /** Line starts, as yaml's LineCounter records them. */
  lineStarts: number[];
}

/**
 * Where the reader gave up: the start of a collection nested past maxDepth (`deep`), else
 * the start of the line it was reading or the first character it leaves to yaml.
 */
export interface GaveUp {
  gaveUp: number;
  deep: boolean;
}

/** What the reader made of a text: its tree, the first value past the limit, or where it gave up. */
export type FastRead = FastResult | { tooMany: number } | GaveUp;

/**
 * The light tree of `text`, or `{ tooMany: offset }` at the first value past `maxValues`
 * (counted as parse.ts counts them on yaml's lexemes: scalars, aliases, flow collections),
 * or undefined when the text is not in the subset read here (fastRead says where).
 */
export function fastParse(text: string, maxValues: number, maxDepth: number): FastResult | { tooMany: number } | undefined {
  const r = fastRead(text, maxValues, maxDepth);
  return 'gaveUp' in r ? undefined : r;
}

/** fastParse, with where it gave up instead of undefined. */
export function fastRead(text: string, maxValues: number, maxDepth: number): FastRead {
  // Characters whose handling the reader leaves to yaml.
  // (CR only before LF: a CRLF line end is read as one.)
  const other = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x85\u2028\u2029\ufeff]|\r(?!\n)/.exec(text);
  if (other) return { gaveUp: other.index, deep: false };
  const r = new Reader(text, maxValues, maxDepth);
  try {
    const root = r.document();
    if (!root) return { gaveUp: r.lineStart, deep: false };
    const lineStarts = [0];
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
    return { root, lineStarts };
  } catch (e) {
    if (e === GIVE_UP) return { gaveUp: r.deepAt ?? r.lineStart, deep: r.deepAt !== undefined };
    if (e instanceof TooMany) return { tooMany: e.offset };
    throw e;
  }
}

/** What fastParseAhead read, for one later identical call (fastParseOnce). */
let ahead: { text: string; maxValues: number; maxDepth: number; result: FastRead } | undefined;

/**
 * fastRead, its result kept for the next fastParseOnce of the same text and limits:
 * discovery's sniff reads a spec whose top level its line scan cannot just before
 * parseSpec reads it, and a 1 MiB spec read twice cost ~0.1 s more. One result is kept,
 * and handed out once (parse.ts's analysis then writes its state on the nodes).
 */
export function fastParseAhead(text: string, maxValues: number, maxDepth: number): FastRead {
  const result = fastRead(text, maxValues, maxDepth);
  ahead = { text, maxValues, maxDepth, result };
  return result;
}

/** The result fastParseAhead kept for this very call, once; else fastRead's. */
export function fastParseOnce(text: string, maxValues: number, maxDepth: number): FastRead {
  const a = ahead;
  ahead = undefined;
  if (a && a.maxValues === maxValues && a.maxDepth === maxDepth && a.text === text) return a.result;
  return fastRead(text, maxValues, maxDepth);
}

class TooMany {
  constructor(readonly offset: number) {}
}

class Reader {
  private readonly n: number;
  /** Start of the current line. */
  private line = 0;
  /** Where a collection past maxDepth starts, when that is why the reader gave up. */
  deepAt: number | undefined;
  /** Start of the line being read (where a reading that gave up stopped). */
  get lineStart(): number {
    return this.line;
  }

  /** Gives up on a collection at `p` past maxDepth, noting where. */
  private tooDeep(p: number): never {
    this.deepAt = p;
    throw GIVE_UP;
  }
  private values = 0;
  /**
   * Where the value a method just read ends (the methods that read a value return its
   * node and leave its end here: no result object per value).
   */
  private end = 0;
  /** Whether a comment followed the line plainLine just read. */
  private comment = false;
  private readonly anchors = new Map<string, LNode>();
  /** Whether the text holds a tab at all (block scalars look for one in each line). */
  private readonly hasTab: boolean;

  constructor(
    private readonly s: string,
    private readonly maxValues: number,
    private readonly maxDepth: number,
  ) {
    this.n = s.length;
    this.hasTab = s.includes('\t');
  }

  /** The character at `i`, NL past the end and for the CR of a CRLF. */
  private c(i: number): number {
    if (i >= this.n) return NL;
    const ch = this.s.charCodeAt(i);
    return ch === CR ? NL : ch;
  }

  private count(offset: number): void {
    if (++this.values > this.maxValues) throw new TooMany(offset);
  }

  private eol(i: number): number {
    const e = this.s.indexOf('\n', i);
    return e < 0 ? this.n : e;
  }

  /**
   * From the start of a line: skips blank and comment lines; returns the first content
   * position (this.line set to its line) or -1 at the end of the text.
   */
  private nextContent(): number {
    for (;;) {
      if (this.line >= this.n) return -1;
      let i = this.line;
      while (this.c(i) === SP) i++;
      let j = i;
      while (isWs(this.c(j))) j++;
      const ch = this.c(j);
      if (ch === NL || ch === HASH) {
        const e = this.eol(j);
        this.line = e + 1;
        continue;
      }
      // A tab in the indentation of content is yaml's to report.
      if (j !== i) throw GIVE_UP;
      // Document markers and directives are yaml's to read.
      if (i === this.line && (this.markerAt(i) || ch === 0x25)) throw GIVE_UP;
      return i;
    }
  }

  /** After a value on a line: only spaces and a comment (after a space) may follow; moves to the next line. */
  private endLine(i: number): void {
    let j = i;
    while (isWs(this.c(j))) j++;
    const ch = this.c(j);
    if (ch !== NL && !(ch === HASH && j > i)) throw GIVE_UP;
    this.line = this.eol(j) + 1;
  }

  document(): LNode | undefined {
    let p = this.nextContent();
    if (p < 0) return undefined;
    if (p === this.line && this.s.startsWith('---', p)) {
      // A start marker alone on its line (a comment may follow).
      this.endLine(p + 3);
      if (!isSep(this.c(p + 3))) throw GIVE_UP;
      p = this.nextContent();
      if (p < 0) return undefined;
    }
    const root = this.block(p, -1, 0);
    if (this.nextContent() >= 0) throw GIVE_UP;
    return root;
  }

  /** A block node whose first content is at `p` (on this.line), inside a parent at column `parent`. */
  private block(p: number, parent: number, depth: number): LNode {
    if (depth > this.maxDepth) this.tooDeep(p);
    const col = p - this.line;
    if (col <= parent) throw GIVE_UP;
    const ch = this.c(p);
    if (ch === DASH && isSep(this.c(p + 1))) return this.seq(p, depth);
    if (this.mapStart(p)) return this.map(p, depth);
    if (ch === PIPE || ch === GT) return this.blockScalar(p, parent, undefined);
    // A lone value: nothing more in this block.
    const v = this.inline(p, depth, undefined, parent);
    this.after(this.end);
    const q = this.nextContent();
    if (q >= 0 && q - this.line > parent) throw GIVE_UP;
    return v;
  }

  /** Whether a block mapping's entry starts at `p`: an explicit key (`? `) or a key, tagged or not. */
  private mapStart(p: number): boolean {
    if (this.c(p) === 0x3f && this.c(p + 1) === SP) return true;
    if (this.c(p) !== 0x21) return this.keyEnd(p) >= 0;
    const t = this.tag(p);
    const k = this.skipSp(t.end);
    return this.c(k) !== 0x21 && this.keyEnd(k) >= 0;
  }

  /**
   * The tag at `p` (`!`, `!name` or `!!name`, name of letters, digits and `-`), which a
   * space or tab must follow: its core name (`int` for `!!int`), or undefined for the
   * non-specific `!` and a local `!name` (yaml reads their scalars as strings), and the
   * offset after it. Handles (`!a!b`), verbatim tags (`!<...>`) and the rest are yaml's.
   */
  private tag(p: number): { core: string | undefined; end: number } {
    let t = p + 1;
    const core = this.c(t) === 0x21;
    if (core) t++;
    const nameStart = t;
    while (isTagChar(this.c(t))) t++;
    if (!isWs(this.c(t)) || (core && t === nameStart)) throw GIVE_UP;
    return { core: core ? this.s.slice(nameStart, t) : undefined, end: t };
  }

  /** A scalar's value under a tag: the core tag's resolution, or the text (non-specific and local tags). */
  private tagged(core: string | undefined, text: string): unknown {
    return core === undefined ? text : resolveCoreTag(core, text);
  }

  /**
   * If a mapping key starts at `p`: the offset of its `:` indicator (followed by a space or
   * the end of the line), else -1. Anchors, aliases, tags and flow collections as keys
   * are yaml's.
   */
  private keyEnd(p: number): number {
    const ch = this.c(p);
    let i: number;
    if (ch === 0x22 || ch === 0x27) {
      i = this.quotedEnd(p);
      if (i < 0) return -1;
      while (isWs(this.c(i))) i++;
      return this.c(i) === COLON && isSep(this.c(i + 1)) ? i : -1;
    }
    if (BAD_PLAIN_START.has(ch)) return -1;
    if (this.indicatorAt(p)) return -1;
    i = p;
    for (;;) {
      const c = this.c(i);
      if (c === NL) return -1;
      if (c === COLON && isSep(this.c(i + 1))) return i;
      if (isWs(c) && this.c(i + 1) === HASH) return -1;
      i++;
    }
  }

  /** The offset after a quoted scalar that starts at `p` and ends on its line, or -1. */
  private quotedEnd(p: number): number {
    const q = this.c(p);
    for (let i = p + 1; ; i++) {
      const c = this.c(i);
      if (c === NL) return -1;
      if (q === 0x22 && c === 0x5c) {
        i++;
        if (this.c(i) === NL) return -1;
        continue;
      }
      if (c === q) {
        if (q === 0x27 && this.c(i + 1) === 0x27) {
          i++;
          continue;
        }
        return i + 1;
      }
    }
  }

  /**
   * A quoted scalar in block context that may go on over the lines below, each indented
   * past `parent` (the column of its collection; -1: one line only), its value folded by
   * yaml's own `CST.resolveAsScalar`. An empty or blank line, a tab or a CR in it, and an
   * escaped line break are yaml's to read.
   */
  private quotedBlock(p: number, parent: number): LNode {
    if (parent < 0 || this.quotedEnd(p) >= 0) return this.quoted(p);
    const q = this.s.charCodeAt(p);
    let i = p + 1;
    for (;; i++) {
      if (i >= this.n) throw GIVE_UP;
      const c = this.s.charCodeAt(i);
      if (c === CR || c === TAB) throw GIVE_UP;
      if (c === NL) {
        let k = i + 1;
        while (this.s.charCodeAt(k) === SP) k++;
        if (k >= this.n) throw GIVE_UP;
        const d = this.s.charCodeAt(k);
        // An empty or blank line (spaces only) goes on whatever its indentation (yaml's
        // lexer, continueScalar); resolveAsScalar folds it into a line feed.
        if (d === NL) {
          i = k - 1;
          continue;
        }
        if (k - (i + 1) <= parent || d === CR || d === TAB) throw GIVE_UP;
        i = k - 1;
        continue;
      }
      if (q === 0x22 && c === 0x5c) {
        const d = this.s.charCodeAt(i + 1);
        if (i + 1 >= this.n || d === NL || d === CR || d === TAB) throw GIVE_UP;
        i++;
        continue;
      }
      if (c === q) {
        if (q === 0x27 && this.s.charCodeAt(i + 1) === 0x27) {
          i++;
          continue;
        }
        break;
      }
    }
    const end = i + 1;
    this.count(p);
    const node = new LNode(Kind.Scalar, p);
    let failed = false;
    const token = { type: q === 0x22 ? ('double-quoted-scalar' as const) : ('single-quoted-scalar' as const), offset: p, indent: 0, source: this.s.slice(p, end) };
    const r = CST.resolveAsScalar(token, true, () => (failed = true));
    if (failed || !r) throw GIVE_UP;
    node.value = r.value;
    this.end = end;
    return node;
  }

  /** A quoted scalar that ends on its line (this.end: the offset after it). */
  private quoted(p: number): LNode {
    const end = this.quotedEnd(p);
    if (end < 0) throw GIVE_UP;
    this.count(p);
    const node = new LNode(Kind.Scalar, p);
    const src = this.s.slice(p, end);
    if (this.c(p) === 0x27) node.value = src.slice(1, -1).replace(/''/g, "'");
    else if (src.includes('\\')) {
      let failed = false;
      const r = CST.resolveAsScalar({ type: 'double-quoted-scalar', offset: p, indent: 0, source: src }, true, () => (failed = true));
      if (failed || !r) throw GIVE_UP;
      node.value = r.value;
    } else node.value = src.slice(1, -1);
    this.end = end;
    return node;
  }

  /**
   * A plain scalar in block context from `p` to the end of its line or comment, and on the
   * lines below indented past `parent` (the column of its collection; -1: one line only).
   */
  private plainBlock(p: number, parent: number): LNode {
    const firstLast = this.plainLine(p);
    if (parent < 0 || this.comment) return this.plain(p, firstLast);
    // Continuation lines, folded as yaml folds them: a line break is a space, and each
    // empty line between is a line feed.
    let parts: string[] | undefined;
    let end = firstLast;
    let line = this.eol(firstLast) + 1;
    let breaks = 0;
    while (line < this.n) {
      let k = line;
      while (this.c(k) === SP) k++;
      let j = k;
      while (isWs(this.c(j))) j++;
      const ch = this.c(j);
      if (ch === NL) {
        if (j !== k) throw GIVE_UP;
        breaks++;
        line = this.eol(j) + 1;
        continue;
      }
      if (j !== k) throw GIVE_UP;
      if (k - line <= parent || ch === HASH) break;
      // Whatever could start something else is yaml's to read.
      if (BAD_PLAIN_START.has(ch) || this.indicatorAt(k)) throw GIVE_UP;
      if (k - line === 0 && this.markerAt(k)) throw GIVE_UP;
      const nextLast = this.plainLine(k);
      parts ??= [this.s.slice(p, firstLast)];
      parts.push(breaks === 0 ? ' ' : '\n'.repeat(breaks), this.s.slice(k, nextLast));
      breaks = 0;
      end = nextLast;
      line = this.eol(nextLast) + 1;
      if (this.comment) break;
    }
    if (!parts) return this.plain(p, firstLast);
    this.count(p);
    const node = new LNode(Kind.Scalar, p);
    node.value = resolvePlain(parts.join(''));
    this.end = end;
    return node;
  }

  /** One line of a plain scalar in block context from `p`: its end without trailing white space (this.comment: whether a comment follows). */
  private plainLine(p: number): number {
    let i = p;
    let last = p;
    for (;;) {
      const c = this.c(i);
      if (c === NL) {
        this.comment = false;
        return last;
      }
      if (isWs(c)) {
        if (this.c(i + 1) === HASH) {
          this.comment = true;
          return last;
        }
      } else {
        if (c === COLON && isSep(this.c(i + 1))) throw GIVE_UP;
        last = i + 1;
      }
      i++;
    }
  }

  /** The plain scalar from `p` to `last` (its end without trailing spaces), in block or flow context. */
  private plain(p: number, last: number): LNode {
    this.count(p);
    const node = new LNode(Kind.Scalar, p);
    node.value = resolvePlain(this.s.slice(p, last));
    this.end = last;
    return node;
  }

  private setAnchor(node: LNode, anchor: string | undefined): void {
    if (anchor === undefined) return;
    node.anchor = anchor;
    this.anchors.set(anchor, node);
  }

  /** `&name` or `*name` at `p`: the name and the offset after it. */
  private name(p: number): { name: string; end: number } {
    let i = p + 1;
    for (;;) {
      const c = this.c(i);
      if (isSep(c) || isFlowInd(c)) break;
      i++;
    }
    if (i === p + 1) throw GIVE_UP;
    return { name: this.s.slice(p + 1, i), end: i };
  }

  private alias(p: number): LNode {
    const { name, end } = this.name(p);
    this.count(p);
    const node = new LBranch(Kind.Alias, p);
    node.value = name;
    node.target = this.anchors.get(name);
    this.end = end;
    return node;
  }

  /** A value that starts at `p` and ends on its line: scalar, alias or flow collection. */
  private inline(p: number, depth: number, anchor: string | undefined, parent: number): LNode {
    const ch = this.c(p);
    let v: LNode;
    if (ch === 0x2a) {
      if (anchor !== undefined) throw GIVE_UP;
      return this.alias(p);
    }
    if (ch === 0x5b || ch === 0x7b) {
      const node = this.flowStart(p, anchor);
      this.end = this.flow(p, node, depth, parent);
      return node;
    }
    if (ch === 0x22 || ch === 0x27) v = this.quotedBlock(p, parent);
    else if (BAD_PLAIN_START.has(ch) || this.indicatorAt(p)) throw GIVE_UP;
    else v = this.plainBlock(p, parent);
    this.setAnchor(v, anchor);
    return v;
  }

  /** After an inline value: the rest of its line. */
  private after(end: number): void {
    this.endLine(end);
  }

  private flowStart(p: number, anchor: string | undefined): LNode {
    this.count(p);
    const node = new LBranch(this.c(p) === 0x7b ? Kind.Map : Kind.Seq, p);
    node.items = [];
    if (node.kind === Kind.Map) node.keys = [];
    this.setAnchor(node, anchor);
    return node;
  }

  private skipSp(i: number): number {
    while (isWs(this.c(i))) i++;
    return i;
  }

  /** Whether `- `, `? ` or `: ` (an indicator, then white space or the line end) is at `i`. */
  private indicatorAt(i: number): boolean {
    const ch = this.c(i);
    return (ch === DASH || ch === 0x3f || ch === COLON) && isSep(this.c(i + 1));
  }

  /** Whether a document marker (`---` or `...`) starts at `i`. */
  private markerAt(i: number): boolean {
    return this.s.startsWith('---', i) || this.s.startsWith('...', i);
  }

  /**
   * From `i` inside a flow collection: past white space, comments and line breaks; the
   * lines it goes on to must be indented past `parent`, the column of the block collection
   * around (yaml's rule; the reader also asks it of comment lines and a closing bracket).
   */
  private flowWs(i: number, parent: number): number {
    let fresh = false;
    for (;;) {
      const start = i;
      while (isWs(this.c(i))) i++;
      const ch = this.c(i);
      if (ch === HASH) {
        // A comment only after white space.
        if (i === start && !fresh) throw GIVE_UP;
      } else if (ch !== NL) return i;
      const line = this.eol(i) + 1;
      if (line >= this.n) throw GIVE_UP;
      let k = line;
      while (this.c(k) === SP) k++;
      if (this.c(k) === TAB) throw GIVE_UP;
      if (this.c(k) !== NL && k - line <= parent) throw GIVE_UP;
      if (k === line && this.markerAt(k)) throw GIVE_UP;
      i = k;
      fresh = true;
    }
  }

  /** Reads the flow collection `node` opened at `p` (over one line or several); the offset after it. */
  private flow(p: number, node: LNode, depth: number, parent: number): number {
    if (depth > this.maxDepth) this.tooDeep(p);
    const close = node.kind === Kind.Map ? 0x7d : 0x5d;
    let i = this.flowWs(p + 1, parent);
    if (this.c(i) === close) return i + 1;
    for (;;) {
      if (node.kind === Kind.Map) {
        const ch = this.c(i);
        const key = ch === 0x22 || ch === 0x27 ? this.quoted(i) : this.plainFlow(i);
        i = this.skipSp(this.end);
        if (this.c(i) !== COLON || !isWs(this.c(i + 1))) throw GIVE_UP;
        i = this.skipSp(i + 1);
        const v = this.flowValue(i, depth + 1, parent);
        node.keys!.push(key);
        node.items!.push(v);
        i = this.end;
      } else {
        node.items!.push(this.flowValue(i, depth + 1, parent));
        i = this.end;
      }
      i = this.flowWs(i, parent);
      const c = this.c(i);
      if (c === close) return i + 1;
      if (c !== 0x2c) throw GIVE_UP;
      i = this.flowWs(i + 1, parent);
      const d = this.c(i);
      // A trailing comma ends the collection as yaml reads it.
      if (d === close) return i + 1;
      if (d === 0x2c || d === NL || d === HASH) throw GIVE_UP;
    }
  }

  /** A value inside a flow collection at `p`. */
  private flowValue(p: number, depth: number, parent: number): LNode {
    let i = p;
    let anchor: string | undefined;
    if (this.c(i) === 0x26) {
      const a = this.name(i);
      anchor = a.name;
      i = this.skipSp(a.end);
      if (i === a.end) throw GIVE_UP;
    }
    // Past the depth limit, a value of any kind is (as parse.ts's CST check counts levels).
    if (depth > this.maxDepth) this.tooDeep(i);
    const ch = this.c(i);
    let v: LNode;
    if (ch === 0x2a) {
      if (anchor !== undefined) throw GIVE_UP;
      v = this.alias(i);
    } else if (ch === 0x5b || ch === 0x7b) {
      const node = this.flowStart(i, anchor);
      this.end = this.flow(i, node, depth, parent);
      return node;
    } else if (ch === 0x22 || ch === 0x27) v = this.quoted(i);
    else v = this.plainFlow(i);
    const end = this.end;
    this.setAnchor(v, anchor);
    // `[a: b]` (a pair in a sequence) and the like are yaml's.
    const j = this.skipSp(end);
    if (this.c(j) === COLON) throw GIVE_UP;
    this.end = end;
    return v;
  }

  /** A plain scalar inside a flow collection. */
  private plainFlow(p: number): LNode {
    const ch = this.c(p);
    if (BAD_PLAIN_START.has(ch) || ch === NL || isWs(ch)) throw GIVE_UP;
    if (this.indicatorAt(p) || ((ch === DASH || ch === 0x3f || ch === COLON) && isFlowInd(this.c(p + 1)))) throw GIVE_UP;
    let i = p;
    let last = p;
    for (;;) {
      const c = this.c(i);
      if (c === NL || isFlowInd(c)) break;
      if (isWs(c)) {
        if (this.c(i + 1) === HASH) throw GIVE_UP;
      } else {
        if (c === COLON) {
          const d = this.c(i + 1);
          if (isSep(d) || isFlowInd(d)) break;
        }
        last = i + 1;
      }
      i++;
    }
    return this.plain(p, last);
  }

  /**
   * The value of a mapping entry or sequence item whose indicator ends at `p` (on
   * this.line), in a collection at column `col`. Leaves this.line at the line after it.
   */
  private entryValue(p: number, col: number, depth: number, inSeq: boolean): LNode {
    let i = this.skipSp(p);
    let anchor: string | undefined;
    if (this.c(i) === 0x26) {
      const a = this.name(i);
      anchor = a.name;
      i = this.skipSp(a.end);
      if (i === a.end && this.c(i) !== NL) throw GIVE_UP;
    }
    if (this.c(i) === 0x21) return this.strTagged(i, anchor, col, depth);
    const ch = this.c(i);
    if (ch === PIPE || ch === GT) return this.blockScalar(i, col, anchor);
    if (ch === NL || (ch === HASH && i > p)) {
      // The value is on the lines below (or empty).
      const emptyAt = i;
      this.endLine(i);
      const q = this.nextContent();
      const qcol = q < 0 ? -1 : q - this.line;
      if (q >= 0 && qcol > col) {
        const node = this.blockWithAnchor(q, col, depth, anchor);
        return node;
      }
      if (q >= 0 && !inSeq && qcol === col && this.c(q) === DASH && isSep(this.c(q + 1))) {
        // An indentless sequence as a mapping value.
        if (anchor !== undefined) throw GIVE_UP;
        return this.seq(q, depth + 1);
      }
      // An empty value: null, placed after the indicator and the spaces after it.
      if (anchor !== undefined || inSeq) throw GIVE_UP;
      const node = new LNode(Kind.Scalar, emptyAt);
      node.value = null;
      return node;
    }
    if (inSeq && anchor === undefined) {
      // A compact collection in a sequence item: `- - x`, `- key: value`.
      if (ch === DASH && isSep(this.c(i + 1))) return this.seq(i, depth + 1);
      if (this.keyEnd(i) >= 0) return this.map(i, depth + 1);
    } else if ((ch === 0x22 || ch === 0x27) && this.keyEnd(i) >= 0) throw GIVE_UP;
    // (A plain value that is a key, `a: b: c`, gives up in plainLine, which stops at the
    // same `: ` keyEnd would find: the line is scanned once, not twice.)
    if (ch === DASH && isSep(this.c(i + 1))) throw GIVE_UP;
    const v = this.inline(i, depth + 1, anchor, col);
    this.after(this.end);
    return v;
  }

  /**
   * A block scalar (`|` or `>`, with `-` or `+` chomping) whose header is at `p` (on
   * this.line), in a collection at column `parent` (-1 at the root). Its lines are found
   * as yaml's lexer finds them and its value computed by yaml's own resolver. Gives up on
   * an explicit indentation indicator, a tab in its lines, content not indented past the
   * collection, more-indented leading or trailing empty lines, and a less-indented line
   * that does not end it where its collection goes on. Leaves this.line at the line after it.
   */
  private blockScalar(p: number, parent: number, anchor: string | undefined): LNode {
    let i = p + 1;
    const chomp = this.c(i);
    if (chomp === DASH || chomp === 0x2b) i++;
    const headerEnd = i;
    while (isWs(this.c(i))) i++;
    const ch = this.c(i);
    if (ch !== NL && !(ch === HASH && i > headerEnd)) throw GIVE_UP;
    const bodyStart = this.eol(i) + 1;
    if (bodyStart >= this.n) throw GIVE_UP;
    // The lines: content is every line up to the first non-empty one indented less than
    // the first non-empty one.
    let indent = -1;
    let leadingBlank = 0;
    let trailingBlank = 0;
    let blank = false;
    let contentEnd = bodyStart;
    let line = bodyStart;
    // The common case is worked out here: content lines all at one indentation with no
    // empty line before or between them (nor after, with keep chomping). Else yaml's resolver.
    let simple = true;
    const pieces: string[] = [];
    while (line < this.n) {
      let k = line;
      while (this.c(k) === SP) k++;
      const c = this.c(k);
      const e = this.eol(k);
      // A tab at the start of a line in or after a block scalar is yaml's to judge.
      if (c === TAB) throw GIVE_UP;
      if (c === NL) {
        if (indent < 0) leadingBlank = Math.max(leadingBlank, k - line);
        else trailingBlank = Math.max(trailingBlank, k - line);
        blank = true;
        line = e + 1;
        continue;
      }
      if (indent < 0) {
        indent = k - line;
        if (indent <= parent || indent === 0 || leadingBlank > indent) throw GIVE_UP;
      } else if (k - line < indent) {
        // Ends here: the line must belong to an enclosing collection.
        if (k - line > parent) throw GIVE_UP;
        break;
      }
      if (this.hasTab) for (let x = k; x < e; x++) if (this.s.charCodeAt(x) === TAB) throw GIVE_UP;
      if (blank || k - line !== indent) simple = false;
      else if (simple) pieces.push(this.s.slice(k, e > k && this.s.charCodeAt(e - 1) === CR ? e - 1 : e));
      trailingBlank = 0;
      blank = false;
      contentEnd = e + 1;
      line = e + 1;
    }
    if (indent < 0 || trailingBlank > indent) throw GIVE_UP;
    if (blank && chomp === 0x2b) simple = false;
    const end = chomp === 0x2b ? Math.min(line, this.n) : Math.min(contentEnd, this.n);
    if (this.values + 2 > this.maxValues) throw GIVE_UP;
    // yaml's lexer counts the header and the scalar's content as two values.
    this.count(p);
    this.count(p);
    const node = new LNode(Kind.Scalar, p);
    if (simple) {
      node.value = pieces.join(this.c(p) === GT ? ' ' : '\n') + (chomp === DASH ? '' : '\n');
    } else {
      let failed = false;
      const token = {
        type: 'block-scalar' as const,
        offset: p,
        indent: Math.max(0, parent),
        props: [{ type: 'block-scalar-header' as const, offset: p, indent: Math.max(0, parent), source: this.s.slice(p, headerEnd) }],
        source: this.s.slice(bodyStart, end),
      };
      const r = CST.resolveAsScalar(token, true, () => (failed = true));
      if (failed || !r) throw GIVE_UP;
      node.value = r.value;
    }
    this.setAnchor(node, anchor);
    this.line = line;
    return node;
  }

  /**
   * A tag and a value on its line (at `p`, after any anchor), in a collection at column
   * `col`. A scalar's value is its text (quotes resolved) under the tag: a string for
   * `!!str`, for the non-specific `!` and for a local tag `!name` (which yaml does not
   * know: it warns, and warnings are not diagnostics); the core tags `!!int`, `!!bool`,
   * `!!null`, `!!float` resolve it as yaml does (resolveCoreTag). `!!seq` before a flow
   * sequence and `!!map` before a flow mapping change nothing in the tree. Every other
   * pairing, a tag before a key or a value on the lines below, is yaml's.
   */
  private strTagged(p: number, anchor: string | undefined, col: number, depth: number): LNode {
    const { core, end: t } = this.tag(p);
    const i = this.skipSp(t);
    const ch = this.c(i);
    let v: LNode;
    if (ch === 0x5b || ch === 0x7b) {
      if (core !== (ch === 0x5b ? 'seq' : 'map')) throw GIVE_UP;
      const node = this.flowStart(i, anchor);
      this.after(this.flow(i, node, depth + 1, col));
      return node;
    }
    if (core === 'seq' || core === 'map') throw GIVE_UP;
    let end: number;
    if (ch === 0x22 || ch === 0x27) {
      v = this.quoted(i);
      end = this.end;
      v.value = this.tagged(core, v.value as string);
    } else {
      // (A tagged key, `!!str a: b`, gives up in plainLine, at the `: ` keyEnd would find.)
      if (ch === NL || BAD_PLAIN_START.has(ch) || this.indicatorAt(i)) throw GIVE_UP;
      v = this.plainBlock(i, -1);
      end = this.end;
      v.value = this.tagged(core, this.s.slice(i, end));
    }
    this.setAnchor(v, anchor);
    this.after(end);
    return v;
  }

  private blockWithAnchor(q: number, col: number, depth: number, anchor: string | undefined): LNode {
    if (anchor === undefined) return this.block(q, col, depth + 1);
    // The anchor names the collection below; registered before its content is read.
    const ch = this.c(q);
    const isSeq = ch === DASH && isSep(this.c(q + 1));
    if (!isSeq && !this.mapStart(q)) throw GIVE_UP;
    return isSeq ? this.seq(q, depth + 1, anchor) : this.map(q, depth + 1, anchor);
  }

  /** A block mapping whose first key is at `p`. */
  private map(p: number, depth: number, anchor?: string): LNode {
    if (depth > this.maxDepth) this.tooDeep(p);
    const col = p - this.line;
    // A tag before the first key is the key's: yaml's mapping starts at the key.
    const node = new LBranch(Kind.Map, this.c(p) === 0x21 ? this.skipSp(this.tag(p).end) : p);
    node.keys = [];
    node.items = [];
    this.setAnchor(node, anchor);
    let q = p;
    for (;;) {
      if (this.c(q) === 0x3f && this.c(q + 1) === SP) {
        this.explicitEntry(q, node, col, depth);
        q = this.nextContent();
        if (q < 0) return node;
        const qcol = q - this.line;
        if (qcol < col) return node;
        if (qcol > col) throw GIVE_UP;
        continue;
      }
      // A tag before the key applies to the key.
      let tag: { core: string | undefined; end: number } | undefined;
      let k = q;
      if (this.c(q) === 0x21) {
        tag = this.tag(q);
        k = this.skipSp(tag.end);
      }
      const colon = this.keyEnd(k);
      if (colon < 0) throw GIVE_UP;
      // yaml limits an implicit key to 1024 characters.
      if (colon - q > 1000) throw GIVE_UP;
      let key: LNode;
      const ch = this.c(k);
      if (ch === 0x22 || ch === 0x27) {
        key = this.quoted(k);
        if (tag) key.value = this.tagged(tag.core, key.value as string);
      } else {
        let last = colon;
        while (isWs(this.c(last - 1))) last--;
        this.count(k);
        key = new LNode(Kind.Scalar, k);
        const text = this.s.slice(k, last);
        key.value = tag ? this.tagged(tag.core, text) : resolvePlain(text);
      }
      node.keys.push(key);
      node.items.push(this.entryValue(colon + 1, col, depth, false));
      q = this.nextContent();
      if (q < 0) return node;
      const qcol = q - this.line;
      if (qcol < col) return node;
      if (qcol > col) throw GIVE_UP;
    }
  }

  /**
   * An explicit entry of the block mapping `node` at column `col`: `? key` at `q`, a plain
   * or quoted scalar on that line, then `: value` at the start of a following line in the
   * same column; the key may be tagged. A key over several lines or below its `?`, a key
   * with no value, and any other key (a collection, an alias, an anchored one) are yaml's.
   */
  private explicitEntry(q: number, node: LNode, col: number, depth: number): void {
    let i = this.skipSp(q + 1);
    let tag: { core: string | undefined; end: number } | undefined;
    if (this.c(i) === 0x21) {
      tag = this.tag(i);
      i = this.skipSp(tag.end);
    }
    const ch = this.c(i);
    let key: LNode;
    if (ch === 0x22 || ch === 0x27) key = this.quoted(i);
    else {
      if (ch === NL || ch === TAB || BAD_PLAIN_START.has(ch) || this.indicatorAt(i)) throw GIVE_UP;
      const last = this.plainLine(i);
      key = this.plain(i, last);
      if (tag) key.value = this.s.slice(i, last);
    }
    const keyEnd = this.end;
    if (tag) key.value = this.tagged(tag.core, key.value as string);
    this.endLine(keyEnd);
    const v = this.nextContent();
    if (v < 0 || v - this.line !== col || this.c(v) !== COLON || !(this.c(v + 1) === SP || this.c(v + 1) === NL)) throw GIVE_UP;
    node.keys!.push(key);
    node.items!.push(this.entryValue(v + 1, col, depth, false));
  }

  /** A block sequence whose first `-` is at `p`. */
  private seq(p: number, depth: number, anchor?: string): LNode {
    if (depth > this.maxDepth) this.tooDeep(p);
    const col = p - this.line;
    const node = new LBranch(Kind.Seq, p);
    node.items = [];
    this.setAnchor(node, anchor);
    let q = p;
    for (;;) {
      node.items.push(this.entryValue(q + 1, col, depth, true));
      q = this.nextContent();
      if (q < 0) return node;
      const qcol = q - this.line;
      if (qcol < col) return node;
      if (qcol > col) throw GIVE_UP;
      if (!(this.c(q) === DASH && isSep(this.c(q + 1)))) return node;
    }
  }
}
