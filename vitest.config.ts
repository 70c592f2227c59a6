import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * `npm test`: the suite. The slow tests (*.slow.test.ts: installing the packed package,
 * from git and as a pre-commit hook, the full type-check) run apart with `npm run test:slow`
 * (vitest.slow.config.ts); .ci/run runs both.
 *
 * One worker per core (vitest's default leaves one core idle, so two cores ran one file at a
 * time), and test files share their worker's module graph (`isolate: false`: each file
 * otherwise pays about a second of CPU to import the sources again). A test that needs
 * another module in place takes it as an argument (buildWorkflow's registry), not vi.mock,
 * and a test that patches a module or the environment restores it in `finally`.
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/targets/*/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/*.slow.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    isolate: false,
    maxWorkers: Math.max(2, availableParallelism()),
  },
});
