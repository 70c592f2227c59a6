/**
 * krata's normalized settings: tags always set.
 * The type joins the pipeline's through NormalizedTargets (src/types.ts), so SpecFor<'krata'>
 * sees it; the function is the module's `normalize` (src/normalize.ts calls it).
 */
import type * as Input from '../../generated/spec-input.js';
import type { Defaulted } from '../../types.js';

export type KrataTarget = Defaulted<Input.KrataTarget, 'tags'>;

declare module '../../types.js' {
  interface NormalizedTargets {
    krata: KrataTarget;
  }
}

export function normalizeTarget(t: Input.KrataTarget): KrataTarget {
  return { platform: 'krata', scope: t.scope, image: t.image, tags: [...(t.tags ?? [])] };
}
