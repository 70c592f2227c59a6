/**
 * Stage 3: normalize. Schema-valid data -> Spec: defaults applied, arch aliases resolved,
 * config values as .config text. Never fails: everything it relies on was validated.
 * The input is not mutated.
 */
import type {
  Arch,
  BootcTarget,
  Initramfs,
  KairosTarget,
  KrataTarget,
  LiquidmetalRole,
  LiquidmetalTarget,
  Platform,
  Provider,
  Retry,
  Spec,
  Target,
} from './types.js';

/** Defaults, named once; the schema's `default` annotations say the same. */
export const DEFAULTS = {
  arch: ['x86_64'] as Arch[],
  retry: { attempts: 5, backoffSeconds: 30 } as Retry,
  initramfs: { hostonly: false, add: [], omit: [], compress: 'zstd', require: [], minSizeMiB: 50 } as Initramfs,
  removeStock: [
    'kernel',
    'kernel-core',
    'kernel-modules',
    'kernel-modules-core',
    'kernel-modules-extra',
    'kernel-devel',
    'kernel-devel-matched',
  ],
  kairosModel: 'generic',
  staleAfterDays: 30,
  validation: {
    outOfPolicy: ['nvidia', 'zfs', 'virtualbox'],
    boot: { expect: 'Reached target Multi-User System', timeoutSeconds: 600 },
  },
  liquidmetal: { namespace: 'default', vcpu: 2, memoryMb: 2048, networkInterfaces: [{ guestDeviceName: 'eth1', type: 'macvtap' as const }] },
} as const;

const ARCH_ALIASES: Record<string, Arch> = { x86_64: 'x86_64', amd64: 'x86_64', aarch64: 'aarch64', arm64: 'aarch64' };

export function normalizeArch(a: string): Arch {
  return ARCH_ALIASES[a] ?? (a as Arch);
}

type Obj = Record<string, any>;

function archMap<T>(m: Obj | undefined): Partial<Record<Arch, T>> | undefined {
  if (!m) return undefined;
  const out: Partial<Record<Arch, T>> = {};
  for (const [k, v] of Object.entries(m)) out[normalizeArch(k)] = v as T;
  return out;
}

function provider(p: Obj): Provider {
  const allowInsecure = p.allowInsecure === true;
  const retry = { ...DEFAULTS.retry, ...(p.retry ?? {}) };
  switch (p.type) {
    case 'copr':
      return { type: 'copr', repo: p.repo, packages: [...p.packages], retry, staleAfterDays: p.staleAfterDays ?? DEFAULTS.staleAfterDays, allowInsecure };
    case 'repo':
      return {
        type: 'repo',
        packages: [...p.packages],
        ...(p.extraRepo ? { extraRepo: { name: p.extraRepo.name, url: p.extraRepo.url } } : {}),
        retry,
        allowInsecure,
      };
    case 'tarball':
      return {
        type: 'tarball',
        urls: archMap<string>(p.urls)!,
        ...(p.sha256 ? { sha256: archMap<string>(p.sha256) } : {}),
        ...(p.headers ? { headers: archMap<string>(p.headers) } : {}),
        ...(p.headersSha256 ? { headersSha256: archMap<string>(p.headersSha256) } : {}),
        ...(p.extras ? { extras: archMap<string>(p.extras) } : {}),
        ...(p.extrasSha256 ? { extrasSha256: archMap<string>(p.extrasSha256) } : {}),
        allowInsecure,
      };
    case 'oci':
      return {
        type: 'oci',
        kernel: { ...p.kernel },
        ...(p.modules ? { modules: { ...p.modules } } : {}),
        ...(p.initrd ? { initrd: { ...p.initrd } } : {}),
        allowInsecure,
      };
    case 'build':
      return { type: 'build', kernelImage: p.kernelImage, modulesDir: p.modulesDir, configFile: p.configFile, allowInsecure };
    default:
      return { type: 'stock', allowInsecure };
  }
}

function target(t: Obj): Target {
  // The schema admitted only registered platforms; the switch names each one, so a new
  // Platform without its case is a type error here, not a spec normalized as another.
  const platform = t.platform as Platform;
  switch (platform) {
    case 'bootc':
      return { platform: 'bootc', base: t.base, image: t.image, removeStock: [...(t.removeStock ?? DEFAULTS.removeStock)] } satisfies BootcTarget;
    case 'kairos':
      return {
        platform: 'kairos',
        base: t.base,
        family: t.family,
        framework: t.framework,
        init: t.init,
        model: t.model ?? DEFAULTS.kairosModel,
        fips: t.fips === true,
        bootloader: t.bootloader ?? 'grub',
        os: t.os ? { ...t.os } : undefined,
        artifacts: [...(t.artifacts ?? [])],
        ...(t.cloudConfig ? { cloudConfig: { ...t.cloudConfig } } : {}),
      } satisfies KairosTarget;
    case 'krata':
      return { platform: 'krata', scope: t.scope, image: t.image, tags: [...(t.tags ?? [])] } satisfies KrataTarget;
    case 'liquidmetal': {
      const d = DEFAULTS.liquidmetal;
      const vcpu: number = t.template.vcpu ?? d.vcpu;
      const memoryMb: number = t.template.memoryMb ?? d.memoryMb;
      const role = (r: Obj): LiquidmetalRole => ({
        vcpu: r.vcpu ?? vcpu,
        memoryMb: r.memoryMb ?? memoryMb,
        ...(r.replicas !== undefined ? { replicas: r.replicas } : {}),
      });
      return {
        platform: 'liquidmetal',
        ...(t.provider ? { provider: t.provider } : {}),
        capmvm: t.capmvm,
        rootImage: t.rootImage,
        template: {
          name: t.template.name,
          namespace: t.template.namespace ?? d.namespace,
          vcpu,
          memoryMb,
          networkInterfaces: (t.template.networkInterfaces ?? d.networkInterfaces).map((n: Obj) => ({
            guestDeviceName: n.guestDeviceName,
            type: n.type ?? 'macvtap',
          })),
          ...(t.template.labels ? { labels: { ...t.template.labels } } : {}),
          ...(t.template.sshPublicKeys
            ? { sshPublicKeys: t.template.sshPublicKeys.map((k: Obj) => ({ user: k.user, authorizedKeys: [...k.authorizedKeys] })) }
            : {}),
          ...(t.template.roles ? { roles: { controlPlane: role(t.template.roles.controlPlane), workers: role(t.template.roles.workers) } } : {}),
        },
      } satisfies LiquidmetalTarget;
    }
    case 'rancheros':
      return {
        platform: 'rancheros',
        ...(t.kernelSource ? { kernelSource: { ...t.kernelSource } } : {}),
        ...(t.dapperfile ? { dapperfile: t.dapperfile } : {}),
      };
    default: {
      const unknown: never = platform;
      throw new Error(`normalize: no target for platform '${String(unknown)}'`);
    }
  }
}

export function normalize(data: unknown): Spec {
  const d = data as Obj;
  const k = (d.kernel ?? {}) as Obj;
  const arch: Arch[] = [];
  for (const a of (k.arch as string[] | undefined) ?? DEFAULTS.arch) {
    const n = normalizeArch(a);
    if (!arch.includes(n)) arch.push(n);
  }
  const config: Record<string, string> = {};
  for (const [name, v] of Object.entries((k.config as Obj | undefined) ?? {})) config[name] = String(v);

  return {
    apiVersion: d.apiVersion,
    kind: d.kind,
    metadata: {
      name: d.metadata.name,
      ...(d.metadata.description !== undefined ? { description: d.metadata.description } : {}),
      labels: { ...(d.metadata.labels ?? {}) },
    },
    kernel: {
      ...(k.version !== undefined ? { version: String(k.version) } : {}),
      ...(k.package !== undefined ? { package: k.package } : {}),
      ...(k.flavor !== undefined ? { flavor: k.flavor } : {}),
      arch,
      cmdline: [...(k.cmdline ?? [])],
      config,
    },
    provider: provider(d.provider),
    ...(d.signing
      ? {
          signing: {
            secureBoot: d.signing.secureBoot !== false,
            keySecret: d.signing.keySecret,
            certSecret: d.signing.certSecret,
            modules: d.signing.modules !== false,
            enroll: d.signing.enroll ?? 'none',
          },
        }
      : {}),
    modules: ((d.modules ?? []) as Obj[]).map((m) => ({
      name: m.name,
      ...(m.package !== undefined ? { package: m.package } : {}),
      ...(m.image !== undefined ? { image: m.image } : {}),
      ...(m.repo !== undefined ? { repo: m.repo } : {}),
      optional: m.optional === true,
    })),
    initramfs: {
      ...DEFAULTS.initramfs,
      ...(d.initramfs ?? {}),
      add: [...(d.initramfs?.add ?? [])],
      omit: [...(d.initramfs?.omit ?? [])],
      require: [...(d.initramfs?.require ?? [])],
    },
    ...(d.fallback ? { fallback: { kernel: d.fallback.kernel, via: d.fallback.via } } : {}),
    validation: {
      outOfPolicy: [...(d.validation?.outOfPolicy ?? DEFAULTS.validation.outOfPolicy)],
      boot: { ...DEFAULTS.validation.boot, ...(d.validation?.boot ?? {}) },
    },
    ...(d.packages
      ? {
          packages: (d.packages as Obj[]).map((x) => ({
            name: x.name,
            ...(x.copr !== undefined ? { copr: x.copr } : {}),
            ...(x.repo !== undefined ? { repo: x.repo } : {}),
          })),
        }
      : {}),
    ...(d.services ? { services: { enable: [...(d.services.enable ?? [])], disable: [...(d.services.disable ?? [])] } } : {}),
    target: target(d.target),
  };
}
