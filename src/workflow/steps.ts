/**
 * The platform-neutral parts of the workflow `kspec workflow` writes: what a compiled spec
 * looks like to it (`WorkflowUnit`), pinned actions, runners, the steps and shell lines
 * several jobs share (checkout, KVM, the boot-test tools, signing secrets, registry login,
 * the kspec command line). src/workflow.ts assembles the document; each target's jobs are
 * in src/targets/<platform>/workflow.ts. Nothing here imports the registry, so target
 * modules import it without a cycle.
 */
import { parseOciReference, repositoryOf } from '../oci.js';
import type { Arch, Platform, Spec, SpecFor } from '../types.js';
import { block, raw, type Node, type Raw } from './yaml.js';

/** Actions, pinned to a commit (the tag it was in a comment). Read from each repository's tags. */
export const ACTIONS = {
  checkout: { uses: 'actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1', tag: 'v7.0.1' },
  setupNode: { uses: 'actions/setup-node@820762786026740c76f36085b0efc47a31fe5020', tag: 'v7.0.0' },
  upload: { uses: 'actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f', tag: 'v7.0.0' },
  download: { uses: 'actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c', tag: 'v8.0.1' },
} as const;

/** GitHub-hosted runners: native arm64 for aarch64 (no emulation in a build or a boot). */
export const RUNNER: Record<Arch, string> = { x86_64: 'ubuntu-24.04', aarch64: 'ubuntu-24.04-arm' };
/** The OCI platform of an arch (`--platform` of a container build). */
export const OCI_PLATFORM: Record<Arch, string> = { x86_64: 'linux/amd64', aarch64: 'linux/arm64' };

/** One compiled spec, as the workflow sees it; a target's jobs get its own platform's. */
export interface WorkflowUnit<P extends Platform = Platform> {
  /** The spec's path from the repository root. */
  spec: string;
  /** Its output folder from the repository root (`<out>/<metadata.name>`). */
  dir: string;
  parsed: SpecFor<P>;
  /** The paths its compile plans, relative to `dir`. */
  files: string[];
}

/** A step or job the workflow leaves out for a spec, with why (KS9023). */
export interface Omission {
  spec: string;
  pointer: string;
  step: string;
  reason: string;
  fix: string;
}

/** Job ids to jobs, in the order they are written. */
export type Jobs = Record<string, Node>;
export type Step = { [k: string]: Node };

/** The core's first job (`kspec compile --check`), which every target's jobs need. */
export const CHECK_JOB = 'check';
/** The `if:` of a job or step that runs on pushes only (publishing). */
export const PUSH = "github.event_name == 'push'";
/** The `if:` of a job that does not run on the schedule (which is for `kspec outdated`). */
export const NOT_SCHEDULED = "github.event_name != 'schedule'";

export const checkout = (): Step => ({ name: raw('Check out'), uses: raw(ACTIONS.checkout.uses), with: { 'persist-credentials': false } });
/** A step's name (our prose): bare when YAML reads it back as the same text. */
const PROSE = /^[A-Za-z][A-Za-z0-9 ,.;()'/-]*[A-Za-z0-9.)]$/;
const title = (t: string): Raw | string => (PROSE.test(t) && !t.includes(' #') ? raw(t) : t);
/** A `run:` step: our name, an optional `if:` and `env:`, the script's lines. */
export const run = (name: string, lines: string[], extra: { if?: Node; env?: Node } = {}): Step => ({
  name: title(name),
  ...(extra.if !== undefined ? { if: extra.if } : {}),
  ...(extra.env !== undefined ? { env: extra.env } : {}),
  run: block(lines),
});

/** GitHub's Linux runners have /dev/kvm, readable by root only until a udev rule opens it. */
export const kvm = (): Step =>
  run('Let the boot test use KVM', [
    "rule='KERNEL==\"kvm\", GROUP=\"kvm\", MODE=\"0666\"'",
    "rule+=', OPTIONS+=\"static_node=kvm\"'",
    'echo "$rule" | sudo tee /etc/udev/rules.d/99-kvm4all.rules',
    'sudo udevadm control --reload-rules',
    'sudo udevadm trigger --name-match=kvm',
  ]);

/** QEMU, the UEFI firmware and swtpm from Ubuntu, for boot-test.sh. */
export const bootTools = (): Step =>
  run('Install QEMU, OVMF and swtpm', [
    'case $ARCH in',
    '  x86_64) pkgs=(qemu-system-x86 ovmf) ;;',
    '  aarch64) pkgs=(qemu-system-arm qemu-efi-aarch64) ;;',
    'esac',
    'sudo apt-get update',
    'sudo apt-get install -y --no-install-recommends "${pkgs[@]}" \\',
    '  qemu-utils swtpm swtpm-tools',
  ]);

/**
 * Writes the signing secrets to files for --secret, removed when the step ends: leaves
 * `secrets` as the build's --secret arguments (empty without Secure Boot signing). Reads
 * KEY_SECRET, CERT_SECRET, KEY_ENV, CERT_ENV (`signingMatrix`, `buildEnv`).
 */
export const SECRETS = [
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
export function login(client: string[]): string[] {
  return [
    'if [[ $REGISTRY == ghcr.io ]]; then',
    '  user=$GITHUB_ACTOR pass=$GHCR_TOKEN',
    'else',
    '  user=$REGISTRY_USERNAME pass=$REGISTRY_PASSWORD',
    'fi',
    ...client.flatMap((c) => [`printf '%s' "$pass" \\`, `  | ${c} login "$REGISTRY" -u "$user" --password-stdin`]),
  ];
}
/** The environment `login` reads. */
export const LOGIN_ENV: Step = {
  GHCR_TOKEN: raw('${{ github.token }}'),
  REGISTRY_USERNAME: raw('${{ secrets.KSPEC_REGISTRY_USERNAME }}'),
  REGISTRY_PASSWORD: raw('${{ secrets.KSPEC_REGISTRY_PASSWORD }}'),
};

/** The GitHub secret that holds a BuildKit secret id's value: KSPEC_ and the id in capitals. */
export const secretName = (id: string): string => `KSPEC_${id.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;

/** Every secret the units' Secure Boot signing names, as `env:` of the build step, sorted. */
export function signingEnv(units: ReadonlyArray<{ parsed: Spec }>): Step {
  const names = new Set<string>();
  for (const u of units) {
    const s = u.parsed.signing;
    if (s?.secureBoot) names.add(secretName(s.keySecret)).add(secretName(s.certSecret));
  }
  const env: Step = {};
  for (const n of [...names].sort()) env[n] = raw(`\${{ secrets.${n} }}`);
  return env;
}

/** The `env:` of a container build running `SECRETS`: the matrix's OCI platform and secret ids, every secret. */
export function buildEnv(units: ReadonlyArray<{ parsed: Spec }>): Step {
  return {
    PLATFORM: raw('${{ matrix.platform }}'),
    KEY_SECRET: raw('${{ matrix.key_secret }}'),
    CERT_SECRET: raw('${{ matrix.cert_secret }}'),
    KEY_ENV: raw('${{ matrix.key_env }}'),
    CERT_ENV: raw('${{ matrix.cert_env }}'),
    ...signingEnv(units),
  };
}

/** A spec's signing secrets as matrix values (empty strings when it does not sign). */
export function signingMatrix(spec: Spec): Step {
  const s = spec.signing;
  if (!s?.secureBoot) return { key_secret: '', cert_secret: '', key_env: '', cert_env: '' };
  return { key_secret: s.keySecret, cert_secret: s.certSecret, key_env: secretName(s.keySecret), cert_env: secretName(s.certSecret) };
}

/** The repository of an image reference (tag and digest dropped) and its registry. */
export function imageRepo(ref: string | undefined): { image: string; registry: string } | undefined {
  if (ref === undefined) return undefined;
  const r = parseOciReference(ref);
  if ('error' in r) return undefined;
  const hub = r.domain === undefined || r.domain === 'index.docker.io';
  return { image: repositoryOf(r), registry: hub ? 'docker.io' : r.domain! };
}

/** Whether the unit's compile plans this file. */
export const has = (u: Pick<WorkflowUnit, 'files'>, f: string): boolean => u.files.includes(f);
/** The unit's `metadata.name`. */
export const specName = (u: { parsed: Spec }): string => u.parsed.metadata.name;

/** `npx --no-install kspec <args>` with every path a quoted shell word, wrapped under 80 columns. */
export function kspecLine(words: string[]): string[] {
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

/** Check out, Node.js, and kspec from the repository's devDependencies. */
export const setupKspec = (): Step[] => [
  checkout(),
  { name: 'Set up Node.js', uses: raw(ACTIONS.setupNode.uses), with: { 'node-version': 22 } },
  // kspec is a devDependency of the repository (docs/ci.md): npm ci installs it.
  run('Install kspec', ['npm ci --no-audit --no-fund']),
];

/**
 * A target's job over its specs: one matrix entry each (`include`), run after `check`,
 * never fail-fast, read-only unless `permissions` says more; `when` is the event condition
 * (not on the schedule, unless the job says otherwise).
 */
export function matrixJob(job: { name: string; when?: string; runsOn: Node; timeout: number; permissions?: Node; include: Node[]; env: Node; steps: Node[] }): Node {
  return {
    name: raw(job.name),
    needs: CHECK_JOB,
    if: raw(job.when ?? NOT_SCHEDULED),
    'runs-on': job.runsOn,
    'timeout-minutes': job.timeout,
    permissions: job.permissions ?? { contents: 'read' },
    strategy: { 'fail-fast': false, matrix: { include: job.include } },
    env: job.env,
    steps: job.steps,
  };
}
