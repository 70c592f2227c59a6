import { defineConfig } from 'vitest/config';

/** `npm run test:slow`: packaging (the packed package, installs from git, the pre-commit hook installed from a git repository), the full type-check and the toy target (see vitest.config.ts). */
export default defineConfig({
  test: {
    include: ['test/**/*.slow.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
