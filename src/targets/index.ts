/**
 * The registry: every target, registered once. A test asserts that each registered target
 * has a templates/<platform>/ folder and a golden case under test/golden/.
 */
import type { Platform } from '../types.js';
import type { TargetModule } from './target.js';
import { bootc } from './bootc/index.js';
import { krata } from './krata/index.js';
import { kairos } from './kairos/index.js';
import { liquidmetal } from './liquidmetal/index.js';
import { rancheros } from './rancheros/index.js';

/**
 * Every platform's target, one line each. Typed per platform and exhaustive: a platform
 * added to `Platform` (src/types.ts) without a line here, or a line for a platform that
 * type does not name, fails to compile; the CLI's choices, `kspec init`, the fuzz
 * generators and the schema tests all read the platform list from here.
 */
const REGISTRY = {
  bootc,
  kairos,
  krata,
  liquidmetal,
  rancheros,
} as const satisfies { readonly [P in Platform]: TargetModule<P> };

/** Every registered platform, sorted. */
export const PLATFORMS: readonly Platform[] = (Object.keys(REGISTRY) as Platform[]).sort();

/**
 * The target of a platform. Typed for any spec: compile dispatches on a spec whose
 * platform is only known at run time, and each module narrows its spec itself.
 */
export function getTarget(platform: Platform): TargetModule<any> | undefined {
  return Object.hasOwn(REGISTRY, platform) ? REGISTRY[platform] : undefined;
}

export function targets(): Array<TargetModule<any>> {
  return PLATFORMS.map((p) => REGISTRY[p]);
}
