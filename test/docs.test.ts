/**
 * The README and docs/ render as written: every code fence is closed and no fence opens
 * inside an open block (a heading swallowed into a code block is how the Kairos and
 * Liquid Metal sections once rendered), and every complete spec they show compiles.
 * The Markdown is read by a CommonMark lexer (marked), not by counting backticks.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { marked, type Token, type Tokens } from 'marked';
import { describe, expect, it } from 'vitest';
import { compileText, ROOT } from './helpers.js';

const DOCS = [
  'README.md',
  'ARCHITECTURE.md',
  'CHANGELOG.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
];

/** Every code token of a document, nested ones (lists, block quotes) included. */
function codeBlocks(markdown: string): Tokens.Code[] {
  const out: Tokens.Code[] = [];
  marked.walkTokens(marked.lexer(markdown), (t: Token) => {
    if (t.type === 'code') out.push(t as Tokens.Code);
  });
  return out;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/** Problems with a document's fences: unclosed ones, and fence lines inside a code block. */
export function fenceProblems(markdown: string): string[] {
  const problems: string[] = [];
  for (const block of codeBlocks(markdown)) {
    const raw = block.raw.replace(/\n+$/, '');
    const open = FENCE.exec(raw.split('\n')[0] ?? '');
    if (!open) continue; // an indented code block has no fence
    const close = raw.split('\n').at(-1) ?? '';
    const first = raw.split('\n')[0]!.trim().slice(0, 40);
    if (raw.split('\n').length < 2 || !new RegExp(`^ {0,3}${open[1]![0]}{${open[1]!.length},}\\s*$`).test(close)) {
      problems.push(`unclosed fence: ${first}`);
    }
    for (const line of block.text.split('\n')) {
      if (FENCE.test(line)) problems.push(`a fence opens inside the block that starts with ${first}: ${line.trim()}`);
    }
  }
  return problems;
}

const isCompleteSpec = (b: Tokens.Code): boolean =>
  /^ya?ml\b/.test(b.lang ?? '') && /^apiVersion:\s*kspec\.dev\//m.test(b.text) && /^kind:\s*KernelSpec\s*$/m.test(b.text);

describe('Markdown documents', () => {
  it('the fence check finds what it is for', () => {
    expect(fenceProblems('# a\n\n```sh\nls\n```\n')).toEqual([]);
    expect(fenceProblems('# a\n\n```sh\nls\n\n### B\n\n```sh\nls\n```\n')).toHaveLength(1);
    expect(fenceProblems('# a\n\n```sh\nls\n')).toEqual(['unclosed fence: ```sh']);
  });

  for (const doc of DOCS) {
    it(`${doc}: every fence is closed, none opens inside a block`, () => {
      expect(fenceProblems(readFileSync(path.join(ROOT, doc), 'utf8'))).toEqual([]);
    });
  }

  it('every complete spec shown compiles without errors', async () => {
    let count = 0;
    for (const doc of DOCS) {
      for (const block of codeBlocks(readFileSync(path.join(ROOT, doc), 'utf8')).filter(isCompleteSpec)) {
        count++;
        const r = await compileText(block.text, path.join(path.dirname(doc), 'spec.yaml'));
        const errors = r.diagnostics.filter((d) => d.severity === 'error');
        expect(errors.map((d) => `${d.code} ${d.line}:${d.column} ${d.message}`), `${doc}: ${block.text.slice(0, 80)}`).toEqual([]);
        expect(r.files.length, doc).toBeGreaterThan(0);
      }
    }
    // The README's "spec in brief" at least; a regression in the filter must not pass vacuously.
    expect(count).toBeGreaterThanOrEqual(1);
  });
});
