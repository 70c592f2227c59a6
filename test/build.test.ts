import { expect, inject, it } from 'vitest';
import { ROOT } from './helpers.js';
import { runAsync } from './snapshot.js';

it('the TypeScript build (npm run build) is clean', () => {
  expect(inject('buildOutput').replace(/^npm warn .*\n/gm, '')).toBe('');
  expect(inject('buildStatus')).toBe(0);
});

// Spawned asynchronously: tsc takes half a minute or more, and a worker blocked that long
// (spawnSync) misses vitest's 60 s RPC deadline on a loaded machine ("Timeout calling
// onTaskUpdate", an error that fails the run though every test passed).
it('the tests type-check too (npm run typecheck)', async () => {
  const r = await runAsync('npx', ['tsc', '-p', 'tsconfig.test.json'], { cwd: ROOT, env: process.env });
  expect(r.stdout + r.stderr.replace(/^npm warn .*\n/gm, '')).toBe('');
  expect(r.status).toBe(0);
});
