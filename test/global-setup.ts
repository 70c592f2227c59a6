/**
 * Builds dist/ once before the suite, so CLI tests spawn what `npm start` and users run.
 * A type error does not stop the suite here (tsc still emits): test/build.test.ts fails on
 * the build's output instead (and test/typecheck.slow.test.ts on the tests' types), so the
 * rest of the suite still reports.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    buildOutput: string;
    buildStatus: number;
  }
}

export default function setup(project: TestProject): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, encoding: 'utf8' });
  project.provide('buildOutput', `${r.stdout ?? ''}${r.stderr ?? ''}`);
  project.provide('buildStatus', r.status ?? 1);
}
