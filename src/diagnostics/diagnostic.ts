/**
 * A diagnostic is created with a JSON pointer into the spec; the pointer is resolved to a
 * file, line and column through the spec's SourceIndex when the diagnostic is created, so
 * every diagnostic that leaves the pipeline is located.
 */
import { fill, type ArgsOf, type Entry, type Severity } from './entry.js';

export type { Severity } from './entry.js';

export interface SourceLocation {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based, in characters. */
  column: number;
}

export interface Diagnostic extends SourceLocation {
  code: string;
  /** The catalogue entry's kebab-case id, printed next to the code. */
  id: string;
  severity: Severity;
  message: string;
  /** What to do, an imperative sentence. */
  fix: string;
  /** JSON pointer (RFC 6901) of the offending node; '' is the whole document. */
  path: string;
}

/** Resolves a JSON pointer to where it stands in the spec (or the file a value came from). */
export interface SourceIndex {
  /** `at: 'key'` points at the key of a mapping entry instead of its value. */
  locate(pointer: string, at?: 'key' | 'value'): SourceLocation;
  /** The source line (without newline) for a code frame, when the file is known. */
  lineText(file: string, line: number): string | undefined;
}

/** True when any of `ds` is an error. */
export const hasErrors = (ds: readonly Diagnostic[]): boolean => ds.some((d) => d.severity === 'error');

/**
 * Every diagnostic is made here, from its catalogue entry and the entry's arguments: the
 * message and fix are filled in (src/diagnostics/entry.ts formats the arguments).
 */
export function diagnosticOf<E extends Entry>(entry: E, args: ArgsOf<E>, pointer: string, loc: SourceLocation): Diagnostic {
  const a = args as Readonly<Record<string, unknown>>;
  return {
    code: entry.code,
    id: entry.id,
    severity: entry.severity,
    message: fill(entry.message, a),
    fix: fill(entry.fix, a),
    path: pointer,
    file: loc.file,
    line: loc.line,
    column: loc.column,
  };
}

/** A source with nothing to locate in: every pointer is line 1, column 1 of `file`. */
export function fileStart(file: string): SourceIndex {
  return { locate: () => ({ file, line: 1, column: 1 }), lineText: () => undefined };
}

export class Reporter {
  readonly diagnostics: Diagnostic[] = [];

  constructor(readonly source: SourceIndex) {}

  /** Reports `entry` at the node `pointer` names (its key with `at: 'key'`). */
  report<E extends Entry>(entry: E, pointer: string, args: ArgsOf<E>, at: 'key' | 'value' = 'value'): Diagnostic {
    return this.reportAt(entry, pointer, args, this.source.locate(pointer, at));
  }

  /** Reports `entry` at a location found otherwise (the parser knows offsets before there is a tree). */
  reportAt<E extends Entry>(entry: E, pointer: string, args: ArgsOf<E>, loc: SourceLocation): Diagnostic {
    const d = diagnosticOf(entry, args, pointer, loc);
    this.diagnostics.push(d);
    return d;
  }

  get hasErrors(): boolean {
    return hasErrors(this.diagnostics);
  }
}

/** JSON pointer helpers (RFC 6901). */
export function pointer(...segments: Array<string | number>): string {
  if (segments.length === 1) return '/' + escapeSegment(String(segments[0]));
  return segments.map((s) => '/' + escapeSegment(String(s))).join('');
}

function escapeSegment(s: string): string {
  return s.includes('~') || s.includes('/') ? s.replace(/~/g, '~0').replace(/\//g, '~1') : s;
}

export function parsePointer(p: string): string[] {
  if (p === '') return [];
  if (!p.includes('~')) return p.slice(1).split('/');
  return p
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The value at a JSON pointer in plain data (own properties only), or undefined. */
export function valueAt(data: unknown, ptr: string): unknown {
  let v = data;
  for (const seg of parsePointer(ptr)) {
    if (v === null || typeof v !== 'object' || !Object.prototype.hasOwnProperty.call(v, seg)) return undefined;
    v = (v as Record<string, unknown>)[seg];
  }
  return v;
}

/** Order for printing: file, line, column, code. Stable for equal keys. */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return (
    (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
    a.line - b.line ||
    a.column - b.column ||
    (a.code < b.code ? -1 : a.code > b.code ? 1 : 0)
  );
}
