/**
 * `--format sarif`: the run's diagnostics as one SARIF 2.1.0 log (OASIS, "Static Analysis
 * Results Interchange Format Version 2.1.0"), for GitHub code scanning
 * (github/codeql-action/upload-sarif) and any other SARIF viewer.
 *
 * - `tool.driver.rules`: one rule per catalogue entry, in catalogue order: id (the code),
 *   name (the entry's id), shortDescription (its message), fullDescription (message and
 *   fix), help (its fix), each with placeholders as `<key>`, and the default level (its
 *   severity).
 * - `results`: one per diagnostic (bounded per file as in every format), with its rule,
 *   level (after --strict), message (the message and the fix), and a region: startLine/startColumn, and
 *   endLine/endColumn where the value ends on its line; the JSON pointer as a logical
 *   location. Columns are UTF-16 code units (`columnKind`), as kspec counts them.
 * - What the bound left out is a `toolExecutionNotification` of the invocation.
 * File names are URIs relative to the working folder (percent-encoded segments); text is
 * clipped and its control characters escaped. test/sarif.test.ts validates the output
 * against the official schema (test/data/sarif/).
 */
import { allEntries } from './all.js';
import type { Diagnostic, SourceIndex } from './diagnostic.js';
import { template, type Entry } from './entry.js';
import { boundDiagnostics, endColumnOf, safe } from './safe.js';

export const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

/** A catalogue entry's fix with placeholders for its arguments: the help text of its rule. */
export const helpText = (entry: Entry): string => template(entry.fix);

/** A file name as a relative URI reference: POSIX separators, each segment percent-encoded. */
export function fileUri(file: string): string {
  return file.replace(/\\/g, '/').split('/').map(encodeURIComponent).join('/');
}

const level = (s: Diagnostic['severity']): 'error' | 'warning' => (s === 'error' ? 'error' : 'warning');

export function formatSarif(ds: readonly Diagnostic[], sourceOf: (file: string) => SourceIndex | undefined, version = '0.1.0'): string {
  const entries = allEntries();
  const index = new Map(entries.map((e, i) => [e.code, i]));
  const rules = entries.map((e) => {
    const message = template(e.message);
    const help = helpText(e);
    return {
      id: e.code,
      name: e.id,
      shortDescription: { text: message },
      fullDescription: { text: `${message} ${help}` },
      help: { text: help },
      defaultConfiguration: { level: level(e.severity) },
    };
  });
  const { shown, omitted } = boundDiagnostics(ds);
  const results = shown.map((d) => {
    const end = endColumnOf(sourceOf(d.file)?.lineText(d.file, d.line), d.column);
    const region = { startLine: d.line, startColumn: d.column, ...(end === undefined ? {} : { endLine: d.line, endColumn: end }) };
    const rule = index.get(d.code);
    return {
      ruleId: d.code,
      ...(rule === undefined ? {} : { ruleIndex: rule }),
      level: level(d.severity),
      message: { text: `${safe(d.message)} ${safe(d.fix)}` },
      locations: [
        {
          physicalLocation: { artifactLocation: { uri: fileUri(d.file) }, region },
          ...(d.path === '' ? {} : { logicalLocations: [{ fullyQualifiedName: safe(d.path), kind: 'object' }] }),
        },
      ],
    };
  });
  const notifications = omitted.map((o) => ({
    level: 'note',
    message: { text: `${o.errors + o.warnings} more diagnostics in ${safe(o.file)} not shown (${o.errors} errors, ${o.warnings} warnings). Fix the ones shown and run kspec again.` },
    locations: [{ physicalLocation: { artifactLocation: { uri: fileUri(o.file) } } }],
  }));
  const log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'kspec', version, rules } },
        invocations: [{ executionSuccessful: true, ...(notifications.length > 0 ? { toolExecutionNotifications: notifications } : {}) }],
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}
