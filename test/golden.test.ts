/**
 * Golden tests: each folder under src/targets/<platform>/golden/ holds `spec.yaml` and either `expected/`
 * (the whole output folder, kspec.lock.json included, compared file by file and whole) or
 * `diagnostics.txt` (the diagnostics as `kspec` prints them without colour).
 * Regenerate after an intended change with: KSPEC_UPDATE_GOLDEN=1 npx vitest run test/golden.test.ts
 * and review the diff.
 */
import { existsSync, mkdirSync, realpathSync, readdirSync, readFileSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileFile } from '../src/compile.js';
import { formatText } from '../src/diagnostics/format.js';
import { targets } from '../src/targets/index.js';
import { TEMPLATES_DIR } from '../src/render.js';
import { writeUnit } from '../src/write.js';
import { bashSyntaxAll, goldenCases, goldenDir, lazily, SHELLCHECK_VARIANTS, shellcheckAllAsync, tempDir } from './helpers.js';

const UPDATE = process.env.KSPEC_UPDATE_GOLDEN === '1';

function tree(dir: string, base = dir): Map<string, string> {
  const out = new Map<string, string>();
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) for (const [k, v] of tree(p, base)) out.set(k, v);
    else out.set(path.relative(base, p).split(path.sep).join('/'), readFileSync(p, 'utf8'));
  }
  return out;
}

const cases = goldenCases();

/** Shell in an expected output: *.sh, *.env (sourced by bash), and files with a sh or bash shebang. */
const isShell = (file: string, text: string): boolean => /\.(sh|env)$/.test(file) || /^#!\S*(\/|env )(ba)?sh\b/.test(text);

// Read when first asked (after KSPEC_UPDATE_GOLDEN=1 has rewritten the cases).
const scripts = lazily(() => {
  const out: Array<[string, string]> = [];
  for (const c of cases) {
    for (const [file, text] of tree(path.join(goldenDir(c), 'expected'))) if (isShell(file, text)) out.push([`${c}/${file}`, text]);
  }
  return out;
});
const platformOf = (key: string): string => key.split('-')[0]!;
const platforms = [...new Set(cases.map(platformOf))].sort();

/**
 * What shellcheck reads: in the deep run every case's shell; in `npm test`, for each
 * platform and file name, the longest text the cases hold (the one the most template
 * branches reached): 157 of the 518 KB, about 4 s of shellcheck's CPU instead of 12. Every
 * text still goes through `bash -n` here, and every render variant through shellcheck in the
 * deep run (SHELLCHECK_VARIANTS).
 */
const linted = lazily((): Array<[string, string]> => {
  if (SHELLCHECK_VARIANTS) return scripts();
  const longest = new Map<string, [string, string]>();
  for (const [key, text] of scripts()) {
    const kind = `${platformOf(key)}/${key.slice(key.indexOf('/') + 1)}`;
    const kept = longest.get(kind);
    if (!kept || kept[1].length < text.length) longest.set(kind, [key, text]);
  }
  return [...longest.values()];
});

// One shellcheck over the linted texts (each distinct text once), started when the file
// starts: it runs as a child, not blocking this worker, while the golden cases compile; the
// 'golden shell' tests wait for it and assert per platform. Regenerating, the cases rewrite
// the scripts first, so it starts when the first of those tests asks.
const findings = lazily(() => {
  const p = shellcheckAllAsync(linted());
  p.catch(() => {}); // asserted (rethrown) by the tests that await it
  return p;
});
beforeAll(() => {
  if (!UPDATE) findings();
});

describe('golden cases', () => {
  it('has at least one case', () => expect(cases.length).toBeGreaterThan(0));

  for (const c of cases) {
    it(c, async () => {
      const caseDir = goldenDir(c);
      // The case folder stands for a repository root: headers read `spec.yaml -o out`.
      const r = await compileFile('spec.yaml', { outDir: 'out', cwd: caseDir, root: realpathSync(caseDir) });
      const diagText = r.diagnostics.map((d) => formatText(d, r.source)).join('\n');
      const diagFile = path.join(caseDir, 'diagnostics.txt');
      const expectedDir = path.join(caseDir, 'expected');

      if (existsSync(diagFile) || (UPDATE && r.files.length === 0)) {
        if (UPDATE) writeFileSync(diagFile, diagText + '\n');
        expect(diagText + '\n').toBe(readFileSync(diagFile, 'utf8'));
        expect(r.files).toEqual([]);
        return;
      }

      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const out = tempDir();
      // Copy fixtures the spec refers to (e.g. a user's Dockerfile.dapper) are read from the case folder.
      await writeUnit(out, { name: r.name!, specPath: r.specId, files: r.files, source: r.source! });
      const actual = tree(path.join(out, r.name!));
      if (UPDATE) {
        rmSync(expectedDir, { recursive: true, force: true });
        mkdirSync(expectedDir, { recursive: true });
        cpSync(path.join(out, r.name!), expectedDir, { recursive: true });
      }
      const expected = tree(expectedDir);
      expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
      for (const [file, text] of expected) expect(actual.get(file), file).toBe(text);
      // Warnings are part of the golden output too.
      const warnFile = path.join(caseDir, 'warnings.txt');
      if (UPDATE) {
        if (diagText) writeFileSync(warnFile, diagText + '\n');
        else rmSync(warnFile, { force: true });
      }
      expect(existsSync(warnFile) ? readFileSync(warnFile, 'utf8') : '').toBe(diagText ? diagText + '\n' : '');
    });
  }
});

describe('golden shell', () => {
  it('the cases cover every platform', () => {
    expect(platforms.length).toBeGreaterThanOrEqual(5);
  });
  // Every platform writes shell (liquidmetal: clusterctl.env).
  for (const platform of platforms) {
    it(`every shell file of every ${platform} case passes bash -n; ${SHELLCHECK_VARIANTS ? 'every one' : 'the longest of each file name'} passes shellcheck`, async () => {
      const mine = scripts().filter(([k]) => platformOf(k) === platform);
      expect(mine.length).toBeGreaterThan(0);
      expect([...bashSyntaxAll(mine)].filter(([, e]) => e !== '')).toEqual([]);
      const all = await findings();
      const lintedHere = linted().filter(([k]) => platformOf(k) === platform);
      expect(new Set(lintedHere.map(([k]) => k.slice(k.indexOf('/') + 1)))).toEqual(new Set(mine.map(([k]) => k.slice(k.indexOf('/') + 1))));
      expect(lintedHere.map(([k]) => all.get(k)).join('')).toBe('');
    }, 300_000);
  }
});

describe('registry', () => {
  for (const t of targets()) {
    it(`${t.platform} has templates and a golden case`, () => {
      expect(existsSync(path.join(TEMPLATES_DIR, t.templates)), t.templates).toBe(true);
      expect(cases.some((c) => c.startsWith(`${t.platform}-`) && existsSync(path.join(goldenDir(c), 'expected')))).toBe(true);
    });
  }
});
