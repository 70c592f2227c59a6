/**
 * What the CLI commands do, apart from argument parsing: expand inputs, run the pipeline
 * for each spec, print diagnostics, then write or compare. Nothing is written unless every
 * spec compiled without errors, so a bad spec never leaves a partial output folder.
 */
import { readdir, stat, writeFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { compileFile, displayPath, type CompileResult } from './compile.js';
import { D } from './diagnostics/catalogue.js';
import { compareDiagnostics, Reporter, type Diagnostic } from './diagnostics/diagnostic.js';
import { formatGithub, workflowCommand } from './diagnostics/github.js';
import { applyStrict, coloursFor, formatText, summaryLine, toJson } from './diagnostics/format.js';
import { YamlSourceIndex } from './parse.js';
import { FilePacker, unpackFiles, type PackedFiles } from './retain.js';
import { SCHEMA_PATH } from './validate.js';
import { checkUnit, OutputError, writeUnit, type OutputUnit } from './write.js';

export interface CommonOptions {
  strict?: boolean;
  format: 'text' | 'json' | 'github';
}

export interface RunOptions extends CommonOptions {
  out: string;
  mode: 'write' | 'check' | 'validate';
}

export class UsageError extends Error {}

const SPEC_FILE = /\.ya?ml$/;

/** Files named directly, plus *.yaml / *.yml found below named folders, sorted, unique. */
export async function expandInputs(inputs: string[]): Promise<string[]> {
  const out = new Set<string>();
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules') await walk(p);
      else if (e.isFile() && SPEC_FILE.test(e.name)) out.add(p);
    }
  };
  for (const input of inputs) {
    const st = await stat(input).catch((e: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot read '${input}': ${e.code === 'ENOENT' ? 'no such file or folder' : e.message}`);
    });
    if (st.isDirectory()) await walk(input);
    else out.add(input);
  }
  if (out.size === 0) throw new UsageError(`no spec files (*.yaml, *.yml) in ${inputs.join(', ')}`);
  return [...out];
}

function fail(message: string): number {
  process.stderr.write(`kspec: ${message}\n`);
  return 2;
}

/** KS9003: two specs that would write the same folder. */
function checkDuplicateNames(results: CompileResult[]): void {
  const byName = new Map<string, CompileResult>();
  for (const r of results) {
    if (!r.name || !r.source || r.diagnostics.some((d) => d.severity === 'error')) continue;
    const other = byName.get(r.name);
    if (other) {
      const rep = new Reporter(r.source);
      rep.report(D.DuplicateName, '/metadata/name', { name: r.name, other: other.specPath });
      r.diagnostics.push(...rep.diagnostics);
    } else byName.set(r.name, r);
  }
}

/** Above this many specs, rendered files wait for writing deflated (src/retain.ts). */
const PACK_ABOVE = 32;

/**
 * Drops what a result no longer needs once it compiled (its parsed YAML document) and,
 * when `packed` is given, moves its rendered files there, deflated: a run over thousands
 * of specs then holds a few KB per spec instead of ~60 KB.
 */
function compact(r: CompileResult, packed?: { packer: FilePacker; files: Map<CompileResult, PackedFiles> }): CompileResult {
  if (r.diagnostics.some((d) => d.severity === 'error')) return r;
  if (r.source instanceof YamlSourceIndex) r.source = r.source.deferred();
  if (packed && r.files.length > 0) {
    packed.files.set(r, packed.packer.pack(r.files));
    r.files = [];
  }
  return r;
}

/**
 * Units write distinct folders (KS9003 rejects duplicate names), so a few are written at
 * once: each write is dozens of small awaited fs calls, and overlapping them hides their
 * latency (sequential writes left the process idle most of the time with 1,000 specs).
 */
const WRITE_CONCURRENCY = 8;

/**
 * Runs `fn` over `items` with at most `limit` in flight, starting them in order and
 * starting no more after a failure. Throws the failure of the lowest index: every item
 * before it was started and completes, so which error is reported does not depend on timing.
 */
async function inOrderPool<T>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  const errors = new Map<number, unknown>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (errors.size === 0 && next < items.length) {
      const i = next++;
      await fn(items[i]!, i).catch((e: unknown) => void errors.set(i, e));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (errors.size > 0) throw errors.get(Math.min(...errors.keys()));
}

export async function runCompile(inputs: string[], opts: RunOptions): Promise<number> {
  let files: string[];
  try {
    files = await expandInputs(inputs);
  } catch (e) {
    if (e instanceof UsageError) return fail(e.message);
    throw e;
  }
  const results: CompileResult[] = [];
  const packed = files.length > PACK_ABOVE ? { packer: new FilePacker(), files: new Map<CompileResult, PackedFiles>() } : undefined;
  for (const f of files) {
    try {
      results.push(compact(await compileFile(f, { outDir: opts.out, checkOnly: opts.mode === 'validate' }), packed));
    } catch (e) {
      return fail(`cannot read '${displayPath(f)}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  checkDuplicateNames(results);

  const strict = opts.strict === true;
  for (const r of results) r.diagnostics = applyStrict(r.diagnostics, strict).sort(compareDiagnostics);
  const all = results.flatMap((r) => r.diagnostics);
  const failed = all.some((d) => d.severity === 'error');

  const report: Array<{ spec: string; name?: string; status: string; files?: string[]; diff?: string }> = [];
  let drift = false;
  let outputErrors: Diagnostic[] = [];
  if (!failed && opts.mode !== 'validate') {
    const unitOf = (r: CompileResult): OutputUnit => {
      const p = packed?.files.get(r);
      return { name: r.name!, specPath: r.specPath, files: p ? unpackFiles(p) : r.files, source: r.source! };
    };
    const done: typeof report = [];
    try {
      await inOrderPool(results, WRITE_CONCURRENCY, async (r, i) => {
        const u = unitOf(r);
        if (opts.mode === 'check') {
          const c = await checkUnit(opts.out, u);
          drift ||= c.drift;
          done[i] = { spec: u.specPath, name: u.name, status: c.drift ? 'drift' : 'up-to-date', diff: c.diff };
        } else {
          const w = await writeUnit(opts.out, u);
          done[i] = {
            spec: u.specPath,
            name: u.name,
            status: `${w.written.length} written, ${w.unchanged.length} unchanged, ${w.removed.length} removed`,
            files: [...u.files.map((f) => f.path), 'kspec.lock.json'],
          };
        }
      });
    } catch (e) {
      if (e instanceof OutputError) outputErrors = e.reporter.diagnostics;
      else return fail(`cannot write to '${opts.out}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    // In unit order, up to the first unit that failed, as a sequential run reports them.
    for (let i = 0; i < results.length && done[i]; i++) report.push(done[i]!);
  }
  const diagnostics = [...all, ...outputErrors];

  if (opts.format === 'json') {
    const bySpec = new Map(report.map((x) => [x.spec, x]));
    const out = {
      specs: results.map((r) => ({
        spec: r.specPath,
        name: r.name ?? null,
        diagnostics: r.diagnostics.map(toJson),
        ...(bySpec.get(r.specPath) ?? {}),
      })),
      diagnostics: diagnostics.map(toJson),
      summary: {
        errors: diagnostics.filter((d) => d.severity === 'error').length,
        warnings: diagnostics.filter((d) => d.severity === 'warning').length,
        drift,
      },
    };
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  } else {
    const c = coloursFor(process.stderr);
    // A diagnostic may point into a base spec (extends): its result's index knows that file.
    const sources = new Map(results.map((r) => [r.specPath, r.source]));
    for (const r of results) for (const d of r.diagnostics) if (!sources.has(d.file)) sources.set(d.file, r.source);
    if (opts.format === 'github') for (const d of diagnostics) process.stdout.write(formatGithub(d) + '\n');
    else for (const d of diagnostics) process.stderr.write(formatText(d, sources.get(d.file), c) + '\n');
    for (const r of report) {
      if (opts.mode === 'check') {
        if (r.diff) process.stdout.write(r.diff);
        process.stdout.write(`${r.status === 'drift' ? 'drift' : 'up to date'}: ${r.spec} -> ${displayPath(path.join(opts.out, r.name!))}\n`);
      } else {
        process.stdout.write(`${r.spec} -> ${displayPath(path.join(opts.out, r.name!))}: ${r.status}\n`);
      }
    }
    if (opts.mode === 'validate' && !failed) for (const r of results) process.stdout.write(`${r.specPath}: valid\n`);
    if (diagnostics.length > 0) process.stderr.write(`${summaryLine(diagnostics)}\n`);
    if (drift) process.stderr.write(`generated files differ from the specs: run kspec compile to update them\n`);
    if (drift && opts.format === 'github') {
      for (const r of report.filter((x) => x.status === 'drift')) {
        const msg = `The files generated from ${r.spec} differ from ${displayPath(path.join(opts.out, r.name!))}: run kspec compile and commit the result.`;
        process.stdout.write(workflowCommand('error', { file: r.spec, title: 'kspec drift' }, msg) + '\n');
      }
    }
  }
  if (diagnostics.some((d) => d.severity === 'error') || drift) return 1;
  return 0;
}

export async function runSchema(opts: { out?: string }): Promise<number> {
  const text = await readFile(SCHEMA_PATH, 'utf8');
  if (!opts.out) {
    process.stdout.write(text);
    return 0;
  }
  try {
    await writeFile(opts.out, text);
  } catch (e) {
    return fail(`cannot write '${opts.out}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return 0;
}
