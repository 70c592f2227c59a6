/**
 * Stage 1: parse. Bytes -> RawSpec: the YAML document, its plain data, and a SourceIndex
 * that turns JSON pointers into file:line:column. Everything a hostile file can do to a
 * YAML parser (invalid UTF-8, duplicate keys, alias bombs, deep nesting, sheer size) ends
 * here as a located diagnostic.
 */
import { Composer, Document, Lexer, LineCounter, Parser, YAMLParseError } from 'yaml';
import { CST } from 'yaml';
import { fastParse, fastParseOnce, fromDocument, Kind, LNode, type GaveUp } from './yamltree.js';
import { D, RESERVED_KEYS } from './diagnostics/catalogue.js';
import { fileStart, parsePointer, pointer, Reporter } from './diagnostics/diagnostic.js';
import type { Diagnostic, SourceIndex, SourceLocation } from './diagnostics/diagnostic.js';
import type { ArgsOf, Entry as CatalogueEntry } from './diagnostics/entry.js';

/** Specs are a few kilobytes; this bounds what a pull request can make the parser chew. */
export const MAX_SPEC_BYTES = 1024 * 1024;
/**
 * The largest spec (bytes) read by yaml's parser when the fast reader (src/yamltree.ts)
 * gives up on it: an explicit `?` key with no value, a tag on a block collection, an
 * escape across lines, a directive or a YAML error. yaml reads such text at 2-10 µs a
 * byte here (lexer, CST, document; flow collections and explicit keys the slowest), so a
 * 1 MiB spec of such lines took 2-8 s and a 127 KiB one up to 1.9 s; larger ones are
 * refused (KS1018) at the line where the fast reader stopped, which bounds every verdict
 * (issue 11.4). The examples are about 1 KiB.
 */
export const MAX_FULL_PARSE_BYTES = 8 * 1024;
/** Alias expansions in a spec, nested ones counted (an alias of a list of 9 aliases is 10). */
export const MAX_ALIAS_COUNT = 100;
/** Values (scalars and collections) that aliases may add to the document when expanded. */
export const MAX_ALIASED_NODES = 10_000;
export const MAX_DEPTH = 64;
/**
 * Values (scalars, aliases, flow collections) in a spec. A spec holds a few hundred; every
 * Kconfig symbol of an architecture (~15,000) as kernel.config would be ~30,000, and a
 * kernel.config that fills the 1 MiB limit with `    CONFIG_X: y` lines (~21 bytes, two
 * values each) ~100,000: issue 11's own valid spec has 40,000 keys in 830 KB (80,000
 * values), so the limit lets every spec of that shape through. Counted on the lexer's
 * tokens, before the parser builds anything, so that 1 MiB of `[1,1,1,...` (500,000
 * values) is refused in milliseconds instead of parsed in seconds; the yaml parser and the
 * later stages cost ~10 µs a value, so this also bounds the time of any spec that passes
 * (npm run fuzz prints the slowest).
 */
export const MAX_VALUES = 100_000;
/**
 * Data parsed here with no key material (`-----BEGIN`) in any key or string and no key
 * named `__proto__`, `constructor` or `prototype`: `validate` skips its two walks looking
 * for them (analyse has looked at every key and string already). Data merged from bases
 * (extends) is a new object, never in here, and is walked.
 */
export const WALKED_CLEAN = new WeakSet<object>();

/** Specs longer than this (characters) keep their parsed document for locating diagnostics. */
export const KEEP_DOCUMENT_ABOVE = 64 * 1024;

export interface RawSpec {
  file: string;
  text: string;
  /** The document as plain JSON data (aliases expanded). */
  data: unknown;
  /**
   * Locates pointers without the parsed document: it is dropped right after parsing, so
   * it dies young instead of living (and being promoted by the GC) through every later
   * stage of the spec; the few specs that report something later parse again, once.
   * (A spec with a parse diagnostic never gets here: they are all errors.) A spec over
   * KEEP_DOCUMENT_ABOVE keeps it instead.
   */
  source: DeferredSourceIndex | YamlSourceIndex;
}

export interface ParseResult {
  raw?: RawSpec;
  /** Present whenever the bytes decoded, for code frames even when parsing failed. */
  source?: YamlSourceIndex | DeferredSourceIndex;
  diagnostics: Diagnostic[];
}

/**
 * Locates pointers in one parsed YAML document, kept as its light tree (src/yamltree.ts):
 * one object per node with its offset, whichever reader built it.
 */
export class YamlSourceIndex implements SourceIndex {
  private lines?: string[];

  constructor(
    readonly file: string,
    readonly text: string,
    private readonly counter: LineCounter,
    /** The document's root; undefined when there is no document (only offsets are located). */
    private readonly root?: LNode | null,
  ) {}

  at(offset: number): SourceLocation {
    const { line, col } = this.counter.linePos(Math.max(0, Math.min(offset, this.text.length)));
    return { file: this.file, line: Math.max(1, line), column: Math.max(1, col) };
  }

  /**
   * Each mapping's entries by key (the first index of each), filled lazily: a lookup that
   * misses reads on through the mapping's keys from where the last one stopped, up to the
   * key it looks for. Diagnostics come in document order, so the first 1,000 unknown keys
   * of a 50,000-key mapping index ~1,000 keys, not 50,000 (analyse builds no index: it
   * checks duplicates against the object it builds).
   */
  private readonly keyed = new Map<LNode, { byKey: Map<string, number>; scanned: number }>();

  private entryOf(map: LNode, key: string): number | undefined {
    let idx = this.keyed.get(map);
    if (!idx) this.keyed.set(map, (idx = { byKey: new Map(), scanned: 0 }));
    const { byKey } = idx;
    const found = byKey.get(key);
    if (found !== undefined) return found;
    const keys = map.keys!;
    while (idx.scanned < keys.length) {
      const i = idx.scanned++;
      const k = keys[i];
      if (!k || k.kind !== Kind.Scalar) continue;
      const text = String(k.value);
      if (byKey.has(text)) continue;
      byKey.set(text, i);
      if (text === key) return i;
    }
    return undefined;
  }

  /** The node at `ptr`, or the deepest existing ancestor's, as a text offset. */
  offsetOf(ptr: string, at: 'key' | 'value' = 'value'): number | undefined {
    if (this.root === undefined) return undefined;
    let node: LNode | null | undefined = this.root;
    let offset = node?.offset ?? 0;
    const segs = parsePointer(ptr);
    for (let i = 0; i < segs.length; i++) {
      const seg = segs[i]!;
      const last = i === segs.length - 1;
      if (node?.kind === Kind.Alias) node = node.target;
      if (node?.kind === Kind.Map) {
        const e = this.entryOf(node, seg);
        if (e === undefined) return offset;
        const keyStart = node.keys![e]!.offset;
        const value: LNode | null = node.items![e]!;
        offset = (last && at === 'key') || !value ? keyStart : value.offset;
        node = value;
      } else if (node?.kind === Kind.Seq) {
        const item: LNode | null | undefined = node.items![Number(seg)];
        if (!item) return offset;
        offset = item.offset;
        node = item;
      } else {
        return offset;
      }
    }
    return offset;
  }

  locate(ptr: string, at: 'key' | 'value' = 'value'): SourceLocation {
    return this.at(this.offsetOf(ptr, at) ?? 0);
  }

  lineText(file: string, line: number): string | undefined {
    return file === this.file ? (this.lines ??= this.text.split(/\r?\n/))[line - 1] : undefined;
  }
  /** The same index without the parsed document (see DeferredSourceIndex). */
  deferred(): DeferredSourceIndex {
    return new DeferredSourceIndex(this.file, this.text);
  }
}

/**
 * uniqueKeys off: yaml compares each key with every earlier key of its mapping (40,000
 * keys: 49 s); `analyse` checks duplicates against each mapping's data object instead.
 */
const YAML_OPTIONS = { uniqueKeys: false, prettyErrors: false, strict: true } as const;

/** The CST of `text`, as yaml's Parser gives it; `counter` learns the line starts. */
function lex(text: string, counter: LineCounter): CST.Token[] {
  return [...new Parser(counter.addNewLine).parse(text)];
}

/** Lexemes that start a value (the lexer marks a plain scalar with \x1f before its text). */
const VALUE_LEXEME = new Set(['\x1f', '[', '{', '|', '>']);

/**
 * lex, with the values counted on the lexemes first: stops at the first value past
 * MAX_VALUES and returns its offset instead of tokens.
 */
function lexBounded(text: string, counter: LineCounter): CST.Token[] | { tooMany: number } {
  const lexemes: string[] = [];
  let values = 0;
  let offset = 0;
  for (const lx of new Lexer().lex(text)) {
    lexemes.push(lx);
    const c = lx.charAt(0);
    if (VALUE_LEXEME.has(c) || c === '"' || c === "'" || c === '*') {
      if (++values > MAX_VALUES) return { tooMany: offset };
    }
    // The lexer's control markers (document, flow end, scalar) are not in the text.
    if (lx !== '\x02' && lx !== '\x18' && lx !== '\x1f') offset += lx.length;
  }
  const parser = new Parser(counter.addNewLine);
  counter.addNewLine(0);
  const tokens: CST.Token[] = [];
  for (const lx of lexemes) for (const t of parser.next(lx)) tokens.push(t);
  for (const t of parser.end()) tokens.push(t);
  return tokens;
}

/**
 * Composes the document from its CST, as yaml's parseDocument does (the first document;
 * a second one is a MULTIPLE_DOCS error), so the text is lexed once for the depth check
 * and the document both.
 */
function compose(tokens: CST.Token[], text: string): Document.Parsed {
  let doc: Document.Parsed | undefined;
  for (const next of new Composer(YAML_OPTIONS).compose(tokens, true, text.length)) {
    if (!doc) doc = next;
    else {
      doc.errors.push(new YAMLParseError(next.range.slice(0, 2) as [number, number], 'MULTIPLE_DOCS', 'Source contains multiple documents; please use YAML.parseAllDocuments()'));
      break;
    }
  }
  return doc!;
}

/** The light tree of `text` read by yaml (the fallback of the fast reader). */
function parseYaml(text: string, counter: LineCounter): LNode | null {
  return fromDocument(compose(lex(text, counter), text));
}

/** The index of `text` with its parsed document, parsed as parseSpec parses it. */
export function fullIndex(file: string, text: string): YamlSourceIndex {
  const counter = new LineCounter();
  const fast = fastParse(text, Infinity, MAX_DEPTH);
  if (fast && !('tooMany' in fast)) {
    counter.lineStarts = fast.lineStarts;
    return new YamlSourceIndex(file, text, counter, fast.root);
  }
  return new YamlSourceIndex(file, text, counter, parseYaml(text, counter));
}

/**
 * A spec's source without its parsed document: the text only. parseSpec hands this on
 * for every spec that parsed cleanly, and a compile result keeps it. The document costs
 * ~20 KB a spec and would live through every stage (or, over thousands of specs, the
 * whole run); it is parsed again, the same way, only if a later step reports at a pointer.
 */
export class DeferredSourceIndex implements SourceIndex {
  private full?: YamlSourceIndex;
  private lines?: string[];

  constructor(
    readonly file: string,
    readonly text: string,
  ) {}

  private index(): YamlSourceIndex {
    return (this.full ??= fullIndex(this.file, this.text));
  }

  locate(ptr: string, at: 'key' | 'value' = 'value'): SourceLocation {
    return this.index().locate(ptr, at);
  }

  lineText(file: string, line: number): string | undefined {
    return file === this.file ? (this.lines ??= this.text.split(/\r?\n/))[line - 1] : undefined;
  }
}


export function parseSpec(file: string, bytes: Uint8Array): ParseResult {
  const whole = new YamlSourceIndex(file, '', new LineCounter());
  const early = new Reporter(whole);
  if (bytes.length > MAX_SPEC_BYTES) {
    early.report(D.TooLarge, '', { size: bytes.length, limit: MAX_SPEC_BYTES });
    return { diagnostics: early.diagnostics };
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    const lines = new TextDecoder('utf-8').decode(bytes.subarray(0, at)).split('\n');
    early.reportAt(D.NotUtf8, '', {}, { file, line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 });
    return { diagnostics: early.diagnostics };
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);

  // The fast reader first (src/yamltree.ts): most specs, and every large one written in
  // plain YAML, are read in one pass with no yaml Document built. Anything else, and
  // anything it finds wrong, is read again by yaml below, which gives every YAML error, up
  // to MAX_FULL_PARSE_BYTES; a larger spec is refused where the reader stopped (KS1018).
  const fast = fastParseOnce(text, MAX_VALUES, MAX_DEPTH);
  if ('tooMany' in fast) return { diagnostics: [tooMany(file, text, fast.tooMany)] };
  if ('gaveUp' in fast && bytes.length > MAX_FULL_PARSE_BYTES) return { diagnostics: [notPlain(file, text, bytes.length, fast)] };
  if ('root' in fast) {
    const counter = new LineCounter();
    counter.lineStarts = fast.lineStarts;
    const result = finish(file, text, new YamlSourceIndex(file, text, counter, fast.root), fast.root);
    // Depth is reported where the CST check below finds it, so a deep spec is read by yaml;
    // one larger than yaml may read keeps the fast reader's report.
    if (bytes.length > MAX_FULL_PARSE_BYTES || !result.diagnostics.some((d) => d.code === D.TooDeep.code)) return result;
  }

  const counter = new LineCounter();
  // The composer recurses once per nesting level: 10,000 levels overflow the stack, and
  // where depends on the machine. Measure on the CST first, which is built iteratively.
  const tokens = lexBounded(text, counter);
  if (!Array.isArray(tokens)) return { diagnostics: [tooMany(file, text, tokens.tooMany)] };
  const deep = tooDeepOffset(tokens);
  if (deep !== undefined) {
    const at = new YamlSourceIndex(file, text, counter);
    return { source: at, diagnostics: [new Reporter(at).reportAt(D.TooDeep, deep.ptr, { limit: MAX_DEPTH }, at.at(deep.offset))] };
  }
  let doc: Document.Parsed;
  try {
    doc = compose(tokens, text);
  } catch (e) {
    return { diagnostics: [tooDeep(file, text, counter, e)] };
  }
  const root = fromDocument(doc);
  const source = new YamlSourceIndex(file, text, counter, root);
  const report = new Reporter(source);

  if (doc.errors.length > 0) {
    for (const err of doc.errors) {
      const loc = source.at(err.pos[0]);
      const detail = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+.*$/, '').replace(/\.$/, '');
      if (err.code === 'DUPLICATE_KEY') {
        const key = /^("[^"\n]*"|'[^'\n]*'|[^:\n]+)/.exec(text.slice(err.pos[0]))?.[1]?.trim() ?? detail;
        report.reportAt(D.DuplicateKey, '', { key }, loc);
      } else if (err.code === 'MULTIPLE_DOCS') report.reportAt(D.MultipleDocuments, '', {}, loc);
      else report.reportAt(D.YamlSyntax, '', { detail }, loc);
    }
    return { source, diagnostics: dedupe(report.diagnostics) };
  }
  // Kept whatever its size: locating a later diagnostic would read it with yaml again.
  return finish(file, text, source, root, true);
}

/** KS1016 at `offset`, the first value past MAX_VALUES. */
function tooMany(file: string, text: string, offset: number): Diagnostic {
  return new Reporter(fileStart(file)).reportAt(D.TooManyValues, '', { limit: MAX_VALUES }, locationOf(file, text, offset));
}

/** KS1018 where the fast reader stopped, or KS1006 where it found a collection nested past MAX_DEPTH. */
function notPlain(file: string, text: string, size: number, stop: GaveUp): Diagnostic {
  const report = new Reporter(fileStart(file));
  const at = locationOf(file, text, stop.gaveUp);
  return stop.deep ? report.reportAt(D.TooDeep, '', { limit: MAX_DEPTH }, at) : report.reportAt(D.LargeYamlNotPlain, '', { size, limit: MAX_FULL_PARSE_BYTES }, at);
}

/** The line and column of `offset` in `text`, counting lines without splitting the text. */
function locationOf(file: string, text: string, offset: number): SourceLocation {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { file, line, column: offset - start + 1 };
}

/** The checks on a document read without YAML errors, and its data. */
function finish(file: string, text: string, source: YamlSourceIndex, root: LNode | null, keep = false): ParseResult {
  const report = new Reporter(source);
  const seen = { flagged: false };
  const data = analyse(root, source, report, seen);
  if (report.hasErrors) return { source, diagnostics: report.diagnostics };
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    report.report(D.NotAMapping, '', {});
    return { source, diagnostics: report.diagnostics };
  }
  if (!seen.flagged) WALKED_CLEAN.add(data);
  // A large spec keeps its document: parsing it again to locate a diagnostic would double
  // the time of a 1 MiB spec that reports one (issue 11, must-have 4), and one document is
  // no burden. So does one read by yaml (`keep`), which costs 2-10 µs a byte to read again.
  // Specs of usual size (1-2 KB) drop it (a run over thousands holds none).
  const kept = keep || text.length > KEEP_DOCUMENT_ABOVE ? source : source.deferred();
  return { raw: { file, text, data, source: kept }, source: kept, diagnostics: report.diagnostics };
}

/** The value of a scalar as yaml's toJS gives it (a timestamp of YAML 1.1 as its ISO text). */
function scalarValue(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') return (v as { toJSON(): unknown }).toJSON();
  return v;
}

const CAP = 2 ** 40;

/**
 * The document as plain data, built in one walk without recursion, checking on the way
 * what a hostile file can do with YAML's structure. Each check is linear in the nodes of
 * the file, whatever the aliases do:
 * - nesting deeper than MAX_DEPTH (KS1006: the CST check catches it first; kept here so
 *   the walk never trusts it);
 * - keys that are not plain text (KS1009), and keys repeated in a mapping (KS1002: checked
 *   against the mapping's data object, built on entry);
 * - aliases: one that names no earlier anchor (KS1015), one inside the node it names
 *   (KS1013: its expansion never ends), and expansions that multiply the document: more
 *   than MAX_ALIAS_COUNT alias expansions (KS1005) or more than MAX_ALIASED_NODES values
 *   added by them (KS1014), reported at the alias that passes the limit. An alias's node
 *   always ends before the alias (else it would contain it), so its cost is known when
 *   the alias is reached.
 * Values of aliases are shared, as yaml's toJS shares them; the limits bound every later
 * walk over the data. `seen.flagged` is set when a key or string holds what validate's
 * walks look for (see WALKED_CLEAN). Returns undefined when something was reported.
 */
function analyse(root: LNode | null, source: YamlSourceIndex, report: Reporter, seen: { flagged: boolean }): unknown {
  interface Entry {
    node: LNode;
    depth: number;
    exit: boolean;
    parent: Entry | undefined;
    seg: string | number | undefined;
  }
  const pointerOf = (e: Entry | undefined, seg?: string | number): string => {
    const segs: Array<string | number> = seg === undefined ? [] : [seg];
    for (let cur: Entry | undefined = e; cur?.parent; cur = cur.parent) segs.push(cur.seg!);
    return segs.reverse().map((s) => pointer(s)).join('');
  };
  /** Reports at `offset`; the pointer is the entry's (or its child's at `seg`). */
  /** Codes whose diagnostics the reporter only counts now, past its first counted one. */
  const counting = new Set<string>();
  const push = <E extends CatalogueEntry>(entry: E, args: ArgsOf<E>, e: Entry | undefined, offset: number, seg?: string | number): void => {
    errored = true;
    // Past the reporter's limit for the code, a diagnostic is only counted: after the first
    // counted one (which places the KS1017 warning at its location), no pointer and no
    // location are worked out (25,000 duplicate keys built 24,000 pointers for nothing).
    if (counting.has(entry.code)) {
      report.tally(entry, () => '');
      return;
    }
    if (report.counts(entry)) counting.add(entry.code);
    report.reportAt(entry, pointerOf(e, seg), args, source.at(offset));
  };
  /** A key's text as the data and pointers use it (yaml's String(key.value)). */
  const keyText = (key: LNode | null): string => String(key?.kind === Kind.Scalar ? key.value : undefined);
  /** Whether anything was reported (all of it errors: the data is dropped). */
  let errored = false;
  /** Whether a scalar's value was undefined (never, from either reader; the duplicate check asks then). */
  let hasUndefined = false;
  /**
   * A scalar's data (nothing is written on a scalar node: it has no state, its size is 1
   * and it expands nothing). Strings are looked at for key material (seen.flagged).
   */
  const scalarData = (node: LNode): unknown => {
    const v = scalarValue(node.value);
    if (typeof v === 'string' && v.includes('-----BEGIN')) seen.flagged = true;
    return v;
  };
  /** The data of a closed node (a scalar's is its value). */
  const dataOf = (node: LNode): unknown => (node.kind === Kind.Scalar ? scalarData(node) : node.data);
  let aliasCount = 0;
  let aliasedNodes = 0;
  /** Alias limits are reported once, at the first alias past them. */
  let aliasLimitReported = false;

  /**
   * A scalar or an alias (no content to walk): closed at once. The alias checks: its
   * node must be known and closed, and the expansions stay under the limits.
   */
  const leaf = (node: LNode, parent: Entry | undefined, seg: string | number | undefined): void => {
    if (node.kind === Kind.Scalar) return;
    const target = node.target;
    const name = String(node.value);
    node.data = null;
    node.size = 1;
    node.expansions = 1;
    if (!target) {
      push(D.UnknownAnchor, { anchor: name }, parent, node.offset, seg);
    } else if (target.kind !== Kind.Scalar && target.state === 1) {
      push(D.RecursiveAlias, { anchor: name }, parent, node.offset, seg);
    } else {
      const scalar = target.kind === Kind.Scalar;
      const targetExpansions = scalar ? 0 : target.expansions;
      const targetSize = scalar ? 1 : target.size;
      aliasCount = Math.min(CAP, aliasCount + 1 + targetExpansions);
      aliasedNodes = Math.min(CAP, aliasedNodes + targetSize);
      if (!aliasLimitReported && aliasCount > MAX_ALIAS_COUNT) {
        aliasLimitReported = true;
        push(D.AliasBomb, { limit: MAX_ALIAS_COUNT }, parent, node.offset, seg);
      } else if (!aliasLimitReported && aliasedNodes > MAX_ALIASED_NODES) {
        aliasLimitReported = true;
        push(D.AliasExpansion, { limit: MAX_ALIASED_NODES }, parent, node.offset, seg);
      }
      node.data = scalar ? scalarValue(target.value) : target.data;
      node.size = targetSize;
      node.expansions = Math.min(CAP, 1 + targetExpansions);
    }
    node.state = 2;
  };

  if (root === null) return null;
  const stack: Entry[] = [{ node: root, depth: 0, exit: false, parent: undefined, seg: undefined }];
  while (stack.length > 0) {
    const e = stack.pop()!;
    const { node, depth } = e;
    if (!e.exit) {
      if (depth > MAX_DEPTH) {
        push(D.TooDeep, { limit: MAX_DEPTH }, e.parent, node.offset, e.seg);
        return undefined;
      }
      if (node.kind === Kind.Scalar || node.kind === Kind.Alias) {
        leaf(node, e.parent, e.seg);
        continue;
      }
    }
    const items = node.items!;
    if (e.exit) {
      let size = 1,
        expansions = 0;
      if (node.kind === Kind.Map) {
        // The object was built on entry, each scalar value in place; the collections and
        // aliases, closed since, are put in now (nothing to put once something was reported:
        // the data is dropped).
        const obj = node.data as Record<string, unknown>;
        const keys = node.keys!;
        for (let i = 0; i < items.length; i++) {
          const v = items[i]!;
          if (v === null || v.kind === Kind.Scalar) {
            size = Math.min(CAP, size + 1);
            continue;
          }
          size = Math.min(CAP, size + v.size);
          expansions = Math.min(CAP, expansions + v.expansions);
          if (!errored) setKey(obj, keyText(keys[i]!), v.data);
        }
      } else {
        const arr: unknown[] = new Array<unknown>(items.length);
        for (let i = 0; i < items.length; i++) {
          const v = items[i]!;
          if (v !== null && v.kind === Kind.Scalar) {
            size = Math.min(CAP, size + 1);
            arr[i] = scalarData(v);
          } else if (v !== null) {
            size = Math.min(CAP, size + v.size);
            expansions = Math.min(CAP, expansions + v.expansions);
            arr[i] = v.data;
          } else {
            size = Math.min(CAP, size + 1);
            arr[i] = null;
          }
        }
        node.data = arr;
      }
      node.size = size;
      node.expansions = expansions;
      node.state = 2;
      continue;
    }
    node.state = 1;
    e.exit = true;
    stack.push(e);
    // Scalars report nothing and hold no state: below the depth limit they are not walked
    // (a mapping's are put in its object on entry, a sequence's in its array on exit).
    const closeScalars = depth + 1 <= MAX_DEPTH;
    if (node.kind === Kind.Map) {
      const keys = node.keys!;
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i]!;
        if (!key || key.kind !== Kind.Scalar || typeof key.value !== 'string') push(D.NonStringKey, {}, e, key ? key.offset : node.offset);
      }
      // The data object, built here in document order: each string key checked against
      // the object itself for duplicates (the second occurrence is reported), with its
      // value when that is a scalar, else null until the value is closed (on exit). A
      // value is never undefined, so a key present reads as one (inherited names, such
      // as `constructor` or `__proto__`, are asked again as own properties).
      const obj: Record<string, unknown> = {};
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i]!;
        if (!key || key.kind !== Kind.Scalar || typeof key.value !== 'string') continue;
        const k = key.value;
        const cur = obj[k];
        if ((cur !== undefined || hasUndefined) && Object.hasOwn(obj, k)) {
          push(D.DuplicateKey, { key: k }, e, key.offset);
          continue;
        }
        if (RESERVED_KEYS.has(k) || k.includes('-----BEGIN')) seen.flagged = true;
        let value: unknown = null;
        const v = items[i];
        if (v && v.kind === Kind.Scalar) {
          value = scalarData(v);
          if (value === undefined) hasUndefined = true;
        }
        setKey(obj, k, value);
      }
      node.data = obj;
    }
    // The children in document order (keys before their values: a key's anchor can be
    // aliased later). Aliases have no content: they are closed on the spot, up to the
    // first collection; from there every child is stacked (a later alias may
    // name a node inside that collection), and the stacked ones are reversed to be walked
    // in document order.
    const from = stack.length;
    let stacking = !closeScalars;
    const child = (n: LNode | null, seg: string | number): void => {
      // A scalar needs nothing more (its data is in place), except past the depth limit.
      if (n === null || (closeScalars && n.kind === Kind.Scalar)) return;
      if (!stacking && (n.kind === Kind.Scalar || n.kind === Kind.Alias)) leaf(n, e, seg);
      else {
        stacking = true;
        stack.push({ node: n, depth: depth + 1, exit: false, parent: e, seg });
      }
    };
    if (node.kind === Kind.Map) {
      const keys = node.keys!;
      for (let i = 0; i < items.length; i++) {
        const key = keys[i]!;
        const item = items[i]!;
        // Both scalars (nothing to walk): no pointer segment needed.
        if (closeScalars && (key === null || key.kind === Kind.Scalar) && (item === null || item.kind === Kind.Scalar)) continue;
        const seg = keyText(key);
        child(key, seg);
        child(item, seg);
      }
    } else {
      for (let i = 0; i < items.length; i++) child(items[i]!, i);
    }
    reverse(stack, from);
  }
  if (errored) return undefined;
  return dataOf(root);
}

/** obj[k] = value, a `__proto__` key as an own property. */
function setKey(obj: Record<string, unknown>, k: string, value: unknown): void {
  if (k === '__proto__') Object.defineProperty(obj, k, { value, writable: true, enumerable: true, configurable: true });
  else obj[k] = value;
}

/** Reverses stack[from..] in place. */
function reverse<T>(a: T[], from: number): void {
  for (let i = from, j = a.length - 1; i < j; i++, j--) [a[i], a[j]] = [a[j]!, a[i]!];
}

/**
 * Offset and pointer of the first node (in document order) nested deeper than MAX_DEPTH, counting as
 * checkShape does (the root collection is depth 0), or undefined. Walks the CST without
 * recursion, so any depth is safe. The pointer is built only for the node it reports.
 */
function tooDeepOffset(tokens: CST.Token[]): { offset: number; ptr: string } | undefined {
  interface Entry {
    tok: CST.Token | null | undefined;
    depth: number;
    parent?: Entry;
    /** The key token (in a mapping) or the index (in a sequence) under `parent`. */
    at?: CST.Token | number | null;
  }
  const stack: Entry[] = [];
  for (const d of [...tokens].reverse()) if (d.type === 'document') stack.push({ tok: d.value, depth: 0 });
  const isCollection = (t: CST.Token | null | undefined): t is CST.BlockMap | CST.BlockSequence | CST.FlowCollection =>
    !!t && (t.type === 'block-map' || t.type === 'block-seq' || t.type === 'flow-collection');
  const pointerOf = (e: Entry): string => {
    const segs: string[] = [];
    for (let cur: Entry | undefined = e; cur?.parent; cur = cur.parent) {
      const at = cur.at;
      // onError given: without it resolveAsScalar throws on a bad scalar (e.g. `x).
      segs.push(typeof at === 'number' ? String(at) : String((at && CST.resolveAsScalar(at, true, () => undefined)?.value) ?? ''));
    }
    return segs.reverse().map((s) => pointer(s)).join('');
  };
  while (stack.length > 0) {
    const e = stack.pop()!;
    const { tok, depth } = e;
    if (!tok) continue;
    const scalar = tok.type === 'scalar' || tok.type === 'single-quoted-scalar' || tok.type === 'double-quoted-scalar' || tok.type === 'alias' || tok.type === 'block-scalar';
    if (!isCollection(tok) && !scalar) continue;
    if (depth > MAX_DEPTH) return { offset: tok.offset, ptr: pointerOf(e) };
    if (!isCollection(tok)) continue;
    const isMapping = tok.type === 'block-map' || (tok.type === 'flow-collection' && tok.start.source === '{');
    const items = tok.items as CST.CollectionItem[];
    for (let i = items.length - 1; i >= 0; i--) {
      const { key, value } = items[i]!;
      stack.push({ tok: value, depth: depth + 1, parent: e, at: isMapping ? (key ?? null) : i });
      // A scalar key sits at its map's level (checkShape does not count it); a
      // collection as key (rejected later as a non-string key) still nests. Its pointer
      // is its map's.
      if (isCollection(key)) stack.push({ tok: key, depth: depth + 1, parent: e.parent, at: e.at });
    }
  }
  return undefined;
}

function tooDeep(file: string, text: string, counter: LineCounter, e: unknown): Diagnostic {
  if (!(e instanceof RangeError)) throw e;
  const src = new YamlSourceIndex(file, text, counter);
  return new Reporter(src).reportAt(D.TooDeep, '', { limit: MAX_DEPTH }, src.at(0));
}

function dedupe(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    const k = `${d.code}:${d.line}:${d.column}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Byte offset of the first byte that breaks UTF-8 decoding. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const n = b < 0x80 ? 1 : b >> 5 === 0b110 ? 2 : b >> 4 === 0b1110 ? 3 : b >> 3 === 0b11110 ? 4 : 0;
    if (n === 0) return i;
    for (let k = 1; k < n; k++) if (((bytes[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    i += n;
  }
  return i;
}
