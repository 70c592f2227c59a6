/** Types for scripts/build-stamp.mjs. */
/** Where scripts/build.mjs writes the stamp, relative to the package root. */
export declare const STAMP: string;
/** The stamp of the build inputs under `root`, for this Node. */
export declare function buildStamp(root: string): string;
