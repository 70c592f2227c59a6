/**
 * The catalogue is the single list of diagnostics, as data: codes unique, well-formed and
 * each in its owner's range (src/diagnostics/ranges.ts), ids kebab-case, messages short,
 * fixes imperative, placeholders well-formed; and every entry is exercised by at least one
 * test that names it (as `D.<Key>`).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allEntries, codeRanges, groups, ownerOf, rangeOf } from '../src/diagnostics/all.js';
import { D, STAGE_GROUPS } from '../src/diagnostics/catalogue.js';
import { BOOTC } from '../src/targets/bootc/diagnostics.js';
import { FORMATS, fill, placeholders, type Entry } from '../src/diagnostics/entry.js';
import { STAGE_RANGES, rangeProblems, type CodeRange } from '../src/diagnostics/ranges.js';
import { PLATFORMS, targets } from '../src/targets/index.js';
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
      if (e.isDirectory()) return e.name === 'golden' || e.name === 'data' ? '' : testSources(p);
      return /\.test\.ts$/.test(e.name) && e.name !== 'catalogue.test.ts' ? readFileSync(p, 'utf8') : '';
    })
    .join('\n');
}

const entry = (code: string, id = 'x'): Entry => ({ code, id, severity: 'error', message: 'm', fix: 'Do it.' });
/** Each owner's entries as the registry and the stages declare them, and each owner's range. */
const declared = [
  ...STAGE_GROUPS.map((g) => ({ owner: g.owner, entries: Object.values(g.entries) as Entry[] })),
  ...targets().map((t) => ({ owner: t.platform, entries: Object.values(t.diagnostics.entries) })),
];
const declaredRanges: CodeRange[] = [
  ...STAGE_RANGES,
  ...targets().map((t) => ({ owner: t.platform, first: t.diagnostics.first, last: t.diagnostics.last, what: t.diagnostics.what })),
];
/** Every entry's name, by owner: the stages' `D.<Key>`, a target's `<GROUP>.<Key>` (its diagnostics.ts). */
const names = [...STAGE_GROUPS.map((g) => Object.keys(g.entries)), ...targets().map((t) => Object.keys(t.diagnostics.entries))].flat();

describe('diagnostic catalogue', () => {
  it('has unique, well-formed codes and ids', () => {
    const codes = allEntries().map((e) => e.code);
    expect(new Set(codes).size).toBe(codes.length);
    const ids = allEntries().map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const e of allEntries()) {
      expect(e.code).toMatch(/^KS[1-9]\d{3,}$/);
      expect(e.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    }
  });

  it('combines the stages into D, and names every entry once across stages and targets', () => {
    expect(Object.keys(D)).toHaveLength(STAGE_GROUPS.reduce((n, g) => n + Object.keys(g.entries).length, 0));
    expect(new Set(names).size).toBe(names.length);
    for (const key of names) expect(key).toMatch(/^[A-Z][A-Za-z0-9]+$/);
  });

  it('collects every registered target\'s entries and range from the registry, in code order', () => {
    expect(groups().map((g) => g.owner).sort()).toEqual([...STAGE_GROUPS.map((g) => g.owner), ...PLATFORMS].sort());
    const firsts = groups().map((g) => g.range.first);
    expect(firsts).toEqual([...firsts].sort((a, b) => a - b));
    // The stages and the five first targets, in code order; any later target comes after output.
    expect(groups().map((g) => g.owner).slice(0, 9)).toEqual(['parse', 'schema', 'checks', 'bootc', 'kairos', 'rancheros', 'krata', 'liquidmetal', 'output']);
    expect(allEntries()).toHaveLength(declared.reduce((n, g) => n + g.entries.length, 0));
    for (const t of targets()) for (const e of Object.values(t.diagnostics.entries)) expect(ownerOf(e.code), e.code).toBe(t.platform);
    expect(ownerOf(D.DuplicateKey.code)).toBe('parse');
    expect(ownerOf(BOOTC.BootcHostonly.code)).toBe('bootc');
    expect(rangeOf(BOOTC.BootcHostonly.code)).toEqual({ owner: 'bootc', first: 4000, last: 4999, what: 'the bootc target' });
  });

  it('keeps each code in its owner\'s range, the ranges apart, and a range for every platform', () => {
    expect(rangeProblems(declaredRanges, declared)).toEqual([]);
    expect(rangeProblems(codeRanges(), groups())).toEqual([]);
    for (const p of PLATFORMS) expect(codeRanges().filter((r) => r.owner === p), p).toHaveLength(1);
  });

  it('keeps the five first targets at the codes they were released with, and gives any other a thousand from KS10000 on', () => {
    const released: Record<string, number> = { bootc: 4000, kairos: 5000, rancheros: 6000, krata: 7000, liquidmetal: 8000 };
    for (const { platform, diagnostics: d } of targets()) {
      const first = released[platform];
      if (first !== undefined) expect([d.first, d.last], platform).toEqual([first, first + 999]);
      else expect([d.first >= 10000, d.first % 1000, d.last - d.first], platform).toEqual([true, 0, 999]);
    }
  });

  it('finds what is wrong in a crafted bad table (so the check above can fail)', () => {
    const bad: CodeRange[] = [
      { owner: 'parse', first: 1000, last: 1999, what: '' },
      { owner: 'schema', first: 1500, last: 2999, what: '' },
      { owner: 'bootc', first: 4000, last: 4999, what: '' },
      { owner: 'bootc', first: 10000, last: 10999, what: '' },
    ];
    expect(
      rangeProblems(bad, [
        { owner: 'parse', entries: [entry('KS1001', 'a'), entry('KS2001', 'b')] },
        { owner: 'bootc', entries: [entry('KS1001', 'c'), entry('KS04', 'd')] },
        { owner: 'kairos', entries: [] },
      ]),
    ).toEqual([
      'parse KS1000-KS1999 overlaps schema KS1500-KS2999',
      'bootc has more than one range',
      "KS2001 (b) is outside parse's range KS1000-KS1999",
      "KS1001 (c) is outside bootc's range KS10000-KS10999",
      'KS1001 is used by a and c',
      'KS04 (d) is not KS and a number',
      'kairos owns no range',
    ]);
    // A sixth target's range, from KS10000 on, fits beside the others.
    const sixth: CodeRange = { owner: 'bootc', first: 10000, last: 10999, what: '' };
    expect(rangeProblems([...codeRanges().filter((r) => r.owner !== 'bootc'), sixth], [{ owner: 'bootc', entries: [entry('KS10001')] }])).toEqual([]);
    // A new target that took a range already owned, or a code outside its own range.
    const clash: CodeRange = { owner: 'kairos', first: 4500, last: 5999, what: '' };
    expect(rangeProblems([...codeRanges().filter((r) => r.owner !== 'kairos'), clash], declared)).toEqual(['bootc KS4000-KS4999 overlaps kairos KS4500-KS5999']);
    const stray = declared.map((g) => (g.owner === 'krata' ? { ...g, entries: [...g.entries, entry('KS8500', 'krata-stray')] } : g));
    expect(rangeProblems(codeRanges(), stray)).toEqual(["KS8500 (krata-stray) is outside krata's range KS7000-KS7999"]);
  });

  it('has short messages, imperative fixes and known placeholder formats', () => {
    // The verbs fixes start with; a new one is added here on purpose.
    const verb = /^(Add|Boot|Change|Check|Copy|Correct|Define|Expect|Fix|Flatten|Give|Keep|List|Make|Move|Name|Paste|Pin|Point|Put|Remove|Review|Save|Set|Shorten|Split|Start|Store|Tag|Upgrade|Use|Write)\b|^\{fix\}\.$/;
    for (const e of allEntries()) {
      expect(e.message.length, `${e.code} message: ${e.message}`).toBeLessThanOrEqual(120);
      expect(e.message, e.code).toMatch(/[.?!}]$/);
      expect(e.fix, e.code).toMatch(verb);
      expect(e.fix, e.code).toMatch(/[.)]$/);
      for (const p of [...placeholders(e.message), ...placeholders(e.fix)]) {
        if (p.format !== undefined) expect(FORMATS.has(p.format), `${e.code} {${p.name}:${p.format}}`).toBe(true);
      }
    }
  });

  it('formats arguments in one place: text clipped, lists quoted, suggestions optional', () => {
    expect(fill("Key '{key}'.", { key: 'a'.repeat(500) })).toBe(`Key '${'a'.repeat(240)}…(500 characters)'.`);
    expect(fill('Use one of {allowed:list}.', { allowed: ['a', 'b'] })).toBe("Use one of 'a', 'b'.");
    expect(fill('Use one of {allowed:list}.', { allowed: [] })).toBe('Use one of (none).');
    expect(fill("Unknown '{k}'.{s:suggest}", { k: 'x', s: 'y' })).toBe("Unknown 'x'. Did you mean 'y'?");
    expect(fill("Unknown '{k}'.{s:suggest}", { k: 'x' })).toBe("Unknown 'x'.");
    expect(fill('The value {v:json}.', { v: 'a"b' })).toBe('The value "a\\"b".');
    expect(fill('{n} bytes', { n: 3 })).toBe('3 bytes');
  });

  it('has every entry exercised by a test', () => {
    const src = allTestSources();
    // `D.<Key>` for the stages' entries, `<GROUP>.<Key>` (BOOTC, KRATA...) for a target's.
    const missing = names.filter((k) => !new RegExp(`\\b[A-Z][A-Z_]*\\.${k}\\b`).test(src));
    expect(missing).toEqual([]);
  });
});
