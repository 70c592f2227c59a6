import { spawnSync } from 'node:child_process';
import { expect, inject, it } from 'vitest';
import { ROOT } from './helpers.js';

it('the TypeScript build (npm run build) is clean', () => {
  expect(inject('buildOutput').replace(/^npm warn .*\n/gm, '')).toBe('');
  expect(inject('buildStatus')).toBe(0);
});

it('the tests type-check too (npm run typecheck)', () => {
  const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.test.json'], { cwd: ROOT, encoding: 'utf8' });
  expect(r.stdout + r.stderr.replace(/^npm warn .*\n/gm, '')).toBe('');
  expect(r.status).toBe(0);
});
