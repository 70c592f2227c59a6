/**
 * Who owns which diagnostic codes. A code is `KS` and its number; each stage and each target
 * owns one range, and its entries take codes from it only (test/catalogue.test.ts checks
 * this with `rangeProblems`). Codes are never renumbered or reused, so a range, once given,
 * stays with its owner.
 *
 * The stages' ranges are below (`STAGE_RANGES`). A target declares its own range with its
 * entries, in its folder's diagnostics.ts (`TargetDiagnostics`, read through the registry:
 * src/diagnostics/all.ts). The first nine thousands are taken (KS1000-KS9999: the stages,
 * and bootc, kairos, rancheros, krata and liquidmetal at KS4000-KS8999). A new target takes
 * the next free thousand from KS10000 on: KS10000-KS10999, then KS11000-KS11999, and so on,
 * room for 90 more targets before the codes get a sixth digit.
 */
import type { Entries, Entry } from './entry.js';
import type { Platform } from '../types.js';

export type Stage = 'parse' | 'schema' | 'checks' | 'output';
export type Owner = Stage | Platform;

export interface CodeRange {
  owner: Owner;
  /** First and last code number, inclusive. */
  first: number;
  last: number;
  /** What the range covers, for docs/diagnostics.md. */
  what: string;
}

/** The stages' ranges. The targets' come from the registry (src/diagnostics/all.ts). */
export const STAGE_RANGES: readonly CodeRange[] = [
  { owner: 'parse', first: 1000, last: 1999, what: 'reading the spec: YAML, size and structure limits, `extends`' },
  { owner: 'schema', first: 2000, last: 2999, what: 'the schema: unknown keys, types, formats, allowed values' },
  { owner: 'checks', first: 3000, last: 3999, what: 'checks common to every platform, and files read for a spec' },
  { owner: 'output', first: 9000, last: 9999, what: 'output files, the output folder, and the lifecycle commands (`outdated`, `workflow`)' },
];

/**
 * A target's diagnostics, as its folder's diagnostics.ts declares them and its module
 * registers them (`TargetModule.diagnostics`): the range it owns and its entries, each with a
 * code in that range. A new target takes the next free thousand from KS10000 on.
 */
export interface TargetDiagnostics<E extends Entries = Entries> {
  /** First and last code number of its range, inclusive. */
  readonly first: number;
  readonly last: number;
  /** What the range covers, for docs/diagnostics.md: `the <name> target`. */
  readonly what: string;
  /** Its entries by name; its checks report them by this object (`KRATA.KrataImageMissing`). */
  readonly entries: E;
}

/** `KS` and the number, without leading zeros: KS1001, KS10001. */
export const CODE = /^KS[1-9]\d{3,}$/;

export const codeNumber = (code: string): number => Number(code.slice(2));

/** `KS4000-KS4999`. */
export const rangeText = (r: Pick<CodeRange, 'first' | 'last'>): string => `KS${r.first}-KS${r.last}`;

/**
 * Everything wrong with a range table and the entries of each owner: ranges that overlap or
 * are empty, owners with two ranges or none, codes that are malformed, used twice, or outside
 * their owner's range. Empty when all is well.
 */
export function rangeProblems(ranges: readonly CodeRange[], groups: ReadonlyArray<{ owner: string; entries: readonly Entry[] }>): string[] {
  const problems: string[] = [];
  const sorted = [...ranges].sort((a, b) => a.first - b.first);
  for (const r of sorted) if (!(r.first <= r.last)) problems.push(`${r.owner}: range ${rangeText(r)} is empty`);
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    if (b.first <= a.last) problems.push(`${a.owner} ${rangeText(a)} overlaps ${b.owner} ${rangeText(b)}`);
  }
  const byOwner = new Map<string, CodeRange>();
  for (const r of ranges) {
    if (byOwner.has(r.owner)) problems.push(`${r.owner} has more than one range`);
    byOwner.set(r.owner, r);
  }
  const seen = new Map<string, string>();
  for (const g of groups) {
    const r = byOwner.get(g.owner);
    if (!r) problems.push(`${g.owner} owns no range`);
    for (const e of g.entries) {
      if (!CODE.test(e.code)) problems.push(`${e.code} (${e.id}) is not KS and a number`);
      else if (r && (codeNumber(e.code) < r.first || codeNumber(e.code) > r.last)) problems.push(`${e.code} (${e.id}) is outside ${g.owner}'s range ${rangeText(r)}`);
      const other = seen.get(e.code);
      if (other !== undefined) problems.push(`${e.code} is used by ${other} and ${e.id}`);
      seen.set(e.code, e.id);
    }
  }
  return problems;
}
