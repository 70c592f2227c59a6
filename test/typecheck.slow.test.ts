/**
 * The full type-check, sources and tests (npm run typecheck). A slow test: it runs with
 * the packaging tests under `npm run test:slow` (vitest.slow.config.ts), which .ci/run runs
 * after `npm test`; `npm run build` type-checks src/ on every run of the suite anyway.
 */
import { expect, it } from 'vitest';
import { ROOT } from './helpers.js';
import { runAsync } from './snapshot.js';

// Spawned asynchronously: tsc takes half a minute or more, and a worker blocked that long
// (spawnSync) misses vitest's 60 s RPC deadline on a loaded machine ("Timeout calling
// onTaskUpdate", an error that fails the run though every test passed).
it('the tests type-check too (npm run typecheck)', async () => {
  const r = await runAsync('npx', ['tsc', '-p', 'tsconfig.test.json'], { cwd: ROOT, env: process.env });
  expect(r.stdout + r.stderr.replace(/^npm warn .*\n/gm, '')).toBe('');
  expect(r.status).toBe(0);
});
