/** Types for scripts/worst-cases.mjs. */
/** name -> () => spec text (at most 1 MiB). */
export declare const WORST_CASES: Record<string, () => string>;
/** Names of the worst cases the fast reader leaves to yaml. */
export declare const READ_BY_YAML: Set<string>;
