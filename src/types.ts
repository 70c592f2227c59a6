/**
 * The types that flow between the pipeline's stages:
 *
 *   parse -> RawSpec -> validate -> normalize -> Spec -> check -> plan -> PlannedFile[]
 *         -> render -> RenderedFile[] -> write
 *
 * What a user may write is the schema's (schema/kspec.schema.json, assembled from
 * src/schema/ and the targets' fragments); its type, `SpecInput`, is generated from it
 * (src/generated/spec-input.ts, `npm run schema`). The types below are what the stages
 * after normalize may rely on, each derived from its input type: the fields the schema
 * gives a default become required, and where normalize changes a value's form (arch
 * aliases, kernel.config values as .config text, per-arch maps) the type says the new one.
 */
import type * as Input from './generated/spec-input.js';

/** T with the fields K always set (normalize applies the schema's defaults). */
export type Defaulted<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: Exclude<T[P], undefined> };

export type Platform = Input.SpecInput['target']['platform'];
export type ProviderType = Input.SpecInput['provider']['type'];
/** An architecture after normalize: the aliases amd64 and arm64 are resolved. */
export type Arch = Exclude<NonNullable<Input.Kernel['arch']>[number], 'amd64' | 'arm64'>;
export type Compression = NonNullable<Input.Initramfs['compress']>;

export type Metadata = Defaulted<Input.Metadata, 'labels'>;

export type Kernel = Omit<Input.Kernel, 'arch' | 'cmdline' | 'config'> & {
  /** Normalized: amd64 -> x86_64, arm64 -> aarch64, duplicates removed, order kept. */
  arch: Arch[];
  cmdline: string[];
  /** Option name (CONFIG_*) to its value as written in a .config (`y`, `m`, `n`, `"1000"`). */
  config: Record<string, string>;
};

export type Retry = Required<NonNullable<Input.CoprProvider['retry']>>;

export type CoprProvider = Defaulted<Omit<Input.CoprProvider, 'retry' | 'packages'>, 'staleAfterDays' | 'allowInsecure'> & {
  packages: string[];
  retry: Retry;
};

export type RepoProvider = Defaulted<Omit<Input.RepoProvider, 'retry' | 'packages'>, 'allowInsecure'> & { packages: string[]; retry: Retry };

/** The per-arch maps (urls, sha256, headers...) with their aliases resolved. */
export type TarballProvider = {
  [K in keyof Input.TarballProvider]: Input.TarballProvider[K] extends object | undefined
    ? Partial<Record<Arch, string>>
    : Input.TarballProvider[K];
} & { allowInsecure: boolean };

export type OciProvider = Defaulted<Input.OciProvider, 'allowInsecure'>;
export type BuildProvider = Defaulted<Input.BuildProvider, 'allowInsecure'>;
export type StockProvider = Defaulted<Input.StockProvider, 'allowInsecure'>;

export type Provider = CoprProvider | RepoProvider | TarballProvider | OciProvider | BuildProvider | StockProvider;

export type Signing = Defaulted<Input.Signing, 'secureBoot' | 'modules' | 'enroll'>;
export type Module = Defaulted<Input.Module, 'optional'>;
export type Package = Input.Package;
export type Services = Required<Input.Services>;
export type Initramfs = Required<Input.Initramfs>;
export type Fallback = Input.Fallback;

/** What the lifecycle after the build checks (bootc, kairos). */
export interface Validation {
  /** Words of package names the on-machine validator flags. */
  outOfPolicy: string[];
  /** boot-test.sh: the console line that means booted, and the time allowed. */
  boot: Required<NonNullable<Input.Validation['boot']>>;
}

/**
 * Each platform's settings after normalize, by platform. A target whose normalize changes
 * its settings (defaults made present, forms changed) declares its type from its own
 * folder, by declaration merging:
 *
 *     declare module '../../types.js' { interface NormalizedTargets { kairos: KairosTarget } }
 *
 * A platform that declares nothing keeps its input type (src/generated/spec-input.ts).
 */
export interface NormalizedTargets {}

/** A platform's settings as written (the schema's `<platform>Target`). */
export type InputTargetOf<P extends Platform> = Extract<Input.SpecInput['target'], { platform: P }>;

/** A platform's settings as its module sees them. */
export type TargetOf<P extends Platform> = P extends keyof NormalizedTargets ? NormalizedTargets[P] : InputTargetOf<P>;

export type Target = { [P in Platform]: TargetOf<P> }[Platform];

/** A spec after validation and normalization: defaults applied, aliases resolved. */
export interface Spec {
  apiVersion: Input.SpecInput['apiVersion'];
  kind: Input.SpecInput['kind'];
  metadata: Metadata;
  kernel: Kernel;
  provider: Provider;
  signing?: Signing;
  modules: Module[];
  initramfs: Initramfs;
  fallback?: Fallback;
  /** Always set (defaults); `kspec compile` uses it on bootc and kairos only. */
  validation: Validation;
  /** Userland installed with the kernel (bootc, kairos); absent when the spec has none. */
  packages?: Package[];
  /** systemd unit defaults in the image (bootc, kairos); absent when the spec has none. */
  services?: Services;
  target: Target;
}

/** The spec narrowed to one platform, as a target module sees it. */
export type SpecFor<P extends Platform> = Spec & { target: TargetOf<P> };

/** Comment syntax of a generated file; decides the header. `json` files get no header. */
export type CommentSyntax = 'hash' | 'json' | 'diff' | 'none';

/**
 * One output a target plans to write, before rendering. Exactly one of `template`
 * (a Handlebars template under templates/, without `.hbs`; never one of the shared
 * partials of templates/_partials/) or `json` (a value written as
 * canonical JSON with sorted keys) or `text` (content ready as is) is set.
 */
export interface PlannedFile {
  /** Path relative to `<out>/<metadata.name>/`, POSIX separators, no `..`. */
  path: string;
  syntax: CommentSyntax;
  /** File mode: 0o755 for scripts, 0o644 otherwise (the default). */
  mode?: number;
  template?: string;
  /** The view handed to the template. */
  data?: unknown;
  json?: unknown;
  text?: string;
}

export interface RenderedFile {
  path: string;
  content: string;
  mode: number;
}
