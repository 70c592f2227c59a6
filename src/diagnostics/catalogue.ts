/**
 * The stages' diagnostics, as data (src/diagnostics/entry.ts): parse, schema, checks and
 * output, and `D`, which combines them. Each target's entries live in its folder's
 * diagnostics.ts with the range it owns, and its module registers them
 * (`TargetModule.diagnostics`); src/diagnostics/all.ts collects every entry, the stages' and
 * the registered targets', for docs, SARIF rules and the tests. This file imports no target
 * and no registry, so every target can import it. Codes are stable: never renumber or reuse
 * one; retire a code by leaving a comment in its place. Each owner takes codes from its own
 * range (src/diagnostics/ranges.ts). Tests assert against these entries, not against copied
 * strings.
 */
import type { Entries } from './entry.js';
import type { Stage } from './ranges.js';

export type { ArgsOf, Entry, Severity } from './entry.js';
export { fill, fix, message } from './entry.js';

/** Keys that name JavaScript object machinery: unknown keys in every mapping of every file. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** KS1000-KS1999: reading the spec. */
export const PARSE = {
  YamlSyntax: { code: 'KS1001', id: 'yaml-syntax', severity: 'error',
    message: 'YAML syntax error: {detail}.', fix: 'Fix the YAML at this position.' },
  DuplicateKey: { code: 'KS1002', id: 'duplicate-key', severity: 'error',
    message: "Key '{key}' appears more than once in this mapping.", fix: 'Keep one of them.' },
  NotUtf8: { code: 'KS1003', id: 'not-utf8', severity: 'error',
    message: 'The spec is not valid UTF-8.', fix: 'Save it as UTF-8 text.' },
  TooLarge: { code: 'KS1004', id: 'spec-too-large', severity: 'error',
    message: 'The spec is {size} bytes; specs are limited to {limit} bytes.',
    fix: 'Split it or remove generated content: a kernel spec is a few kilobytes.' },
  AliasBomb: { code: 'KS1005', id: 'too-many-aliases', severity: 'error',
    message: 'The spec expands YAML aliases more than {limit} times.', fix: 'Write the values out instead of nesting aliases.' },
  TooDeep: { code: 'KS1006', id: 'too-deep', severity: 'error',
    message: 'The spec nests deeper than {limit} levels; no kspec field nests that deep.', fix: 'Flatten it.' },
  NotAMapping: { code: 'KS1007', id: 'not-a-mapping', severity: 'error',
    message: 'A spec is a YAML mapping with apiVersion, kind, metadata, kernel, provider and target.', fix: 'Start from `kspec init`.' },
  MultipleDocuments: { code: 'KS1008', id: 'multiple-documents', severity: 'error',
    message: 'A spec file holds exactly one YAML document.', fix: 'Move each further document (after `---`) into a file of its own.' },
  NonStringKey: { code: 'KS1009', id: 'non-string-key', severity: 'error',
    message: 'Mapping keys must be plain strings.', fix: 'Write the key as text.' },
  ExtendsCycle: { code: 'KS1010', id: 'extends-cycle', severity: 'error',
    message: 'extends forms a cycle: {chain}.', fix: 'Remove the extends that leads back to a spec already in the chain.' },
  ExtendsOutsideRepo: { code: 'KS1011', id: 'extends-outside-repository', severity: 'error',
    message: "extends '{ref}' resolves to {path}, outside the repository (the git work tree, or the spec's folder outside git).",
    fix: 'Copy the base spec into the repository and name it with a relative path.' },
  ExtendsMissing: { code: 'KS1012', id: 'extends-missing', severity: 'error',
    message: "The base spec '{ref}' ({path}) does not exist.", fix: 'Fix the path, which is relative to this spec, or add the file.' },
  RecursiveAlias: { code: 'KS1013', id: 'recursive-alias', severity: 'error',
    message: "Alias '*{anchor}' stands inside the value anchored as '&{anchor}', so expanding it never ends.",
    fix: 'Write the value out, or point the alias at an anchor outside it.' },
  AliasExpansion: { code: 'KS1014', id: 'aliases-too-large', severity: 'error',
    message: 'YAML aliases in this spec copy more than {limit} values.', fix: 'Write the values out, or alias smaller parts.' },
  UnknownAnchor: { code: 'KS1015', id: 'unknown-anchor', severity: 'error',
    message: "Alias '*{anchor}' names no anchor before it.", fix: "Define '&{anchor}' on a value above this line, or write the value out." },
  TooManyValues: { code: 'KS1016', id: 'too-many-values', severity: 'error',
    message: 'The spec holds more than {limit} values (scalars, aliases and collections); a kernel spec holds a few hundred.',
    fix: 'Remove generated or repeated content.' },
  NotCollected: { code: 'KS1017', id: 'diagnostics-not-collected', severity: 'warning',
    message: '{count} more {code} {id} diagnostics were not collected: kspec keeps the first {limit} of one code per spec.',
    fix: 'Fix the ones reported and run kspec again.' },
  LargeYamlNotPlain: { code: 'KS1018', id: 'large-yaml-not-plain', severity: 'error',
    message: 'The spec is {size} bytes and, at this line or the one above, not plain YAML; over {limit} bytes it must be.',
    fix: 'Write it without `?` keys, tags on collections, escaped line breaks or directives, or make it smaller.' },
} as const satisfies Entries;

/** KS2000-KS2999: the schema. */
export const SCHEMA = {
  UnknownKey: { code: 'KS2001', id: 'unknown-key', severity: 'error',
    message: "Unknown key '{key}'.{suggestion:suggest}", fix: 'Remove it, or rename it to a key allowed here: {allowed:list}.' },
  MissingKey: { code: 'KS2002', id: 'missing-key', severity: 'error',
    message: "Missing required key '{key}'.", fix: 'Add it here.' },
  WrongType: { code: 'KS2003', id: 'wrong-type', severity: 'error',
    message: 'Expected {expected}, found {actual}.', fix: 'Change the value to {expected}.' },
  NotInEnum: { code: 'KS2004', id: 'not-allowed-value', severity: 'error',
    message: "'{value}' is not allowed here.{suggestion:suggest}", fix: 'Use one of {allowed:list}.' },
  PatternMismatch: { code: 'KS2005', id: 'bad-format', severity: 'error',
    message: "'{value}' is not {hint}.", fix: 'Correct the value.' },
  ConstMismatch: { code: 'KS2006', id: 'wrong-constant', severity: 'error',
    message: "'{value}' is not the value this field takes.", fix: "Write exactly '{expected}'." },
  OutOfRange: { code: 'KS2007', id: 'out-of-range', severity: 'error',
    message: '{value} is out of range.', fix: 'Use a value {bound}.' },
  BadLength: { code: 'KS2008', id: 'bad-length', severity: 'error',
    message: 'This {what} has the wrong length.', fix: 'Give it {bound}.' },
  UnknownVariant: { code: 'KS2009', id: 'unknown-variant', severity: 'error',
    message: "Unknown {field} '{value}'.{suggestion:suggest}", fix: 'Use one of {allowed:list}.' },
  DuplicateItem: { code: 'KS2010', id: 'duplicate-item', severity: 'error',
    message: "'{value}' is listed twice.", fix: 'Remove the duplicate.' },
  SchemaViolation: { code: 'KS2011', id: 'schema', severity: 'error',
    message: 'This value does not fit the spec format: {detail}.', fix: 'Correct it; schema/kspec.schema.json describes the format.' },
  // In a closed mapping a reserved key (RESERVED_KEYS) is KS2001 with the keys allowed there;
  // in a free map (metadata.labels, kernel.config), which takes any key of its format, this.
  ReservedKey: { code: 'KS2012', id: 'reserved-key', severity: 'error',
    message: "Key '{key}' names JavaScript object machinery and is refused in every mapping.",
    fix: 'Use another key: this mapping takes any other key of its format.' },
} as const satisfies Entries;

/** KS3000-KS3999: checks common to every platform. */
export const CHECKS = {
  ProviderNotAccepted: { code: 'KS3001', id: 'provider-not-accepted', severity: 'error',
    message: "Platform '{platform}' does not take a '{type}' provider.", fix: 'Use one of {accepted:list}.' },
  SigningNotSupported: { code: 'KS3002', id: 'signing-not-supported', severity: 'error',
    message: "Secure Boot signing is not available on '{platform}' (only bootc and kairos build a signed image).", fix: 'Remove the signing section.' },
  VersionRequired: { code: 'KS3003', id: 'version-required', severity: 'error',
    message: "kernel.version is required on '{platform}': {why}.", fix: 'Add the kernel release as `uname -r` prints it.' },
  InsecureUrl: { code: 'KS3004', id: 'insecure-url', severity: 'error',
    message: "'{url}' is not https.", fix: 'Use an https URL (or set allowInsecure: true on the provider, which is warned).' },
  AllowInsecure: { code: 'KS3005', id: 'insecure-url-allowed', severity: 'warning',
    message: "'{url}' is fetched without TLS because allowInsecure is set: anyone on the path can swap the kernel.", fix: 'Move it to https.' },
  KeyMaterial: { code: 'KS3006', id: 'key-material', severity: 'error',
    message: 'This value contains key material (-----BEGIN); never put keys in a spec.',
    fix: 'Store them as BuildKit secrets and name the secret ids in signing.keySecret and signing.certSecret.' },
  InvalidOciRef: { code: 'KS3007', id: 'invalid-oci-reference', severity: 'error',
    message: "'{ref}' is not a valid OCI image reference ({reason}).", fix: 'Write it as registry/repository:tag or @sha256:digest.' },
  UntaggedOciRef: { code: 'KS3008', id: 'untagged-oci-reference', severity: 'warning',
    message: "'{ref}' has no tag or digest, so it means ':latest' and drifts.", fix: 'Pin a tag or a digest.' },
  DevelNotMatched: { code: 'KS3009', id: 'devel-not-matched', severity: 'warning',
    message: "'{pkg}' can resolve to headers newer than the installed kernel, and modules built against them will not load.", fix: "Use '{matched}'." },
  BadKernelRelease: { code: 'KS3010', id: 'bad-kernel-release', severity: 'error',
    message: "'{value}' does not look like a kernel release (e.g. 6.8.9 or 7.0.8-cachyos1.fc44.x86_64).", fix: 'Write it as `uname -r` prints it.' },
  FallbackNotSupported: { code: 'KS3011', id: 'fallback-not-supported', severity: 'error',
    message: "fallback.via '{via}' is not available on '{platform}'.", fix: 'Use {accepted:list}.' },
  ModulesWithoutPackages: { code: 'KS3012', id: 'modules-need-packages', severity: 'error',
    message: "Out-of-tree modules are built with akmods against an installed kernel package, and a '{type}' provider installs none.",
    fix: 'Remove modules or use a copr or repo provider (only bootc installs prebuilt kmods from an image, modules[].image).' },
  FieldIgnored: { code: 'KS3013', id: 'field-ignored', severity: 'warning',
    message: "{field} has no effect on '{platform}': {why}.", fix: 'Remove it, or it reads as if it took effect.' },

  // Files read on the spec's behalf (extends bases, provider.configFile, target.dapperfile):
  // src/specfiles.ts. `field` names the spec field, `ref` its value as written.
  FileOutsideRepo: { code: 'KS3014', id: 'file-outside-repository', severity: 'error',
    message: "{field} '{ref}' {how} ({path}); kspec reads no file outside the git work tree (or the spec's folder outside git).",
    fix: 'Keep the file in the repository and name it with a relative path.' },
  FileNotRegular: { code: 'KS3015', id: 'file-not-regular', severity: 'error',
    message: "{field} '{ref}' is {kind}, not a regular file, and kspec reads regular files only.", fix: 'Name a regular file committed in the repository.' },
  FileTooLarge: { code: 'KS3016', id: 'file-too-large', severity: 'error',
    message: "{field} '{ref}' is {size} bytes or more; files read for a spec are limited to {limit} bytes.",
    fix: 'Name the right file: a spec, a kernel .config or a Dockerfile.dapper is far smaller.' },
  FileBadPath: { code: 'KS3017', id: 'file-bad-path', severity: 'error',
    message: "{field} '{ref}' is not a usable path: {reason}.", fix: 'Write a relative path of ordinary file names.' },
  FileUnreadable: { code: 'KS3018', id: 'file-unreadable', severity: 'error',
    message: "{field} '{ref}' cannot be read ({reason}).", fix: 'Make the file readable, or fix the path.' },
  ConfigValueUnwritable: { code: 'KS3019', id: 'config-value-unwritable', severity: 'error',
    message: "kernel.config {option} is '{value}', which '{platform}' cannot write: a value there is {hint}.", fix: 'Change the value, or leave the option out.' },

  // KS3025-KS3029: top-level packages and services (bootc, kairos).
  PackageCoprAndRepo: { code: 'KS3025', id: 'package-copr-and-repo', severity: 'error',
    message: "Package '{name}' names both copr and repo; it comes from one place.", fix: "Keep copr (a COPR project) or repo (provider.extraRepo's name)." },
  PackageRepoUnknown: { code: 'KS3026', id: 'package-repo-unknown', severity: 'error',
    message: "repo '{repo}' names no repository of this spec: a package's repo is provider.extraRepo's name ({extraRepo}).",
    fix: 'Write provider.extraRepo\'s name, use copr for a COPR project, or drop repo to install from the base\'s repositories.' },
  ServiceEnabledAndDisabled: { code: 'KS3027', id: 'service-enabled-and-disabled', severity: 'error',
    message: "'{unit}' is in both services.enable and services.disable.", fix: 'Keep it in one list.' },

  // KS3035-KS3039: the image lifecycle (validation; kspec outdated's findings are KS9020-KS9024).
  OutOfPolicyInstalled: { code: 'KS3035', id: 'out-of-policy-installed', severity: 'error',
    message: "The image installs '{pkg}', which validation.outOfPolicy[{index}] ('{word}') forbids: every machine fails validation.",
    fix: "Set validation.outOfPolicy without '{word}' if the package is intended, or do not install it." },
  BootExpectShell: { code: 'KS3036', id: 'boot-expect-too-early', severity: 'warning',
    message: "validation.boot.expect '{expect}' is printed before the root is mounted: a boot that ends in the emergency shell passes.",
    fix: "Expect a target of the booted system, such as 'Reached target Multi-User System'." },
} as const satisfies Entries;

/** KS9000-KS9999: output and files, and the lifecycle commands. */
export const OUTPUT = {
  OutputEscapes: { code: 'KS9001', id: 'output-escapes', severity: 'error',
    message: "Output '{path}' would be written outside the output folder.", fix: 'Use a metadata.name that is a DNS-1123 label.' },
  OutputSymlink: { code: 'KS9002', id: 'output-symlink', severity: 'error',
    message: "'{path}' is a symlink to '{target}'; kspec never writes through or over a symlink in the output folder.", fix: 'Remove the link.' },
  DuplicateName: { code: 'KS9003', id: 'duplicate-name', severity: 'error',
    message: "metadata.name '{name}' is also used by {other}; both would write to the same folder.", fix: 'Give each spec its own name.' },
  // KS9004 retired before release: unreadable files are I/O errors (exit 2), not diagnostics.
  UnsafeValue: { code: 'KS9005', id: 'unsafe-value', severity: 'error',
    message: 'The value {value:json} cannot be written safely as {context}.', fix: 'Remove shell and Containerfile metacharacters from it.' },
  OutputUnlisted: { code: 'KS9006', id: 'output-unlisted', severity: 'warning',
    message: "'{path}' is in the output folder of '{name}' but not in its kspec.lock.json: kspec did not write it and leaves it.",
    fix: 'Move it out of the output folder, or delete it: compile --check reports it as drift.' },
  OutputUnowned: { code: 'KS9007', id: 'output-unowned', severity: 'warning',
    message: "'{path}' is in the output folder, but no spec's kspec.lock.json owns it ({why}); compile --check reports it as drift.",
    fix: 'Move it out of the output folder, or delete it.' },

  // KS9020-KS9024: kspec outdated, what a spec pins against its upstream today.
  CoprStale: { code: 'KS9020', id: 'copr-build-stale', severity: 'error',
    message: 'The newest build of {build} in COPR {repo} ended {days} days ago ({date}), more than provider.staleAfterDays ({limit}).',
    fix: 'Check that the project still follows kernel releases, then raise staleAfterDays or move to a maintained provider.' },
  CoprNoBuild: { code: 'KS9021', id: 'copr-no-build', severity: 'error',
    message: 'COPR {repo} has no succeeded build of {pkg} ({reason}).', fix: 'Check the project and package names, or whether the project still builds.' },
  NewerTag: { code: 'KS9022', id: 'newer-image-tag', severity: 'warning',
    message: "'{ref}' is not the newest tag on its version line {line}: {count} newer, the newest '{newest}'.",
    fix: 'Review its changes and update the tag, or pin a digest to stay.' },
  WorkflowOmits: { code: 'KS9023', id: 'workflow-step-omitted', severity: 'warning',
    message: 'kspec workflow leaves out {step} for this spec: {reason}.', fix: '{fix}.' },
} as const satisfies Entries;

/** The stages' entries by owner. */
export const STAGE_GROUPS = [
  { owner: 'parse', entries: PARSE },
  { owner: 'schema', entries: SCHEMA },
  { owner: 'checks', entries: CHECKS },
  { owner: 'output', entries: OUTPUT },
] as const satisfies ReadonlyArray<{ owner: Stage; entries: Entries }>;

/** The stages' entries by name (`D.DuplicateKey`); a target's own are in its diagnostics.ts. */
export const D = { ...PARSE, ...SCHEMA, ...CHECKS, ...OUTPUT } as const;
