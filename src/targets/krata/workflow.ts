/**
 * krata's job in the workflow `kspec workflow` writes (src/workflow.ts): `krata`, on pushes
 * only (build.sh pushes what it builds and check.sh reads the pushed image), one entry per
 * spec (build.sh builds every arch into one index). A host kernel (install-host.sh, no
 * check.sh) is installed on a machine: it gets no job.
 */
import { raw } from '../../workflow/yaml.js';
import type { Node } from '../../workflow/yaml.js';
import { checkout, has, imageRepo, login, LOGIN_ENV, PUSH, run, RUNNER, specName, matrixJob } from '../../workflow/steps.js';
import type { Jobs, WorkflowUnit } from '../../workflow/steps.js';

/** crane for check.sh, installed with `go install` at this release. */
const CRANE = 'github.com/google/go-containerregistry/cmd/crane@v0.20.2';

export function workflowJobs(units: Array<WorkflowUnit<'krata'>>): Jobs {
  const include: Node[] = [];
  let ghcr = false;
  for (const u of units) {
    // A host kernel built here is installed on a machine (install-host.sh): nothing to push or check.
    if (!has(u, 'check.sh')) continue;
    const repo = imageRepo(u.parsed.target.image);
    if (repo?.registry === 'ghcr.io') ghcr = true;
    // build.sh builds every arch and joins them in one index, so a krata spec is one entry.
    include.push({ name: specName(u), spec: u.spec, dir: u.dir, arches: u.parsed.kernel.arch.join(' '), registry: repo?.registry ?? '', build: has(u, 'build.sh') });
  }
  if (include.length === 0) return {};
  return {
    krata: matrixJob({
      name: 'krata ${{ matrix.name }}',
      // build.sh pushes what it builds and check.sh reads the pushed image.
      when: PUSH,
      runsOn: RUNNER.x86_64,
      timeout: 120,
      permissions: ghcr ? { contents: 'read', packages: 'write' } : { contents: 'read' },
      include,
      env: { DIR: raw('${{ matrix.dir }}'), REGISTRY: raw('${{ matrix.registry }}') },
      steps: [
        checkout(),
        run('Log in', login(['docker']), { env: LOGIN_ENV, if: raw("matrix.registry != ''") }),
        // The kernel build trees (provider.kernelImage, modulesDir, configFile) are read
        // from the checkout, as kspec compile resolved them: build or fetch them first.
        run('Build and push (build.sh)', ['"$DIR/build.sh"'], { if: raw('matrix.build') }),
        run('Install crane', [`go install ${CRANE}`, 'echo "$(go env GOPATH)/bin" >>"$GITHUB_PATH"']),
        run('Check the published image (check.sh)', ['"$DIR/check.sh"']),
      ],
    }),
  };
}
