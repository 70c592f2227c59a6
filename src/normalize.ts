/**
 * Stage 3: normalize. Schema-valid data -> Spec: defaults applied, arch aliases resolved,
 * config values as .config text. Never fails: everything it relies on was validated.
 * The input is not mutated.
 */
import type {
  Arch,
  Initramfs,
  Platform,
  Provider,
  Retry,
  Spec,
  Target,
} from './types.js';
import type { TargetModule } from './targets/target.js';

/** How normalize finds a platform's module: the registry's getTarget (src/targets/index.ts). */
export type TargetLookup = (platform: Platform) => TargetModule<any> | undefined;

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

/** A target's settings: its module's normalize, or a copy of them as written. */
function target(t: Obj, targetOf: TargetLookup): Target {
  const module = targetOf(t.platform as Platform);
  // The schema admitted only registered platforms.
  if (!module) throw new Error(`normalize: no target for platform '${String(t.platform)}'`);
  return module.normalize ? module.normalize(t as never) : structuredClone(t as Target);
}

/**
 * `targetOf` is passed in, not imported: the registry imports every target, and a target's
 * own normalize may use what this module exports (an import cycle otherwise).
 */
export function normalize(data: unknown, targetOf: TargetLookup): Spec {
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
    target: target(d.target, targetOf),
  };
}
