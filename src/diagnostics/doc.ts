/**
 * docs/diagnostics.md, generated from the catalogue: one section per code with its
 * severity, its title (the GitHub annotation title and SARIF rule name) and its message,
 * each argument shown as a `<name>` placeholder. test/diagnostics-doc.test.ts keeps the
 * committed file equal to this output (KSPEC_UPDATE_DOCS=1 rewrites it). Not part of the
 * CLI: nothing in src/cli.ts imports it.
 */
import { allEntries, type CatalogueEntry } from './catalogue.js';

/** Who owns each range of codes. */
export const CODE_RANGES: ReadonlyArray<{ prefix: string; owner: string }> = [
  { prefix: 'KS1', owner: 'reading the spec: YAML, size and structure limits, `extends`' },
  { prefix: 'KS2', owner: 'the schema: unknown keys, types, formats, allowed values' },
  { prefix: 'KS3', owner: 'checks common to every platform' },
  { prefix: 'KS4', owner: 'the bootc target' },
  { prefix: 'KS5', owner: 'the Kairos target' },
  { prefix: 'KS6', owner: 'the RancherOS target' },
  { prefix: 'KS7', owner: 'the krata target' },
  { prefix: 'KS8', owner: 'the Liquid Metal target' },
  { prefix: 'KS9', owner: 'output files, the output folder, and the lifecycle commands (`outdated`, `workflow`)' },
];

/**
 * One argument as a placeholder that reads as `<name>` wherever a message uses it: as text,
 * as a list (join, map), or in a length test (one item, short).
 */
function placeholder(name: string): unknown {
  const text = `<${name}>`;
  const list = Object.assign([text], { toString: () => text });
  return list;
}

/** The message of an entry with every argument a placeholder. */
export function messageTemplate(entry: CatalogueEntry<never>): string {
  const args = new Proxy({}, { get: (_t, key) => (typeof key === 'string' ? placeholder(key) : undefined) });
  return (entry.message as (a: unknown) => string)(args);
}

/** Markdown for the whole catalogue, in code order. */
export function diagnosticsMarkdown(): string {
  const entries = [...allEntries()].sort((a, b) => a.code.localeCompare(b.code));
  const out: string[] = [
    '# kspec diagnostics',
    '',
    '<!-- Generated from src/diagnostics/catalogue.ts by src/diagnostics/doc.ts. Do not edit:',
    '     run `KSPEC_UPDATE_DOCS=1 npx vitest run test/diagnostics-doc.test.ts`. -->',
    '',
    'Every diagnostic kspec prints has a stable code, a severity and a title. The text output',
    'shows the code; GitHub annotations are titled `<title> (<code>)`; SARIF names the rule by',
    'code. `--strict` makes every warning an error. Arguments appear below as `<name>`.',
    '',
    '| Codes | Stage |',
    '| --- | --- |',
    ...CODE_RANGES.map((r) => `| ${r.prefix}xxx | ${r.owner} |`),
    '',
  ];
  for (const e of entries) {
    out.push(`## ${e.code} ${e.title}`, '', `Severity: ${e.severity}.`, '', '> ' + messageTemplate(e).replace(/\n/g, ' '), '');
  }
  return out.join('\n');
}
