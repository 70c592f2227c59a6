/**
 * Every user-facing diagnostic kspec can emit. Codes are stable: never renumber or reuse
 * one; retire a code by leaving a comment in its place. Tests assert against these
 * entries, not against copied strings. Every message says what to do.
 *
 * Ranges: KS1xxx input (YAML), KS2xxx schema, KS3xxx checks common to all platforms,
 * KS4xxx bootc, KS5xxx kairos, KS6xxx rancheros, KS7xxx krata, KS8xxx liquidmetal,
 * KS9xxx output and files.
 */
import type { Severity } from './diagnostic.js';

export interface CatalogueEntry<A> {
  code: string;
  severity: Severity;
  /** Short kebab-case name, used as the annotation title next to the code. */
  title: string;
  message: (args: A) => string;
}

function entry<A = Record<string, never>>(
  code: string,
  severity: Severity,
  title: string,
  message: (args: A) => string,
): CatalogueEntry<A> {
  return { code, severity, title, message };
}

/** Keys that name JavaScript object machinery: unknown keys in every mapping of every file. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

const didYouMean = (s?: string): string => (s ? ` Did you mean '${s}'?` : '');
/** Lists are written once per list (an unknown key's message repeats its mapping's keys). */
const listed = new WeakMap<readonly string[], string>();
const list = (xs: readonly string[]): string => {
  let s = listed.get(xs);
  if (s === undefined) listed.set(xs, (s = xs.map((x) => `'${x}'`).join(', ')));
  return s;
};
/** A path as written, cut to a readable length (a name may be thousands of bytes). */
const shown = (s: string): string => (s.length > 120 ? `${s.slice(0, 100)}…(${s.length} characters)` : s);

export const D = {
  // ---- KS1xxx: reading the spec ------------------------------------------------------
  YamlSyntax: entry<{ detail: string }>('KS1001', 'error', 'yaml-syntax', (a) =>
    `YAML syntax error: ${a.detail}. Fix the YAML at this position.`),
  DuplicateKey: entry<{ key: string }>('KS1002', 'error', 'duplicate-key', (a) =>
    `Key '${a.key}' appears more than once in this mapping. Keep one of them.`),
  NotUtf8: entry('KS1003', 'error', 'not-utf8', () =>
    'The spec is not valid UTF-8. Save it as UTF-8 text.'),
  TooLarge: entry<{ size: number; limit: number }>('KS1004', 'error', 'spec-too-large', (a) =>
    `The spec is ${a.size} bytes; specs are limited to ${a.limit} bytes. A kernel spec is a few kilobytes: split it or remove generated content.`),
  AliasBomb: entry<{ limit: number }>('KS1005', 'error', 'too-many-aliases', (a) =>
    `The spec expands YAML aliases more than ${a.limit} times. Write the values out instead of nesting aliases.`),
  TooDeep: entry<{ limit: number }>('KS1006', 'error', 'too-deep', (a) =>
    `The spec nests deeper than ${a.limit} levels. No kspec field nests that deep: flatten it.`),
  NotAMapping: entry('KS1007', 'error', 'not-a-mapping', () =>
    'A spec is a YAML mapping with apiVersion, kind, metadata, kernel, provider and target. Start from `kspec init`.'),
  MultipleDocuments: entry('KS1008', 'error', 'multiple-documents', () =>
    'A spec file holds exactly one YAML document. Move each further document (after `---`) into a file of its own.'),
  NonStringKey: entry('KS1009', 'error', 'non-string-key', () =>
    'Mapping keys must be plain strings. Write the key as text.'),
  ExtendsCycle: entry<{ chain: readonly string[] }>('KS1010', 'error', 'extends-cycle', (a) =>
    `extends forms a cycle: ${a.chain.join(' -> ')}. Remove the extends that leads back to a spec already in the chain.`),
  ExtendsOutsideRepo: entry<{ ref: string; path: string }>('KS1011', 'error', 'extends-outside-repository', (a) =>
    `extends '${a.ref}' resolves to ${a.path}, outside the repository (the git work tree, or the spec's folder outside git). Copy the base spec into the repository and name it with a relative path.`),
  ExtendsMissing: entry<{ ref: string; path: string }>('KS1012', 'error', 'extends-missing', (a) =>
    `The base spec '${a.ref}' (${a.path}) does not exist. Fix the path, which is relative to this spec, or add the file.`),
  RecursiveAlias: entry<{ anchor: string }>('KS1013', 'error', 'recursive-alias', (a) =>
    `Alias '*${a.anchor}' stands inside the value anchored as '&${a.anchor}', so expanding it never ends. Write the value out, or point the alias at an anchor outside it.`),
  AliasExpansion: entry<{ limit: number }>('KS1014', 'error', 'aliases-too-large', (a) =>
    `YAML aliases in this spec copy more than ${a.limit} values. Write the values out, or alias smaller parts.`),
  TooManyValues: entry<{ limit: number }>('KS1016', 'error', 'too-many-values', (a) =>
    `The spec holds more than ${a.limit} values (scalars, aliases and collections); a kernel spec holds a few hundred. Remove generated or repeated content.`),
  UnknownAnchor: entry<{ anchor: string }>('KS1015', 'error', 'unknown-anchor', (a) =>
    `Alias '*${a.anchor}' names no anchor before it. Define '&${a.anchor}' on a value above this line, or write the value out.`),

  // ---- KS2xxx: schema ----------------------------------------------------------------
  UnknownKey: entry<{ key: string; suggestion?: string; allowed: readonly string[] }>('KS2001', 'error', 'unknown-key', (a) =>
    RESERVED_KEYS.has(a.key)
      ? `Unknown key '${a.key}': '__proto__', 'constructor' and 'prototype' are not keys anywhere in a spec (or a base). Remove it.`
      : `Unknown key '${a.key}'.${didYouMean(a.suggestion)}${a.suggestion ? '' : ` Allowed here: ${list(a.allowed)}.`}`),
  MissingKey: entry<{ key: string }>('KS2002', 'error', 'missing-key', (a) =>
    `Missing required key '${a.key}'. Add it here.`),
  WrongType: entry<{ expected: string; actual: string }>('KS2003', 'error', 'wrong-type', (a) =>
    `Expected ${a.expected}, found ${a.actual}. Change the value to ${a.expected}.`),
  NotInEnum: entry<{ value: string; allowed: readonly string[]; suggestion?: string }>('KS2004', 'error', 'not-allowed-value', (a) =>
    `'${a.value}' is not allowed here.${didYouMean(a.suggestion)} Use one of ${list(a.allowed)}.`),
  PatternMismatch: entry<{ value: string; hint: string }>('KS2005', 'error', 'bad-format', (a) =>
    `'${a.value}' is not ${a.hint}. Correct the value.`),
  ConstMismatch: entry<{ value: string; expected: string }>('KS2006', 'error', 'wrong-constant', (a) =>
    `'${a.value}' must be exactly '${a.expected}'.`),
  OutOfRange: entry<{ value: number; bound: string }>('KS2007', 'error', 'out-of-range', (a) =>
    `${a.value} is out of range: the value must be ${a.bound}.`),
  BadLength: entry<{ what: string; bound: string }>('KS2008', 'error', 'bad-length', (a) =>
    `This ${a.what} must have ${a.bound}.`),
  UnknownVariant: entry<{ field: string; value: string; allowed: readonly string[]; suggestion?: string }>('KS2009', 'error', 'unknown-variant', (a) =>
    `Unknown ${a.field} '${a.value}'.${didYouMean(a.suggestion)} Use one of ${list(a.allowed)}.`),
  DuplicateItem: entry<{ value: string }>('KS2010', 'error', 'duplicate-item', (a) =>
    `'${shown(a.value)}' is listed twice. Remove the duplicate.`),
  SchemaViolation: entry<{ detail: string }>('KS2011', 'error', 'schema', (a) =>
    `This value does not fit the spec format: ${a.detail}. See schema/kspec.schema.json.`),

  // ---- KS3xxx: checks common to every platform ----------------------------------------
  ProviderNotAccepted: entry<{ platform: string; type: string; accepted: readonly string[] }>('KS3001', 'error', 'provider-not-accepted', (a) =>
    `Platform '${a.platform}' does not take a '${a.type}' provider. Use one of ${list(a.accepted)}.`),
  SigningNotSupported: entry<{ platform: string }>('KS3002', 'error', 'signing-not-supported', (a) =>
    `Secure Boot signing is not available on '${a.platform}' (only bootc and kairos build a signed image). Remove the signing section.`),
  VersionRequired: entry<{ platform: string; why: string }>('KS3003', 'error', 'version-required', (a) =>
    `kernel.version is required on '${a.platform}': ${a.why}. Add the kernel release as \`uname -r\` prints it.`),
  InsecureUrl: entry<{ url: string }>('KS3004', 'error', 'insecure-url', (a) =>
    `'${a.url}' is not https. Use an https URL (or set allowInsecure: true on the provider, which is warned).`),
  AllowInsecure: entry<{ url: string }>('KS3005', 'warning', 'insecure-url-allowed', (a) =>
    `'${a.url}' is fetched without TLS because allowInsecure is set. Anyone on the path can swap the kernel: move it to https.`),
  KeyMaterial: entry('KS3006', 'error', 'key-material', () =>
    'This value contains key material (-----BEGIN). Never put keys in a spec: store them as BuildKit secrets and name the secret ids in signing.keySecret and signing.certSecret.'),
  InvalidOciRef: entry<{ ref: string; reason: string }>('KS3007', 'error', 'invalid-oci-reference', (a) =>
    `'${a.ref}' is not a valid OCI image reference (${a.reason}). Write it as registry/repository:tag or @sha256:digest.`),
  UntaggedOciRef: entry<{ ref: string }>('KS3008', 'warning', 'untagged-oci-reference', (a) =>
    `'${a.ref}' has no tag or digest, so it means ':latest' and drifts. Pin a tag or a digest.`),
  DevelNotMatched: entry<{ pkg: string; matched: string }>('KS3009', 'warning', 'devel-not-matched', (a) =>
    `'${a.pkg}' can resolve to headers newer than the installed kernel, and modules built against them will not load. Use '${a.matched}'.`),
  BadKernelRelease: entry<{ value: string }>('KS3010', 'error', 'bad-kernel-release', (a) =>
    `'${a.value}' does not look like a kernel release (e.g. 6.8.9 or 7.0.8-cachyos1.fc44.x86_64). Write it as \`uname -r\` prints it.`),
  FallbackNotSupported: entry<{ platform: string; via: string; accepted: readonly string[] }>('KS3011', 'error', 'fallback-not-supported', (a) =>
    `fallback.via '${a.via}' is not available on '${a.platform}'. Use ${list(a.accepted)}.`),
  ModulesWithoutPackages: entry<{ type: string }>('KS3012', 'error', 'modules-need-packages', (a) =>
    `Out-of-tree modules are built with akmods against an installed kernel package; a '${a.type}' provider installs none (and only bootc installs prebuilt kmods from an image, modules[].image). Remove modules or use a copr or repo provider.`),

  FieldIgnored: entry<{ field: string; platform: string; why: string }>('KS3013', 'warning', 'field-ignored', (a) =>
    `${a.field} has no effect on '${a.platform}': ${a.why}. Remove it, or it reads as if it took effect.`),

  // Files read on the spec's behalf (extends bases, provider.configFile, target.dapperfile):
  // src/specfiles.ts. `field` names the spec field, `ref` its value as written.
  FileOutsideRepo: entry<{ field: string; ref: string; path: string; symlink: boolean }>('KS3014', 'error', 'file-outside-repository', (a) =>
    `${a.field} '${shown(a.ref)}' ${a.symlink ? `is a symlink that leads outside the repository (${a.path})` : `resolves to ${a.path}, outside the repository`} (the git work tree, or the spec's folder outside git); kspec reads no file there. Keep the file in the repository and name it with a relative path.`),
  FileNotRegular: entry<{ field: string; ref: string; kind: string }>('KS3015', 'error', 'file-not-regular', (a) =>
    `${a.field} '${shown(a.ref)}' is ${a.kind}, not a regular file, and kspec reads regular files only. Name a regular file committed in the repository.`),
  FileTooLarge: entry<{ field: string; ref: string; size: number; limit: number }>('KS3016', 'error', 'file-too-large', (a) =>
    `${a.field} '${shown(a.ref)}' is ${a.size} bytes or more; files read for a spec are limited to ${a.limit} bytes. Name the right file: a spec, a kernel .config or a Dockerfile.dapper is far smaller.`),
  FileBadPath: entry<{ field: string; ref: string; reason: string }>('KS3017', 'error', 'file-bad-path', (a) =>
    `${a.field} '${shown(a.ref)}' is not a usable path: ${a.reason}. Write a relative path of ordinary file names.`),
  ConfigValueUnwritable: entry<{ platform: string; option: string; value: string; hint: string }>('KS3019', 'error', 'config-value-unwritable', (a) =>
    `kernel.config ${a.option} is '${a.value}', which '${a.platform}' cannot write: a value there is ${a.hint}. Change the value, or leave the option out.`),
  FileUnreadable: entry<{ field: string; ref: string; reason: string }>('KS3018', 'error', 'file-unreadable', (a) =>
    `${a.field} '${shown(a.ref)}' cannot be read (${a.reason}). Make the file readable, or fix the path.`),

  // KS3025-KS3029: top-level packages and services (bootc, kairos).
  PackageCoprAndRepo: entry<{ name: string }>('KS3025', 'error', 'package-copr-and-repo', (a) =>
    `Package '${a.name}' names both copr and repo; it comes from one place. Keep copr (a COPR project) or repo (provider.extraRepo's name).`),
  PackageRepoUnknown: entry<{ repo: string; extraRepo?: string }>('KS3026', 'error', 'package-repo-unknown', (a) =>
    a.extraRepo
      ? `repo '${a.repo}' is not provider.extraRepo's name ('${a.extraRepo}'). Write '${a.extraRepo}', use copr for a COPR project, or drop repo to install from the base's repositories.`
      : `repo '${a.repo}' names no repository: a package's repo is provider.extraRepo's name, and this spec has no extraRepo. Add provider.extraRepo, use copr for a COPR project, or drop repo.`),
  ServiceEnabledAndDisabled: entry<{ unit: string }>('KS3027', 'error', 'service-enabled-and-disabled', (a) =>
    `'${a.unit}' is in both services.enable and services.disable. Keep it in one list.`),

  // KS3035-KS3039: the image lifecycle (validation; kspec outdated's findings are KS9020-KS9024).
  OutOfPolicyInstalled: entry<{ pkg: string; word: string; index: number }>('KS3035', 'error', 'out-of-policy-installed', (a) =>
    `The image installs '${a.pkg}', whose name contains '${a.word}' (validation.outOfPolicy[${a.index}]), so kspec-validate-kernel fails on every machine of this image. Set validation.outOfPolicy without '${a.word}' if the package is intended, or do not install it.`),
  BootExpectShell: entry<{ expect: string }>('KS3036', 'warning', 'boot-expect-too-early', (a) =>
    `validation.boot.expect '${a.expect}' is printed before the root file system is mounted (initrd targets and the dracut messages come first), so boot-test.sh would pass a boot that later drops to the emergency shell. Expect a target of the booted system, such as 'Reached target Multi-User System'.`),

  // ---- KS4xxx: bootc -----------------------------------------------------------------
  BootcHostonly: entry('KS4001', 'error', 'bootc-hostonly', () =>
    'A host-only initramfs is built for the machine that runs dracut, here the CI build container: it leaves out the LUKS, btrfs and virtio drivers the real machines need, and the image panics at first boot. Set initramfs.hostonly: false.'),
  BootcOmitOstree: entry('KS4002', 'error', 'bootc-omit-ostree', () =>
    'The ostree dracut module carries ostree-prepare-root, which switches a bootc machine into its deployment at boot; without it boot stops in the dracut emergency shell. Remove \'ostree\' from initramfs.omit.'),
  BootcModuleRepo: entry<{ repo: string; extraRepo?: string }>('KS4003', 'error', 'bootc-module-repo', (a) =>
    `The build cannot enable repository '${a.repo}' for this module. Use rpmfusion-free, rpmfusion-nonfree, a COPR as owner/project${a.extraRepo ? `, or '${a.extraRepo}' (provider.extraRepo)` : ', or the name of a provider.extraRepo'}.`),
  BootcKernelPackageMissing: entry<{ type: string }>('KS4004', 'error', 'bootc-kernel-package-missing', (a) =>
    `A '${a.type}' provider installs the kernel from packages and the build reads the kernel release with \`rpm -q <kernel.package>\`. Add kernel.package (the package that carries the kernel, e.g. kernel-cachyos) or set kernel.version.`),
  BootcKernelPackageNotListed: entry<{ pkg: string }>('KS4005', 'error', 'bootc-kernel-package-not-installed', (a) =>
    `kernel.package '${a.pkg}' is not in provider.packages, so the build would not install it and could not read its version. Add '${a.pkg}' to provider.packages or correct kernel.package.`),
  BootcMinSizeLow: entry<{ value: number }>('KS4006', 'warning', 'bootc-initramfs-min-size-low', (a) =>
    `initramfs.minSizeMiB is ${a.value}: a host-only initramfs is under 30 MiB, so this check would not catch one. Use 30 or more (generic initramfs images are 50 MiB and up; 50 is the default).`),
  BootcUnsignedModules: entry('KS4007', 'warning', 'bootc-unsigned-modules', () =>
    'Out-of-tree modules are built but signing.modules is false: under Secure Boot the kernel refuses to load unsigned modules. Set signing.modules: true.'),
  BootcRemoveStockEmpty: entry<{ type: string }>('KS4008', 'warning', 'bootc-remove-stock-empty', (a) =>
    `target.removeStock is empty with a '${a.type}' provider: the base image's kernel packages stay installed next to the new kernel, so two kernels end up under /usr/lib/modules as soon as anything reinstalls their files, and bootc container lint fails. List the stock kernel packages (the default is kernel, kernel-core, kernel-modules, kernel-modules-core, kernel-modules-extra, kernel-devel, kernel-devel-matched).`),
  BootcNoHeaders: entry<{ suggestion: string; why: string }>('KS4009', 'error', 'bootc-no-kernel-headers', (a) =>
    `${a.why} needs the headers of exactly the installed kernel, but provider.packages has no -devel-matched package. Add '${a.suggestion}'.`),
  BootcStockSignModules: entry('KS4010', 'error', 'bootc-stock-sign-modules', () =>
    'A stock provider installs no kernel headers, so the build has no sign-file to sign modules with (the base image\'s modules are already signed by the distribution). Set signing.modules: false, or use a copr or repo provider.'),
  BootcReservedLabel: entry<{ label: string }>('KS4011', 'error', 'bootc-reserved-label', (a) =>
    `Label '${a.label}' is written by kspec itself (bootc reads it to find the kernel and to recognize the image). Remove it from metadata.labels.`),
  BootcAddOmitConflict: entry<{ module: string }>('KS4012', 'error', 'bootc-add-omit-conflict', (a) =>
    `Dracut module '${a.module}' is in both initramfs.add and initramfs.omit. Keep it in one of the two lists.`),
  BootcVersionArch: entry<{ version: string; suffix: string; arches: readonly string[] }>('KS4013', 'error', 'bootc-version-arch', (a) =>
    `kernel.version '${a.version}' is a release for ${a.suffix}, but kernel.arch lists ${list(a.arches)}: no image built from this spec can contain it. Add '${a.suffix}' to kernel.arch, or write the release of a listed arch (e.g. '${a.version.slice(0, -a.suffix.length)}${a.arches[0]}'); with several arches one release stands for all of them, its suffix replaced by each arch.`),
  BootcModuleSource: entry<{ module: string }>('KS4015', 'error', 'bootc-module-source', (a) =>
    `Module '${a.module}' says neither where it is built from nor where its kmod comes from. Add package (the akmod package that builds it, e.g. akmod-${a.module}) or image (an image of prebuilt kmod RPMs, e.g. ghcr.io/ublue-os/akmods:<tag>@sha256:<digest>).`),
  BootcModuleImageUnpinned: entry<{ ref: string; module: string }>('KS4014', 'warning', 'bootc-module-image-unpinned', (a) =>
    `modules[].image '${a.ref}' (module ${a.module}) is pinned by tag only: the tag moves when the image is rebuilt for a newer kernel (ublue-os/akmods republishes its tags daily), so a rebuild of this image may find no kmod for its kernel, or other kmods. Pin the digest ('${a.ref}@sha256:<digest>').`),

  // ---- KS5xxx: kairos ----------------------------------------------------------------
  KairosOpenrcFamily: entry<{ family: string }>('KS5001', 'error', 'kairos-openrc-family', (a) =>
    `Family '${a.family}' boots with OpenRC, and Kairos (immucore, kairos-agent, its A/B upgrades) needs systemd. Use a systemd base: family fedora, ubuntu or opensuse.`),
  KairosUnknownFamily: entry<{ family: string; suggestion?: string }>('KS5002', 'error', 'kairos-unknown-family', (a) =>
    `kspec does not know the packages of family '${a.family}'.${didYouMean(a.suggestion)} Use one of 'fedora', 'ubuntu', 'opensuse' (the family of target.base).`),
  KairosNoFrameworkOrInit: entry('KS5003', 'error', 'kairos-framework-or-init-missing', () =>
    'A Kairos image needs the Kairos framework. Add target.framework (the framework image, copied in) or target.init (the kairos-init image, which installs it).'),
  KairosFrameworkAndInit: entry('KS5004', 'error', 'kairos-framework-and-init', () =>
    'target.framework and target.init both install the Kairos framework, and the build uses one way only. Remove one of the two.'),
  KairosTrustedbootEfiStub: entry<{ value: string }>('KS5005', 'error', 'kairos-trustedboot-efi-stub', (a) =>
    `bootloader: trustedboot boots the kernel as a unified kernel image through its EFI stub, but kernel.config sets CONFIG_EFI_STUB to '${a.value}'. Set CONFIG_EFI_STUB: y, or use bootloader: grub.`),
  KairosTrustedbootEfiStubUnstated: entry('KS5006', 'warning', 'kairos-trustedboot-efi-stub-unstated', () =>
    'bootloader: trustedboot needs a kernel built with CONFIG_EFI_STUB=y, and the spec does not say this one is. Add CONFIG_EFI_STUB: y to kernel.config (the build then checks the installed kernel\'s config).'),
  KairosFipsFramework: entry<{ framework: string }>('KS5007', 'error', 'kairos-fips-framework', (a) =>
    `fips: true needs the FIPS build of the framework (binaries built with boringcrypto), but '${a.framework}' is not tagged fips. Use the -fips tag of the framework, e.g. quay.io/kairos/framework:<version>-fips.`),
  KairosCoprFamily: entry<{ family: string }>('KS5008', 'error', 'kairos-copr-family', (a) =>
    `A copr provider installs Fedora packages with dnf, and family '${a.family}' has no dnf. Use a repo provider, or a fedora base with family: fedora.`),
  KairosHostonly: entry('KS5009', 'error', 'kairos-hostonly', () =>
    'A host-only initrd is built for the machine that runs dracut, here the build container: it leaves out the drivers of the real machines and Kairos\' live and network boot modules. Set initramfs.hostonly: false.'),
  KairosModulesUnsupported: entry('KS5010', 'error', 'kairos-modules-unsupported', () =>
    'The kairos target does not build out-of-tree modules yet. Remove modules, or install prebuilt module packages with provider.packages.'),
  KairosOmitRequired: entry<{ module: string }>('KS5011', 'error', 'kairos-omit-required', (a) =>
    `Kairos boots through the dracut module '${a.module}' (immucore mounts the A/B images; livenet and dmsquash-live boot the ISO and netboot). Remove '${a.module}' from initramfs.omit.`),
  KairosSigningTrustedboot: entry('KS5012', 'error', 'kairos-signing-trustedboot', () =>
    'With bootloader: trustedboot, auroraboot.sh builds the media with AuroraBoot\'s build-uki: unified kernel images signed with the Secure Boot key (db.key, db.pem) and the PCR policy key (tpm2-pcr-private.pem) from the folder named by KSPEC_UKI_KEYS, booted by systemd-boot without shim, so MOK signing of the kernel for shim does not apply. Remove the signing section, or use bootloader: grub.'),
  KairosExtraRepoFamily: entry<{ family: string }>('KS5013', 'error', 'kairos-extra-repo-family', (a) =>
    `provider.extraRepo installs a release package (dnf) or adds a repository URL (zypper); the '${a.family}' family has no such step in kspec yet. Add the repository in target.base instead, or remove extraRepo.`),

  KairosPackageCoprFamily: entry<{ family: string }>('KS5014', 'error', 'kairos-package-copr-family', (a) =>
    `COPR projects are Fedora repositories; the '${a.family}' family cannot install from them. Remove copr from this package, or use family fedora.`),
  KairosScratchBase: entry('KS5015', 'error', 'kairos-scratch-base', () =>
    'base: scratch has no package manager or shell, so the kernel and framework steps cannot run. Use an image with an OS as target.base: build your rootfs into one first (a Dockerfile with FROM scratch and ADD . /) and push it.'),
  KairosGrubEfiStub: entry<{ value: string }>('KS5016', 'error', 'kairos-grub-efi-stub', (a) =>
    `Kairos media boot on EFI through shim and grub, whose EFI loader starts the kernel through its EFI stub, but kernel.config sets CONFIG_EFI_STUB to '${a.value}'. Set CONFIG_EFI_STUB: y (the build also checks the installed kernel's config).`),
  KairosCloudConfigHeader: entry<{ first: string }>('KS5017', 'error', 'kairos-cloud-config-header', (a) =>
    `Kairos reads a cloud-config only when its first line is '#cloud-config', and this one starts with '${shown(a.first)}'. Add '#cloud-config' as the first line of target.cloudConfig.`),
  KairosCloudConfigTrustedboot: entry('KS5018', 'error', 'kairos-cloud-config-trustedboot', () =>
    "With bootloader: trustedboot, auroraboot.sh builds with AuroraBoot's build-uki, which has no cloud-config option (only build-iso and netboot take --cloud-config). Remove target.cloudConfig and give the configuration at install time, or use bootloader: grub."),

  // ---- KS6xxx: rancheros -------------------------------------------------------------
  RancherosTarballName: entry<{ arch: string; dockerArch: string; suffix: string; file: string }>('KS6001', 'warning', 'rancheros-tarball-arch-name', (a) =>
    `'${a.file}' does not name '${a.suffix}': os-kernel names the ${a.arch} tarball linux-<kernel.version>${a.suffix}.tar.gz (${a.arch === 'x86_64' ? "KERNEL_ARCH is x86, not amd64" : 'KERNEL_ARCH is arm64'}), and the RancherOS build and its headers and extras images look for that name. Point KERNEL_URL_${a.dockerArch} at the ${a.suffix} tarball.`),
  RancherosArchUrlMissing: entry<{ arch: string; dockerArch: string }>('KS6002', 'error', 'rancheros-arch-url-missing', (a) =>
    `kernel.arch lists ${a.arch} but provider.urls has no tarball for it, so KERNEL_URL_${a.dockerArch} cannot be set and the ${a.dockerArch} build fails to download a kernel. Add provider.urls.${a.arch} or remove ${a.arch} from kernel.arch.`),
  RancherosTarballUnpinned: entry<{ arch: string }>('KS6003', 'warning', 'rancheros-tarball-unpinned', (a) =>
    `provider.sha256 has no checksum for ${a.arch}: RancherOS's build downloads KERNEL_URL without verifying it, and check-kernel-tarball.sh can then only check the layout. Add provider.sha256.${a.arch} (check-kernel-tarball.sh prints the tarball's sha256), or set target.kernelSource.sha1 when you build the tarball yourself with os-kernel.`),
  RancherosDapperfileNotFound: entry<{ path: string; reason: string }>('KS6004', 'error', 'rancheros-dapperfile-not-found', (a) =>
    `target.dapperfile '${a.path}' cannot be read (${a.reason}). Give the path of rancher/os's Dockerfile.dapper relative to this spec, or remove target.dapperfile to get only the ARG block.`),
  RancherosDapperfileNoKernelArgs: entry<{ path: string }>('KS6005', 'error', 'rancheros-dapperfile-no-kernel-args', (a) =>
    `'${a.path}' has no 'ARG KERNEL_VERSION', 'ARG KERNEL_URL_amd64' or 'ARG KERNEL_URL_arm64' line, so there is nothing to patch: is it rancher/os's Dockerfile.dapper? Point target.dapperfile at the file whose "General Configuration" section holds the KERNEL_ ARGs.`),
  RancherosSourceNoSha1: entry('KS6006', 'warning', 'rancheros-source-no-sha1', () =>
    "target.kernelSource has no sha1: os-kernel's scripts/build-common keeps its default KERNEL_SHA1 (`: ${KERNEL_SHA1:=...}` also ignores an empty value), which is the checksum of a different archive, so the build rejects your source. Add target.kernelSource.sha1 (`sha1sum <archive>`)."),
  RancherosSourceFormat: entry<{ url: string }>('KS6007', 'warning', 'rancheros-source-archive-format', (a) =>
    `'${a.url}' does not end in .tar.gz or .tar.xz: os-kernel's build-common expects KERNEL_URL to be a kernel source archive packaged as .tar.gz or .tar.xz. Use the archive's URL.`),
  RancherosDapperUnlistedUrl: entry<{ file: string; line: number; name: string; arch: string; from: string; to: string }>('KS6008', 'warning', 'rancheros-dapper-unlisted-url-follows-version', (a) =>
    `${a.file}:${a.line} builds ${a.name} from \${KERNEL_VERSION}, which the patch changes from '${a.from}' to '${a.to}': kspec leaves that URL alone because kernel.arch does not list ${a.arch}, so an ${a.arch} build would download the ${a.to} tarball from that URL, which may not exist or is not yours. List ${a.arch} in kernel.arch with its provider.urls entry, or write that URL out with the version it means.`),
  RancherosSourceTagMissing: entry('KS6009', 'error', 'rancheros-source-tag-missing', () =>
    "target.kernelSource.form is tag, but there is no tag: current os-kernel downloads ${KERNEL_URL}linux-${KERNEL_TAG}.tar.xz and its scripts/build-common stops without KERNEL_TAG. Add target.kernelSource.tag (the mainline version, e.g. 4.14.138), or use form: archive with the archive's URL."),
  RancherosSourceTagUrl: entry<{ url: string }>('KS6010', 'error', 'rancheros-source-tag-url', (a) =>
    `'${a.url}' does not end in /: with form: tag, os-kernel's scripts/download fetches \${KERNEL_URL}\${KERNEL_TAR}, so KERNEL_URL is the folder that holds linux-<tag>.tar.xz (e.g. https://cdn.kernel.org/pub/linux/kernel/v4.x/). Give the folder URL ending in /, or use form: archive for an archive's URL.`),
  RancherosSourceTagSha1: entry('KS6011', 'warning', 'rancheros-source-tag-sha1-unchecked', () =>
    "With form: tag, os-kernel's scripts/download does not check a checksum (KERNEL_SHA1 belongs to the older archive form), so sha1 is not used and the source download is unverified. Remove sha1, or use form: archive, whose scripts/download compares KERNEL_SHA1."),
  RancherosSourceTagIgnored: entry('KS6012', 'warning', 'rancheros-source-tag-ignored', () =>
    'target.kernelSource.tag is only used with form: tag; the archive form (the default) downloads KERNEL_URL as it is. Add form: tag (and give the folder URL ending in /), or remove tag.'),
  RancherosPartArchMissing: entry<{ field: string; arch: string; what: string; image: string }>('KS6013', 'error', 'rancheros-part-arch-missing', (a) =>
    `provider.${a.field} has no ${a.what} for ${a.arch}, but kernel.arch lists ${a.arch}: os-kernel would build the ${a.image} image of that arch from its own tarball (or none). Add provider.${a.field}.${a.arch}, or remove provider.${a.field}.`),
  RancherosPartUnpinned: entry<{ field: string; arch: string; what: string; script: string }>('KS6014', 'warning', 'rancheros-part-unpinned', (a) =>
    `The ${a.what} for ${a.arch} has no provider.${a.field}.${a.arch}: os-kernel/place-tarballs.sh places it unverified. Pin its sha256 (${a.script} prints it).`),
  RancherosPartName: entry<{ file: string; arch: string; what: string; expected: string }>('KS6015', 'warning', 'rancheros-part-name', (a) =>
    `'${a.file}' is not named like os-kernel's ${a.arch} ${a.what} (${a.expected}): check that this URL points at the ${a.what} and not at another of os-kernel's tarballs.`),
  RancherosPartIsKernel: entry<{ field: string; arch: string; what: string }>('KS6016', 'error', 'rancheros-part-is-kernel', (a) =>
    `provider.${a.field}.${a.arch} is the kernel tarball's URL (provider.urls.${a.arch}). Point it at the ${a.what} (os-kernel publishes it beside the kernel tarball).`),

  // ---- KS7xxx: krata -----------------------------------------------------------------
  KrataConfigContradicts: entry<{ option: string; required: string; actual: string; scope: string }>('KS7001', 'error', 'krata-config-contradicts', (a) =>
    `kernel.config sets ${a.option}=${a.actual}, but a krata ${a.scope} kernel needs ${a.option}=${a.required} (krata admin guide, minimum requirements). Set it to ${a.required} or remove it.`),
  KrataConfigFileContradicts: entry<{ file: string; line: number; option: string; required: string; actual: string; scope: string }>('KS7002', 'error', 'krata-config-file-contradicts', (a) =>
    `${a.file}:${a.line} ${a.actual === 'is not set' ? `leaves ${a.option} unset` : `sets ${a.option}=${a.actual}`}, but a krata ${a.scope} kernel needs ${a.option}=${a.required}. Add the required options (required.config in the output) to the config and run \`make olddefconfig\`.`),
  KrataConfigFileMissing: entry('KS7003', 'error', 'krata-config-file-missing', () =>
    'A krata kernel image carries /kernel/config.gz and its sha256 (KERNEL_CONFIG in /kernel/metadata), and the build checks the required Xen options in it. Add provider.configFile (the kernel build\'s .config).'),
  KrataKernelImageArch: entry<{ file: string; arch: string; expected: string }>('KS7004', 'error', 'krata-kernel-image-arch', (a) =>
    `'${a.file}' is not the kernel image krata boots on ${a.arch}: /kernel/image must be ${a.expected}. Point provider.kernelImage at the ${a.expected} of the ${a.arch} build; with several arches, use a path that names no architecture (build.sh takes each arch's build tree).`),
  KrataImageMissing: entry('KS7005', 'error', 'krata-image-missing', () =>
    'A zone kernel built here is pushed as an image, and kratactl pulls it by name. Add target.image (e.g. ghcr.io/me/zone-kernel:6.8.9-standard).'),
  KrataOciModules: entry('KS7006', 'warning', 'krata-oci-modules-ignored', () =>
    'krata takes a zone\'s modules from /kernel/addons.squashfs inside the kernel image; a separate modules image is never read. Remove provider.modules (and put the modules in the kernel image\'s addons.squashfs).'),
  KrataOciFilename: entry<{ filename: string }>('KS7007', 'error', 'krata-oci-filename', (a) =>
    `krata boots /kernel/image from the kernel image; '${a.filename}' is not read. Remove provider.kernel.filename, or package the kernel as a krata kernel image (a build provider).`),

  // ---- KS8xxx: liquidmetal -----------------------------------------------------------
  LiquidmetalModulesVersion: entry<{ ref: string; tagVersion: string; version: string }>('KS8001', 'error', 'liquidmetal-modules-version', (a) =>
    `The modules image '${a.ref}' is tagged for kernel ${a.tagVersion}, but it is mounted at /lib/modules/${a.version} (kernel.version): modprobe would find no modules for the running kernel, or modules whose vermagic it refuses. Use the modules image built for ${a.version}, or correct kernel.version.`),
  LiquidmetalKernelTag: entry<{ ref: string; tagVersion: string; version: string }>('KS8002', 'warning', 'liquidmetal-kernel-tag', (a) =>
    `The kernel image '${a.ref}' is tagged ${a.tagVersion}, but kernel.version is ${a.version}: the modules volume is mounted at /lib/modules/${a.version}, so a different kernel would boot without its modules. Pin the kernel image built for ${a.version}, or correct kernel.version.`),
  LiquidmetalKernelLine: entry<{ line: string; lines: readonly string[] }>('KS8003', 'warning', 'liquidmetal-kernel-line', (a) =>
    `Kernel line ${a.line} is not one Liquid Metal is known to boot: it publishes 4.19 and 5.10 images, and firecracker's kernel policy validates guest kernels 5.10 and 6.1 (6.18 only from firecracker v1.16.1, so check the firecracker your flintlock hosts run). Use one of ${list(a.lines)}, or test this kernel under flintlock's firecracker before rolling it out.`),
  LiquidmetalLegacyCapmvm: entry<{ capmvm: string; modules: boolean }>('KS8004', 'warning', 'liquidmetal-legacy-capmvm', (a) =>
    `CAPMVM ${a.capmvm} (v0.7.0 and older, with flintlock v0.4.0 and older) has no separate modules volume, so kspec emits the legacy form: one kernel image that must carry its own modules (the legacy ghcr.io/weaveworks-liquidmetal/flintlock-kernel images) and a root image such as capmvm-kubernetes${a.modules ? '; provider.modules is not used' : ''}. Upgrade to CAPMVM v0.8.0 or later to mount a modules image.`),
  LiquidmetalNoModulesImage: entry<{ version: string }>('KS8005', 'warning', 'liquidmetal-no-modules-image', (a) =>
    `provider.modules is not set, so the microVMs get no /lib/modules/${a.version} and only built-in drivers work (Kubernetes needs br_netfilter and overlay), and clusterctl fills MVM_KERNEL_MODULES_IMAGE with the cluster-template's default, modules for another kernel. Add provider.modules with the image that carries the modules of ${a.version}.`),
  LiquidmetalCmdlineDuplicate: entry<{ key: string; first: number }>('KS8006', 'error', 'liquidmetal-cmdline-duplicate', (a) =>
    `'${a.key}' is already set by kernel.cmdline[${a.first}]: CAPMVM and flintlock take the command line as a map, so only one value per key survives. Keep one '${a.key}' entry.`),
  LiquidmetalFallbackRelease: entry<{ ref: string }>('KS8007', 'error', 'liquidmetal-fallback-release', (a) =>
    `The fallback template mounts modules at /lib/modules/<release of the fallback kernel>, and kspec reads that release from the image tag, but '${a.ref}' has no tag that is a kernel release. Tag fallback.kernel with its release, e.g. ghcr.io/liquidmetal-dev/kernel-bin:4.19.215.`),
  LiquidmetalFallbackName: entry<{ name: string; max: number }>('KS8008', 'error', 'liquidmetal-fallback-name', (a) =>
    `The fallback template is named '${a.name}', longer than the ${a.max} characters Kubernetes allows in a name. Shorten target.template.name.`),
  LiquidmetalFallbackSame: entry<{ ref: string }>('KS8009', 'warning', 'liquidmetal-fallback-same', (a) =>
    `fallback.kernel '${a.ref}' is the kernel being rolled out, so switching to the fallback template rolls back nothing. Set fallback.kernel to the last kernel image that booted.`),
  LiquidmetalKernelFilename: entry<{ image: string }>('KS8010', 'error', 'liquidmetal-kernel-filename', (a) =>
    `provider.kernel has no filename: flintlock needs the kernel's path inside '${a.image}' and CAPMVM does not default it, so the microVM would not start. Add filename (boot/vmlinux in the Liquid Metal kernel images).`),
  LiquidmetalArmExperimental: entry('KS8011', 'warning', 'liquidmetal-arm-experimental', () =>
    'kernel.arch lists aarch64, and Liquid Metal\'s arm images (flintlock-kernel-arm, capmvm-kubernetes-arm) are experimental: its documentation says they are not guaranteed to work. Boot the microVMs on an arm flintlock host before rolling them out, or remove aarch64 from kernel.arch.'),
  LiquidmetalSshKey: entry<{ type: string; problem: string }>('KS8012', 'error', 'liquidmetal-ssh-key', (a) =>
    `This is not a usable ${a.type} public key: ${a.problem}, so sshd would never match it and the user could not log in. Paste the whole line of the .pub file (ssh-keygen -y -f <private key> prints it).`),
  LiquidmetalLabelPrefix: entry<{ prefix: string; max: number }>('KS8013', 'error', 'liquidmetal-label-prefix', (a) =>
    `The label key's prefix is ${a.prefix.length} characters long; Kubernetes allows at most ${a.max} (a DNS-1123 subdomain). Shorten the prefix before the '/'.`),
  LiquidmetalClusterNameLabel: entry('KS8014', 'warning', 'liquidmetal-cluster-name-label', () =>
    'CAPMVM sets the microVM label cluster-name to the cluster\'s name itself, replacing this value (GetLabels in its internal/scope/machine.go); only the flintlock request keeps it. Use another key.'),
  LiquidmetalSshUserTwice: entry<{ user: string; first: number }>('KS8015', 'error', 'liquidmetal-ssh-user-twice', (a) =>
    `User '${a.user}' is already listed in target.template.sshPublicKeys[${a.first}]: each entry becomes a cloud-init user, and cloud-init creates a user once. Put all of '${a.user}''s keys in one entry's authorizedKeys.`),
  LiquidmetalFieldTooNew: entry<{ field: string; since: string; capmvm: string }>('KS8018', 'warning', 'liquidmetal-field-too-new', (a) =>
    `${a.field} is in CAPMVM's MicrovmMachineTemplate CRD from ${a.since} on; the CRD of ${a.capmvm} has no such field, so the API server drops it without an error and the microVMs run without it. Upgrade to CAPMVM ${a.since} or later (and set target.capmvm), or remove ${a.field}.`),
  LiquidmetalRoleName: entry<{ name: string; max: number }>('KS8016', 'error', 'liquidmetal-role-name', (a) =>
    `With target.template.roles the longest template is named '${a.name}', longer than the ${a.max} characters Kubernetes allows in a name. Shorten target.template.name (the cluster's name, as in CAPMVM's cluster-template).`),
  LiquidmetalControlPlaneEven: entry<{ replicas: number; fewer: number; more: number }>('KS8017', 'error', 'liquidmetal-control-plane-even', (a) =>
    `${a.replicas} control plane machines: CAPI's KubeadmControlPlane refuses an even replica count when etcd is stacked, as it is in CAPMVM's cluster-template (an even count adds no fault tolerance to etcd's quorum). Use an odd number, such as ${a.fewer} or ${a.more}.`),

  // ---- KS9xxx: output and files ------------------------------------------------------
  OutputEscapes: entry<{ path: string }>('KS9001', 'error', 'output-escapes', (a) =>
    `Output '${a.path}' would be written outside the output folder. Use a metadata.name that is a DNS-1123 label.`),
  OutputSymlink: entry<{ path: string; target: string }>('KS9002', 'error', 'output-symlink', (a) =>
    `'${a.path}' is a symlink to '${a.target}'; kspec never writes through or over a symlink in the output folder. Remove the link.`),
  DuplicateName: entry<{ name: string; other: string }>('KS9003', 'error', 'duplicate-name', (a) =>
    `metadata.name '${a.name}' is also used by ${a.other}; both would write to the same folder. Give each spec its own name.`),
  // KS9004 retired before release: unreadable files are I/O errors (exit 2), not diagnostics.
  UnsafeValue: entry<{ value: string; context: string }>('KS9005', 'error', 'unsafe-value', (a) =>
    `The value ${JSON.stringify(a.value)} cannot be written safely as ${a.context}. Remove shell and Containerfile metacharacters from it.`),
  OutputUnlisted: entry<{ path: string; name: string }>('KS9006', 'warning', 'output-unlisted', (a) =>
    `'${a.path}' is in the output folder of '${a.name}' but not in its kspec.lock.json, so kspec did not generate it; kspec leaves it in place and compile --check reports it as drift. Move it out of the output folder, or delete it.`),
  OutputUnowned: entry<{ path: string; why: string }>('KS9007', 'warning', 'output-unowned', (a) =>
    `'${a.path}' is in the output folder, but no spec's kspec.lock.json owns it (${a.why}); kspec leaves it in place and compile --check reports it as drift. Move it out of the output folder, or delete it.`),

  // KS9020-KS9024: kspec outdated, what a spec pins against its upstream today.
  CoprStale: entry<{ repo: string; pkg: string; days: number; date: string; version: string; limit: number }>('KS9020', 'error', 'copr-build-stale', (a) =>
    `The newest succeeded build of ${a.pkg} in COPR ${a.repo}${a.version ? ` (${a.version})` : ''} ended ${a.days} days ago (${a.date}), more than provider.staleAfterDays (${a.limit}): the COPR may no longer follow kernel releases. Review the project, then raise staleAfterDays or move to a maintained provider.`),
  CoprNoBuild: entry<{ repo: string; pkg: string; reason: string }>('KS9021', 'error', 'copr-no-build', (a) =>
    `COPR ${a.repo} has no succeeded build of ${a.pkg} (${a.reason}). Check the project and package names, or whether the project still builds.`),
  NewerTag: entry<{ ref: string; newest: string; line: string; count: number }>('KS9022', 'warning', 'newer-image-tag', (a) =>
    `'${a.ref}' is not the newest tag on its version line ${a.line}: '${a.newest}' is${a.count > 1 ? ` (one of ${a.count} newer tags)` : ''}. Review its changes and update the tag, or pin a digest to stay.`),
  WorkflowOmits: entry<{ step: string; reason: string; fix: string }>('KS9023', 'warning', 'workflow-step-omitted', (a) =>
    `kspec workflow leaves out ${a.step} for this spec: ${a.reason}. ${a.fix}.`),
} as const;

export type CatalogueKey = keyof typeof D;

/** Every entry, for docs and for the test that each code is exercised. */
export function allEntries(): Array<CatalogueEntry<never>> {
  return Object.values(D) as Array<CatalogueEntry<never>>;
}
