/**
 * A diagnostic is created with a JSON pointer into the spec; the pointer is resolved to a
 * file, line and column through the spec's SourceIndex when the diagnostic is created, so
 * every diagnostic that leaves the pipeline is located.
 */
import type { CatalogueEntry } from './catalogue.js';

export type Severity = 'error' | 'warning';

export interface SourceLocation {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based, in characters. */
  column: number;
}

export interface Diagnostic extends SourceLocation {
  code: string;
  severity: Severity;
  message: string;
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

export class Reporter {
  readonly diagnostics: Diagnostic[] = [];

  constructor(readonly source: SourceIndex) {}

  report<A>(entry: CatalogueEntry<A>, pointer: string, args: A, at: 'key' | 'value' = 'value'): Diagnostic {
    const loc = this.source.locate(pointer, at);
    const d: Diagnostic = { code: entry.code, severity: entry.severity, message: entry.message(args), path: pointer, file: loc.file, line: loc.line, column: loc.column };
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
