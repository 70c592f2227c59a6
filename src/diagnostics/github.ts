/**
 * `--format github`: diagnostics as GitHub Actions workflow commands, which the runner
 * turns into annotations on the pull request's lines:
 *
 *   ::error file=specs/a.yaml,line=7,endLine=7,col=3,endColumn=8,title=KS2001 unknown-key::Unknown key 'archs'. ... Remove it, ...
 *
 * Titled with the code and the catalogue entry's id, as the text output prints them; the
 * message is followed by the fix; endLine/endColumn where the
 * reported value or key ends on its line. Escaping follows the runner's rules
 * (actions/toolkit, packages/core/src/command.ts): in data `%`, CR and LF; in property
 * values also `:` and `,`, which would otherwise end the property. Before that, every
 * control character is written as an escape (src/diagnostics/safe.ts), so a key or file
 * name can never end the line and start a command of its own.
 *
 * GitHub shows at most 10 annotations of each type (error, warning, notice) per step and
 * drops the rest without a word (docs.github.com, "Workflow commands for GitHub Actions":
 * annotation limits), so when a type has more, one closing notice says how many there are.
 */
import type { Diagnostic, SourceIndex } from './diagnostic.js';
import { boundDiagnostics, endColumnOf, escapeControls, safe } from './safe.js';

/** Annotations GitHub shows per type and step. */
export const GITHUB_ANNOTATIONS_PER_TYPE = 10;

export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function workflowCommand(
  command: 'error' | 'warning' | 'notice',
  properties: Record<string, string | number | undefined>,
  message: string,
): string {
  const props = Object.entries(properties)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${escapeProperty(escapeControls(String(v)))}`)
    .join(',');
  return `::${command}${props ? ' ' + props : ''}::${escapeData(escapeControls(message))}`;
}

/** The annotation title of a diagnostic: its code and id, as the text output prints them. */
export const titleOf = (d: Pick<Diagnostic, 'code' | 'id'>): string => `${d.code} ${d.id}`;

export function formatGithub(d: Diagnostic, source?: SourceIndex): string {
  // endColumnOf is exclusive (as SARIF's); an annotation's endColumn is the last column.
  const after = endColumnOf(source?.lineText(d.file, d.line), d.column);
  const endColumn = after === undefined ? undefined : after - 1;
  return workflowCommand(
    d.severity,
    { file: d.file, line: d.line, endLine: endColumn === undefined ? undefined : d.line, col: d.column, endColumn, title: titleOf(d) },
    `${safe(d.message)} ${safe(d.fix)}`,
  );
}

/**
 * Every diagnostic of a run as workflow commands (bounded per file, with a notice for what
 * was left out), then one notice when a type has more annotations than GitHub shows.
 */
export function formatGithubAll(ds: readonly Diagnostic[], sourceOf: (file: string) => SourceIndex | undefined): string {
  const { shown, omitted } = boundDiagnostics(ds);
  const lines = shown.map((d) => formatGithub(d, sourceOf(d.file)));
  for (const o of omitted) {
    const n = o.errors + o.warnings;
    lines.push(workflowCommand('notice', { file: o.file, title: 'kspec: diagnostics not shown' }, `${n} more diagnostic${n === 1 ? '' : 's'} in this file not shown (${o.errors} errors, ${o.warnings} warnings). Fix the ones shown and run kspec again.`));
  }
  const errors = ds.filter((d) => d.severity === 'error').length;
  const warnings = ds.length - errors;
  const notices = omitted.length;
  if (errors > GITHUB_ANNOTATIONS_PER_TYPE || warnings > GITHUB_ANNOTATIONS_PER_TYPE || notices > GITHUB_ANNOTATIONS_PER_TYPE) {
    lines.push(
      workflowCommand(
        'notice',
        { title: 'kspec: more annotations than GitHub shows' },
        `kspec reported ${errors} error${errors === 1 ? '' : 's'} and ${warnings} warning${warnings === 1 ? '' : 's'}; GitHub shows ${GITHUB_ANNOTATIONS_PER_TYPE} annotations of each type per step, so the rest are only in this log. Run kspec validate locally, or upload --format sarif to code scanning, to see them all.`,
      ),
    );
  }
  return lines.map((l) => l + '\n').join('');
}
