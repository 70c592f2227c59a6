/**
 * Printing diagnostics. Diagnostics carry file:line:column and a JSON pointer from the
 * moment they are created; formatting only decides how they look: a code frame for
 * people, JSON for machines, workflow commands for GitHub, SARIF for code scanning.
 *
 * What is printed is bounded, whatever the spec holds (issue 11): at most
 * MAX_PRINTED_PER_FILE diagnostics per file (the rest counted in one line), messages and
 * pointers clipped to MAX_TEXT characters, code frames cut to a window of FRAME_WIDTH
 * characters around the column, and control characters (C0, DEL, C1, bidi overrides,
 * line separators) shown escaped (`\x1b`, `\n`, `\u202e`) in every format and in file
 * names, so a spec cannot write to the terminal or start a workflow command.
 */
import type { Diagnostic, SourceIndex } from './diagnostic.js';
import { formatGithubAll } from './github.js';
import { boundDiagnostics, frameWindow, omittedLine, safe } from './safe.js';
import { formatSarif } from './sarif.js';
import { colourWanted } from '../tty.js';

export { boundDiagnostics, clip, escapeControls, FRAME_WIDTH, MAX_PRINTED_PER_FILE, MAX_TEXT, safe } from './safe.js';

export type Format = 'text' | 'json' | 'github' | 'sarif';

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

/** Colour on a terminal unless NO_COLOR is set; FORCE_COLOR decides first (src/tty.ts). */
export function coloursFor(stream: NodeJS.WriteStream, env = process.env): Colours {
  return colourWanted(stream, env) ? ANSI_COLOURS : NO_COLOURS;
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
  const { shown, caret } = frameWindow(text, d.column);
  const mark = ' '.repeat(caret) + '^';
  return [`  ${c.dim(num + ' |')} ${shown}`, `  ${c.dim(gutter + ' |')} ${d.severity === 'error' ? c.red(mark) : c.yellow(mark)}`];
}

/**
 * One diagnostic for people:
 *
 *   specs/a.yaml:7:3: error KS2001 unknown-key: Unknown key 'archs'. Did you mean 'arch'?
 *     7 |   archs: [x86_64]
 *       |   ^
 *     fix: Remove it, or rename it to a key allowed here: 'version', 'arch', ...
 *     at /kernel/archs
 */
export function formatText(d: Diagnostic, source: SourceIndex | undefined, c: Colours = NO_COLOURS): string {
  const sev = d.severity === 'error' ? c.red('error') : c.yellow('warning');
  const head = `${c.bold(`${safe(d.file)}:${d.line}:${d.column}`)}: ${sev} ${d.code} ${d.id}: ${safe(d.message)}`;
  const fix = `  ${c.bold('fix:')} ${safe(d.fix)}`;
  const where = c.dim(`  at ${d.path === '' ? '(document)' : safe(d.path)}`);
  return [head, ...codeFrame(d, source, c), fix, where].join('\n');
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
 * Everything `format` prints for `ds` (bounded), as one string: text (code frames from
 * `sourceOf`, colours `c`), github (workflow commands), sarif (one SARIF log), or json
 * (the bounded list as `--format json` prints it under `diagnostics`).
 */
export function formatDiagnostics(ds: readonly Diagnostic[], format: Format, sourceOf: (file: string) => SourceIndex | undefined, c: Colours = NO_COLOURS): string {
  if (format === 'sarif') return formatSarif(ds, sourceOf);
  if (format === 'github') return formatGithubAll(ds, sourceOf);
  const { shown, omitted } = boundDiagnostics(ds);
  if (format === 'json') return JSON.stringify(shown.map(toJson), null, 2) + '\n';
  return [...shown.map((d) => formatText(d, sourceOf(d.file), c)), ...omitted.map(omittedLine)].map((l) => l + '\n').join('');
}

/**
 * Prints diagnostics as `--format text` (stderr, code frames from `sourceOf`, colour on a
 * TTY), `github` (workflow commands on stdout) or `sarif` (a SARIF log on stdout, always,
 * so that a file is produced for upload even when there is nothing to report).
 * process.stderr is created on first access (~3 ms of start-up), so it is touched only
 * when there is something to print.
 */
export function printDiagnostics(ds: readonly Diagnostic[], format: 'text' | 'github' | 'sarif', sourceOf: (file: string) => SourceIndex | undefined): void {
  if (format === 'github' || format === 'sarif') {
    const out = formatDiagnostics(ds, format, sourceOf);
    if (out) process.stdout.write(out);
    return;
  }
  if (ds.length === 0) return;
  process.stderr.write(formatDiagnostics(ds, 'text', sourceOf, coloursFor(process.stderr)));
}

/** The JSON shape of one diagnostic in `--format json`. Keys are stable; text is clipped and escaped. */
export function toJson(d: Diagnostic): Record<string, unknown> {
  return { code: d.code, id: d.id, severity: d.severity, message: safe(d.message), fix: safe(d.fix), file: safe(d.file), line: d.line, column: d.column, path: safe(d.path) };
}

/** `--format json`'s list of diagnostics: the bounded list (per file), each as toJson. */
export function toJsonList(ds: readonly Diagnostic[]): Array<Record<string, unknown>> {
  return boundDiagnostics(ds).shown.map(toJson);
}
