/**
 * liquidmetal's view: the machine templates, clusterctl variables and flintlock requests
 * its templates (templates/liquidmetal/) and JSON outputs print, computed from the spec.
 */
import { parseOciReference, repositoryOf } from '../../oci.js';
import { wholeNumber } from '../../quote.js';
import { byKey } from '../shared.js';
import type { SpecFor } from '../../types.js';
import { KERNEL_RELEASE } from '../../check.js';

export type LiquidmetalSpec = SpecFor<'liquidmetal'>;

/** Kernel lines kspec does not warn about (spec-format.md: Liquid Metal's images and firecracker's policy). */
export const KERNEL_LINES = ['4.19', '5.10', '6.1'] as const;
/** The last CAPMVM release without a separate modules volume (flintlock v0.4.0). */
const LAST_LEGACY = 'v0.7.0';
/** Appended to template.name for the fallback template; switching infrastructureRef.name to it is the rollback. */
export const FALLBACK_SUFFIX = '-fallback';
/** flintlock's NetworkInterface.IfaceType enum names (types/microvm.proto). */
const IFACE_TYPE = { macvtap: 'MACVTAP', tap: 'TAP' } as const;

/** Compares two releases (major.minor.patch, an optional leading v): negative when a is older. */
export function compareReleases(a: string, b: string): number {
  const [x, y] = [a, b].map((r) => r.replace(/^v/, '').split('.').map(Number));
  for (let i = 0; i < 3; i++) {
    const d = (x![i] ?? 0) - (y![i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** True for CAPMVM v0.7.0 and older: no `volumes`, the kernel image carries its modules. */
export function isLegacy(capmvm: string): boolean {
  return compareReleases(capmvm, LAST_LEGACY) <= 0;
}

/**
 * The kernel release an image tag names, or undefined when the tag names none. Tags are
 * free-form, so only a tag that starts like a kernel release (major 2..19, then .minor)
 * counts: `5.10.77`, `v4.19.215`, `5.10.77-1`; not `latest`, `1.2.0` or `sha-abc`.
 */
export function tagRelease(ref: string): string | undefined {
  const parsed = parseOciReference(ref);
  if ('error' in parsed || !parsed.tag) return undefined;
  const tag = parsed.tag.replace(/^v(?=[0-9])/, '');
  const m = /^([0-9]+)\.[0-9]+/.exec(tag);
  if (!m || Number(m[1]) < 2 || Number(m[1]) > 19 || !KERNEL_RELEASE.test(tag)) return undefined;
  return tag;
}

/**
 * Whether a tag's release and kernel.version name the same kernel: equal, or one a
 * component prefix of the other (`5.10` and `5.10.77`; `5.10.77-1`, an image revision,
 * and `5.10.77`). `5.10.77` and `5.10.78` do not agree.
 */
export function releasesAgree(tag: string, version: string): boolean {
  const prefix = (a: string, b: string) => a === b || b.startsWith(a + '.') || b.startsWith(a + '-');
  return prefix(tag, version) || prefix(version, tag);
}

/** `key=value` -> [key, value]; a bare flag -> [flag, ''] (spec-format.md). Split at the first '='. */
export function cmdlineEntry(arg: string): [string, string] {
  const eq = arg.indexOf('=');
  return eq < 0 ? [arg, ''] : [arg.slice(0, eq), arg.slice(eq + 1)];
}

/** The kernel line (major.minor) of a release. */
export function kernelLine(version: string): string | undefined {
  return /^([0-9]+\.[0-9]+)/.exec(version)?.[1];
}

/** A count the manifests print bare: a positive integer or the render stops. */
const positive = (v: unknown, what: string): number => wholeNumber(v, what, 1);

/**
 * The roles of CAPMVM's templates/cluster-template.yaml (liquidmetal-dev/cluster-api-provider-microvm
 * at ca7084d): its MicrovmMachineTemplates are named ${CLUSTER_NAME}-control-plane (the
 * KubeadmControlPlane's machineTemplate.infrastructureRef) and ${CLUSTER_NAME}-md-0 (the
 * MachineDeployment's infrastructureRef), and its machine counts are the clusterctl
 * variables CONTROL_PLANE_MACHINE_COUNT and WORKER_MACHINE_COUNT.
 */
export const ROLES = [
  { key: 'controlPlane', title: 'Control plane machines', noun: 'control plane machines', suffix: '-control-plane', owner: "KubeadmControlPlane's spec.machineTemplate.infrastructureRef.name", countVariable: 'CONTROL_PLANE_MACHINE_COUNT', minReplicas: 1 },
  { key: 'workers', title: 'Worker machines', noun: 'worker machines', suffix: '-md-0', owner: "MachineDeployment's spec.template.spec.infrastructureRef.name", countVariable: 'WORKER_MACHINE_COUNT', minReplicas: 0 },
] as const;
export type RoleView = (typeof ROLES)[number];
/** The size the stock cluster-template gives both roles (it has no variable for it). */
const STOCK_SIZE = { vcpu: 2, memoryMb: 2048 } as const;
export interface MachineTemplateView {
  name: string;
  /** The role this template is for (target.template.roles), or null in the single form. */
  role: RoleView | null;
  namespace: string;
  /** The rollback target of the primary template. */
  fallback: boolean;
  /** The release the modules are mounted for; null when a fallback's tag names none. */
  kernelVersion: string | null;
  vcpu: number;
  memoryMb: number;
  rootImage: string;
  kernel: { image: string; filename: string | null };
  /** The modules volume; null in the legacy form or without provider.modules. */
  modules: { image: string; mountPoint: string; readOnly: boolean } | null;
  /** provider.initrd (CRD spec.initrd), or null. */
  initrd: { image: string; filename: string | null } | null;
  /** kernelCmdline, sorted by key (a map: CAPMVM and flintlock do not keep an order). */
  cmdline: Array<{ key: string; value: string }>;
  interfaces: Array<{ guestDeviceName: string; type: 'macvtap' | 'tap' }>;
  /** target.provider: flintlock's microVM provider, or null for the host's default. */
  provider: 'firecracker' | 'cloudhypervisor' | null;
  /** target.template.labels, sorted by key (a map). */
  labels: Array<{ key: string; value: string }>;
  /** target.template.sshPublicKeys, in spec order. */
  sshPublicKeys: Array<{ user: string; authorizedKeys: string[] }>;
}

export interface LiquidmetalView {
  legacy: boolean;
  /** Set with several arches: the images must be OCI image indexes (one reference serves all). */
  arches: string[] | null;
  primary: MachineTemplateView;
  /** Per role (or the one template): the template, then its fallback when fallback.via is template. */
  templates: MachineTemplateView[];
  /** One flintlock request per template that is not a fallback, and its file name. */
  requests: Array<{ path: string; template: MachineTemplateView }>;
  /** target.template.roles is set: one template per role. */
  roles: boolean;
  /** Every template has the stock cluster-template's size (2 vCPUs, 2048 MB). */
  stockSizes: boolean;
  /** clusterctl variables, in the order of the upstream document. */
  env: Array<{ name: string; value: string }>;
  /** False when the stock cluster-template's hard-coded mount point is wrong for this kernel. */
  stockMountMatches: boolean;
}

/** The stock cluster-template's MicrovmMachineTemplates mount the modules here, whatever the variables say. */
const STOCK_MOUNT = '/lib/modules/5.10.77';

function modulesFor(spec: LiquidmetalSpec, version: string, image: string | undefined): MachineTemplateView['modules'] {
  if (isLegacy(spec.target.capmvm) || image === undefined) return null;
  const p = spec.provider;
  return { image, mountPoint: `/lib/modules/${version}`, readOnly: p.type === 'oci' && p.modules?.readOnly === true };
}

/** The fallback's modules image: provider.modules' repository with the fallback kernel's release as tag. */
function fallbackModulesImage(modules: string | undefined, release: string): string | undefined {
  if (modules === undefined) return undefined;
  const parsed = parseOciReference(modules);
  if ('error' in parsed) return undefined;
  return `${repositoryOf(parsed)}:${release}`;
}

export function liquidmetalView(spec: LiquidmetalSpec): LiquidmetalView {
  const t = spec.target;
  const p = spec.provider;
  if (p.type !== 'oci') throw new Error('liquidmetal takes an oci provider (checked before plan)');
  const version = spec.kernel.version!;
  const legacy = isLegacy(t.capmvm);
  const base = {
    namespace: t.template.namespace,
    rootImage: t.rootImage,
    cmdline: spec.kernel.cmdline
      .map(cmdlineEntry)
      .map(([key, value]) => ({ key, value }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
    interfaces: t.template.networkInterfaces.map((n) => ({ guestDeviceName: n.guestDeviceName, type: n.type })),
    provider: t.provider ?? null,
    initrd: p.initrd ? { image: p.initrd.image, filename: p.initrd.filename ?? null } : null,
    labels: byKey(t.template.labels ?? {}),
    sshPublicKeys: (t.template.sshPublicKeys ?? []).map((k) => ({ user: k.user, authorizedKeys: [...k.authorizedKeys] })),
  };
  const filename = p.kernel.filename ?? null;
  const release = spec.fallback?.via === 'template' ? (tagRelease(spec.fallback.kernel) ?? null) : null;
  /** A role's template, then its fallback (right after it, so "the template above" is its own). */
  const pair = (name: string, size: { vcpu: number; memoryMb: number }, role: RoleView | null): MachineTemplateView[] => {
    const sized = {
      ...base,
      vcpu: positive(size.vcpu, 'a vCPU count'),
      memoryMb: positive(size.memoryMb, 'a memory size in MB'),
      role,
    };
    const primary: MachineTemplateView = {
      ...sized,
      name,
      fallback: false,
      kernelVersion: version,
      kernel: { image: p.kernel.image, filename },
      modules: modulesFor(spec, version, p.modules?.image),
    };
    if (spec.fallback?.via !== 'template') return [primary];
    // check() refuses a fallback without a release tag when a modules volume is mounted.
    return [
      primary,
      {
        ...sized,
        name: name + FALLBACK_SUFFIX,
        fallback: true,
        kernelVersion: release,
        kernel: { image: spec.fallback.kernel, filename },
        modules: release === null ? null : modulesFor(spec, release, fallbackModulesImage(p.modules?.image, release)),
      },
    ];
  };
  const roles = t.template.roles;
  const templates = roles
    ? ROLES.flatMap((r) => pair(t.template.name + r.suffix, roles[r.key], r))
    : pair(t.template.name, t.template, null);
  const primary = templates[0]!;
  const env = [
    { name: 'MVM_ROOT_IMAGE', value: t.rootImage },
    { name: 'MVM_KERNEL_IMAGE', value: p.kernel.image },
    ...(primary.modules ? [{ name: 'MVM_KERNEL_MODULES_IMAGE', value: primary.modules.image }] : []),
    ...(roles
      ? ROLES.flatMap((r) => {
          const n = roles[r.key].replicas;
          return n === undefined ? [] : [{ name: r.countVariable, value: String(wholeNumber(n, 'a machine count', r.minReplicas)) }];
        })
      : []),
  ];
  return {
    legacy,
    arches: spec.kernel.arch.length > 1 ? [...spec.kernel.arch] : null,
    primary,
    templates,
    requests: templates
      .filter((v) => !v.fallback)
      .map((v) => ({ path: v.role ? `flintlock-request${v.role.suffix}.json` : 'flintlock-request.json', template: v })),
    env,
    stockMountMatches: primary.modules === null || primary.modules.mountPoint === STOCK_MOUNT,
    roles: roles !== undefined,
    stockSizes: templates.every((v) => v.vcpu === STOCK_SIZE.vcpu && v.memoryMb === STOCK_SIZE.memoryMb),
  };
}

/**
 * The cloud-init vendor-data that carries the SSH keys, as CAPMVM sends it to flintlock
 * (createVendorData in liquidmetal-dev/controller-pkg services/microvm/service.go: a
 * '#cloud-config' header, then users with name and ssh_authorized_keys, the field names of
 * flintlock's client/cloudinit/userdata), base64-encoded as flintlock's metadata values
 * are. Every value is a JSON string, which YAML reads as a double-quoted scalar.
 */
export function vendorData(keys: MachineTemplateView['sshPublicKeys']): string {
  const lines = ['#cloud-config', 'users:'];
  for (const k of keys) {
    lines.push(`  - name: ${JSON.stringify(k.user)}`, '    ssh_authorized_keys:');
    for (const key of k.authorizedKeys) lines.push(`      - ${JSON.stringify(key)}`);
  }
  return Buffer.from(lines.join('\n') + '\n', 'utf8').toString('base64');
}

/** The flintlock CreateMicroVMRequest, in the snake_case JSON of the hammertime example. */
export function flintlockRequest(v: MachineTemplateView): unknown {
  return {
    microvm: {
      id: v.name,
      namespace: v.namespace,
      ...(v.labels.length > 0 ? { labels: Object.fromEntries(v.labels.map((l) => [l.key, l.value])) } : {}),
      vcpu: v.vcpu,
      memory_in_mb: v.memoryMb,
      kernel: {
        image: v.kernel.image,
        ...(v.kernel.filename !== null ? { filename: v.kernel.filename } : {}),
        cmdline: Object.fromEntries(v.cmdline.map((c) => [c.key, c.value])),
        // flintlock then adds network-config=<base64> for the interfaces below.
        add_network_config: true,
      },
      ...(v.initrd ? { initrd: { image: v.initrd.image, ...(v.initrd.filename !== null ? { filename: v.initrd.filename } : {}) } } : {}),
      root_volume: { id: 'root', is_read_only: false, source: { container_source: v.rootImage } },
      ...(v.modules
        ? {
            additional_volumes: [
              { id: 'modules', is_read_only: v.modules.readOnly, mount_point: v.modules.mountPoint, source: { container_source: v.modules.image } },
            ],
          }
        : {}),
      interfaces: v.interfaces.map((n) => ({ device_id: n.guestDeviceName, type: IFACE_TYPE[n.type] })),
      ...(v.provider !== null ? { provider: v.provider } : {}),
      // CAPMVM puts the keys in the vendor-data; user-data is left to the user.
      ...(v.sshPublicKeys.length > 0 ? { metadata: { 'vendor-data': vendorData(v.sshPublicKeys) } } : {}),
    },
  };
}
