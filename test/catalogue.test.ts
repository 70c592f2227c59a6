/**
 * The catalogue is the single list of diagnostics: codes are unique and well-formed, and
 * every entry is exercised by at least one test that names it (as `D.<Key>`).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { D, allEntries } from '../src/diagnostics/catalogue.js';
import { ROOT } from './helpers.js';

/** The tests' text: test/ and each target's src/targets/<platform>/test/. */
function allTestSources(): string {
  const targets = path.join(ROOT, 'src', 'targets');
  const perTarget = readdirSync(targets).map((t) => path.join(targets, t, 'test'));
  return [path.join(ROOT, 'test'), ...perTarget.filter((d) => existsSync(d))].map((d) => testSources(d)).join('\n');
}

function testSources(dir: string): string {
  return readdirSync(dir, { withFileTypes: true })
    .map((e) => {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) return e.name === 'golden' ? '' : testSources(p);
      return /\.test\.ts$/.test(e.name) && e.name !== 'catalogue.test.ts' ? readFileSync(p, 'utf8') : '';
    })
    .join('\n');
}

describe('diagnostic catalogue', () => {
  it('has unique, well-formed codes and titles', () => {
    const codes = allEntries().map((e) => e.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const e of allEntries()) {
      expect(e.code).toMatch(/^KS[1-9]\d{3}$/);
      expect(e.title).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    }
  });

  it('keeps each range for its stage', () => {
    for (const [key, e] of Object.entries(D)) expect(key).toMatch(/^[A-Z][A-Za-z0-9]+$/), expect(e.code[2]).toMatch(/[1-9]/);
  });

  it('has every entry exercised by a test', () => {
    const src = allTestSources();
    const missing = Object.keys(D).filter((k) => !new RegExp(`\\bD\\.${k}\\b`).test(src));
    expect(missing).toEqual([]);
  });
});
