/**
 * `--format github`: diagnostics as GitHub Actions workflow commands, which the runner
 * turns into annotations on the pull request's lines:
 *
 *   ::error file=specs/a.yaml,line=7,col=3,title=KS2001::Unknown key 'archs'. ...
 *
 * Escaping follows the runner's rules (actions/toolkit, command.ts): in data `%`, CR and
 * LF; in property values also `:` and `,`, which would otherwise end the property.
 */
import type { Diagnostic } from './diagnostic.js';

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
    .map(([k, v]) => `${k}=${escapeProperty(String(v))}`)
    .join(',');
  return `::${command}${props ? ' ' + props : ''}::${escapeData(message)}`;
}

export function formatGithub(d: Diagnostic): string {
  return workflowCommand(d.severity, { file: d.file, line: d.line, col: d.column, title: d.code }, d.message);
}
