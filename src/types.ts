/**
 * The types that flow between the pipeline's stages:
 *
 *   parse -> RawSpec -> validate -> normalize -> Spec -> check -> plan -> PlannedFile[]
 *         -> render -> RenderedFile[] -> write
 *
 * `Spec` mirrors `schema/kspec.schema.json` after defaults are applied; the schema is the
 * source of truth for what a user may write, these types are what the stages after
 * normalize may rely on.
 */

export type Platform = 'rancheros' | 'kairos' | 'bootc' | 'krata' | 'liquidmetal';
export type ProviderType = 'copr' | 'repo' | 'tarball' | 'oci' | 'build' | 'stock';
export type Arch = 'x86_64' | 'aarch64';
export type Compression = 'zstd' | 'xz' | 'gzip' | 'lz4';

export interface Metadata {
  name: string;
  description?: string;
  labels: Record<string, string>;
}

export interface Kernel {
  version?: string;
  package?: string;
  flavor?: string;
  /** Normalized: amd64 -> x86_64, arm64 -> aarch64, duplicates removed, order kept. */
  arch: Arch[];
  cmdline: string[];
  /** Option name (CONFIG_*) to its value as written in a .config (`y`, `m`, `n`, `"1000"`). */
  config: Record<string, string>;
}

export interface Retry {
  attempts: number;
  backoffSeconds: number;
}

export interface CoprProvider {
  type: 'copr';
  repo: string;
  packages: string[];
  retry: Retry;
  /** `kspec outdated`: the newest succeeded COPR build may be this many days old (default 30). */
  staleAfterDays: number;
  allowInsecure: boolean;
}

export interface RepoProvider {
  type: 'repo';
  packages: string[];
  extraRepo?: { name: string; url: string };
  retry: Retry;
  allowInsecure: boolean;
}

export interface TarballProvider {
  type: 'tarball';
  urls: Partial<Record<Arch, string>>;
  sha256?: Partial<Record<Arch, string>>;
  /** rancheros: os-kernel's build-linux-<kver>-<arch>.tar.gz (build.tar.gz, the headers) per arch. */
  headers?: Partial<Record<Arch, string>>;
  headersSha256?: Partial<Record<Arch, string>>;
  /** rancheros: os-kernel's extra-linux-<kver>-<arch>.tar.gz (extra.tar.gz, extra modules and firmware) per arch. */
  extras?: Partial<Record<Arch, string>>;
  extrasSha256?: Partial<Record<Arch, string>>;
  allowInsecure: boolean;
}

export interface OciRef {
  image: string;
  filename?: string;
}

export interface OciProvider {
  type: 'oci';
  kernel: OciRef;
  /** liquidmetal: readOnly mounts the modules volume read-only. */
  modules?: OciRef & { readOnly?: boolean };
  /** liquidmetal: an initial ramdisk image (CRD spec.initrd). */
  initrd?: OciRef;
  allowInsecure: boolean;
}

export interface BuildProvider {
  type: 'build';
  kernelImage: string;
  modulesDir?: string;
  configFile?: string;
  allowInsecure: boolean;
}

export interface StockProvider {
  type: 'stock';
  allowInsecure: boolean;
}

export type Provider =
  | CoprProvider
  | RepoProvider
  | TarballProvider
  | OciProvider
  | BuildProvider
  | StockProvider;

export interface Signing {
  secureBoot: boolean;
  keySecret: string;
  certSecret: string;
  modules: boolean;
  enroll: 'none' | 'first-boot';
}

export interface Module {
  name: string;
  /** The akmod package that builds it; with `image`, the kmod package to pick (default kmod-<name>). */
  package?: string;
  /** bootc: an OCI image of prebuilt kmod RPMs (ublue-os/akmods layout) to install from instead of building. */
  image?: string;
  repo?: string;
  optional: boolean;
}

export interface Package {
  name: string;
  /** A COPR project the package comes from. */
  copr?: string;
  /** provider.extraRepo's name, when the package comes from it. */
  repo?: string;
}

export interface Services {
  enable: string[];
  disable: string[];
}

export interface Initramfs {
  hostonly: boolean;
  add: string[];
  omit: string[];
  compress: Compression;
  require: string[];
  minSizeMiB: number;
}

export interface Fallback {
  kernel: string;
  via: 'rollback' | 'template' | 'default';
}

/** What the lifecycle after the build checks (bootc, kairos). */
export interface Validation {
  /** Words of package names the on-machine validator flags (default nvidia, zfs, virtualbox). */
  outOfPolicy: string[];
  /** boot-test.sh: the console line that means booted, and the time allowed. */
  boot: { expect: string; timeoutSeconds: number };
}

export interface RancherosTarget {
  platform: 'rancheros';
  kernelSource?: { form?: 'archive' | 'tag'; tag?: string; url: string; sha1?: string };
  dapperfile?: string;
}

export interface KairosTarget {
  platform: 'kairos';
  base: string;
  family: 'fedora' | 'ubuntu' | 'opensuse';
  framework?: string;
  init?: string;
  model: string;
  fips: boolean;
  bootloader: 'grub' | 'trustedboot';
  os?: { name?: string; version?: string; repo?: string };
  artifacts: Array<'iso' | 'netboot'>;
  /** A cloud-config attached to the ISO and netboot (AuroraBoot --cloud-config): a file beside the spec, or inline. */
  cloudConfig?: { file?: string; inline?: string };
}

export interface BootcTarget {
  platform: 'bootc';
  base: string;
  image?: string;
  removeStock: string[];
}

export interface KrataTarget {
  platform: 'krata';
  scope: 'zone' | 'host';
  image?: string;
  tags: string[];
}

export interface LiquidmetalTarget {
  platform: 'liquidmetal';
  /** flintlock's microVM provider (CRD spec.provider); absent: the host's default. */
  provider?: 'firecracker' | 'cloudhypervisor';
  capmvm: string;
  rootImage: string;
  template: {
    name: string;
    namespace: string;
    vcpu: number;
    memoryMb: number;
    networkInterfaces: Array<{ guestDeviceName: string; type: 'macvtap' | 'tap' }>;
    /** The microVMs' labels (CRD spec.template.spec.labels, flintlock labels), in spec order. */
    labels?: Record<string, string>;
    /** Users and their SSH public keys (CRD sshPublicKeys, cloud-init vendor-data users for flintlock). */
    sshPublicKeys?: Array<{ user: string; authorizedKeys: string[] }>;
    /** One template per role (CAPMVM's cluster-template); sizes default to the template's. */
    roles?: { controlPlane: LiquidmetalRole; workers: LiquidmetalRole };
  };
}

/** A role of target.template.roles after normalization. */
export interface LiquidmetalRole {
  vcpu: number;
  memoryMb: number;
  /** The role's machine count (CONTROL_PLANE_MACHINE_COUNT / WORKER_MACHINE_COUNT), when given. */
  replicas?: number;
}

export type Target =
  | RancherosTarget
  | KairosTarget
  | BootcTarget
  | KrataTarget
  | LiquidmetalTarget;

/** A spec after validation and normalization: defaults applied, aliases resolved. */
export interface Spec {
  apiVersion: 'kspec.dev/v1alpha1';
  kind: 'KernelSpec';
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
export type SpecFor<P extends Platform> = Spec & { target: Extract<Target, { platform: P }> };

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
