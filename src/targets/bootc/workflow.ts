/**
 * bootc's jobs in the workflow `kspec workflow` writes (src/workflow.ts): `bootc`, a matrix
 * over spec x arch on native runners: build with the signing secrets, relabel.sh,
 * verify-and-record.sh, boot-test.sh, and on pushes the arch's candidate pushed and the
 * gates kept; `bootc-promote` (pushes only, when a spec has an image and promote.sh): the
 * candidate index over the arches, then promote.sh with the gates the build jobs recorded.
 */
import { raw } from '../../workflow/yaml.js';
import type { Node } from '../../workflow/yaml.js';
import {
  ACTIONS,
  bootTools,
  buildEnv,
  checkout,
  has,
  imageRepo,
  kvm,
  login,
  matrixJob,
  LOGIN_ENV,
  OCI_PLATFORM,
  PUSH,
  run,
  RUNNER,
  SECRETS,
  signingMatrix,
  specName,
} from '../../workflow/steps.js';
import type { Jobs, Omission, Step, WorkflowUnit } from '../../workflow/steps.js';

export function workflowJobs(units: Array<WorkflowUnit<'bootc'>>, omit: Omission[]): Jobs {
  const include: Node[] = [];
  const promote: Node[] = [];
  let ghcr = false;
  for (const u of units) {
    const repo = imageRepo(u.parsed.target.image);
    if (!repo) {
      omit.push({ spec: u.spec, pointer: '/target', step: 'the push of a candidate and promote.sh', reason: 'the spec has no target.image', fix: 'Set target.image to publish and promote the image' });
    } else if (repo.registry === 'ghcr.io') ghcr = true;
    for (const arch of u.parsed.kernel.arch) {
      include.push({ name: specName(u), spec: u.spec, dir: u.dir, arch, platform: OCI_PLATFORM[arch], runner: RUNNER[arch], image: repo?.image ?? '', registry: repo?.registry ?? '', relabel: has(u, 'relabel.sh'), ...signingMatrix(u.parsed) });
    }
    if (repo && has(u, 'promote.sh')) promote.push({ name: specName(u), dir: u.dir, image: repo.image, registry: repo.registry, arches: u.parsed.kernel.arch.join(' ') });
  }
  const permissions: Step = ghcr ? { contents: 'read', packages: 'write' } : { contents: 'read' };
  const jobs: Jobs = {
    bootc: matrixJob({
      name: 'bootc ${{ matrix.name }} (${{ matrix.arch }})',
      runsOn: raw('${{ matrix.runner }}'),
      timeout: 180,
      permissions,
      include,
      env: {
        DIR: raw('${{ matrix.dir }}'),
        ARCH: raw('${{ matrix.arch }}'),
        IMAGE: raw('${{ matrix.image }}'),
        REGISTRY: raw('${{ matrix.registry }}'),
        LOCAL: raw('localhost/kspec/${{ matrix.name }}:${{ matrix.arch }}'),
        KSPEC_GATES: raw('${{ github.workspace }}/kspec-gates'),
      },
      steps: [
        checkout(),
        kvm(),
        bootTools(),
        run(
          'Build (podman, with the signing secrets)',
          [
            ...SECRETS,
            'sudo podman build --platform "$PLATFORM" "${secrets[@]}" \\',
            '  -t "$LOCAL" -f "$DIR/Containerfile" "$DIR"',
          ],
          { env: buildEnv(units) },
        ),
        run('Relabel (ostree.linux names the kernel in the image)', ['sudo "$DIR/relabel.sh" "$LOCAL"'], { if: raw('matrix.relabel') }),
        run('Verify (verify-image.sh in the image, recorded)', ['sudo env "KSPEC_GATES=$KSPEC_GATES" \\', '  "$DIR/verify-and-record.sh" "$LOCAL" --arch "$ARCH"']),
        run('Boot test (QEMU, OVMF, swtpm; recorded)', ['sudo env "KSPEC_GATES=$KSPEC_GATES" \\', '  "$DIR/boot-test.sh" --image "$LOCAL" --arch "$ARCH"']),
        run(
          'Push the candidate',
          [...login(['sudo podman']), 'sudo podman push "$LOCAL" "docker://$IMAGE:candidate-$ARCH"'],
          { if: raw(`${PUSH} && matrix.image != ''`), env: LOGIN_ENV },
        ),
        {
          name: 'Keep the gates for promote.sh',
          if: raw(`${PUSH} && matrix.image != ''`),
          uses: raw(ACTIONS.upload.uses),
          with: { name: raw('kspec-gates-${{ matrix.name }}-${{ matrix.arch }}'), path: raw('kspec-gates/'), 'if-no-files-found': 'error', 'retention-days': 7 },
        },
      ],
    }),
  };
  if (promote.length > 0) {
    jobs['bootc-promote'] = {
      name: raw('promote ${{ matrix.name }}'),
      needs: 'bootc',
      // promote.sh is the gate: it refuses an image without both records, so one spec's
      // failed build does not hold back the others.
      if: raw(`\${{ !cancelled() && ${PUSH} }}`),
      'runs-on': RUNNER.x86_64,
      'timeout-minutes': 30,
      permissions,
      strategy: { 'fail-fast': false, matrix: { include: promote } },
      env: { DIR: raw('${{ matrix.dir }}'), IMAGE: raw('${{ matrix.image }}'), REGISTRY: raw('${{ matrix.registry }}'), ARCHES: raw('${{ matrix.arches }}') },
      steps: [
        checkout(),
        {
          name: 'Fetch the gates the build jobs recorded',
          uses: raw(ACTIONS.download.uses),
          with: { pattern: raw('kspec-gates-${{ matrix.name }}-*'), 'merge-multiple': true, path: raw('kspec-gates') },
        },
        run('Log in', login(['docker', 'skopeo']), { env: LOGIN_ENV }),
        run('Tag the candidate (one index over the arches)', [
          'refs=()',
          'for a in $ARCHES; do refs+=("$IMAGE:candidate-$a"); done',
          'if (( ${#refs[@]} > 1 )); then',
          '  docker buildx imagetools create -t "$IMAGE:candidate" "${refs[@]}"',
          'else',
          '  skopeo copy --preserve-digests "docker://${refs[0]}" \\',
          '    "docker://$IMAGE:candidate"',
          'fi',
        ]),
        run('Promote (only what was verified and booted)', ['KSPEC_GATES="$PWD/kspec-gates" \\', '  "$DIR/promote.sh" "$IMAGE:candidate" "$IMAGE:stable"']),
      ],
    };
  }
  return jobs;
}
