/**
 * Every diagnostic kspec can emit: the stages' entries (src/diagnostics/catalogue.ts) and
 * each registered target's (`TargetModule.diagnostics`, from its folder's diagnostics.ts),
 * with the range each owner holds. docs/diagnostics.md, the SARIF rules and the tests read
 * the catalogue from here, so a target added to the registry brings its entries and its
 * range with it; nothing here names a platform.
 *
 * This module imports the registry, and the targets import catalogue.ts: no target may
 * import this one. It computes on first use, not at load.
 */
import { targets } from '../targets/index.js';
import { STAGE_GROUPS } from './catalogue.js';
import type { Entry } from './entry.js';
import { STAGE_RANGES, type CodeRange, type Owner } from './ranges.js';

/** One owner's range and entries. */
export interface Group {
  owner: Owner;
  range: CodeRange;
  entries: readonly Entry[];
}

let cached: readonly Group[] | undefined;
/** Every owner's range and entries, in code order of the ranges (parse first, output after the targets). */
export function groups(): readonly Group[] {
  if (cached) return cached;
  const stages = STAGE_GROUPS.map((g): Group => ({ owner: g.owner, range: STAGE_RANGES.find((r) => r.owner === g.owner)!, entries: Object.values(g.entries) }));
  const platforms = targets().map((t): Group => {
    const { first, last, what, entries } = t.diagnostics;
    return { owner: t.platform, range: { owner: t.platform, first, last, what }, entries: Object.values(entries) };
  });
  return (cached = [...stages, ...platforms].sort((a, b) => a.range.first - b.range.first));
}

/** Every owner's range, in code order. */
export function codeRanges(): CodeRange[] {
  return groups().map((g) => g.range);
}

/** Every entry, in catalogue order (by owner in code order, then as each owner lists them): docs, SARIF rules, tests. */
export function allEntries(): Entry[] {
  return groups().flatMap((g) => g.entries);
}

let ownerByCode: Map<string, Group> | undefined;
const groupOf = (code: string): Group | undefined => {
  ownerByCode ??= new Map(groups().flatMap((g) => g.entries.map((e) => [e.code, g] as const)));
  return ownerByCode.get(code);
};

/** The owner of a code. */
export function ownerOf(code: string): Owner | undefined {
  return groupOf(code)?.owner;
}

/** The range of the owner of a code. */
export function rangeOf(code: string): CodeRange | undefined {
  return groupOf(code)?.range;
}
