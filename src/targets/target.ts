/**
 * The contract of a target. A target is a thin module: which providers it takes, what it
 * checks, and which files it plans; the text of those files lives in templates/<platform>/.
 * Its folder, src/targets/<platform>/, holds index.ts (this module), view.ts (the data its
 * templates print), checks.ts (its check()), diagnostics.ts (its catalogue entries and code range) and
 * workflow.ts (its `kspec workflow` jobs).
 * Checks common to all platforms (provider accepted, signing allowed, kernel.version
 * present, URLs, OCI references, key material) run in src/check.ts from these fields.
 */
import type { Reporter } from '../diagnostics/diagnostic.js';
import type { TargetDiagnostics } from '../diagnostics/ranges.js';
import type { Platform, ProviderType, PlannedFile, SpecFor, InputTargetOf, TargetOf } from '../types.js';
import type { Jobs, Omission, WorkflowUnit } from '../workflow/steps.js';

export interface PlanContext {
  /** The spec's path as shown in headers and messages (POSIX, relative to the cwd). */
  specPath: string;
  /** Absolute directory of the spec file: relative paths in the spec resolve against it. */
  specDir: string;
}

/** An OCI reference in a spec, at its JSON pointer. */
export interface ImageField {
  ptr: string;
  ref: string | undefined;
  /** Pulled by the build: an untagged reference drifts. Names of produced images are not. */
  pulled: boolean;
}

export interface CheckContext extends PlanContext {
  report: Reporter;
}

/** A platform's `kspec init` starter: what it builds (one line) and the spec body. */
export interface Starter {
  what: string;
  /** YAML from `kernel:` on, commented; it must validate as is. */
  body: string;
}

export interface TargetModule<P extends Platform = Platform> {
  platform: P;
  /**
   * The folder of its templates under templates/ (each planned file's `template` is
   * `<templates>/<name>`, besides the shared lifecycle/ ones). The registry test checks
   * that it exists.
   */
  templates: string;
  /** The `kspec init` starter of this platform (its folder's starter.ts). */
  starter: Starter;
  /**
   * Its diagnostics (its folder's diagnostics.ts): the code range it owns and its entries.
   * The catalogue (src/diagnostics/all.ts) collects them from the registry, so docs,
   * SARIF rules and the tests know them; test/catalogue.test.ts fails when two ranges
   * overlap or a code lies outside its owner's range. A new target takes the next free
   * thousand from KS10000 on.
   */
  diagnostics: TargetDiagnostics;
  /** Provider types this platform accepts (KS3001 otherwise). */
  providers: readonly ProviderType[];
  /** Whether `signing` is meaningful here (KS3002 otherwise). */
  signing: boolean;
  /** fallback.via values this platform implements (KS3011 otherwise). */
  fallbacks: ReadonlyArray<'rollback' | 'template' | 'default'>;
  /**
   * Spec fields this platform has no use for, with the reason: a user who sets one is
   * warned (KS3013) instead of believing it took effect.
   */
  ignored?: ReadonlyArray<{ path: string; why: string }>;
  /**
   * The kernel.config values this platform can write into its files, when that is less
   * than the schema accepts: a value it cannot write is KS3019 at its line (src/check.ts),
   * so `validate` refuses what the renderer would (never KS9005 at 1:1).
   */
  configValues?: { accepts(value: string): boolean; hint: string };
  /**
   * The OCI references its target section holds, in field order (src/check.ts adds the
   * provider's, the modules' and the fallback's): checked by KS3007/KS3008, resolved by
   * `kspec outdated`.
   */
  images?: (spec: SpecFor<P>) => ImageField[];
  /** The URLs its target section holds (KS3004: https only; KS3005 with allowInsecure). */
  urls?: (spec: SpecFor<P>) => Array<{ ptr: string; url: string }>;
  /**
   * Whether `modules[].image` (prebuilt kmods from an image) is offered: such a module needs
   * no package provider to build against (KS3012 counts only the modules it builds).
   */
  moduleImages?: boolean;
  /**
   * Whether the built image goes through the lifecycle (src/targets/lifecycle.ts: verify,
   * boot test, promote), so the spec's `validation` settings apply (KS3035, KS3036).
   */
  lifecycle?: boolean;
  /**
   * Its settings after normalize (defaults made present, forms changed), typed by its
   * folder's declaration in NormalizedTargets (src/types.ts). Absent: copied as written.
   */
  normalize?: (target: InputTargetOf<P>) => TargetOf<P>;
  /** Why kernel.version is needed before the build, or undefined when it may be omitted. */
  versionRequired?: (spec: SpecFor<P>) => string | undefined;
  /** Platform invariants; report through ctx.report with entries from the catalogue. */
  check(spec: SpecFor<P>, ctx: CheckContext): void;
  /** The files to emit, in any order (the writer sorts them). */
  plan(spec: SpecFor<P>, ctx: PlanContext): PlannedFile[];
  /**
   * Its jobs in the GitHub Actions workflow `kspec workflow` writes (src/workflow.ts),
   * after the core's `check` and `outdated` jobs and those of the targets registered
   * before it. Called only when a spec targets this platform, with those specs sorted by
   * path; returns job id to job (written in that order; an id another job has is an
   * error), built from src/workflow/ (yaml.ts, steps.ts) with every spec value a matrix
   * value. A step or spec it leaves out goes into `omit` with why (warned as KS9023).
   * Without it, the platform's specs get no job beyond `check`.
   */
  workflowJobs?: (units: Array<WorkflowUnit<P>>, omit: Omission[]) => Jobs;
}

/** Identity function that keeps the platform's narrowed spec type in a module's definition. */
export function defineTarget<P extends Platform>(t: TargetModule<P>): TargetModule<P> {
  return t;
}
