import { expect, inject, it } from 'vitest';

it('the TypeScript build (npm run build) is clean', () => {
  expect(inject('buildOutput').replace(/^npm warn .*\n/gm, '')).toBe('');
  expect(inject('buildStatus')).toBe(0);
});
