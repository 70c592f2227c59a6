/**
 * docs/diagnostics.md, generated from the catalogue: the range table, then one section per
 * code with its id (the GitHub annotation title and SARIF rule name, next to the code),
 * severity, owner, message and fix, each argument shown as a `<name>` placeholder.
 * test/diagnostics-doc.test.ts keeps the committed file equal to this output
 * (KSPEC_UPDATE_DOCS=1 rewrites it). Not part of the CLI: nothing in src/cli.ts imports it.
 */
import { codeRanges, groups } from './all.js';
import { template, type Entry } from './entry.js';
import { codeNumber, rangeText, type CodeRange } from './ranges.js';

/** The message of an entry with every argument a placeholder. */
export const messageTemplate = (entry: Entry): string => template(entry.message);
/** The fix of an entry with every argument a placeholder. */
export const fixTemplate = (entry: Entry): string => template(entry.fix);

/** The section of one entry. */
export function section(e: Entry, owner: CodeRange): string {
  return [
    `## ${e.code} ${e.id}`,
    '',
    `Severity: ${e.severity}. Owner: ${owner.what} (${rangeText(owner)}).`,
    '',
    messageTemplate(e),
    '',
    `Fix: ${fixTemplate(e)}`,
    '',
  ].join('\n');
}

/** Markdown for the whole catalogue, in code order. */
export function diagnosticsMarkdown(): string {
  const owned = groups().flatMap((g) => g.entries.map((e) => ({ e, owner: g.range }))).sort((a, b) => codeNumber(a.e.code) - codeNumber(b.e.code));
  const out: string[] = [
    '# kspec diagnostics',
    '',
    '<!-- Generated from src/diagnostics/catalogue.ts and src/targets/*/diagnostics.ts by',
    '     src/diagnostics/doc.ts. Do not edit: run',
    '     `KSPEC_UPDATE_DOCS=1 npx vitest run test/diagnostics-doc.test.ts`. -->',
    '',
    'Every diagnostic kspec prints has a stable code, an id, a severity, a message and a fix.',
    'The text output prints `error KS2001 unknown-key: <message>` and the fix below it;',
    '`--format json` has `code`, `id`, `message` and `fix` fields; GitHub annotations are',
    'titled `<code> <id>`; SARIF rules have the code as id and the id as name, and the fix as',
    'help. `--strict` makes every warning an error. Arguments appear below as `<name>`.',
    '',
    'Codes are never renumbered or reused. Each stage and target owns a range; a new target',
    'takes the next free thousand from KS10000 on, declared with its entries in',
    'src/targets/<platform>/diagnostics.ts (src/diagnostics/ranges.ts).',
    '',
    '| Codes | Owner |',
    '| --- | --- |',
    ...codeRanges().map((r) => `| ${rangeText(r)} | ${r.what} |`),
    '',
  ];
  for (const { e, owner } of owned) out.push(section(e, owner));
  return out.join('\n');
}
