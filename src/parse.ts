/**
 * Stage 1: parse. Bytes -> RawSpec: the YAML document, its plain data, and a SourceIndex
 * that turns JSON pointers into file:line:column. Everything a hostile file can do to a
 * YAML parser (invalid UTF-8, duplicate keys, alias bombs, deep nesting, sheer size) ends
 * here as a located diagnostic.
 */
import { Alias, Composer, Document, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, Parser, YAMLParseError } from 'yaml';
import { CST } from 'yaml';
import type { Node as YamlNode } from 'yaml';
import { D } from './diagnostics/catalogue.js';
import { parsePointer, pointer, Reporter } from './diagnostics/diagnostic.js';
import type { Diagnostic, SourceIndex, SourceLocation } from './diagnostics/diagnostic.js';

/** Specs are a few kilobytes; this bounds what a pull request can make the parser chew. */
export const MAX_SPEC_BYTES = 1024 * 1024;
export const MAX_ALIAS_COUNT = 100;
export const MAX_DEPTH = 64;

export interface RawSpec {
  file: string;
  text: string;
  /** The document as plain JSON data (aliases expanded). */
  data: unknown;
  /**
   * Locates pointers without the parsed document: it is dropped right after parsing, so
   * it dies young instead of living (and being promoted by the GC) through every later
   * stage of the spec; the few specs that report something later parse again, once.
   * (A spec with a parse diagnostic never gets here: they are all errors.)
   */
  source: DeferredSourceIndex;
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

  /** The node at `ptr`, or the deepest existing ancestor's, as a text offset. */
  offsetOf(ptr: string, at: 'key' | 'value' = 'value'): number | undefined {
    if (!this.doc) return undefined;
    let node: unknown = this.doc.contents;
    let offset = (node as YamlNode | null)?.range?.[0] ?? 0;
    const segs = parsePointer(ptr);
    for (let i = 0; i < segs.length; i++) {
      const seg = segs[i]!;
      const last = i === segs.length - 1;
      if (isAlias(node)) node = (node as Alias).resolve(this.doc);
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === seg);
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

const YAML_OPTIONS = { uniqueKeys: true, prettyErrors: false, strict: true } as const;

/** The CST of `text`, as yaml's Parser gives it; `counter` learns the line starts. */
function lex(text: string, counter: LineCounter): CST.Token[] {
  return [...new Parser(counter.addNewLine).parse(text)];
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
  const tokens = lex(text, counter);
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

  const depthOk = checkShape(doc, source, report);
  if (!depthOk || report.hasErrors) return { source, diagnostics: report.diagnostics };

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    if (e instanceof ReferenceError || /alias/i.test(String((e as Error).message))) {
      report.report(D.AliasBomb, '', { limit: MAX_ALIAS_COUNT });
      return { source, diagnostics: report.diagnostics };
    }
    return { diagnostics: [tooDeep(file, text, counter, e)] };
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    report.report(D.NotAMapping, '', {});
    return { source, diagnostics: report.diagnostics };
  }
  const kept = source.deferred();
  return { raw: { file, text, data, source: kept }, source: kept, diagnostics: report.diagnostics };
}

/**
 * Walks the node tree without recursion: rejects nesting deeper than MAX_DEPTH and keys
 * that are not plain scalars. Returns false when nesting is too deep. Pointers are built
 * only for what is reported.
 */
function checkShape(doc: Document.Parsed, source: YamlSourceIndex, report: Reporter): boolean {
  interface Entry {
    node: unknown;
    depth: number;
    parent?: Entry;
    seg?: string | number;
  }
  const pointerOf = (e: Entry): string => {
    const segs: Array<string | number> = [];
    for (let cur: Entry | undefined = e; cur?.parent; cur = cur.parent) segs.push(cur.seg!);
    return segs.reverse().map((s) => pointer(s)).join('');
  };
  const stack: Entry[] = [{ node: doc.contents, depth: 0 }];
  while (stack.length > 0) {
    const e = stack.pop()!;
    const { node, depth } = e;
    if (depth > MAX_DEPTH) {
      const off = (node as YamlNode).range?.[0] ?? 0;
      report.diagnostics.push({ code: D.TooDeep.code, severity: 'error', message: D.TooDeep.message({ limit: MAX_DEPTH }), path: pointerOf(e), ...source.at(off) });
      return false;
    }
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isScalar(pair.key) || typeof pair.key.value === 'object' || typeof pair.key.value === 'boolean' || typeof pair.key.value === 'number') {
          const off = (pair.key as YamlNode | null)?.range?.[0] ?? node.range?.[0] ?? 0;
          report.diagnostics.push({ code: D.NonStringKey.code, severity: 'error', message: D.NonStringKey.message({}), path: pointerOf(e), ...source.at(off) });
          continue;
        }
        stack.push({ node: pair.value, depth: depth + 1, parent: e, seg: String(pair.key.value) });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => stack.push({ node: item, depth: depth + 1, parent: e, seg: i }));
    }
  }
  return true;
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
