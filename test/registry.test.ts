/**
 * The registry (src/targets/index.ts) is the one list of platforms: exhaustive by type,
 * and what the schema, the CLI and `kspec init` offer.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PLATFORMS as INIT_PLATFORMS } from '../src/init.js';
import { bootc } from '../src/targets/bootc/index.js';
import { getTarget, PLATFORMS, targets } from '../src/targets/index.js';
import { kairos } from '../src/targets/kairos/index.js';
import { krata } from '../src/targets/krata/index.js';
import { liquidmetal } from '../src/targets/liquidmetal/index.js';
import type { TargetModule } from '../src/targets/target.js';
import type { Platform } from '../src/types.js';
import { BIN, ROOT } from './helpers.js';

// Type-level: a registry that leaves a platform out, or adds one Platform does not name,
// does not compile (checked by the type-check, test/typecheck.slow.test.ts).
// @ts-expect-error rancheros is missing
export const missing = { bootc, kairos, krata, liquidmetal } as const satisfies { readonly [P in Platform]: TargetModule<P> };

describe('the target registry', () => {
  it('lists each platform once, sorted, each module under its own name', () => {
    expect(PLATFORMS).toEqual([...new Set(PLATFORMS)].sort());
    expect(targets().map((t) => t.platform)).toEqual(PLATFORMS);
    for (const p of PLATFORMS) expect(getTarget(p)?.platform).toBe(p);
  });

  it('knows nothing of a platform it does not register, prototype names included', () => {
    for (const p of ['flatcar', '__proto__', 'constructor', 'toString']) expect(getTarget(p as Platform)).toBeUndefined();
  });

  it('is what the schema, kspec init and the CLI offer', () => {
    const schema = JSON.parse(readFileSync(path.join(ROOT, 'schema', 'kspec.schema.json'), 'utf8')) as Record<string, unknown>;
    const platforms = new Set<string>();
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        const p = (o.properties as Record<string, { const?: unknown; enum?: unknown[] }> | undefined)?.platform;
        if (p?.const !== undefined) platforms.add(String(p.const));
        for (const e of p?.enum ?? []) platforms.add(String(e));
        Object.values(o).forEach(walk);
      }
    };
    walk(schema);
    expect([...platforms].sort()).toEqual(PLATFORMS);
    expect(INIT_PLATFORMS).toBe(PLATFORMS);
    // The built CLI (test/global-setup.ts builds dist/ first).
    const help = spawnSync(process.execPath, [BIN, 'init', '--help'], { encoding: 'utf8' });
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout.replace(/\s+/g, ' ')).toContain(`choices: ${PLATFORMS.map((p) => `"${p}"`).join(', ')}`);
  });
});
