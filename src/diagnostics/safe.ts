/**
 * What keeps printed diagnostics bounded and inert, in every format (issue 11): at most
 * MAX_PRINTED_PER_FILE per file, text clipped, code frames cut to a window, control
 * characters escaped. Used by src/diagnostics/format.ts, github.ts and sarif.ts.
 */
import { PARSE } from './catalogue.js';
import type { Diagnostic } from './diagnostic.js';

/** Diagnostics printed per file; the rest are counted in one line. */
export const MAX_PRINTED_PER_FILE = 50;
/** Characters of a source line shown in a code frame, around the column. */
export const FRAME_WIDTH = 100;
/** Characters of a message or pointer printed (the middle is cut). */
export const MAX_TEXT = 600;

/**
 * Characters a terminal or a CI log would act on: C0 controls (tab and newline included),
 * DEL, C1 controls (0x9b is a CSI on some terminals), bidi embeddings, overrides and
 * isolates, and the Unicode line and paragraph separators.
 */
const CONTROL = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `s` with every control character written as an escape: `\x1b`, `\n`, `\u202e`. */
export function escapeControls(s: string): string {
  return s.replace(CONTROL, (c) => {
    const named = NAMED[c];
    if (named) return named;
    const n = c.charCodeAt(0);
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
  });
}

/** `s` cut in the middle to at most `max` characters (the start and the advice at the end stay). */
export function clip(s: string, max = MAX_TEXT): string {
  if (s.length <= max) return s;
  const head = Math.ceil(max * 0.6);
  const tail = max - head;
  return `${s.slice(0, head)}…(${s.length - max} characters cut)…${s.slice(s.length - tail)}`;
}

/** Text of a diagnostic as it may be printed anywhere: clipped, then escaped. */
export const safe = (s: string, max = MAX_TEXT): string => escapeControls(clip(s, max));

/** The diagnostics left out of a bounded list, per file, in the order the files came. */
export interface Omitted {
  file: string;
  errors: number;
  warnings: number;
}

/**
 * The first MAX_PRINTED_PER_FILE diagnostics of each file (in the given order), and what was
 * left out; every KS1017 (diagnostics not collected) is shown besides.
 */
export function boundDiagnostics(ds: readonly Diagnostic[], max = MAX_PRINTED_PER_FILE): { shown: Diagnostic[]; omitted: Omitted[] } {
  const perFile = new Map<string, number>();
  const omitted = new Map<string, Omitted>();
  const shown: Diagnostic[] = [];
  for (const d of ds) {
    // A KS1017 warning counts what was never collected (MAX_COLLECTED_PER_CODE): always
    // shown, so that what is printed adds up to what the spec holds.
    if (d.code === PARSE.NotCollected.code) {
      shown.push(d);
      continue;
    }
    const n = perFile.get(d.file) ?? 0;
    perFile.set(d.file, n + 1);
    if (n < max) shown.push(d);
    else {
      const o = omitted.get(d.file) ?? { file: d.file, errors: 0, warnings: 0 };
      if (d.severity === 'error') o.errors++;
      else o.warnings++;
      omitted.set(d.file, o);
    }
  }
  return { shown, omitted: [...omitted.values()] };
}

/** The line that counts what was left out of one file. */
export function omittedLine(o: Omitted): string {
  const n = o.errors + o.warnings;
  return `${safe(o.file)}: ${n} more diagnostic${n === 1 ? '' : 's'} not shown (${o.errors} error${o.errors === 1 ? '' : 's'}, ${o.warnings} warning${o.warnings === 1 ? '' : 's'}); fix the ones shown and run kspec again`;
}

/**
 * The part of `text` shown around 1-based `column`: at most FRAME_WIDTH source characters,
 * escaped, with `…` where it was cut, and the caret's 0-based position in what is shown.
 */
export function frameWindow(text: string, column: number, width = FRAME_WIDTH): { shown: string; caret: number } {
  const at = Math.max(0, Math.min(column - 1, text.length));
  let start = 0;
  let end = text.length;
  if (text.length > width) {
    start = Math.max(0, at - Math.floor(width / 2));
    end = Math.min(text.length, start + width);
    start = Math.max(0, end - width);
  }
  const show = (s: string): string => escapeControls(s.replace(/\t/g, ' '));
  const lead = start > 0 ? '…' : '';
  const before = lead + show(text.slice(start, at));
  return { shown: before + show(text.slice(at, end)) + (end < text.length ? '…' : ''), caret: before.length };
}

/**
 * Where the value or key that starts at 1-based `column` of `text` ends (1-based, exclusive,
 * as GitHub's endColumn and SARIF's endColumn), when it ends on that line: a quoted scalar
 * at its closing quote, a flow collection at its closing bracket, a plain scalar before
 * `: `, `,`, ` #` or a closing bracket. Undefined when it does not end on the line.
 */
export function endColumnOf(text: string | undefined, column: number): number | undefined {
  if (text === undefined) return undefined;
  const i = column - 1;
  if (i < 0 || i >= text.length) return undefined;
  const c = text[i]!;
  if (c === '"' || c === "'") {
    for (let j = i + 1; j < text.length; j++) {
      if (c === '"' && text[j] === '\\') j++;
      else if (text[j] === c) {
        if (c === "'" && text[j + 1] === "'") j++;
        else return j + 2;
      }
    }
    return undefined;
  }
  if (c === '[' || c === '{') {
    let depth = 0;
    for (let j = i; j < text.length; j++) {
      const x = text[j];
      if (x === '[' || x === '{') depth++;
      else if (x === ']' || x === '}') {
        if (--depth === 0) return j + 2;
      } else if (x === '"' || x === "'") {
        const end = endColumnOf(text, j + 1);
        if (end === undefined) return undefined;
        j = end - 2;
      }
    }
    return undefined;
  }
  let j = i;
  while (j < text.length) {
    const x = text[j]!;
    if (x === ',' || x === ']' || x === '}') break;
    if (x === ':' && (j + 1 === text.length || text[j + 1] === ' ')) break;
    if (x === '#' && text[j - 1] === ' ') break;
    j++;
  }
  while (j > i && text[j - 1] === ' ') j--;
  return j > i ? j + 1 : undefined;
}
