/** "Did you mean" suggestions: the closest candidate by edit distance, if close enough. */

export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/**
 * editDistance(a, b) when it is at most `limit`, else `limit + 1`: only the band of
 * width 2 * limit + 1 around the diagonal is computed, and the walk stops as soon as a
 * whole row is past the limit. O(min(|a|, |b|) * limit), so a hostile key of thousands
 * of characters costs no more than its length (issue 11, must-have 4).
 */
/** Rows reused by editDistanceAtMost (grown as needed): no allocation per comparison. */
let rowA = new Int32Array(64);
let rowB = new Int32Array(64);

export function editDistanceAtMost(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  const over = limit + 1;
  const n = b.length;
  if (rowA.length < n + 1) {
    rowA = new Int32Array(2 * (n + 1));
    rowB = new Int32Array(2 * (n + 1));
  }
  let prev = rowA;
  let cur = rowB;
  for (let j = 0; j <= n; j++) prev[j] = j <= limit ? j : over;
  for (let i = 1; i <= a.length; i++) {
    const lo = Math.max(1, i - limit);
    const hi = Math.min(n, i + limit);
    cur[0] = i <= limit ? i : over;
    if (lo > 1) cur[lo - 1] = over;
    let rowMin = cur[0]!;
    for (let j = lo; j <= hi; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur[j] = v > over ? over : v;
      if (v < rowMin) rowMin = v;
    }
    if (hi < n) cur[hi + 1] = over;
    if (rowMin > limit) return over;
    [prev, cur] = [cur, prev];
  }
  return Math.min(prev[n]!, over);
}

/** Candidate lists lowercased once (validate asks with the same list for every unknown key of a mapping). */
const lowered = new WeakMap<readonly string[], { words: string[]; masks: number[] }>();

/**
 * The characters of `s` folded into 32 classes (code point mod 32). A class present in
 * the word and absent from a candidate stands for at least one character that must be
 * substituted or deleted, a distinct one per class: the count of such classes is a lower
 * bound of the edit distance, so most candidates are dismissed without computing it.
 */
function charMask(s: string): number {
  let m = 0;
  for (let i = 0; i < s.length; i++) m |= 1 << (s.charCodeAt(i) & 31);
  return m;
}

function popcount(x: number): number {
  let n = 0;
  for (let v = x >>> 0; v !== 0; v &= v - 1) n++;
  return n;
}

/**
 * The candidate nearest to `word`, compared case-insensitively, when the distance is at
 * most a third of the word's length (at least 1, at most 3); otherwise undefined.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  const limit = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  let best: string | undefined;
  let bestD = limit + 1;
  let lower = lowered.get(candidates);
  if (!lower) {
    const l = candidates.map((c) => c.toLowerCase());
    lowered.set(candidates, (lower = { words: l, masks: l.map(charMask) }));
  }
  const mask = charMask(w);
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!;
    // Each character class of the word that the candidate lacks costs at least one edit.
    if (popcount(mask & ~lower.masks[i]!) > Math.min(limit, bestD - 1)) continue;
    const d = editDistanceAtMost(w, lower.words[i]!, Math.min(limit, bestD - 1));
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}
