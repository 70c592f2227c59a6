/**
 * What the CLI commands do, apart from argument parsing: expand inputs, run the pipeline
 * for each spec, print diagnostics, then write or compare. Nothing is written unless every
 * spec compiled without errors, so a bad spec never leaves a partial output folder.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { compileSpec } from './api.js';
import { displayPath, type CompileResult } from './compile.js';
import { discoverSpecs, printSkipped, UsageError } from './discover.js';
import { D } from './diagnostics/catalogue.js';
import { compareDiagnostics, hasErrors, Reporter, type Diagnostic } from './diagnostics/diagnostic.js';
import { workflowCommand } from './diagnostics/github.js';
import { applyStrict, counts, printDiagnostics, summaryLine, toJsonList } from './diagnostics/format.js';
import { tuneGcForBatch } from './gc.js';
import { checkDrift, hasDrift, removeStale, surveyRun, surveyWarnings, type DriftLines } from './outputdrift.js';
import { MAX_SPEC_BYTES, YamlSourceIndex } from './parse.js';
import { outputId, refusedPath, showControls, specId, STDIN_ARG } from './paths.js';
import { Progress, seconds } from './tty.js';
import { SCHEMA_PATH } from './validate.js';
import { checkUnit, OutputError, OutputRootError, OutputSession, type CheckOutcome, type OutputUnit, type StagedUnit } from './write.js';

export interface CommonOptions {
  strict?: boolean;
  /** Print only diagnostics and drift: no progress, status lines or closing line. */
  quiet?: boolean;
  format: 'text' | 'json' | 'github' | 'sarif';
}

export interface RunOptions extends CommonOptions {
  out: string;
  mode: 'write' | 'check' | 'validate';
  /** Tune V8's GC for a batch when there are many specs (src/gc.ts): the CLI's own process only. */
  tuneGc?: boolean;
  /** gitignore-style patterns left out of folder searches (src/discover.ts). */
  exclude?: string[];
  /** List the files a folder search skipped, and why. */
  verbose?: boolean;
}

export { UsageError };

/** The specs the inputs name (src/discover.ts); none is a usage error. `--verbose` lists what was skipped. */
export async function expandInputs(inputs: string[], opts: { out?: string; exclude?: string[]; verbose?: boolean } = {}): Promise<string[]> {
  const found = await discoverSpecs(inputs, { out: opts.out, exclude: opts.exclude });
  if (opts.verbose) printSkipped(found.skipped);
  if (found.specs.length === 0) {
    const hint = found.skipped.length > 0 ? ` (${found.skipped.length} skipped${opts.verbose ? '' : ': --verbose lists them'})` : '';
    throw new UsageError(`no specs (YAML with apiVersion: kspec.dev/v1alpha1 and kind: KernelSpec) in ${inputs.join(', ')}${hint}`);
  }
  return found.specs;
}

/** Prints `kspec: <message>` and returns exit code 2 (usage or I/O error). */
export function fail(message: string): number {
  // One line, whatever names it quotes: control characters are shown escaped.
  process.stderr.write(`kspec: ${showControls(message)}\n`);
  return 2;
}

/** The short reason of an I/O error, as the CLI prints it: its code (ENOENT), or its message. */
export const ioReason = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

/**
 * The line that ends every run (not with --quiet), starting with the spec count:
 * `3 specs: 12 files written, 3 unchanged, 0 removed, 0 errors, 1 warning in 0.42 s`.
 * The seconds are the only part of kspec's output that is not deterministic.
 */
export function closingLine(
  mode: RunOptions['mode'],
  specs: number,
  failed: boolean,
  report: ReadonlyArray<{ status: string }>,
  tally: { written: number; unchanged: number; removed: number },
  diagnostics: Diagnostic[],
  time = seconds(0),
): string {
  const n = (k: number, one: string, many = `${one}s`): string => `${k} ${k === 1 ? one : many}`;
  let what: string;
  if (mode === 'validate') what = `${failed ? 0 : specs} valid`;
  else if (mode === 'check') {
    const drifted = report.filter((r) => r.status === 'drift').length;
    what = failed ? 'not compared' : `${drifted} drifted, ${report.length - drifted} up to date`;
  } else what = failed && tally.written + tally.unchanged + tally.removed === 0 ? 'nothing written' : `${n(tally.written, 'file')} written, ${tally.unchanged} unchanged, ${tally.removed} removed`;
  return `${n(specs, 'spec')}: ${what}, ${summaryLine(diagnostics)} in ${time}`;
}

/**
 * Standard input, read up to `limit` bytes: a spec is small, and a stream that goes on
 * (`yes | kspec validate -`) must not fill memory or hang the run.
 */
export async function readStdin(limit: number, input: NodeJS.ReadableStream = process.stdin): Promise<{ bytes: Uint8Array } | { error: string }> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of input) {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      chunks.push(b);
      size += b.length;
      // Leaving the loop destroys the stream: nothing more is read.
      if (size > limit) return { error: `standard input holds more than ${limit} bytes; specs are limited to ${limit} bytes (KS1004)` };
    }
  } catch (e) {
    return { error: `cannot read standard input: ${ioReason(e)}` };
  }
  return { bytes: new Uint8Array(Buffer.concat(chunks, size)) };
}

/** Drops what a result no longer needs once it is compiled: its parsed document, files and data. */
function compact(r: CompileResult): void {
  if (r.source instanceof YamlSourceIndex) r.source = r.source.deferred();
  r.files = [];
  r.spec = undefined;
  r.data = undefined;
}

/**
 * compile, compile --check and validate over the inputs. One pass over the specs, in
 * order: each is compiled and, while every spec so far is clean, its output is staged
 * (write: src/write.ts OutputSession) or compared (--check) at once, so a run holds a
 * few KB per spec, not its rendered files. Then, only if no spec had an error, the
 * staged units are committed in order; otherwise the staging folder is removed and
 * nothing the user sees has changed.
 */
export async function runCompile(inputs: string[], opts: RunOptions): Promise<number> {
  let files: string[];
  // `-`: one spec from standard input, compiled first; the other inputs are searched.
  const fromStdin = inputs.includes(STDIN_ARG);
  const named = inputs.filter((i) => i !== STDIN_ARG);
  try {
    files = [...(fromStdin ? [STDIN_ARG] : []), ...(named.length > 0 || !fromStdin ? await expandInputs(named, { out: opts.out, exclude: opts.exclude, verbose: opts.verbose }) : [])];
  } catch (e) {
    if (e instanceof UsageError) return fail(e.message);
    throw e;
  }
  // Refused before anything is read or written: a name that reaches a generated file or
  // a CI log must not hold a control character (issue 11, must-have 3).
  const refused =
    refusedPath('output folder', opts.out, opts.mode === 'validate' ? opts.out : outputId(opts.out)) ??
    files.map((f) => refusedPath('spec', f === STDIN_ARG ? f : displayPath(f), opts.mode === 'validate' ? f : specId(f, opts.out))).find((x) => x !== undefined);
  if (refused !== undefined) return fail(refused);
  let stdin: Uint8Array | undefined;
  if (fromStdin) {
    const read = await readStdin(MAX_SPEC_BYTES);
    if ('error' in read) return fail(read.error);
    stdin = read.bytes;
  }
  if (opts.tuneGc) tuneGcForBatch(files.length);
  const strict = opts.strict === true;
  const quiet = opts.quiet === true;
  const progress = new Progress(files.length, process.stderr, !quiet && process.stderr.isTTY === true && files.length > 1);
  /** Files written, unchanged and removed over the run, for the closing line. */
  const tally = { written: 0, unchanged: 0, removed: 0 };
  const session = opts.mode === 'write' ? new OutputSession(opts.out) : undefined;
  try {
    const results: CompileResult[] = [];
    const staged: Array<{ unit: StagedUnit; result: CompileResult }> = [];
    const checks = new Map<CompileResult, CheckOutcome>();
    /** KS9003: the first spec with a name keeps it; later ones are errors. */
    const names = new Map<string, CompileResult>();
    let failed = false;
    let outputErrors: Diagnostic[] = [];
    /** An I/O error while staging: reported (exit 2) only if no spec has errors. */
    let ioError: unknown;
    /** Each unit's planned files, for the survey of the output folder (src/outputdrift.ts). */
    const planned = new Map<string, string[]>();
    for (const [i, f] of files.entries()) {
      let r: CompileResult;
      progress.update(i + 1, f === STDIN_ARG ? '<stdin>' : displayPath(f));
      try {
        r = await compileSpec({ path: f }, { outDir: opts.out, checkOnly: opts.mode === 'validate', stdin });
      } catch (e) {
        progress.clear();
        return fail(`cannot read '${displayPath(f)}': ${ioReason(e)}`);
      }
      if (r.name && r.source && !hasErrors(r.diagnostics)) {
        const other = names.get(r.name);
        if (other) {
          const rep = new Reporter(r.source);
          rep.report(D.DuplicateName, '/metadata/name', { name: r.name, other: other.specPath });
          r.diagnostics.push(...rep.diagnostics);
        } else names.set(r.name, r);
      }
      r.diagnostics = applyStrict(r.diagnostics, strict).sort(compareDiagnostics);
      failed ||= hasErrors(r.diagnostics);
      // The parsed document goes now: a staged unit keeps the source for its diagnostics.
      const rendered = r.files;
      compact(r);
      if (!failed && outputErrors.length === 0 && ioError === undefined && opts.mode !== 'validate') {
        // The lock names the spec by its id (relative to the repository root, src/paths.ts).
        const unit: OutputUnit = { name: r.name!, specPath: r.specId, files: rendered, source: r.source! };
        planned.set(unit.name, rendered.map((x) => x.path));
        try {
          if (session) staged.push({ unit: await session.stage(unit), result: r });
          else checks.set(r, await checkUnit(opts.out, unit));
        } catch (e) {
          if (e instanceof OutputError) outputErrors = e.reporter.diagnostics;
          else ioError = e;
        }
      }
      results.push(r);
    }
    progress.clear();
    if (!failed && ioError !== undefined) {
      // An output folder that is a symlink says why itself; other I/O errors by their code.
      return fail(ioError instanceof OutputRootError ? ioError.message : `cannot write to '${opts.out}': ${ioReason(ioError)}`);
    }
    failed ||= outputErrors.length > 0;
    // The output folder as a whole: stale units, files and folders no lock accounts for.
    let survey;
    try {
      survey = !failed && opts.mode !== 'validate' ? surveyRun(inputs, results, planned, opts.out, session?.staging, process.cwd(), session?.currentLocks) : undefined;
    } catch (e) {
      return fail(`cannot read '${opts.out}': ${ioReason(e)}`);
    }
    const surveyed = survey && opts.mode === 'write' ? applyStrict(surveyWarnings(survey, results, opts.out), strict) : [];
    for (const d of surveyed) results.find((r) => r.specPath === d.file)?.diagnostics.push(d);
    failed ||= hasErrors(surveyed);
    const all = [...results.flatMap((r) => r.diagnostics), ...surveyed.filter((d) => !results.some((r) => r.specPath === d.file))];
    let outputDrift: DriftLines | undefined;

    const report: Array<{ spec: string; name?: string; status: string; files?: string[]; diff?: string }> = [];
    let drift = false;
    if (!failed && opts.mode === 'check') {
      for (const r of results) {
        const c = checks.get(r)!;
        drift ||= c.drift;
        report.push({ spec: r.specPath, name: r.name, status: c.drift ? 'drift' : 'up-to-date', diff: c.diff });
      }
      if (survey && hasDrift(survey)) {
        drift = true;
        outputDrift = await checkDrift(survey, opts.out);
      }
    }
    if (!failed && session) {
      try {
        // In unit order, stopping at the first unit that fails.
        for (const { unit: u, result } of staged) {
          const w = await session.commit(u);
          tally.written += w.written.length;
          tally.unchanged += w.unchanged.length;
          tally.removed += w.removed.length;
          report.push({
            spec: result.specPath,
            name: u.name,
            status: `${w.written.length} written, ${w.unchanged.length} unchanged, ${w.removed.length} removed`,
            files: u.files.map((x) => x.path),
          });
        }
        if (survey) outputDrift = removeStale(survey, opts.out);
      } catch (e) {
        if (e instanceof OutputError) outputErrors = e.reporter.diagnostics;
        else return fail(`cannot write to '${opts.out}': ${ioReason(e)}`);
      }
    }
    const diagnostics = [...all, ...outputErrors];

    if (opts.format === 'json') {
      const bySpec = new Map(report.map((x) => [x.spec, x]));
      const out = {
        specs: results.map((r) => ({
          spec: r.specPath,
          name: r.name ?? null,
          diagnostics: toJsonList(r.diagnostics),
          ...(bySpec.get(r.specPath) ?? {}),
        })),
        diagnostics: toJsonList(diagnostics),
        ...(outputDrift ? { output: outputDrift.json } : {}),
        summary: { ...counts(diagnostics), drift },
      };
      process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    } else {
      // A diagnostic may point into a base spec (extends): its result's index knows that file.
      const sources = new Map(results.map((r) => [r.specPath, r.source]));
      for (const r of results) for (const d of r.diagnostics) if (!sources.has(d.file)) sources.set(d.file, r.source);
      printDiagnostics(diagnostics, opts.format, (file) => sources.get(file));
      // With --format sarif, stdout is the SARIF log only.
      const human = opts.format === 'sarif' ? process.stderr : process.stdout;
      for (const r of report) {
        if (opts.mode === 'check') {
          if (r.diff) human.write(r.diff);
          if (quiet && r.status !== 'drift') continue;
          human.write(`${r.status === 'drift' ? 'drift' : 'up to date'}: ${r.spec} -> ${displayPath(path.join(opts.out, r.name!))}\n`);
        } else if (!quiet) {
          human.write(`${r.spec} -> ${displayPath(path.join(opts.out, r.name!))}: ${r.status}\n`);
        }
      }
      if (outputDrift) human.write(outputDrift.text);
      if (opts.mode === 'validate' && !failed && !quiet) for (const r of results) human.write(`${r.specPath}: valid\n`);
      if (!quiet) process.stderr.write(closingLine(opts.mode, results.length, failed, report, tally, diagnostics) + '\n');
      if (drift) process.stderr.write(`generated files differ from the specs: run kspec compile to update them\n`);
      if (drift && opts.format === 'github') {
        for (const r of report.filter((x) => x.status === 'drift')) {
          const msg = `The files generated from ${r.spec} differ from ${displayPath(path.join(opts.out, r.name!))}: run kspec compile and commit the result.`;
          process.stdout.write(workflowCommand('error', { file: r.spec, title: 'kspec drift' }, msg) + '\n');
        }
        for (const line of outputDrift?.github ?? []) process.stdout.write(line + '\n');
      }
    }
    if (hasErrors(diagnostics) || drift) return 1;
    return 0;
  } finally {
    session?.close();
  }
}

export async function runSchema(opts: { out?: string }): Promise<number> {
  const text = readFileSync(SCHEMA_PATH, 'utf8');
  if (!opts.out) {
    process.stdout.write(text);
    return 0;
  }
  try {
    writeFileSync(opts.out, text);
  } catch (e) {
    return fail(`cannot write '${opts.out}': ${ioReason(e)}`);
  }
  return 0;
}
