/**
 * The registry: every target, registered once. A test asserts that each registered target
 * has a templates/<platform>/ folder and a golden case under test/golden/.
 */
import type { Platform } from '../types.js';
import type { TargetModule } from './target.js';
import { bootc } from './bootc.js';
import { krata } from './krata.js';
import { kairos } from './kairos.js';
import { liquidmetal } from './liquidmetal.js';
import { rancheros } from './rancheros.js';

const registry = new Map<Platform, TargetModule<any>>();

function register(t: TargetModule<any>): void {
  if (registry.has(t.platform)) throw new Error(`target '${t.platform}' registered twice`);
  registry.set(t.platform, t);
}

register(bootc);
register(krata);
register(kairos);
register(liquidmetal);
register(rancheros);

export function getTarget(platform: Platform): TargetModule<any> | undefined {
  return registry.get(platform);
}

export function targets(): Array<TargetModule<any>> {
  return [...registry.values()];
}
