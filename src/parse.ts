/**
 * Stage 1: parse. Bytes -> RawSpec: the YAML document, its plain data, and a SourceIndex
 * that turns JSON pointers into file:line:column. Everything a hostile file can do to a
 * YAML parser (invalid UTF-8, duplicate keys, alias bombs, deep nesting, sheer size) ends
 * here as a located diagnostic.
 */
import { Composer, Document, isAlias, isMap, isPair, isScalar, isSeq, Lexer, LineCounter, Parser, YAMLParseError } from 'yaml';
import { CST } from 'yaml';
import type { Alias, Node as YamlNode, Pair, YAMLMap } from 'yaml';
import { D } from './diagnostics/catalogue.js';
import { parsePointer, pointer, Reporter } from './diagnostics/diagnostic.js';
import type { Diagnostic, SourceIndex, SourceLocation } from './diagnostics/diagnostic.js';

/** Specs are a few kilobytes; this bounds what a pull request can make the parser chew. */
export const MAX_SPEC_BYTES = 1024 * 1024;
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

/** Locates pointers in one parsed YAML document. */
export class YamlSourceIndex implements SourceIndex {
  private lines?: string[];

  constructor(
    readonly file: string,
    readonly text: string,
    private readonly counter: LineCounter,
    private readonly doc?: Document.Parsed,
  ) {}

  at(offset: number): SourceLocation {
    const { line, col } = this.counter.linePos(Math.max(0, Math.min(offset, this.text.length)));
    return { file: this.file, line: Math.max(1, line), column: Math.max(1, col) };
  }

  /** Each alias's node, found once for the whole document (yaml's Alias.resolve walks it all per call). */
  private aliasTargets?: Map<Alias, YamlNode>;
  /** Each mapping's pairs by key, built the first time a pointer goes through it. */
  private readonly keyed = new Map<YAMLMap, Map<string, Pair>>();

  private pairOf(map: YAMLMap, key: string): Pair | undefined {
    let byKey = this.keyed.get(map);
    if (!byKey) {
      byKey = new Map();
      for (const p of map.items) if (isPair(p) && isScalar(p.key) && !byKey.has(String(p.key.value))) byKey.set(String(p.key.value), p as Pair);
      this.keyed.set(map, byKey);
    }
    return byKey.get(key);
  }

  /** The node at `ptr`, or the deepest existing ancestor's, as a text offset. */
  offsetOf(ptr: string, at: 'key' | 'value' = 'value'): number | undefined {
    if (!this.doc) return undefined;
    let node: unknown = this.doc.contents;
    let offset = (node as YamlNode | null)?.range?.[0] ?? 0;
    const segs = parsePointer(ptr);
    for (let i = 0; i < segs.length; i++) {
      const seg = segs[i]!;
      const last = i === segs.length - 1;
      if (isAlias(node)) node = (this.aliasTargets ??= resolveAliases(this.doc)).get(node);
      if (isMap(node)) {
        const pair = this.pairOf(node, seg);
        if (!pair) return offset;
        const keyStart = (pair.key as YamlNode).range?.[0] ?? offset;
        const value = pair.value as YamlNode | null;
        offset = (last && at === 'key') || !value?.range ? keyStart : value.range[0];
        node = value;
      } else if (isSeq(node)) {
        const item = node.items[Number(seg)] as YamlNode | undefined;
        if (!item?.range) return offset;
        offset = item.range[0];
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
 * keys: 49 s); `analyse` checks duplicates with one Set per mapping instead.
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

/** How spec text is parsed, here and when a DeferredSourceIndex parses it again. */
function parseYaml(text: string, counter: LineCounter): Document.Parsed {
  return compose(lex(text, counter), text);
}

/** The index of `text` with its parsed document, parsed as parseSpec parses it. */
export function fullIndex(file: string, text: string): YamlSourceIndex {
  const counter = new LineCounter();
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

const YAML_CODES: Record<string, typeof D.YamlSyntax | typeof D.DuplicateKey | typeof D.MultipleDocuments> = {
  DUPLICATE_KEY: D.DuplicateKey,
  MULTIPLE_DOCS: D.MultipleDocuments,
};

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
    const d = early.report(D.NotUtf8, '', {});
    d.line = lines.length;
    d.column = (lines.at(-1)?.length ?? 0) + 1;
    return { diagnostics: early.diagnostics };
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);

  const counter = new LineCounter();
  // The composer recurses once per nesting level: 10,000 levels overflow the stack, and
  // where depends on the machine. Measure on the CST first, which is built iteratively.
  const tokens = lexBounded(text, counter);
  if (!Array.isArray(tokens)) {
    const before = text.slice(0, tokens.tooMany);
    const line = before.split('\n').length;
    const column = tokens.tooMany - (before.lastIndexOf('\n') + 1) + 1;
    return { diagnostics: [{ code: D.TooManyValues.code, severity: 'error', message: D.TooManyValues.message({ limit: MAX_VALUES }), path: '', file, line, column }] };
  }
  const deep = tooDeepOffset(tokens);
  if (deep !== undefined) {
    const at = new YamlSourceIndex(file, text, counter);
    return { source: at, diagnostics: [{ code: D.TooDeep.code, severity: 'error', message: D.TooDeep.message({ limit: MAX_DEPTH }), path: deep.ptr, ...at.at(deep.offset) }] };
  }
  let doc: Document.Parsed;
  try {
    doc = compose(tokens, text);
  } catch (e) {
    return { diagnostics: [tooDeep(file, text, counter, e)] };
  }
  const source = new YamlSourceIndex(file, text, counter, doc);
  const report = new Reporter(source);

  if (doc.errors.length > 0) {
    for (const err of doc.errors) {
      const entry = YAML_CODES[err.code] ?? D.YamlSyntax;
      const loc = source.at(err.pos[0]);
      const detail = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+.*$/, '').replace(/\.$/, '');
      const key = err.code === 'DUPLICATE_KEY' ? (/^("[^"\n]*"|'[^'\n]*'|[^:\n]+)/.exec(text.slice(err.pos[0]))?.[1]?.trim() ?? detail) : detail;
      report.diagnostics.push({
        code: entry.code,
        severity: entry.severity,
        message: entry === D.DuplicateKey ? D.DuplicateKey.message({ key }) : entry.message({ detail } as never),
        path: '',
        ...loc,
      });
    }
    return { source, diagnostics: dedupe(report.diagnostics) };
  }

  const data = analyse(doc, source, report);
  if (report.hasErrors) return { source, diagnostics: report.diagnostics };
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    report.report(D.NotAMapping, '', {});
    return { source, diagnostics: report.diagnostics };
  }
  // A large spec keeps its document: parsing it again to locate a diagnostic would double
  // the time of a 1 MiB spec that reports one (issue 11, must-have 4), and one document is
  // no burden. Specs of usual size (1-2 KB) drop it (a run over thousands holds none).
  const kept = text.length > KEEP_DOCUMENT_ABOVE ? source : source.deferred();
  return { raw: { file, text, data, source: kept }, source: kept, diagnostics: report.diagnostics };
}

/** The value of a scalar as yaml's toJS gives it (a timestamp of YAML 1.1 as its ISO text). */
function scalarValue(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') return (v as { toJSON(): unknown }).toJSON();
  return v;
}

/**
 * Each alias of `doc` with the node it names: the last node before it (in document order)
 * that carries its anchor, as yaml's Alias.resolve finds it, in one walk. An alias inside
 * the node it names maps to that node (analyse reports it; an index only needs a node).
 */
function resolveAliases(doc: Document.Parsed): Map<Alias, YamlNode> {
  const anchors = new Map<string, YamlNode>();
  const out = new Map<Alias, YamlNode>();
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      if (target) out.set(node, target);
      continue;
    }
    const anchor = (node as YamlNode | null)?.anchor;
    if (anchor) anchors.set(anchor, node as YamlNode);
    if (isMap(node)) {
      for (let i = node.items.length - 1; i >= 0; i--) stack.push(node.items[i]!.value, node.items[i]!.key);
    } else if (isSeq(node)) {
      for (let i = node.items.length - 1; i >= 0; i--) stack.push(node.items[i]);
    }
  }
  return out;
}

/** What analyse knows of a node once it is closed: its value and what expanding it costs. */
interface Closed {
  value: unknown;
  /** Nodes of its expansion, itself included (capped). */
  size: number;
  /** Alias expansions inside it, nested ones included (capped). */
  aliases: number;
}
const CAP = 2 ** 40;

/**
 * The document as plain data, built in one walk without recursion, checking on the way
 * what a hostile file can do with YAML's structure. Each check is linear in the nodes of
 * the file, whatever the aliases do:
 * - nesting deeper than MAX_DEPTH (KS1006: the CST check catches it first; kept here so
 *   the walk never trusts it);
 * - keys that are not plain text (KS1009), and keys repeated in a mapping (KS1002: one Set
 *   per mapping);
 * - aliases: one that names no earlier anchor (KS1015), one inside the node it names
 *   (KS1013: its expansion never ends), and expansions that multiply the document: more
 *   than MAX_ALIAS_COUNT alias expansions (KS1005) or more than MAX_ALIASED_NODES values
 *   added by them (KS1014), reported at the alias that passes the limit. An alias's node
 *   always ends before the alias (else it would contain it), so its cost is known when
 *   the alias is reached.
 * Values of aliases are shared, as yaml's toJS shares them; the limits bound every later
 * walk over the data. Returns undefined when something was reported.
 */
function analyse(doc: Document.Parsed, source: YamlSourceIndex, report: Reporter): unknown {
  interface Entry {
    node: unknown;
    depth: number;
    exit: boolean;
    parent?: Entry;
    seg?: string | number;
  }
  const pointerOf = (e: Entry): string => {
    const segs: Array<string | number> = [];
    for (let cur: Entry | undefined = e; cur?.parent; cur = cur.parent) segs.push(cur.seg!);
    return segs.reverse().map((s) => pointer(s)).join('');
  };
  const push = (entry: { code: string; severity: 'error' | 'warning'; message: string }, e: Entry, offset: number): void => {
    report.diagnostics.push({ code: entry.code, severity: entry.severity, message: entry.message, path: pointerOf(e), ...source.at(offset) });
  };
  const anchors = new Map<string, YamlNode>();
  const open = new Set<unknown>();
  const closed = new Map<unknown, Closed>();
  let aliasCount = 0;
  let aliasedNodes = 0;
  /** Alias limits are reported once, at the first alias past them. */
  let aliasLimitReported = false;
  const valueOf = (node: unknown): Closed => (node === null || node === undefined ? { value: null, size: 1, aliases: 0 } : closed.get(node)!);

  const stack: Entry[] = [{ node: doc.contents, depth: 0, exit: false }];
  while (stack.length > 0) {
    const e = stack.pop()!;
    const { node, depth } = e;
    if (node === null || node === undefined) continue;
    const at = (node as YamlNode).range?.[0] ?? 0;
    if (e.exit) {
      open.delete(node);
      let size = 1, aliases = 0;
      let value: unknown;
      if (isMap(node)) {
        const obj: Record<string, unknown> = {};
        for (const pair of node.items) {
          const v = valueOf(pair.value);
          size = Math.min(CAP, size + v.size);
          aliases = Math.min(CAP, aliases + v.aliases);
          const k = String((pair.key as { value?: unknown } | null)?.value);
          if (k === '__proto__') Object.defineProperty(obj, k, { value: v.value, writable: true, enumerable: true, configurable: true });
          else obj[k] = v.value;
        }
        value = obj;
      } else {
        const items = (node as { items: unknown[] }).items;
        const arr: unknown[] = new Array<unknown>(items.length);
        for (let i = 0; i < items.length; i++) {
          const v = valueOf(items[i]);
          size = Math.min(CAP, size + v.size);
          aliases = Math.min(CAP, aliases + v.aliases);
          arr[i] = v.value;
        }
        value = arr;
      }
      closed.set(node, { value, size, aliases });
      continue;
    }
    if (depth > MAX_DEPTH) {
      push({ ...D.TooDeep, message: D.TooDeep.message({ limit: MAX_DEPTH }) }, e, at);
      return undefined;
    }
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      if (!target) {
        push({ ...D.UnknownAnchor, message: D.UnknownAnchor.message({ anchor: node.source }) }, e, at);
      } else if (open.has(target)) {
        push({ ...D.RecursiveAlias, message: D.RecursiveAlias.message({ anchor: node.source }) }, e, at);
      } else {
        const t = closed.get(target)!;
        aliasCount = Math.min(CAP, aliasCount + 1 + t.aliases);
        aliasedNodes = Math.min(CAP, aliasedNodes + t.size);
        if (!aliasLimitReported && aliasCount > MAX_ALIAS_COUNT) {
          aliasLimitReported = true;
          push({ ...D.AliasBomb, message: D.AliasBomb.message({ limit: MAX_ALIAS_COUNT }) }, e, at);
        } else if (!aliasLimitReported && aliasedNodes > MAX_ALIASED_NODES) {
          aliasLimitReported = true;
          push({ ...D.AliasExpansion, message: D.AliasExpansion.message({ limit: MAX_ALIASED_NODES }) }, e, at);
        }
        closed.set(node, { value: t.value, size: t.size, aliases: Math.min(CAP, 1 + t.aliases) });
      }
      if (!closed.has(node)) closed.set(node, { value: null, size: 1, aliases: 1 });
      continue;
    }
    const anchor = (node as YamlNode).anchor;
    if (anchor) anchors.set(anchor, node as YamlNode);
    if (isScalar(node)) {
      closed.set(node, { value: scalarValue(node.value), size: 1, aliases: 0 });
      continue;
    }
    if (!isMap(node) && !isSeq(node)) continue;
    open.add(node);
    stack.push({ ...e, exit: true });
    if (isMap(node)) {
      const keys = new Set<string>();
      for (let i = node.items.length - 1; i >= 0; i--) {
        const pair = node.items[i]!;
        const key = pair.key as YamlNode | null;
        const keyAt = key?.range?.[0] ?? at;
        if (!isScalar(key) || typeof key.value !== 'string') {
          push({ ...D.NonStringKey, message: D.NonStringKey.message({}) }, e, keyAt);
        }
        stack.push({ node: pair.value, depth: depth + 1, exit: false, parent: e, seg: String((key as { value?: unknown } | null)?.value) });
        // Keys are walked for their anchors (a key's anchor can be aliased later).
        if (key) stack.push({ node: key, depth: depth + 1, exit: false, parent: e, seg: String((key as { value?: unknown }).value) });
      }
      // Duplicates in document order: the second occurrence is reported.
      for (const pair of node.items) {
        const key = pair.key as YamlNode | null;
        if (!isScalar(key) || typeof key.value !== 'string') continue;
        if (keys.has(key.value)) push({ ...D.DuplicateKey, message: D.DuplicateKey.message({ key: key.value }) }, e, key.range?.[0] ?? at);
        else keys.add(key.value);
      }
    } else {
      for (let i = node.items.length - 1; i >= 0; i--) stack.push({ node: node.items[i], depth: depth + 1, exit: false, parent: e, seg: i });
    }
  }
  return report.hasErrors ? undefined : valueOf(doc.contents).value;
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
  return { code: D.TooDeep.code, severity: 'error', message: D.TooDeep.message({ limit: MAX_DEPTH }), path: '', ...src.at(0) };
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
