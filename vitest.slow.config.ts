import { defineConfig } from 'vitest/config';

/** `npm run test:slow`: packaging and the full type-check (see vitest.config.ts). */
export default defineConfig({
  test: {
    include: ['test/**/*.slow.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
