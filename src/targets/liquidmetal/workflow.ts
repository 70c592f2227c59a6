/**
 * liquidmetal's job in the workflow `kspec workflow` writes (src/workflow.ts):
 * `liquidmetal`, one entry per spec: a kind cluster with CAPMVM's CRD at the release the
 * spec names (target.capmvm), then `kubectl apply --dry-run=server` of its manifests.
 */
import { raw } from '../../workflow/yaml.js';
import type { Node } from '../../workflow/yaml.js';
import { checkout, run, RUNNER, specName, matrixJob } from '../../workflow/steps.js';
import type { Jobs, WorkflowUnit } from '../../workflow/steps.js';

/** The MicrovmMachineTemplate CRD in liquidmetal-dev/cluster-api-provider-microvm. */
const CAPMVM_CRD = 'config/crd/bases/infrastructure.cluster.x-k8s.io_microvmmachinetemplates.yaml';

export function workflowJobs(units: Array<WorkflowUnit<'liquidmetal'>>): Jobs {
  const include: Node[] = [];
  for (const u of units) {
    const manifests = u.files.filter((f) => /\.ya?ml$/.test(f) && !f.includes('/')).sort();
    include.push({ name: specName(u), spec: u.spec, dir: u.dir, capmvm: u.parsed.target.capmvm, manifests: manifests.join(' ') });
  }
  return {
    liquidmetal: matrixJob({
      name: 'liquidmetal ${{ matrix.name }}',
      runsOn: RUNNER.x86_64,
      timeout: 30,
      include,
      env: { DIR: raw('${{ matrix.dir }}'), CAPMVM: raw('${{ matrix.capmvm }}'), MANIFESTS: raw('${{ matrix.manifests }}') },
      steps: [
        checkout(),
        run('A kind cluster with CAPMVM\'s CRD (the release the spec names)', [
          'kind create cluster --name kspec --wait 180s',
          'repo=https://raw.githubusercontent.com/liquidmetal-dev/cluster-api-provider-microvm',
          `crd=${CAPMVM_CRD}`,
          'kubectl apply -f "$repo/$CAPMVM/$crd"',
          'kubectl wait --for condition=established --timeout 120s \\',
          '  crd/microvmmachinetemplates.infrastructure.cluster.x-k8s.io',
        ]),
        run('Server-side dry run of the manifests', ['for f in $MANIFESTS; do', '  kubectl apply --dry-run=server -f "$DIR/$f"', 'done']),
      ],
    }),
  };
}
