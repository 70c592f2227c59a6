/**
 * Stage 1: parse. Bytes -> RawSpec: the YAML document, its plain data, and a SourceIndex
 * that turns JSON pointers into file:line:column. Everything a hostile file can do to a
 * YAML parser (invalid UTF-8, duplicate keys, alias bombs, deep nesting, sheer size) ends
 * here as a located diagnostic.
 */
import { Alias, Document, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, Parser } from 'yaml';
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
  doc: Document.Parsed;
  /** The document as plain JSON data (aliases expanded). */
  data: unknown;
  source: YamlSourceIndex;
}

export interface ParseResult {
  raw?: RawSpec;
  /** Present whenever the bytes decoded, for code frames even when parsing failed. */
  source?: YamlSourceIndex;
  diagnostics: Diagnostic[];
}

/** Locates pointers in one parsed YAML document. */
export class YamlSourceIndex implements SourceIndex {
  private readonly lines: string[];

  constructor(
    readonly file: string,
    readonly text: string,
    private readonly counter: LineCounter,
    private readonly doc?: Document.Parsed,
  ) {
    this.lines = text.split(/\r?\n/);
  }

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
    return file === this.file ? this.lines[line - 1] : undefined;
  }
  /** The same index without the parsed document (see DeferredSourceIndex). */
  deferred(): DeferredSourceIndex {
    return new DeferredSourceIndex(this.file, this.text);
  }
}

/** How spec text is parsed, here and when a DeferredSourceIndex parses it again. */
function parseYaml(text: string, counter: LineCounter): Document.Parsed {
  return parseDocument(text, { lineCounter: counter, uniqueKeys: true, prettyErrors: false, strict: true });
}

/**
 * What a compile result keeps of its source once the pipeline is done: the text only. The
 * parsed document costs ~20 KB a spec, so a run over thousands of specs would hold them
 * all; it is parsed again, the same way, only if a later step (a duplicate name, an output
 * error) reports at a pointer.
 */
export class DeferredSourceIndex implements SourceIndex {
  private full?: YamlSourceIndex;

  constructor(
    readonly file: string,
    readonly text: string,
  ) {}

  private index(): YamlSourceIndex {
    if (!this.full) {
      const counter = new LineCounter();
      this.full = new YamlSourceIndex(this.file, this.text, counter, parseYaml(this.text, counter));
    }
    return this.full;
  }

  locate(ptr: string, at: 'key' | 'value' = 'value'): SourceLocation {
    return this.index().locate(ptr, at);
  }

  lineText(file: string, line: number): string | undefined {
    return file === this.file ? this.text.split(/\r?\n/)[line - 1] : undefined;
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
  const cstLines = new LineCounter();
  const deep = tooDeepOffset(text, cstLines);
  if (deep !== undefined) {
    const at = new YamlSourceIndex(file, text, cstLines);
    return { source: at, diagnostics: [{ code: D.TooDeep.code, severity: 'error', message: D.TooDeep.message({ limit: MAX_DEPTH }), path: deep.ptr, ...at.at(deep.offset) }] };
  }
  let doc: Document.Parsed;
  try {
    doc = parseYaml(text, counter);
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
  return { raw: { file, text, doc, data, source }, source, diagnostics: report.diagnostics };
}

/**
 * Walks the node tree without recursion: rejects nesting deeper than MAX_DEPTH and keys
 * that are not plain scalars. Returns false when nesting is too deep.
 */
function checkShape(doc: Document.Parsed, source: YamlSourceIndex, report: Reporter): boolean {
  const stack: Array<{ node: unknown; depth: number; ptr: string }> = [{ node: doc.contents, depth: 0, ptr: '' }];
  while (stack.length > 0) {
    const { node, depth, ptr } = stack.pop()!;
    if (depth > MAX_DEPTH) {
      const off = (node as YamlNode).range?.[0] ?? 0;
      report.diagnostics.push({ code: D.TooDeep.code, severity: 'error', message: D.TooDeep.message({ limit: MAX_DEPTH }), path: ptr, ...source.at(off) });
      return false;
    }
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isScalar(pair.key) || typeof pair.key.value === 'object' || typeof pair.key.value === 'boolean' || typeof pair.key.value === 'number') {
          const off = (pair.key as YamlNode | null)?.range?.[0] ?? node.range?.[0] ?? 0;
          report.diagnostics.push({ code: D.NonStringKey.code, severity: 'error', message: D.NonStringKey.message({}), path: ptr, ...source.at(off) });
          continue;
        }
        stack.push({ node: pair.value, depth: depth + 1, ptr: ptr + pointer(String(pair.key.value)) });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => stack.push({ node: item, depth: depth + 1, ptr: ptr + pointer(i) }));
    }
  }
  return true;
}

/**
 * Offset and pointer of the first node (in document order) nested deeper than MAX_DEPTH, counting as
 * checkShape does (the root collection is depth 0), or undefined. Walks the CST without
 * recursion, so any depth is safe. `lines` learns the line starts, to locate the offset.
 */
function tooDeepOffset(text: string, lines: LineCounter): { offset: number; ptr: string } | undefined {
  const stack: Array<{ tok: CST.Token | null | undefined; depth: number; ptr: string }> = [];
  const docs = [...new Parser(lines.addNewLine).parse(text)];
  for (const d of docs.reverse()) if (d.type === 'document') stack.push({ tok: d.value, depth: 0, ptr: '' });
  const isCollection = (t: CST.Token | null | undefined): t is CST.BlockMap | CST.BlockSequence | CST.FlowCollection =>
    !!t && (t.type === 'block-map' || t.type === 'block-seq' || t.type === 'flow-collection');
  while (stack.length > 0) {
    const { tok, depth, ptr } = stack.pop()!;
    if (!tok) continue;
    const scalar = tok.type === 'scalar' || tok.type === 'single-quoted-scalar' || tok.type === 'double-quoted-scalar' || tok.type === 'alias' || tok.type === 'block-scalar';
    if (!isCollection(tok) && !scalar) continue;
    if (depth > MAX_DEPTH) return { offset: tok.offset, ptr };
    if (!isCollection(tok)) continue;
    const isMapping = tok.type === 'block-map' || (tok.type === 'flow-collection' && tok.start.source === '{');
    const items = tok.items as CST.CollectionItem[];
    for (let i = items.length - 1; i >= 0; i--) {
      const { key, value } = items[i]!;
      // onError given: without it resolveAsScalar throws on a bad scalar (e.g. `x).
      const seg = isMapping ? String((key && CST.resolveAsScalar(key, true, () => undefined)?.value) ?? '') : String(i);
      stack.push({ tok: value, depth: depth + 1, ptr: ptr + pointer(seg) });
      // A scalar key sits at its map's level (checkShape does not count it); a
      // collection as key (rejected later as a non-string key) still nests.
      if (isCollection(key)) stack.push({ tok: key, depth: depth + 1, ptr });
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
