/**
 * bootc's normalized settings: removeStock always set.
 * The type joins the pipeline's through NormalizedTargets (src/types.ts), so SpecFor<'bootc'>
 * sees it; the function is the module's `normalize` (src/normalize.ts calls it).
 */
import type * as Input from '../../generated/spec-input.js';
import { SCHEMA_DEFAULTS } from '../../generated/spec-defaults.js';
import type { Defaulted } from '../../types.js';

export type BootcTarget = Defaulted<Input.BootcTarget, 'removeStock'>;

declare module '../../types.js' {
  interface NormalizedTargets {
    bootc: BootcTarget;
  }
}

export function normalizeTarget(t: Input.BootcTarget): BootcTarget {
  return { platform: 'bootc', base: t.base, image: t.image, removeStock: [...(t.removeStock ?? SCHEMA_DEFAULTS.bootcTarget.removeStock)] };
}
