/**
 * kspec's library API: `import { compile, validate } from 'kspec'`. The package's
 * `exports` point here (bundled by scripts/build.mjs into dist/kspec-api.mjs, typed by
 * dist/api.d.ts). Each call runs the pipeline of src/compile.ts on one spec, given as text
 * or as a path, and returns the files it would write and its diagnostics: nothing is
 * written, nothing printed. The CLI runs every spec through `compileSpec` below, so the
 * library and `kspec compile`/`kspec validate` cannot disagree.
 */
import path from 'node:path';
import { compileBytes, compileFile, regenerateCommand, type CompileResult } from './compile.js';
import { compareDiagnostics, hasErrors } from './diagnostics/diagnostic.js';
import type { Diagnostic, Severity, SourceLocation } from './diagnostics/diagnostic.js';
import { applyStrict } from './diagnostics/format.js';
import { fsReader } from './extends.js';
import { displayPath, outputId, specId } from './paths.js';
import type { RenderedFile } from './types.js';

export type { Diagnostic, Severity, SourceLocation, RenderedFile };

/**
 * The spec to compile: a file (`{ path }`, read from disk), or text (`{ text }`, with an
 * optional `path` that names it in diagnostics and headers and places its `extends` bases).
 */
export type SpecInput = { path: string; text?: undefined } | { text: string | Uint8Array; path?: string };

export interface Options {
  /**
   * The output folder named in each generated file's header (`kspec compile <spec> -o
   * <outDir>`); nothing is written there. Default `out`.
   */
  outDir?: string;
  /** Warnings become errors, as with `--strict`. */
  strict?: boolean;
  /** Paths are read and shown relative to this folder. Default `process.cwd()`. */
  cwd?: string;
}

export interface ValidateResult {
  /** The spec's path as diagnostics show it (POSIX, relative to `cwd`). */
  specPath: string;
  /** `metadata.name`, when the spec got far enough to have one. */
  name?: string;
  /** Sorted by file, line, column and code. */
  diagnostics: Diagnostic[];
  /** No error among the diagnostics. */
  ok: boolean;
}

export interface CompileOutput extends ValidateResult {
  /**
   * The generated files, paths relative to `<outDir>/<name>/`; empty when `ok` is false.
   * `mode` is the file mode kspec writes them with (0o755 for scripts).
   */
  files: RenderedFile[];
}

/** Where a spec given as text stands when it has no path. */
const TEXT_NAME = 'spec.yaml';

/**
 * One spec through the pipeline, with everything the CLI needs of it (its parsed source
 * for code frames, the normalized spec for `kspec explain`). Internal: the public calls
 * below return a plain subset. Reading a file may throw (the CLI exits 2).
 * @internal (left out of dist/api.d.ts: its types reach the YAML parser's)
 */
export async function compileSpec(input: SpecInput, opts: Options & { checkOnly?: boolean; stdin?: Uint8Array } = {}): Promise<CompileResult> {
  const cwd = opts.cwd ?? process.cwd();
  const outDir = opts.outDir ?? 'out';
  // `-` is standard input for the CLI (its bytes in opts.stdin), as for compileFile.
  if (input.text === undefined) return compileFile(input.path, { outDir, checkOnly: opts.checkOnly, cwd, stdin: opts.stdin });
  const abs = path.resolve(cwd, input.path ?? TEXT_NAME);
  const id = specId(abs, outDir, cwd);
  return compileBytes(typeof input.text === 'string' ? Buffer.from(input.text, 'utf8') : input.text, {
    specPath: displayPath(abs, cwd),
    specId: id,
    specDir: path.dirname(abs),
    command: regenerateCommand(id, outputId(outDir, cwd)),
    checkOnly: opts.checkOnly,
    reader: fsReader(path.dirname(abs), cwd),
  });
}

function publicResult(r: CompileResult, strict: boolean): ValidateResult {
  const diagnostics = applyStrict(r.diagnostics, strict).sort(compareDiagnostics);
  return { specPath: r.specPath, ...(r.name === undefined ? {} : { name: r.name }), diagnostics, ok: !hasErrors(diagnostics) };
}

/**
 * Compiles one spec: its generated files and its diagnostics, as `kspec compile` would
 * write and print them. Writes nothing.
 *
 * @example
 * const r = await compile({ path: 'specs/bootc-cachyos.yaml' });
 * if (!r.ok) for (const d of r.diagnostics) console.error(`${d.file}:${d.line}:${d.column} ${d.code} ${d.message}`);
 * else for (const f of r.files) console.log(`out/${r.name}/${f.path}`);
 */
export async function compile(input: SpecInput, opts: Options = {}): Promise<CompileOutput> {
  const r = await compileSpec(input, opts);
  const out = publicResult(r, opts.strict === true);
  return { ...out, files: out.ok ? r.files.map((f) => ({ path: f.path, content: f.content, mode: f.mode })) : [] };
}

/** Checks one spec as `kspec validate` does (schema and every check), without rendering. */
export async function validate(input: SpecInput, opts: Options = {}): Promise<ValidateResult> {
  return publicResult(await compileSpec(input, { ...opts, checkOnly: true }), opts.strict === true);
}
