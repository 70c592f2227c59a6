/**
 * rancheros's job in the workflow `kspec workflow` writes (src/workflow.ts): `rancheros`,
 * spec x arch, all on x86_64 (no native runner needed): the provider's kernel tarball
 * downloaded and checked by check-kernel-tarball.sh. An arch without a tarball URL is left
 * out with why (KS9023).
 */
import { raw } from '../../workflow/yaml.js';
import type { Node } from '../../workflow/yaml.js';
import { checkout, has, run, RUNNER, specName, matrixJob } from '../../workflow/steps.js';
import type { Jobs, Omission, WorkflowUnit } from '../../workflow/steps.js';

export function workflowJobs(units: Array<WorkflowUnit<'rancheros'>>, omit: Omission[]): Jobs {
  const include: Node[] = [];
  for (const u of units) {
    const p = u.parsed.provider;
    if (!has(u, 'check-kernel-tarball.sh')) continue;
    for (const arch of u.parsed.kernel.arch) {
      const url = p.type === 'tarball' ? p.urls[arch] : undefined;
      if (url === undefined) {
        omit.push({ spec: u.spec, pointer: '/provider', step: `the ${arch} tarball check`, reason: `provider has no tarball URL for ${arch}`, fix: `Set provider.urls.${arch}` });
        continue;
      }
      // Checking a tarball needs no native runner: every arch runs on x86_64.
      include.push({ name: specName(u), spec: u.spec, dir: u.dir, arch, url });
    }
  }
  if (include.length === 0) return {};
  return {
    rancheros: matrixJob({
      name: 'rancheros ${{ matrix.name }} (${{ matrix.arch }})',
      runsOn: RUNNER.x86_64,
      timeout: 30,
      include,
      env: { DIR: raw('${{ matrix.dir }}'), ARCH: raw('${{ matrix.arch }}'), URL: raw('${{ matrix.url }}') },
      steps: [
        checkout(),
        run('Download the kernel tarball', ['curl -fsSL --retry 3 --max-time 900 \\', '  -o "$RUNNER_TEMP/kernel.tar.gz" "$URL"']),
        run('Check it (check-kernel-tarball.sh)', ['"$DIR/check-kernel-tarball.sh" --arch "$ARCH" \\', '  "$RUNNER_TEMP/kernel.tar.gz"']),
      ],
    }),
  };
}
