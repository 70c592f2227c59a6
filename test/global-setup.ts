/**
 * Builds dist/ once before the suite, so CLI tests spawn what `npm start` and users run.
 * A dist/ whose stamp (scripts/build-stamp.mjs) matches the inputs is already that build
 * (`npm ci` builds through `prepare`) and is not built again.
 * A type error does not stop the suite here (tsc still emits): test/build.test.ts fails on
 * the build's output instead (and test/typecheck.slow.test.ts on the tests' types), so the
 * rest of the suite still reports.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { STAMP, buildStamp } from '../scripts/build-stamp.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    buildOutput: string;
    buildStatus: number;
  }
}

export default function setup(project: TestProject): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  if (upToDate(root)) {
    project.provide('buildOutput', '');
    project.provide('buildStatus', 0);
    return;
  }
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, encoding: 'utf8' });
  project.provide('buildOutput', `${r.stdout ?? ''}${r.stderr ?? ''}`);
  project.provide('buildStatus', r.status ?? 1);
}

/** Whether dist/ holds a whole clean build of today's inputs, by this Node. */
function upToDate(root: string): boolean {
  try {
    return readFileSync(path.join(root, STAMP), 'utf8').trim() === buildStamp(root);
  } catch {
    return false;
  }
}
