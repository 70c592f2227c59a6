/**
 * Stage 3: normalize. Schema-valid data -> Spec: the schema's defaults applied (read from
 * it at build time: src/generated/spec-defaults.ts), and what JSON Schema cannot say: arch
 * aliases resolved, per-arch maps keyed by the resolved arch, config values as .config
 * text, absent lists as empty ones. Never fails: everything it relies on was validated.
 * The input is not mutated.
 */
import type {
  Arch,
  Platform,
  Provider,
  Spec,
  Target,
} from './types.js';
import { getTarget } from './targets/index.js';
import { SCHEMA_DEFAULTS } from './generated/spec-defaults.js';

/** The schema's defaults (src/generated/spec-defaults.ts): the schema is their only source. */
const D = SCHEMA_DEFAULTS;

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
  switch (p.type) {
    case 'copr':
      return {
        type: 'copr',
        repo: p.repo,
        packages: [...p.packages],
        retry: { ...D.coprProvider.retry, ...(p.retry ?? {}) },
        staleAfterDays: p.staleAfterDays ?? D.coprProvider.staleAfterDays,
        allowInsecure: p.allowInsecure ?? D.coprProvider.allowInsecure,
      };
    case 'repo':
      return {
        type: 'repo',
        packages: [...p.packages],
        ...(p.extraRepo ? { extraRepo: { name: p.extraRepo.name, url: p.extraRepo.url } } : {}),
        retry: { ...D.repoProvider.retry, ...(p.retry ?? {}) },
        allowInsecure: p.allowInsecure ?? D.repoProvider.allowInsecure,
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
        allowInsecure: p.allowInsecure ?? D.tarballProvider.allowInsecure,
      };
    case 'oci':
      return {
        type: 'oci',
        kernel: { ...p.kernel },
        ...(p.modules ? { modules: { ...p.modules } } : {}),
        ...(p.initrd ? { initrd: { ...p.initrd } } : {}),
        allowInsecure: p.allowInsecure ?? D.ociProvider.allowInsecure,
      };
    case 'build':
      return {
        type: 'build',
        kernelImage: p.kernelImage,
        modulesDir: p.modulesDir,
        configFile: p.configFile,
        allowInsecure: p.allowInsecure ?? D.buildProvider.allowInsecure,
      };
    default:
      return { type: 'stock', allowInsecure: p.allowInsecure ?? D.stockProvider.allowInsecure };
  }
}

/** A target's settings: its module's normalize, or a copy of them as written. */
function target(t: Obj): Target {
  const module = getTarget(t.platform as Platform);
  // The schema admitted only registered platforms.
  if (!module) throw new Error(`normalize: no target for platform '${String(t.platform)}'`);
  return module.normalize ? module.normalize(t as never) : structuredClone(t as Target);
}

export function normalize(data: unknown): Spec {
  const d = data as Obj;
  const k = (d.kernel ?? {}) as Obj;
  const arch: Arch[] = [];
  for (const a of (k.arch as string[] | undefined) ?? D.kernel.arch) {
    const n = normalizeArch(a);
    if (!arch.includes(n)) arch.push(n);
  }
  const config: Record<string, string> = {};
  const given = (k.config as Obj | undefined) ?? {};
  for (const name of Object.keys(given)) config[name] = String(given[name]);

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
            secureBoot: d.signing.secureBoot ?? D.signing.secureBoot,
            keySecret: d.signing.keySecret,
            certSecret: d.signing.certSecret,
            modules: d.signing.modules ?? D.signing.modules,
            enroll: d.signing.enroll ?? D.signing.enroll,
          },
        }
      : {}),
    modules: ((d.modules ?? []) as Obj[]).map((m) => ({
      name: m.name,
      ...(m.package !== undefined ? { package: m.package } : {}),
      ...(m.image !== undefined ? { image: m.image } : {}),
      ...(m.repo !== undefined ? { repo: m.repo } : {}),
      optional: m.optional ?? D.module.optional,
    })),
    initramfs: {
      hostonly: d.initramfs?.hostonly ?? D.initramfs.hostonly,
      add: [...(d.initramfs?.add ?? [])],
      omit: [...(d.initramfs?.omit ?? [])],
      compress: d.initramfs?.compress ?? D.initramfs.compress,
      require: [...(d.initramfs?.require ?? [])],
      minSizeMiB: d.initramfs?.minSizeMiB ?? D.initramfs.minSizeMiB,
    },
    ...(d.fallback ? { fallback: { kernel: d.fallback.kernel, via: d.fallback.via } } : {}),
    validation: {
      outOfPolicy: [...(d.validation?.outOfPolicy ?? D.validation.outOfPolicy)],
      boot: { ...D.validation.boot, ...(d.validation?.boot ?? {}) },
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
