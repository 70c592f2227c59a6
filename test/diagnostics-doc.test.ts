/**
 * docs/diagnostics.md is generated from the catalogue (src/diagnostics/doc.ts) and kept
 * current here: a new or changed entry fails this test until the file is regenerated with
 * KSPEC_UPDATE_DOCS=1 npx vitest run test/diagnostics-doc.test.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allEntries } from '../src/diagnostics/catalogue.js';
import { CODE_RANGES, diagnosticsMarkdown, messageTemplate } from '../src/diagnostics/doc.js';

const DOC = path.join(import.meta.dirname, '..', 'docs', 'diagnostics.md');

describe('docs/diagnostics.md', () => {
  const generated = diagnosticsMarkdown();
  if (process.env.KSPEC_UPDATE_DOCS) writeFileSync(DOC, generated);

  it('is what the catalogue generates', () => {
    expect(readFileSync(DOC, 'utf8')).toBe(generated);
  });

  it('has one section per code, in order, each with its severity and message', () => {
    const codes = [...generated.matchAll(/^## (KS\d{4}) ([a-z0-9-]+)$/gm)].map((m) => m[1]);
    const entries = allEntries();
    expect(codes).toEqual(entries.map((e) => e.code).sort());
    for (const e of entries) {
      expect(generated).toContain(`## ${e.code} ${e.title}\n\nSeverity: ${e.severity}.\n\n> ${messageTemplate(e)}\n`);
    }
  });

  it('shows each argument as a placeholder, never a JavaScript value', () => {
    for (const e of allEntries()) {
      const text = messageTemplate(e);
      expect(text, e.code).not.toMatch(/undefined|NaN|\[object |=>/);
    }
    // An argument used as a list and as text both read <name>.
    const cycle = allEntries().find((e) => e.title === 'extends-cycle')!;
    expect(messageTemplate(cycle)).toContain('<chain>');
  });

  it('names the owner of every code range in use', () => {
    for (const e of allEntries()) expect(CODE_RANGES.some((r) => e.code.startsWith(r.prefix)), e.code).toBe(true);
  });
});
