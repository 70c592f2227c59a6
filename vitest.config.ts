import { defineConfig } from 'vitest/config';

/**
 * `npm test`: the suite. The slow tests (*.slow.test.ts: installing the packed package and
 * from git, the full type-check) run apart with `npm run test:slow`
 * (vitest.slow.config.ts); .ci/run runs both.
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/targets/*/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/*.slow.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
