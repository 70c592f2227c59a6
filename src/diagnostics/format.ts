/**
 * Printing diagnostics. Diagnostics carry file:line:column and a JSON pointer from the
 * moment they are created; formatting only decides how they look: a code frame for
 * people, JSON for machines.
 */
import type { Diagnostic, SourceIndex } from './diagnostic.js';
import { formatGithub } from './github.js';

export interface Colours {
  red: (s: string) => string;
  yellow: (s: string) => string;
  dim: (s: string) => string;
  bold: (s: string) => string;
}

const plain = (s: string): string => s;
export const NO_COLOURS: Colours = { red: plain, yellow: plain, dim: plain, bold: plain };
export const ANSI_COLOURS: Colours = {
  red: (s) => `\x1b[31m${s}\x1b[39m`,
  yellow: (s) => `\x1b[33m${s}\x1b[39m`,
  dim: (s) => `\x1b[2m${s}\x1b[22m`,
  bold: (s) => `\x1b[1m${s}\x1b[22m`,
};

/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function coloursFor(stream: NodeJS.WriteStream, env = process.env): Colours {
  return stream.isTTY && !env.NO_COLOR ? ANSI_COLOURS : NO_COLOURS;
}

/** --strict: every warning becomes an error. */
export function applyStrict(ds: Diagnostic[], strict: boolean): Diagnostic[] {
  return strict ? ds.map((d) => (d.severity === 'warning' ? { ...d, severity: 'error' as const } : d)) : ds;
}

function codeFrame(d: Diagnostic, source: SourceIndex | undefined, c: Colours): string[] {
  const text = source?.lineText(d.file, d.line);
  if (text === undefined) return [];
  const num = String(d.line);
  const gutter = ' '.repeat(num.length);
  const shown = text.replace(/\t/g, ' ');
  const caret = ' '.repeat(Math.max(0, d.column - 1)) + '^';
  return [`  ${c.dim(num + ' |')} ${shown}`, `  ${c.dim(gutter + ' |')} ${d.severity === 'error' ? c.red(caret) : c.yellow(caret)}`];
}

export function formatText(d: Diagnostic, source: SourceIndex | undefined, c: Colours = NO_COLOURS): string {
  const sev = d.severity === 'error' ? c.red('error') : c.yellow('warning');
  const head = `${c.bold(`${d.file}:${d.line}:${d.column}`)}: ${sev} ${d.code}: ${d.message}`;
  const where = c.dim(`  at ${d.path === '' ? '(document)' : d.path}`);
  return [head, ...codeFrame(d, source, c), where].join('\n');
}

/** How many errors and warnings (the `summary` of `--format json`, in this key order). */
export function counts(ds: readonly Diagnostic[]): { errors: number; warnings: number } {
  const errors = ds.filter((d) => d.severity === 'error').length;
  return { errors, warnings: ds.length - errors };
}

export function summaryLine(ds: Diagnostic[]): string {
  const { errors: e, warnings: w } = counts(ds);
  return `${e} error${e === 1 ? '' : 's'}, ${w} warning${w === 1 ? '' : 's'}`;
}

/**
 * Prints diagnostics as `--format text` (stderr, code frames from `sourceOf`, colour on a
 * TTY) or `github` (workflow commands on stdout). process.stderr is created on first
 * access (~3 ms of start-up), so it is touched only when there is something to print.
 */
export function printDiagnostics(ds: readonly Diagnostic[], format: 'text' | 'github', sourceOf: (file: string) => SourceIndex | undefined): void {
  if (format === 'github') {
    for (const d of ds) process.stdout.write(formatGithub(d) + '\n');
    return;
  }
  if (ds.length === 0) return;
  const c = coloursFor(process.stderr);
  for (const d of ds) process.stderr.write(formatText(d, sourceOf(d.file), c) + '\n');
}

/** The JSON shape of one diagnostic in `--format json`. Keys are stable. */
export function toJson(d: Diagnostic): Record<string, unknown> {
  return { code: d.code, severity: d.severity, message: d.message, file: d.file, line: d.line, column: d.column, path: d.path };
}
