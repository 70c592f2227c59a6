/**
 * A diagnostic is created with a JSON pointer into the spec; the pointer is resolved to a
 * file, line and column through the spec's SourceIndex when the diagnostic is created, so
 * every diagnostic that leaves the pipeline is located.
 */
import { fill, type ArgsOf, type Entry, type Severity } from './entry.js';
import { PARSE } from './catalogue.js';

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

/**
 * Diagnostics of one code a Reporter keeps (issue 11.4). Past this, a diagnostic of that
 * code is counted, not located or written: one KS1017 warning (PARSE.NotCollected) stands
 * for them all, at the first one's place, with their number. Printing shows far fewer
 * anyway (MAX_PRINTED_PER_FILE, src/diagnostics/safe.ts); what this bounds is the work:
 * 50,000 unknown keys in a 1 MiB spec cost more to locate and word than to parse.
 */
export const MAX_COLLECTED_PER_CODE = 1000;

/** The arguments of an entry, or a function giving them (called only for a diagnostic that is kept). */
export type ArgsFor<E extends Entry> = ArgsOf<E> | (() => ArgsOf<E>);

/**
 * What report() returns for a diagnostic it counted instead of keeping: code and path, no
 * place or words. Two fields, the rest read from its entry or constant (a 1 MiB spec may
 * give 50,000 of these, each alive until validate has looked at it).
 */
class StandIn implements Diagnostic {
  constructor(
    private readonly entry: Entry,
    readonly path: string,
  ) {}
  get code(): string {
    return this.entry.code;
  }
  get id(): string {
    return this.entry.id;
  }
  get severity(): Severity {
    return this.entry.severity;
  }
  get message(): string {
    return '';
  }
  get fix(): string {
    return '';
  }
  get file(): string {
    return '';
  }
  get line(): number {
    return 0;
  }
  get column(): number {
    return 0;
  }
}

interface NotCollected {
  count: number;
  summary: Diagnostic;
}

export class Reporter {
  readonly diagnostics: Diagnostic[] = [];
  /** Diagnostics kept, by code. */
  private readonly kept = new Map<string, number>();
  /** Diagnostics counted past the limit, by code, and the warning that says so. */
  private readonly notCollected = new Map<string, NotCollected>();

  constructor(
    readonly source: SourceIndex,
    /** Diagnostics kept per code (tests lower it). */
    readonly limit = MAX_COLLECTED_PER_CODE,
  ) {}

  /**
   * Reports `entry` at the node `pointer` names (its key with `at: 'key'`). Past the limit
   * of its code it is only counted, and what is returned is a stand-in that is not in
   * `diagnostics` (code and path only, line 0): give it to retract() to take it back.
   */
  report<E extends Entry>(entry: E, pointer: string, args: ArgsFor<E>, at: 'key' | 'value' = 'value'): Diagnostic {
    if (this.full(entry)) return this.count(entry, pointer, undefined, at);
    return this.keep(entry, pointer, args, this.source.locate(pointer, at));
  }

  /** Reports `entry` at a location found otherwise (the parser knows offsets before there is a tree). */
  reportAt<E extends Entry>(entry: E, pointer: string, args: ArgsFor<E>, loc: SourceLocation): Diagnostic {
    if (this.full(entry)) return this.count(entry, pointer, loc);
    return this.keep(entry, pointer, args, loc);
  }

  /**
   * Takes back a diagnostic this reporter returned: a kept one leaves `diagnostics`, a
   * counted one leaves its count (and the KS1017 warning goes with the last).
   */
  retract(d: Diagnostic): void {
    if (d instanceof StandIn) {
      const n = this.notCollected.get(d.code);
      if (n && --n.count === 0) {
        this.notCollected.delete(d.code);
        this.drop(n.summary);
      }
      return;
    }
    if (this.drop(d)) this.kept.set(d.code, (this.kept.get(d.code) ?? 1) - 1);
  }

  get hasErrors(): boolean {
    return hasErrors(this.diagnostics);
  }

  private full(entry: Entry): boolean {
    return entry !== PARSE.NotCollected && (this.kept.get(entry.code) ?? 0) >= this.limit;
  }

  private keep<E extends Entry>(entry: E, pointer: string, args: ArgsFor<E>, loc: SourceLocation): Diagnostic {
    const d = diagnosticOf(entry, typeof args === 'function' ? args() : args, pointer, loc);
    this.kept.set(entry.code, (this.kept.get(entry.code) ?? 0) + 1);
    this.diagnostics.push(d);
    return d;
  }

  /**
   * One more diagnostic of `entry` past the limit; the first one places the KS1017 warning
   * (at `loc`, else located from the pointer: only then, not for every one counted).
   */
  private count(entry: Entry, pointer: string, loc: SourceLocation | undefined, at: 'key' | 'value' = 'value'): Diagnostic {
    this.tallyOne(entry, () => pointer, loc, at);
    return new StandIn(entry, pointer);
  }

  /**
   * Whether a diagnostic of `entry` reported now would only be counted (its code has
   * reached the limit). With `tally`, for callers with many diagnostics of one code to
   * report (validate's unknown keys of one mapping): past the limit, nothing is made.
   */
  counts(entry: Entry): boolean {
    return this.full(entry);
  }

  /**
   * Counts one diagnostic of `entry`, as report() does past the limit, without a stand-in
   * to retract: for a caller that has already decided it stays. `pointer` is called only
   * by the first one counted, which places the KS1017 warning there.
   */
  tally(entry: Entry, pointer: () => string, at: 'key' | 'value' = 'value'): void {
    this.tallyOne(entry, pointer, undefined, at);
  }

  /**
   * tally() at `base`, or at its entry `key` (the pointer is made only for the first one
   * counted); `n` diagnostics at once, the first of them there.
   */
  tallyAt(entry: Entry, base: string, key: string | undefined, at: 'key' | 'value' = 'value', n = 1): void {
    const nc = this.notCollected.get(entry.code);
    if (nc) nc.count += n;
    else {
      this.tallyOne(entry, () => (key === undefined ? base : base + pointer(key)), undefined, at);
      this.notCollected.get(entry.code)!.count += n - 1;
    }
  }

  private tallyOne(entry: Entry, pointer: () => string, loc: SourceLocation | undefined, at: 'key' | 'value'): void {
    let n = this.notCollected.get(entry.code);
    if (!n) {
      const state: NotCollected = { count: 0, summary: undefined as unknown as Diagnostic };
      const words = () => ({ count: state.count, code: entry.code, id: entry.id, limit: this.limit });
      const ptr = pointer();
      const summary = diagnosticOf(PARSE.NotCollected, words(), ptr, loc ?? this.source.locate(ptr, at));
      // The count grows with every diagnostic counted: the message is worded when read.
      Object.defineProperty(summary, 'message', { get: () => fill(PARSE.NotCollected.message, words()), enumerable: true, configurable: true });
      state.summary = summary;
      this.notCollected.set(entry.code, (n = state));
      this.diagnostics.push(summary);
    }
    n.count++;
  }

  /** Removes `d` from `diagnostics`; false when it was not there. */
  private drop(d: Diagnostic): boolean {
    const i = this.diagnostics.lastIndexOf(d);
    if (i < 0) return false;
    this.diagnostics.splice(i, 1);
    return true;
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
