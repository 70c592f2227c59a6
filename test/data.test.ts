/**
 * The suite is self-contained: every file under test/data/ is a copy whose origin
 * test/data/SOURCE.md names, and no test reads outside the repository.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

const DATA = path.join(ROOT, 'test', 'data');

function filesBelow(dir: string, rel = ''): string[] {
  return readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const r = rel ? `${rel}/${e.name}` : e.name;
    return e.isDirectory() ? filesBelow(dir, r) : [r];
  });
}

describe('test/data', () => {
  const source = readFileSync(path.join(DATA, 'SOURCE.md'), 'utf8');
  const listed = [...source.matchAll(/^\| ([^ |]+) \|/gm)].map((m) => m[1]!).filter((f) => f !== 'file' && !/^-+$/.test(f));
  const present = filesBelow(DATA).filter((f) => f !== 'SOURCE.md');

  it('SOURCE.md names every file, and only files that exist', () => {
    expect(present.length).toBeGreaterThan(5);
    expect([...listed].sort()).toEqual([...present].sort());
  });

  it('no test reads the design or reference folders beside the repository (../shared), or names a path of this machine (/work/...)', () => {
    // test/ and each target's own tests (src/targets/<platform>/test/), paths from the repository root
    const targets = readdirSync(path.join(ROOT, 'src', 'targets'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => `src/targets/${e.name}/test`);
    const dirs = ['test', ...targets.filter((d) => existsSync(path.join(ROOT, d)))];
    expect(dirs.length).toBeGreaterThan(1);
    const tests = dirs.flatMap((d) => filesBelow(ROOT, d)).filter((f) => /\.(ts|mjs)$/.test(f) && f !== 'test/data.test.ts');
    const offenders = tests.filter((f) => {
      const text = readFileSync(path.join(ROOT, f), 'utf8');
      return /\.\.\/shared\b|'\.\.', 'shared'|SHARED\b|'\/work\//.test(text);
    });
    expect(offenders).toEqual([]);
  });
});
