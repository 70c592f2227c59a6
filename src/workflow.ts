/**
 * `kspec workflow`: one GitHub Actions workflow for the specs of a repository, running the
 * image lifecycle the compiled output describes (issue 16, must-have 5):
 *
 * - `check`: `kspec compile --check` and `kspec workflow --check` (this file is output too);
 * - `outdated`: scheduled, `kspec outdated --format github`;
 * - one job per platform with a matrix over spec x arch (native arm64 runners for aarch64):
 *   bootc: build with the signing secrets, relabel.sh, verify-and-record.sh, boot-test.sh,
 *   push the arch's candidate; bootc-promote (pushes to the default branch): the candidate
 *   index, then promote.sh with the gates the build jobs recorded;
 *   kairos: build, build-kernel.sh check in the image, auroraboot.sh, boot-test.sh;
 *   krata: build.sh, check.sh (a host kernel built here, installed by install-host.sh, has no job); liquidmetal: `kubectl apply --dry-run=server` on a kind
 *   cluster with CAPMVM's CRD; rancheros: check-kernel-tarball.sh on the provider's tarball.
 *
 * Which steps a spec gets follows the files its compile plans (`files`), so the workflow
 * names exactly what `kspec compile` writes. Spec-derived values reach the workflow only
 * as matrix values (YAML scalars through `yamlScalar`), read by the scripts from the
 * environment; paths on a `run:` line go through `shQuote`. A value GitHub would evaluate
 * (`${{`) is refused: Actions expands expressions before any quoting applies.
 */
import { parseOciReference, repositoryOf } from './oci.js';
import { commentText, jsonString, shQuote, UnsafeValueError } from './quote.js';
import type { Arch, Spec } from './types.js';

/** Actions, pinned to a commit (the tag it was in a comment). Read from each repository's tags. */
export const ACTIONS = {
  checkout: { uses: 'actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1', tag: 'v7.0.1' },
  setupNode: { uses: 'actions/setup-node@820762786026740c76f36085b0efc47a31fe5020', tag: 'v7.0.0' },
  upload: { uses: 'actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f', tag: 'v7.0.0' },
  download: { uses: 'actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c', tag: 'v8.0.1' },
} as const;

/** GitHub-hosted runners: native arm64 for aarch64 (no emulation in a build or a boot). */
export const RUNNER: Record<Arch, string> = { x86_64: 'ubuntu-24.04', aarch64: 'ubuntu-24.04-arm' };
const PLATFORM: Record<Arch, string> = { x86_64: 'linux/amd64', aarch64: 'linux/arm64' };
/** crane for krata's check.sh, installed with `go install` at this release. */
const CRANE = 'github.com/google/go-containerregistry/cmd/crane@v0.20.2';
const CAPMVM_CRD = 'config/crd/bases/infrastructure.cluster.x-k8s.io_microvmmachinetemplates.yaml';

/** One compiled spec, as the workflow sees it. */
export interface WorkflowUnit {
  /** The spec's path from the repository root. */
  spec: string;
  /** Its output folder from the repository root (`<out>/<metadata.name>`). */
  dir: string;
  parsed: Spec;
  /** The paths its compile plans, relative to `dir`. */
  files: string[];
}

export interface WorkflowOptions {
  /** The inputs as written in the regenerate command, from the repository root. */
  inputs: string[];
  /** The output folder from the repository root. */
  out: string;
  /** This workflow's path from the repository root. */
  file: string;
  /** The branch whose pushes publish and promote. */
  branch: string;
  /** When `kspec outdated` runs. */
  cron: string;
  /** The words after `kspec` that regenerate this file (its header, the check job). */
  regenerate: string[];
  /** A word of the header's regenerate command (`commandWord` in src/compile.ts). */
  headerWord: (w: string) => string;
}

/** A step or job the workflow leaves out for a spec, with why (KS9023). */
export interface Omission {
  spec: string;
  pointer: string;
  step: string;
  reason: string;
  fix: string;
}

// ---- a small YAML writer, in prettier's layout ------------------------------------------

/** A fixed expression or word of ours, written bare. */
class Raw {
  constructor(readonly text: string) {}
}
/** A literal block (`|`), for `run:` scripts. */
class Block {
  constructor(readonly text: string) {}
}
type Node = string | number | boolean | null | Raw | Block | Node[] | { [k: string]: Node };

const raw = (t: string): Raw => new Raw(t);
const block = (lines: string[]): Block => new Block(lines.join('\n') + '\n');

const RESERVED = /^(?:true|false|yes|no|on|off|y|n|null|~)$/i;
const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./@+-]*$/;

/**
 * A spec-derived string as a YAML scalar: bare when it is a plain word YAML reads back as
 * the same string, else a double-quoted JSON string (valid YAML). Refuses what GitHub
 * would evaluate as an expression.
 */
export function yamlScalar(s: string): string {
  if (s.includes('${{')) throw new UnsafeValueError(s, 'a workflow value (GitHub evaluates ${{ }})');
  if (PLAIN.test(s) && !RESERVED.test(s)) return s;
  return jsonString(s);
}

function scalar(v: string | number | boolean | null | Raw): string {
  if (v instanceof Raw) return v.text;
  if (v === null) return '';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return yamlScalar(v);
}

function isMap(n: Node): n is { [k: string]: Node } {
  return n !== null && typeof n === 'object' && !Array.isArray(n) && !(n instanceof Raw) && !(n instanceof Block);
}

function emit(n: Node, indent: number, out: string[]): void {
  const pad = ' '.repeat(indent);
  if (isMap(n)) {
    for (const [k, v] of Object.entries(n)) out.push(...entry(`${pad}${k}:`, v, indent));
    return;
  }
  if (Array.isArray(n)) {
    for (const item of n) {
      if (isMap(item)) {
        const lines: string[] = [];
        emit(item, indent + 2, lines);
        lines[0] = `${pad}- ${lines[0]!.slice(indent + 2)}`;
        out.push(...lines);
      } else out.push(...entry(`${pad}-`, item, indent));
    }
    return;
  }
  throw new Error('a scalar cannot be emitted on its own');
}

function entry(head: string, v: Node, indent: number): string[] {
  if (v instanceof Block) {
    // Our scripts read values from the environment; a quoted path on a run: line is still
    // expanded by GitHub when it holds an expression.
    if (v.text.includes('${{')) throw new UnsafeValueError(v.text, 'a run: script (GitHub evaluates ${{ }})');
    return [`${head} |`, ...v.text.replace(/\n$/, '').split('\n').map((l) => (l === '' ? '' : `${' '.repeat(indent + 2)}${l}`))];
  }
  if (isMap(v)) {
    if (Object.keys(v).length === 0) return [`${head} {}`];
    const lines: string[] = [];
    emit(v, indent + 2, lines);
    return [head, ...lines];
  }
  if (Array.isArray(v)) {
    if (v.length === 0) return [`${head} []`];
    const lines: string[] = [];
    emit(v, indent + 2, lines);
    return [head, ...lines];
  }
  const s = scalar(v);
  // yamllint's line-length (80) lets a long word stand alone on its line: a long value
  // without spaces (a URL) goes into a folded block, which reads back as the same text.
  if (typeof v === 'string' && head.length + 1 + s.length > 80 && /^[\x21-\x7e]+$/.test(v)) {
    return [`${head} >-`, `${' '.repeat(indent + 2)}${v}`];
  }
  return [s === '' ? head : `${head} ${s}`];
}

// ---- steps ------------------------------------------------------------------------------

type Step = { [k: string]: Node };

const checkout = (): Step => ({ name: raw('Check out'), uses: raw(ACTIONS.checkout.uses), with: { 'persist-credentials': false } });
/** A step's name (our prose): bare when YAML reads it back as the same text. */
const PROSE = /^[A-Za-z][A-Za-z0-9 ,.;()'/-]*[A-Za-z0-9.)]$/;
const title = (t: string): Raw | string => (PROSE.test(t) && !t.includes(' #') ? raw(t) : t);
const run = (name: string, lines: string[], extra: { if?: Node; env?: Node } = {}): Step => ({
  name: title(name),
  ...(extra.if !== undefined ? { if: extra.if } : {}),
  ...(extra.env !== undefined ? { env: extra.env } : {}),
  run: block(lines),
});

/** GitHub's Linux runners have /dev/kvm, readable by root only until a udev rule opens it. */
const kvm = (): Step =>
  run('Let the boot test use KVM', [
    "rule='KERNEL==\"kvm\", GROUP=\"kvm\", MODE=\"0666\"'",
    "rule+=', OPTIONS+=\"static_node=kvm\"'",
    'echo "$rule" | sudo tee /etc/udev/rules.d/99-kvm4all.rules',
    'sudo udevadm control --reload-rules',
    'sudo udevadm trigger --name-match=kvm',
  ]);

/** QEMU, the UEFI firmware and swtpm from Ubuntu, for boot-test.sh. */
const bootTools = (): Step =>
  run('Install QEMU, OVMF and swtpm', [
    'case $ARCH in',
    '  x86_64) pkgs=(qemu-system-x86 ovmf) ;;',
    '  aarch64) pkgs=(qemu-system-arm qemu-efi-aarch64) ;;',
    'esac',
    'sudo apt-get update',
    'sudo apt-get install -y --no-install-recommends "${pkgs[@]}" \\',
    '  qemu-utils swtpm swtpm-tools',
  ]);

/** Writes the signing secrets to files for --secret, removed when the step ends. */
const SECRETS = [
  'secrets=()',
  'if [[ -n "$KEY_SECRET" ]]; then',
  '  if [[ -z "${!KEY_ENV:-}" || -z "${!CERT_ENV:-}" ]]; then',
  '    echo "::error::set the repository secrets $KEY_ENV and $CERT_ENV"',
  '    exit 1',
  '  fi',
  '  key="$RUNNER_TEMP/kspec-key" cert="$RUNNER_TEMP/kspec-cert"',
  '  trap \'rm -f -- "$key" "$cert"\' EXIT',
  '  (umask 077',
  '    printf \'%s\\n\' "${!KEY_ENV}" >"$key"',
  '    printf \'%s\\n\' "${!CERT_ENV}" >"$cert")',
  '  secrets=(--secret "id=$KEY_SECRET,src=$key"',
  '    --secret "id=$CERT_SECRET,src=$cert")',
  'fi',
];

/** Logs in to the image's registry: GITHUB_TOKEN for ghcr.io, else two repository secrets. */
function login(client: string[]): string[] {
  return [
    'if [[ $REGISTRY == ghcr.io ]]; then',
    '  user=$GITHUB_ACTOR pass=$GHCR_TOKEN',
    'else',
    '  user=$REGISTRY_USERNAME pass=$REGISTRY_PASSWORD',
    'fi',
    ...client.flatMap((c) => [`printf '%s' "$pass" \\`, `  | ${c} login "$REGISTRY" -u "$user" --password-stdin`]),
  ];
}
const LOGIN_ENV: Step = {
  GHCR_TOKEN: raw('${{ github.token }}'),
  REGISTRY_USERNAME: raw('${{ secrets.KSPEC_REGISTRY_USERNAME }}'),
  REGISTRY_PASSWORD: raw('${{ secrets.KSPEC_REGISTRY_PASSWORD }}'),
};

/** The GitHub secret that holds a BuildKit secret id's value: KSPEC_ and the id in capitals. */
export const secretName = (id: string): string => `KSPEC_${id.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;

function signingEnv(units: WorkflowUnit[]): Step {
  const names = new Set<string>();
  for (const u of units) {
    const s = u.parsed.signing;
    if (s?.secureBoot) names.add(secretName(s.keySecret)).add(secretName(s.certSecret));
  }
  const env: Step = {};
  for (const n of [...names].sort()) env[n] = raw(`\${{ secrets.${n} }}`);
  return env;
}

function signingMatrix(spec: Spec): Step {
  const s = spec.signing;
  if (!s?.secureBoot) return { key_secret: '', cert_secret: '', key_env: '', cert_env: '' };
  return { key_secret: s.keySecret, cert_secret: s.certSecret, key_env: secretName(s.keySecret), cert_env: secretName(s.certSecret) };
}

/** The repository of an image reference (tag and digest dropped) and its registry. */
function imageRepo(ref: string | undefined): { image: string; registry: string } | undefined {
  if (ref === undefined) return undefined;
  const r = parseOciReference(ref);
  if ('error' in r) return undefined;
  const hub = r.domain === undefined || r.domain === 'index.docker.io';
  return { image: repositoryOf(r), registry: hub ? 'docker.io' : r.domain! };
}

const has = (u: WorkflowUnit, f: string): boolean => u.files.includes(f);
const name = (u: WorkflowUnit): string => u.parsed.metadata.name;

// ---- jobs -------------------------------------------------------------------------------

const PUSH = "github.event_name == 'push'";
const NOT_SCHEDULED = "github.event_name != 'schedule'";

function bootcJobs(units: WorkflowUnit[], omit: Omission[]): Record<string, Node> {
  const include: Node[] = [];
  const promote: Node[] = [];
  let ghcr = false;
  for (const u of units) {
    const repo = imageRepo(u.parsed.target.platform === 'bootc' ? u.parsed.target.image : undefined);
    if (!repo) {
      omit.push({ spec: u.spec, pointer: '/target', step: 'the push of a candidate and promote.sh', reason: 'the spec has no target.image', fix: 'Set target.image to publish and promote the image' });
    } else if (repo.registry === 'ghcr.io') ghcr = true;
    for (const arch of u.parsed.kernel.arch) {
      include.push({ name: name(u), spec: u.spec, dir: u.dir, arch, platform: PLATFORM[arch], runner: RUNNER[arch], image: repo?.image ?? '', registry: repo?.registry ?? '', relabel: has(u, 'relabel.sh'), ...signingMatrix(u.parsed) });
    }
    if (repo && has(u, 'promote.sh')) promote.push({ name: name(u), dir: u.dir, image: repo.image, registry: repo.registry, arches: u.parsed.kernel.arch.join(' ') });
  }
  const permissions: Step = ghcr ? { contents: 'read', packages: 'write' } : { contents: 'read' };
  const jobs: Record<string, Node> = {
    bootc: {
      name: raw('bootc ${{ matrix.name }} (${{ matrix.arch }})'),
      needs: 'check',
      if: raw(NOT_SCHEDULED),
      'runs-on': raw('${{ matrix.runner }}'),
      'timeout-minutes': 180,
      permissions,
      strategy: { 'fail-fast': false, matrix: { include } },
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
          { env: { PLATFORM: raw('${{ matrix.platform }}'), KEY_SECRET: raw('${{ matrix.key_secret }}'), CERT_SECRET: raw('${{ matrix.cert_secret }}'), KEY_ENV: raw('${{ matrix.key_env }}'), CERT_ENV: raw('${{ matrix.cert_env }}'), ...signingEnv(units) } },
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
    },
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

function kairosJob(units: WorkflowUnit[], omit: Omission[]): Record<string, Node> {
  const include: Node[] = [];
  const uki = units.some((u) => u.parsed.target.platform === 'kairos' && u.parsed.target.bootloader === 'trustedboot');
  for (const u of units) {
    if (u.parsed.target.platform !== 'kairos') continue;
    // auroraboot.sh serves netboot until it is stopped: a CI job would never end.
    const netboot = u.parsed.target.artifacts.includes('netboot');
    if (netboot && has(u, 'auroraboot.sh')) {
      omit.push({ spec: u.spec, pointer: '/target/artifacts', step: 'auroraboot.sh', reason: 'its netboot server runs until it is stopped', fix: 'Run auroraboot.sh by hand for netboot, or list only iso in target.artifacts' });
    }
    for (const arch of u.parsed.kernel.arch) {
      include.push({ name: name(u), spec: u.spec, dir: u.dir, arch, platform: PLATFORM[arch], runner: RUNNER[arch], check: has(u, 'build-kernel.sh'), artifacts: has(u, 'auroraboot.sh') && !netboot, uki: u.parsed.target.bootloader === 'trustedboot', ...signingMatrix(u.parsed) });
    }
  }
  return {
    kairos: {
      name: raw('kairos ${{ matrix.name }} (${{ matrix.arch }})'),
      needs: 'check',
      if: raw(NOT_SCHEDULED),
      'runs-on': raw('${{ matrix.runner }}'),
      'timeout-minutes': 180,
      permissions: { contents: 'read' },
      strategy: { 'fail-fast': false, matrix: { include } },
      env: { DIR: raw('${{ matrix.dir }}'), ARCH: raw('${{ matrix.arch }}'), LOCAL: raw('localhost/kspec/${{ matrix.name }}:${{ matrix.arch }}') },
      steps: [
        checkout(),
        kvm(),
        bootTools(),
        run(
          'Build (into the Docker daemon AuroraBoot reads)',
          [...SECRETS, 'docker buildx build --load --platform "$PLATFORM" "${secrets[@]}" \\', '  -t "$LOCAL" -f "$DIR/Containerfile" "$DIR"'],
          { env: { PLATFORM: raw('${{ matrix.platform }}'), KEY_SECRET: raw('${{ matrix.key_secret }}'), CERT_SECRET: raw('${{ matrix.cert_secret }}'), KEY_ENV: raw('${{ matrix.key_env }}'), CERT_ENV: raw('${{ matrix.cert_env }}'), ...signingEnv(units) } },
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
    },
  };
}

function krataJob(units: WorkflowUnit[]): Record<string, Node> {
  const include: Node[] = [];
  let ghcr = false;
  for (const u of units) {
    if (u.parsed.target.platform !== 'krata') continue;
    // A host kernel built here is installed on a machine (install-host.sh): nothing to push or check.
    if (!has(u, 'check.sh')) continue;
    const repo = imageRepo(u.parsed.target.image);
    if (repo?.registry === 'ghcr.io') ghcr = true;
    // build.sh builds every arch and joins them in one index, so a krata spec is one entry.
    include.push({ name: name(u), spec: u.spec, dir: u.dir, arches: u.parsed.kernel.arch.join(' '), registry: repo?.registry ?? '', build: has(u, 'build.sh') });
  }
  if (include.length === 0) return {};
  return {
    krata: {
      name: raw('krata ${{ matrix.name }}'),
      needs: 'check',
      // build.sh pushes what it builds and check.sh reads the pushed image.
      if: raw(PUSH),
      'runs-on': RUNNER.x86_64,
      'timeout-minutes': 120,
      permissions: ghcr ? { contents: 'read', packages: 'write' } : { contents: 'read' },
      strategy: { 'fail-fast': false, matrix: { include } },
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
    },
  };
}

function liquidmetalJob(units: WorkflowUnit[]): Record<string, Node> {
  const include: Node[] = [];
  for (const u of units) {
    if (u.parsed.target.platform !== 'liquidmetal') continue;
    const manifests = u.files.filter((f) => /\.ya?ml$/.test(f) && !f.includes('/')).sort();
    include.push({ name: name(u), spec: u.spec, dir: u.dir, capmvm: u.parsed.target.capmvm, manifests: manifests.join(' ') });
  }
  return {
    liquidmetal: {
      name: raw('liquidmetal ${{ matrix.name }}'),
      needs: 'check',
      if: raw(NOT_SCHEDULED),
      'runs-on': RUNNER.x86_64,
      'timeout-minutes': 30,
      permissions: { contents: 'read' },
      strategy: { 'fail-fast': false, matrix: { include } },
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
    },
  };
}

function rancherosJob(units: WorkflowUnit[], omit: Omission[]): Record<string, Node> {
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
      include.push({ name: name(u), spec: u.spec, dir: u.dir, arch, url });
    }
  }
  if (include.length === 0) return {};
  return {
    rancheros: {
      name: raw('rancheros ${{ matrix.name }} (${{ matrix.arch }})'),
      needs: 'check',
      if: raw(NOT_SCHEDULED),
      'runs-on': RUNNER.x86_64,
      'timeout-minutes': 30,
      permissions: { contents: 'read' },
      strategy: { 'fail-fast': false, matrix: { include } },
      env: { DIR: raw('${{ matrix.dir }}'), ARCH: raw('${{ matrix.arch }}'), URL: raw('${{ matrix.url }}') },
      steps: [
        checkout(),
        run('Download the kernel tarball', ['curl -fsSL --retry 3 --max-time 900 \\', '  -o "$RUNNER_TEMP/kernel.tar.gz" "$URL"']),
        run('Check it (check-kernel-tarball.sh)', ['"$DIR/check-kernel-tarball.sh" --arch "$ARCH" \\', '  "$RUNNER_TEMP/kernel.tar.gz"']),
      ],
    },
  };
}

/** `npx --no-install kspec <args>` with every path a quoted shell word, wrapped under 80 columns. */
function kspecLine(words: string[]): string[] {
  const lines: string[] = [];
  let cur = 'npx --no-install kspec';
  for (const w of words) {
    if (cur.length + 1 + w.length > 62) {
      lines.push(`${cur} \\`);
      cur = `  ${w}`;
    } else cur += ` ${w}`;
  }
  lines.push(cur);
  return lines;
}

const setupKspec = (): Step[] => [
  checkout(),
  { name: 'Set up Node.js', uses: raw(ACTIONS.setupNode.uses), with: { 'node-version': 22 } },
  // kspec is a devDependency of the repository (docs/ci.md): npm ci installs it.
  run('Install kspec', ['npm ci --no-audit --no-fund']),
];

export interface BuiltWorkflow {
  text: string;
  omissions: Omission[];
}

/** The workflow for these units, byte for byte the same for the same input. */
export function buildWorkflow(units: WorkflowUnit[], opts: WorkflowOptions): BuiltWorkflow {
  const sorted = [...units].sort((a, b) => (a.spec < b.spec ? -1 : a.spec > b.spec ? 1 : 0));
  const by = (p: Spec['target']['platform']): WorkflowUnit[] => sorted.filter((u) => u.parsed.target.platform === p);
  const omissions: Omission[] = [];
  const inputs = opts.inputs.map(shQuote);
  const jobs: Record<string, Node> = {
    check: {
      name: 'kspec compile --check',
      if: raw(NOT_SCHEDULED),
      'runs-on': RUNNER.x86_64,
      'timeout-minutes': 20,
      permissions: { contents: 'read' },
      steps: [
        ...setupKspec(),
        run('The committed output matches the specs', kspecLine(['compile', ...inputs, '-o', shQuote(opts.out), '--check', '--strict', '--format', 'github'])),
        run('This workflow matches the specs', kspecLine([...opts.regenerate.map((w, i) => (i === 0 || w.startsWith('-') ? w : shQuote(w))), '--check'])),
      ],
    },
    outdated: {
      name: 'kspec outdated',
      if: raw("github.event_name != 'push' && github.event_name != 'pull_request'"),
      'runs-on': RUNNER.x86_64,
      'timeout-minutes': 20,
      permissions: { contents: 'read' },
      steps: [...setupKspec(), run('COPR build age, newer image tags', kspecLine(['outdated', ...inputs, '--format', 'github']))],
    },
  };
  if (by('bootc').length > 0) Object.assign(jobs, bootcJobs(by('bootc'), omissions));
  if (by('kairos').length > 0) Object.assign(jobs, kairosJob(by('kairos'), omissions));
  if (by('krata').length > 0) Object.assign(jobs, krataJob(by('krata')));
  if (by('liquidmetal').length > 0) Object.assign(jobs, liquidmetalJob(by('liquidmetal')));
  if (by('rancheros').length > 0) Object.assign(jobs, rancherosJob(by('rancheros'), omissions));

  const doc: Record<string, Node> = {
    name: 'kspec',
    // Quoted: a bare `on` is a boolean to YAML 1.1 readers such as yamllint.
    '"on"': {
      pull_request: null,
      push: { branches: [opts.branch] },
      schedule: [{ cron: opts.cron }],
      workflow_dispatch: null,
    },
    permissions: { contents: 'read' },
    concurrency: { group: raw('kspec-${{ github.ref }}'), 'cancel-in-progress': raw("${{ github.event_name == 'pull_request' }}") },
    defaults: { run: { shell: 'bash' } },
    jobs,
  };
  const lines: string[] = [];
  emit(doc, 0, lines);
  const command = ['kspec', ...opts.regenerate.map((w, i) => (i === 0 || w.startsWith('-') ? w : opts.headerWord(w)))].join(' ');
  const header = [
    `# Generated by kspec from ${commentText(opts.inputs.join(', '))}.`,
    '# Do not edit: changes are overwritten.',
    `# Regenerate with: ${commentText(command)}`,
    '# Secrets: KSPEC_<SECRET ID> for each signing secret, and for a registry',
    '# other than ghcr.io KSPEC_REGISTRY_USERNAME, KSPEC_REGISTRY_PASSWORD.',
    '---',
  ];
  return { text: [...header, ...lines].join('\n') + '\n', omissions };
}
