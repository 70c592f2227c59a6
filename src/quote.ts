/**
 * Quoting for each output language. The schema already restricts what a spec may say;
 * these functions are the second line: whatever reaches them comes out as one literal
 * word of the target language, or rendering stops with an UnsafeValueError.
 */

export class UnsafeValueError extends Error {
  constructor(
    readonly value: string,
    readonly context: string,
  ) {
    super(`value ${JSON.stringify(value)} cannot be used safely as ${context}`);
    this.name = 'UnsafeValueError';
  }
}

function asText(v: unknown, context: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new UnsafeValueError(String(v), context);
}

/** One POSIX shell word, single-quoted: nothing inside is expanded. */
export function shQuote(v: unknown): string {
  const s = asText(v, 'a shell word');
  if (s.includes('\0')) throw new UnsafeValueError(s, 'a shell word');
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Several shell words, each quoted, separated by spaces. */
export function shWords(vs: unknown): string {
  if (!Array.isArray(vs)) return shQuote(vs);
  return vs.map(shQuote).join(' ');
}

/**
 * A double-quoted string for Dockerfile instructions that expand variables (LABEL, ENV,
 * ARG): JSON escaping for quotes, backslashes and control characters, and `$` escaped so
 * BuildKit does not substitute it. Newlines are refused: they would end the instruction.
 */
export function dockerString(v: unknown): string {
  const s = asText(v, 'a Containerfile string');
  if (/[\r\n\0]/.test(s)) throw new UnsafeValueError(s, 'a Containerfile string');
  return JSON.stringify(s).replace(/\$/g, '\\$');
}

/**
 * A bare token for places where quoting is not possible (FROM image references, BuildKit
 * --mount options, file names): letters, digits and `._/:@+=-` only.
 */
export function token(v: unknown): string {
  const s = asText(v, 'a bare token');
  if (!/^[A-Za-z0-9][A-Za-z0-9._/:@+=-]*$/.test(s) || s.includes('..')) {
    throw new UnsafeValueError(s, 'a bare token');
  }
  return s;
}

/**
 * A whole number that reaches shell arithmetic or a manifest bare: a safe integer of at
 * least `min`, or the render stops. (The schema checked it; this is the second line.)
 */
export function wholeNumber(v: unknown, what: string, min = 0): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) throw new UnsafeValueError(String(v), what);
  return v;
}

/**
 * Text inside a `#` comment line (prose about a value, never run or copied as a
 * command): anything but control characters, which could end the comment.
 */
export function commentText(v: unknown): string {
  const s = asText(v, 'comment text');
  if (/[\x00-\x08\x0a-\x1f\x7f]/.test(s)) throw new UnsafeValueError(s, 'comment text');
  return s;
}

/** A JSON string literal; also a valid YAML double-quoted scalar. */
export function jsonString(v: unknown): string {
  return JSON.stringify(asText(v, 'a JSON string'));
}

/** JSON with object keys sorted at every level, two-space indent, final newline. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value), null, 2) + '\n';
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v as object).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortKeys(x);
    }
    return out;
  }
  return v;
}
