/**
 * docs/diagnostics.md is generated from the catalogue (src/diagnostics/doc.ts) and kept
 * current here: a new or changed entry fails this test until the file is regenerated with
 * KSPEC_UPDATE_DOCS=1 npx vitest run test/diagnostics-doc.test.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allEntries, codeRanges, rangeOf } from '../src/diagnostics/all.js';
import { diagnosticsMarkdown, fixTemplate, messageTemplate, section } from '../src/diagnostics/doc.js';
import { codeNumber, rangeText } from '../src/diagnostics/ranges.js';

const DOC = path.join(import.meta.dirname, '..', 'docs', 'diagnostics.md');

describe('docs/diagnostics.md', () => {
  const generated = diagnosticsMarkdown();
  if (process.env.KSPEC_UPDATE_DOCS) writeFileSync(DOC, generated);

  it('is what the catalogue generates', () => {
    expect(readFileSync(DOC, 'utf8')).toBe(generated);
  });

  it('has one section per code, in code order, each with id, severity, owner, message and fix', () => {
    const codes = [...generated.matchAll(/^## (KS\d{4,}) ([a-z0-9-]+)$/gm)].map((m) => m[1]);
    const entries = allEntries();
    expect(codes).toEqual(entries.map((e) => e.code).sort((a, b) => codeNumber(a) - codeNumber(b)));
    for (const e of entries) {
      const owner = rangeOf(e.code)!;
      const text = section(e, owner);
      expect(text).toBe(`## ${e.code} ${e.id}\n\nSeverity: ${e.severity}. Owner: ${owner.what} (${rangeText(owner)}).\n\n${messageTemplate(e)}\n\nFix: ${fixTemplate(e)}\n`);
      expect(generated).toContain(text);
    }
  });

  it('shows each argument as a placeholder', () => {
    for (const e of allEntries()) expect(`${messageTemplate(e)} ${fixTemplate(e)}`, e.code).not.toMatch(/[{}]|undefined|NaN/);
    const cycle = allEntries().find((e) => e.id === 'extends-cycle')!;
    expect(messageTemplate(cycle)).toContain('<chain>');
    const unknown = allEntries().find((e) => e.id === 'unknown-key')!;
    expect(messageTemplate(unknown)).toBe("Unknown key '<key>'. [Did you mean '<suggestion>'?]");
  });

  it('lists every range with its owner', () => {
    for (const r of codeRanges()) expect(generated).toContain(`| ${rangeText(r)} | ${r.what} |`);
  });
});
