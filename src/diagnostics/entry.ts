/**
 * What a catalogue entry is, and how its message and fix become text. An entry is plain
 * data:
 *
 *   { code: 'KS1002', id: 'duplicate-key', severity: 'error',
 *     message: "Key '{key}' appears more than once in this mapping.",
 *     fix: 'Keep one of them.' }
 *
 * `code` is stable (users suppress by it; see src/diagnostics/ranges.ts for who owns which
 * codes), `id` is the printed kebab-case name, `message` says what is wrong in one short
 * sentence, `fix` says what to do, imperatively. Both are templates: `{name}` stands for an
 * argument, `{name:format}` for an argument formatted one of the ways below. Arguments are
 * type-checked: `ArgsOf<entry>` has exactly one property per placeholder, of the type its
 * format takes, so a call that misses an argument does not compile.
 *
 * Formats (this file is the one place that formats arguments):
 * - `{name}`: a string or number. A string longer than 300 characters is clipped (a value
 *   in a spec may be thousands of characters long).
 * - `{name:list}`: a list of strings, each quoted: `'a', 'b', 'c'`; an empty list is `(none)`.
 * - `{name:suggest}`: a string, or left out: ` Did you mean 'x'?` at the end of a message,
 *   or nothing.
 * - `{name:json}`: a string as a JSON string literal, for values that may hold anything.
 */

export type Severity = 'error' | 'warning';

export interface Entry {
  /** `KS` and four or five digits, in the range of the stage or target that owns the entry. */
  readonly code: string;
  /** Kebab-case name, printed next to the code (text, JSON), the GitHub annotation title, the SARIF rule name. */
  readonly id: string;
  readonly severity: Severity;
  /** What is wrong: one short sentence (a template). */
  readonly message: string;
  /** What to do: an imperative sentence (a template). */
  readonly fix: string;
}

/** A group of entries, by the name call sites use (`D.DuplicateKey`). */
export type Entries = Readonly<Record<string, Entry>>;

type Placeholders<S extends string> = S extends `${string}{${infer P}}${infer R}` ? P | Placeholders<R> : never;
type NameOf<P extends string> = P extends `${infer N}:${string}` ? N : P;
type TypeOf<P extends string> = P extends `${string}:list`
  ? readonly string[]
  : P extends `${string}:suggest`
    ? string | undefined
    : P extends `${string}:json`
      ? string
      : string | number;

type Used<E extends Entry> = Placeholders<E['message'] | E['fix']>;
/** The arguments of an entry: one per placeholder of its message and fix (a suggestion may be left out). */
export type ArgsOf<E extends Entry> = { readonly [P in Exclude<Used<E>, `${string}:suggest`> as NameOf<P>]: TypeOf<P> } & {
  readonly [P in Extract<Used<E>, `${string}:suggest`> as NameOf<P>]?: string | undefined;
};

/** A value's own text cut to a readable length. */
export const MAX_ARG = 300;
const shown = (s: string): string => (s.length > MAX_ARG ? `${s.slice(0, 240)}…(${s.length} characters)` : s);

/** Lists are written once per list: an unknown key's fix repeats its mapping's keys, once per unknown key. */
const listed = new WeakMap<readonly string[], string>();
function list(xs: readonly string[]): string {
  let s = listed.get(xs);
  if (s === undefined) listed.set(xs, (s = xs.length === 0 ? '(none)' : xs.map((x) => `'${shown(x)}'`).join(', ')));
  return s;
}

function formatArg(value: unknown, format: string | undefined): string {
  switch (format) {
    case 'list':
      return Array.isArray(value) ? list(value as string[]) : shown(String(value));
    case 'suggest':
      return value === undefined || value === '' ? '' : ` Did you mean '${shown(String(value))}'?`;
    case 'json':
      return JSON.stringify(shown(String(value)));
    default:
      return typeof value === 'string' ? shown(value) : String(value);
  }
}

/** Shows each placeholder as the docs and SARIF rules print it. */
function placeholderText(name: string, format: string | undefined): string {
  return format === 'suggest' ? ` [Did you mean '<${name}>'?]` : `<${name}>`;
}

const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9]*)(?::([a-z]+))?\}/g;

/** A template with its placeholders filled in from `args`. */
export function fill(template: string, args: Readonly<Record<string, unknown>>): string {
  if (!template.includes('{')) return template;
  return template.replace(PLACEHOLDER, (_m, name: string, format: string | undefined) => formatArg(args[name], format));
}

/** A template with each placeholder shown as `<name>` (docs/diagnostics.md, SARIF rule help). */
export function template(text: string): string {
  return text.replace(PLACEHOLDER, (_m, name: string, format: string | undefined) => placeholderText(name, format));
}

/** The names and formats of the placeholders in a template (for the catalogue test). */
export function placeholders(text: string): Array<{ name: string; format: string | undefined }> {
  return [...text.matchAll(PLACEHOLDER)].map((m) => ({ name: m[1]!, format: m[2] }));
}

/** The formats `fill` knows. */
export const FORMATS: ReadonlySet<string> = new Set(['list', 'suggest', 'json']);

/** An entry's message with its arguments. */
export function message<E extends Entry>(e: E, args: ArgsOf<E>): string {
  return fill(e.message, args as Readonly<Record<string, unknown>>);
}

/** An entry's fix with its arguments. */
export function fix<E extends Entry>(e: E, args: ArgsOf<E>): string {
  return fill(e.fix, args as Readonly<Record<string, unknown>>);
}
