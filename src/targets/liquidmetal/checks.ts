/**
 * liquidmetal's platform checks (KS8xxx): what the schema and the common checks
 * (src/check.ts) cannot say about a liquidmetal spec.
 */
import { LIQUIDMETAL } from './diagnostics.js';
import { pointer } from '../../diagnostics/diagnostic.js';
import type { CheckContext } from '../target.js';
import { sshKeyProblem } from '../../sshkey.js';
import { FALLBACK_SUFFIX, KERNEL_LINES, ROLES, cmdlineEntry, compareReleases, isLegacy, kernelLine, releasesAgree, tagRelease } from './view.js';
import type { LiquidmetalSpec } from './view.js';

/** Longest Kubernetes object name (a DNS-1123 subdomain). */
const MAX_NAME = 253;
/**
 * Fields of spec.template.spec and the first CAPMVM release whose CRD has them
 * (config/crd/bases/infrastructure.cluster.x-k8s.io_microvmmachinetemplates.yaml at the
 * release tags of liquidmetal-dev/cluster-api-provider-microvm). A structural CRD prunes an
 * unknown field silently.
 */
const FIELD_SINCE = [
  { pointer: '/target/template/sshPublicKeys', field: 'target.template.sshPublicKeys', since: 'v0.6.0' },
  { pointer: '/target/template/labels', field: 'target.template.labels', since: 'v0.8.0' },
  { pointer: '/target/provider', field: 'target.provider', since: 'v0.9.0' },
] as const;

/** The longest role suffix: the control plane's name is the longest generated. */
const LONGEST_ROLE_SUFFIX = ROLES[0].suffix;

/** Longest prefix of a Kubernetes label key (a DNS-1123 subdomain), which the schema's pattern cannot bound. */
const MAX_LABEL_PREFIX = 253;
/** The label CAPMVM sets itself (GetLabels in its internal/scope/machine.go). */
const CAPMVM_LABEL = 'cluster-name';

/** target.template.labels and .sshPublicKeys: what their schema patterns cannot say. */
function checkLabelsAndKeys(spec: LiquidmetalSpec, ctx: CheckContext): void {
  const r = ctx.report;
  const t = spec.target.template;
  for (const key of Object.keys(t.labels ?? {})) {
    const slash = key.indexOf('/');
    const at = pointer('target', 'template', 'labels', key);
    if (slash > MAX_LABEL_PREFIX) r.report(LIQUIDMETAL.LiquidmetalLabelPrefix, at, { length: slash, max: MAX_LABEL_PREFIX }, 'key');
    if (key === CAPMVM_LABEL) r.report(LIQUIDMETAL.LiquidmetalClusterNameLabel, at, {}, 'key');
  }
  const users = new Map<string, number>();
  (t.sshPublicKeys ?? []).forEach((entry, i) => {
    const first = users.get(entry.user);
    if (first === undefined) users.set(entry.user, i);
    else r.report(LIQUIDMETAL.LiquidmetalSshUserTwice, pointer('target', 'template', 'sshPublicKeys', i, 'user'), { user: entry.user, first });
    entry.authorizedKeys.forEach((key, j) => {
      const problem = sshKeyProblem(key);
      if (problem !== undefined) {
        r.report(LIQUIDMETAL.LiquidmetalSshKey, pointer('target', 'template', 'sshPublicKeys', i, 'authorizedKeys', j), { type: key.split(' ')[0]!, problem });
      }
    });
  });
}

export function check(spec: LiquidmetalSpec, ctx: CheckContext): void {
  const r = ctx.report;
  const p = spec.provider;
  const t = spec.target;
  const version = spec.kernel.version;
  if (p.type !== 'oci' || version === undefined) return; // KS3001 / KS3003 already reported
  // flintlock's CreateMicroVM takes the kernel's file inside the image
  // (reference/liquidmetal/flintlock_services_microvm_v1alpha1_microvms.swagger.json), and
  // CAPMVM's MicrovmMachineTemplate passes spec.kernel.filename through without a default.
  if (p.kernel.filename === undefined) r.report(LIQUIDMETAL.LiquidmetalKernelFilename, '/provider/kernel', { image: p.kernel.image }, 'key');

  // Liquid Metal publishes arm images only as "Experimental images ... not guaranteed to work"
  // (upstream-docs/liquidmetal-microvm-kernel.md).
  const arm = spec.kernel.arch.indexOf('aarch64');
  if (arm >= 0) r.report(LIQUIDMETAL.LiquidmetalArmExperimental, pointer('kernel', 'arch', arm), {});

  checkLabelsAndKeys(spec, ctx);
  const present = { '/target/template/sshPublicKeys': t.template.sshPublicKeys, '/target/template/labels': t.template.labels, '/target/provider': t.provider };
  for (const f of FIELD_SINCE) {
    if (present[f.pointer] !== undefined && compareReleases(t.capmvm, f.since) < 0) r.report(LIQUIDMETAL.LiquidmetalFieldTooNew, f.pointer, { field: f.field, since: f.since, capmvm: t.capmvm }, 'key');
  }

  const seen = new Map<string, number>();
  spec.kernel.cmdline.forEach((arg, i) => {
    const [key] = cmdlineEntry(arg);
    const first = seen.get(key);
    if (first === undefined) seen.set(key, i);
    else r.report(LIQUIDMETAL.LiquidmetalCmdlineDuplicate, pointer('kernel', 'cmdline', i), { key, first });
  });

  const legacy = isLegacy(t.capmvm);
  if (legacy) r.report(LIQUIDMETAL.LiquidmetalLegacyCapmvm, '/target/capmvm', { capmvm: t.capmvm });
  else if (!p.modules) r.report(LIQUIDMETAL.LiquidmetalNoModulesImage, '/provider', { version }, 'key');

  const kernelTag = tagRelease(p.kernel.image);
  if (kernelTag && !releasesAgree(kernelTag, version)) {
    r.report(LIQUIDMETAL.LiquidmetalKernelTag, '/provider/kernel/image', { ref: p.kernel.image, tagVersion: kernelTag, version });
  }
  const modulesTag = p.modules && !legacy ? tagRelease(p.modules.image) : undefined;
  if (p.modules && modulesTag && !releasesAgree(modulesTag, version)) {
    r.report(LIQUIDMETAL.LiquidmetalModulesVersion, '/provider/modules/image', { ref: p.modules.image, tagVersion: modulesTag, version });
  }

  // The kernel lines are firecracker's (docs/kernel-policy.md in firecracker, and the
  // images Liquid Metal publishes for it); cloud-hypervisor has no such list.
  const line = kernelLine(version);
  if (t.provider !== 'cloudhypervisor' && line && !(KERNEL_LINES as readonly string[]).includes(line)) {
    r.report(LIQUIDMETAL.LiquidmetalKernelLine, '/kernel/version', { line, lines: KERNEL_LINES });
  }

  if (spec.fallback?.via === 'template') {
    const fb = spec.fallback.kernel;
    if (fb === p.kernel.image) r.report(LIQUIDMETAL.LiquidmetalFallbackSame, '/fallback/kernel', { ref: fb });
    else if (!legacy && p.modules && tagRelease(fb) === undefined) r.report(LIQUIDMETAL.LiquidmetalFallbackRelease, '/fallback/kernel', { ref: fb });
    const name = t.template.name + FALLBACK_SUFFIX;
    if (!t.template.roles && name.length > MAX_NAME) r.report(LIQUIDMETAL.LiquidmetalFallbackName, '/target/template/name', { name, max: MAX_NAME });
  }
  if (t.template.roles) {
    const longest = t.template.name + LONGEST_ROLE_SUFFIX + (spec.fallback?.via === 'template' ? FALLBACK_SUFFIX : '');
    if (longest.length > MAX_NAME) r.report(LIQUIDMETAL.LiquidmetalRoleName, '/target/template/name', { name: longest, max: MAX_NAME });
    const cp = t.template.roles.controlPlane.replicas;
    // controlplane/kubeadm/internal/webhooks/kubeadm_control_plane.go in kubernetes-sigs/cluster-api:
    // "cannot be an even number when etcd is stacked", as it is in CAPMVM's cluster-template.
    if (cp !== undefined && cp % 2 === 0) r.report(LIQUIDMETAL.LiquidmetalControlPlaneEven, '/target/template/roles/controlPlane/replicas', { replicas: cp, fewer: cp - 1, more: cp + 1 });
  }
}
