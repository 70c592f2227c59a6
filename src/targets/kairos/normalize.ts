/**
 * kairos's normalized settings: the defaults set, the family one kspec knows (checked by KS5001).
 * The type joins the pipeline's through NormalizedTargets (src/types.ts), so SpecFor<'kairos'>
 * sees it; the function is the module's `normalize` (src/normalize.ts calls it).
 */
import type * as Input from '../../generated/spec-input.js';
import { SCHEMA_DEFAULTS } from '../../generated/spec-defaults.js';
import type { Defaulted } from '../../types.js';

export type KairosTarget = Defaulted<Omit<Input.KairosTarget, 'family'>, 'model' | 'fips' | 'bootloader' | 'artifacts'> & {
  /** The families kspec knows (families.ts; KS5001 checks it, the schema takes any name). */
  family: 'fedora' | 'ubuntu' | 'opensuse';
};

declare module '../../types.js' {
  interface NormalizedTargets {
    kairos: KairosTarget;
  }
}

export function normalizeTarget(t: Input.KairosTarget): KairosTarget {
  return {
    platform: 'kairos',
    base: t.base,
    family: t.family as KairosTarget['family'],
    framework: t.framework,
    init: t.init,
    model: t.model ?? SCHEMA_DEFAULTS.kairosTarget.model,
    fips: t.fips ?? SCHEMA_DEFAULTS.kairosTarget.fips,
    bootloader: t.bootloader ?? SCHEMA_DEFAULTS.kairosTarget.bootloader,
    os: t.os ? { ...t.os } : undefined,
    artifacts: [...(t.artifacts ?? [])],
    ...(t.cloudConfig ? { cloudConfig: { ...t.cloudConfig } } : {}),
  };
}
