/** Types for scripts/worst-cases.mjs. */
/** name -> () => spec text (at most 1 MiB). */
export declare const WORST_CASES: Record<string, () => string>;
