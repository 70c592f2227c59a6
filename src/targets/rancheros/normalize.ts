/**
 * rancheros's normalized settings: its settings copied as written.
 * The type joins the pipeline's through NormalizedTargets (src/types.ts), so SpecFor<'rancheros'>
 * sees it; the function is the module's `normalize` (src/normalize.ts calls it).
 */
import type * as Input from '../../generated/spec-input.js';

export type RancherosTarget = Input.RancherosTarget;

declare module '../../types.js' {
  interface NormalizedTargets {
    rancheros: RancherosTarget;
  }
}

export function normalizeTarget(t: Input.RancherosTarget): RancherosTarget {
  return {
    platform: 'rancheros',
    ...(t.kernelSource ? { kernelSource: { ...t.kernelSource } } : {}),
    ...(t.dapperfile ? { dapperfile: t.dapperfile } : {}),
  };
}
