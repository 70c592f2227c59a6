/**
 * kairos's job in the workflow `kspec workflow` writes (src/workflow.ts): `kairos`, a matrix
 * over spec x arch on native runners: build into the Docker daemon AuroraBoot reads,
 * build-kernel.sh check in the image, auroraboot.sh (its artifacts kept), boot-test.sh.
 * A spec that lists netboot gets no auroraboot.sh step (its server runs until stopped).
 */
import { raw } from '../../workflow/yaml.js';
import type { Node } from '../../workflow/yaml.js';
import { ACTIONS, bootTools, buildEnv, checkout, has, kvm, OCI_PLATFORM, run, RUNNER, SECRETS, signingMatrix, specName, matrixJob } from '../../workflow/steps.js';
import type { Jobs, Omission, Step, WorkflowUnit } from '../../workflow/steps.js';

/**
 * auroraboot.sh; for bootloader: trustedboot its build-uki reads the Secure Boot and PCR
 * keys from KSPEC_UKI_KEYS (the three files it checks), written here from secrets.
 */
const ARTIFACTS = [
  'if [[ "$UKI" == true ]]; then',
  '  export KSPEC_UKI_KEYS="$RUNNER_TEMP/uki-keys"',
  '  trap \'rm -rf -- "$KSPEC_UKI_KEYS"\' EXIT',
  '  k=$KSPEC_UKI_KEYS',
  '  (umask 077 && mkdir -p -- "$k"',
  '    printf \'%s\\n\' "$UKI_DB_KEY" >"$k/db.key"',
  '    printf \'%s\\n\' "$UKI_DB_PEM" >"$k/db.pem"',
  '    printf \'%s\\n\' "$UKI_PCR_KEY" >"$k/tpm2-pcr-private.pem")',
  'fi',
  '"$DIR/auroraboot.sh" "$LOCAL" "$RUNNER_TEMP/artifacts"',
];
const UKI_ENV: Step = {
  UKI: raw('${{ matrix.uki }}'),
  UKI_DB_KEY: raw('${{ secrets.KSPEC_UKI_DB_KEY }}'),
  UKI_DB_PEM: raw('${{ secrets.KSPEC_UKI_DB_PEM }}'),
  UKI_PCR_KEY: raw('${{ secrets.KSPEC_UKI_TPM2_PCR_PRIVATE }}'),
};

export function workflowJobs(units: Array<WorkflowUnit<'kairos'>>, omit: Omission[]): Jobs {
  const include: Node[] = [];
  const uki = units.some((u) => u.parsed.target.bootloader === 'trustedboot');
  for (const u of units) {
    // auroraboot.sh serves netboot until it is stopped: a CI job would never end.
    const netboot = u.parsed.target.artifacts.includes('netboot');
    if (netboot && has(u, 'auroraboot.sh')) {
      omit.push({ spec: u.spec, pointer: '/target/artifacts', step: 'auroraboot.sh', reason: 'its netboot server runs until it is stopped', fix: 'Run auroraboot.sh by hand for netboot, or list only iso in target.artifacts' });
    }
    for (const arch of u.parsed.kernel.arch) {
      include.push({ name: specName(u), spec: u.spec, dir: u.dir, arch, platform: OCI_PLATFORM[arch], runner: RUNNER[arch], check: has(u, 'build-kernel.sh'), artifacts: has(u, 'auroraboot.sh') && !netboot, uki: u.parsed.target.bootloader === 'trustedboot', ...signingMatrix(u.parsed) });
    }
  }
  return {
    kairos: matrixJob({
      name: 'kairos ${{ matrix.name }} (${{ matrix.arch }})',
      runsOn: raw('${{ matrix.runner }}'),
      timeout: 180,
      include,
      env: { DIR: raw('${{ matrix.dir }}'), ARCH: raw('${{ matrix.arch }}'), LOCAL: raw('localhost/kspec/${{ matrix.name }}:${{ matrix.arch }}') },
      steps: [
        checkout(),
        kvm(),
        bootTools(),
        run(
          'Build (into the Docker daemon AuroraBoot reads)',
          [...SECRETS, 'docker buildx build --load --platform "$PLATFORM" "${secrets[@]}" \\', '  -t "$LOCAL" -f "$DIR/Containerfile" "$DIR"'],
          { env: buildEnv(units) },
        ),
        run(
          'Verify (build-kernel.sh check in the image)',
          ['script="$GITHUB_WORKSPACE/$DIR/build-kernel.sh"', 'docker run --rm --entrypoint /kspec/build-kernel.sh \\', '  -v "$script:/kspec/build-kernel.sh:ro" "$LOCAL" check'],
          { if: raw('matrix.check') },
        ),
        run('Artifacts (auroraboot.sh)', uki ? ARTIFACTS : ARTIFACTS.slice(-1), { if: raw('matrix.artifacts'), ...(uki ? { env: UKI_ENV } : {}) }),
        {
          name: 'Keep the artifacts',
          if: raw('matrix.artifacts'),
          uses: raw(ACTIONS.upload.uses),
          with: { name: raw('kairos-${{ matrix.name }}-${{ matrix.arch }}'), path: raw('${{ runner.temp }}/artifacts/'), 'if-no-files-found': 'error', 'retention-days': 7 },
        },
        run('Boot test (QEMU, OVMF, swtpm)', ['"$DIR/boot-test.sh" --image "$LOCAL" --arch "$ARCH"']),
      ],
    }),
  };
}
