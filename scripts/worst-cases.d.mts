/** Types for scripts/worst-cases.mjs. */
/** name -> () => spec text (at most 1 MiB). */
export declare const WORST_CASES: Record<string, () => string>;
/** Names of the worst cases the fast reader leaves to yaml. */
export declare const READ_BY_YAML: Set<string>;
/** Values allowed in a spec (MAX_VALUES in src/parse.ts). */
export declare const MAX_VALUES: number;
/** The largest spec yaml reads when the fast reader gives up (MAX_FULL_PARSE_BYTES in src/parse.ts). */
export declare const MAX_FULL_PARSE_BYTES: number;
/** Calls `make` with the cases built at `scale` of the real limits (1 MiB, MAX_VALUES). */
export declare function withScale<T>(scale: number, make: () => T): T;
