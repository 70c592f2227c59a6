/**
 * A small YAML writer in prettier's layout, for the workflow `kspec workflow` writes
 * (src/workflow.ts) and the jobs each target adds to it (src/targets/<platform>/workflow.ts).
 * Platform-neutral: nothing here imports the registry, so a target module can import it.
 *
 * A spec-derived string is a plain `string` node: `yamlScalar` writes it bare only when
 * YAML reads it back unchanged, else as a JSON string, and refuses `${{` (GitHub expands
 * expressions before any quoting). Our own fixed words and expressions are `Raw`, written
 * bare; `run:` scripts are `Block`s.
 */
import { jsonString, UnsafeValueError } from '../quote.js';

/** A fixed expression or word of ours, written bare. */
export class Raw {
  constructor(readonly text: string) {}
}
/** A literal block (`|`), for `run:` scripts. */
export class Block {
  constructor(readonly text: string) {}
}
/** A node of the workflow tree; a map's keys are emitted in insertion order. */
export type Node = string | number | boolean | null | Raw | Block | Node[] | { [k: string]: Node };

export const raw = (t: string): Raw => new Raw(t);
export const block = (lines: string[]): Block => new Block(lines.join('\n') + '\n');

const RESERVED = /^(?:true|false|yes|no|on|off|y|n|null|~)$/i;
const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./@+-]*$/;

/**
 * A spec-derived string as a YAML scalar: bare when it is a plain word YAML reads back as
 * the same string, else a double-quoted JSON string (valid YAML). Refuses what GitHub
 * would evaluate as an expression.
 */
export function yamlScalar(s: string): string {
  if (s.includes('${{')) throw new UnsafeValueError(s, 'a workflow value (GitHub evaluates ${{ }})');
  if (PLAIN.test(s) && !RESERVED.test(s)) return s;
  return jsonString(s);
}

function scalar(v: string | number | boolean | null | Raw): string {
  if (v instanceof Raw) return v.text;
  if (v === null) return '';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return yamlScalar(v);
}

function isMap(n: Node): n is { [k: string]: Node } {
  return n !== null && typeof n === 'object' && !Array.isArray(n) && !(n instanceof Raw) && !(n instanceof Block);
}

/** Appends the lines of a map or a sequence, indented by `indent` spaces, to `out`. */
export function emit(n: Node, indent: number, out: string[]): void {
  const pad = ' '.repeat(indent);
  if (isMap(n)) {
    for (const [k, v] of Object.entries(n)) out.push(...entry(`${pad}${k}:`, v, indent));
    return;
  }
  if (Array.isArray(n)) {
    for (const item of n) {
      if (isMap(item)) {
        const lines: string[] = [];
        emit(item, indent + 2, lines);
        lines[0] = `${pad}- ${lines[0]!.slice(indent + 2)}`;
        out.push(...lines);
      } else out.push(...entry(`${pad}-`, item, indent));
    }
    return;
  }
  throw new Error('a scalar cannot be emitted on its own');
}

function entry(head: string, v: Node, indent: number): string[] {
  if (v instanceof Block) {
    // Our scripts read values from the environment; a quoted path on a run: line is still
    // expanded by GitHub when it holds an expression.
    if (v.text.includes('${{')) throw new UnsafeValueError(v.text, 'a run: script (GitHub evaluates ${{ }})');
    return [`${head} |`, ...v.text.replace(/\n$/, '').split('\n').map((l) => (l === '' ? '' : `${' '.repeat(indent + 2)}${l}`))];
  }
  if (isMap(v)) {
    if (Object.keys(v).length === 0) return [`${head} {}`];
    const lines: string[] = [];
    emit(v, indent + 2, lines);
    return [head, ...lines];
  }
  if (Array.isArray(v)) {
    if (v.length === 0) return [`${head} []`];
    const lines: string[] = [];
    emit(v, indent + 2, lines);
    return [head, ...lines];
  }
  const s = scalar(v);
  // yamllint's line-length (80) lets a long word stand alone on its line: a long value
  // without spaces (a URL) goes into a folded block, which reads back as the same text.
  if (typeof v === 'string' && head.length + 1 + s.length > 80 && /^[\x21-\x7e]+$/.test(v)) {
    return [`${head} >-`, `${' '.repeat(indent + 2)}${v}`];
  }
  return [s === '' ? head : `${head} ${s}`];
}
