/**
 * The patch against the user's Dockerfile.dapper: the kernel ARG lines of its "General
 * Configuration" section are replaced with the spec's, and nothing else changes (the ENV
 * block below them that re-exports `KERNEL_URL_amd64=${KERNEL_URL_amd64}` is not an ARG
 * line and stays as it is). The patch is a plain unified diff without timestamps, so it
 * is byte-deterministic and applies with `patch -p1` or `git apply` next to the file.
 */
import { structuredPatch } from 'diff';

export interface ArgLine {
  name: string;
  /** The whole instruction, already quoted for a Dockerfile. */
  line: string;
}

export interface ArgMatch {
  name: string;
  /** First and last line index (0-based) of the instruction, continuation lines included. */
  start: number;
  end: number;
}

/** `ARG NAME`, `ARG NAME=value`; Dockerfile keywords are case-insensitive, names are not. */
function argName(line: string): string | undefined {
  return /^\s*arg\s+([A-Za-z_][A-Za-z0-9_]*)(?:=|\s*$)/i.exec(line)?.[1];
}

/** The ARG instructions among `names`, in file order. */
export function findKernelArgs(text: string, names: readonly string[]): ArgMatch[] {
  const lines = text.split('\n');
  const out: ArgMatch[] = [];
  for (let i = 0; i < lines.length; i++) {
    const name = argName(lines[i]!.replace(/\r$/, ''));
    if (name === undefined || !names.includes(name)) continue;
    let end = i;
    // A value continued with a trailing backslash belongs to the same instruction.
    while (end + 1 < lines.length && /\\\r?$/.test(lines[end]!)) end++;
    out.push({ name, start: i, end });
    i = end;
  }
  return out;
}

/**
 * The Dockerfile.dapper text with the kernel ARGs replaced: an ARG the spec sets replaces
 * each instruction of that name; one the file lacks is added next to the others (the
 * version first, the URLs after the last kernel ARG); ARGs the spec does not set (the
 * URL of an arch it does not list) are kept.
 */
export function replaceKernelArgs(text: string, args: readonly ArgLine[], names: readonly string[]): string {
  const matches = findKernelArgs(text, names);
  if (matches.length === 0) return text;
  const lines = text.split('\n');
  const byName = new Map(args.map((a) => [a.name, a.line]));
  const present = new Set(matches.map((m) => m.name));
  const missing = args.filter((a) => !present.has(a.name));
  const before = missing.filter((a) => a.name === names[0]).map((a) => a.line);
  const after = missing.filter((a) => a.name !== names[0]).map((a) => a.line);

  const out: string[] = [];
  let next = 0;
  matches.forEach((m, i) => {
    out.push(...lines.slice(next, m.start));
    if (i === 0) out.push(...before);
    const mine = byName.get(m.name);
    out.push(...(mine === undefined ? lines.slice(m.start, m.end + 1) : [mine]));
    if (i === matches.length - 1) out.push(...after);
    next = m.end + 1;
  });
  out.push(...lines.slice(next));
  return out.join('\n');
}

/** A unified diff of the user's Dockerfile.dapper, or '' when it already says the same. */
export function dapperPatch(text: string, args: readonly ArgLine[], names: readonly string[], file = 'Dockerfile.dapper'): string {
  const patched = replaceKernelArgs(text, args, names);
  if (patched === text) return '';
  const p = structuredPatch(`a/${file}`, `b/${file}`, text, patched, undefined, undefined, { context: 3 });
  if (p.hunks.length === 0) return '';
  const out = [`--- a/${file}`, `+++ b/${file}`];
  for (const h of p.hunks) {
    out.push(`@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@`, ...h.lines);
  }
  return out.join('\n') + '\n';
}

/** A hunk range as diff writes it: `start,count`, with count 1 omitted. */
function range(start: number, count: number): string {
  return count === 1 ? String(start) : `${start},${count}`;
}
