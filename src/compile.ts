/**
 * The whole pipeline, one call per stage:
 *
 *   parse (bytes -> RawSpec) -> validate (schema) -> normalize (-> Spec)
 *     -> check (common, then the target's) -> plan (target -> PlannedFile[])
 *     -> render (-> RenderedFile[])
 *
 * Writing is separate (src/write.ts) because `--check` and `kspec diff` compare instead.
 * A spec with `extends` is merged over its bases right after parsing (src/extends.ts), so
 * validate and everything after it see one document whose pointers resolve to the file
 * that supplied each value.
 * Each stage stops the pipeline on errors, so a later stage only sees what the earlier
 * ones accepted. Nothing here touches the file system except reading the spec.
 */
import path from 'node:path';
import { checkCommon } from './check.js';
import { D } from './diagnostics/catalogue.js';
import { fsReader, resolveExtends, type SpecReader } from './extends.js';
import { fileStart, hasErrors, Reporter } from './diagnostics/diagnostic.js';
import type { Diagnostic, SourceIndex } from './diagnostics/diagnostic.js';
import { normalize } from './normalize.js';
import { parseSpec } from './parse.js';
import { displayPath, outputId, specId, STDIN_ARG, STDIN_ID } from './paths.js';
import { commentText, UnsafeValueError } from './quote.js';
import { render } from './render.js';
import { describeProblem, readInside, repositoryRoot } from './specfiles.js';
import { getTarget } from './targets/index.js';
import type { CheckContext } from './targets/target.js';
import type { RenderedFile, Spec } from './types.js';
import { validate } from './validate.js';

export interface CompileOptions {
  /** The spec's path as shown in diagnostics (POSIX, relative to the cwd). */
  specPath: string;
  /** How headers and the lock name the spec (`specId` in src/paths.ts); default specPath. */
  specId?: string;
  /** Directory that relative paths inside the spec resolve against. */
  specDir: string;
  /** The command written into headers as the way to regenerate. */
  command: string;
  /** Stop after the checks (kspec validate). */
  checkOnly?: boolean;
  /** Where `extends` bases are read from (default: the working tree around specDir). */
  reader?: SpecReader;
}

export interface CompileResult {
  specPath: string;
  /** How headers and the lock name the spec: relative to the repository root (src/paths.ts). */
  specId: string;
  /** metadata.name, when the spec got far enough to have one. */
  name?: string;
  spec?: Spec;
  /** The schema-valid data before normalize (bases merged); kspec explain varies it. */
  data?: unknown;
  /** Locates pointers in the spec; absent only when the file was not text. */
  source?: SourceIndex;
  files: RenderedFile[];
  diagnostics: Diagnostic[];
}


export async function compileBytes(bytes: Uint8Array, opts: CompileOptions): Promise<CompileResult> {
  const result: CompileResult = { specPath: opts.specPath, specId: opts.specId ?? opts.specPath, files: [], diagnostics: [] };

  const parsed = parseSpec(opts.specPath, bytes);
  result.diagnostics = parsed.diagnostics;
  result.source = parsed.source;
  if (!parsed.raw || hasErrors(parsed.diagnostics)) return result;
  let data = parsed.raw.data;
  let source: SourceIndex = parsed.raw.source;
  if ((data as Record<string, unknown>).extends !== undefined) {
    const topAbs = path.join(opts.specDir, path.posix.basename(opts.specPath));
    const merged = await resolveExtends(parsed.raw, topAbs, opts.reader ?? fsReader(opts.specDir));
    result.diagnostics = [...parsed.diagnostics, ...merged.diagnostics];
    source = result.source = merged.source;
    if (merged.data === undefined || hasErrors(merged.diagnostics)) return result;
    data = merged.data;
  }
  const report = new Reporter(source);
  report.diagnostics.push(...result.diagnostics);
  result.diagnostics = report.diagnostics;

  await validate(data, report);
  if (report.hasErrors) return result;

  const spec = normalize(data);
  result.data = data;
  result.spec = spec;
  result.name = spec.metadata.name;

  const target = getTarget(spec.target.platform);
  if (!target) throw new Error(`no target registered for platform '${spec.target.platform}'`);
  const ctx: CheckContext = { specPath: opts.specPath, specDir: opts.specDir, report };
  checkCommon(spec, target, ctx, data);
  if (report.hasErrors) return result;
  target.check(spec, ctx);
  if (report.hasErrors || opts.checkOnly) return result;

  try {
    result.files = render(target.plan(spec, ctx), headerInfo(result.specId, opts.command));
  } catch (e) {
    if (!(e instanceof UnsafeValueError)) throw e;
    report.report(D.UnsafeValue, '', { value: e.value, context: e.context });
    result.files = [];
  }
  return result;
}

export { displayPath } from './paths.js';

/** A path as one shell word in the regenerate command: bare when it is plain, else single-quoted. */
export function commandWord(p: string): string {
  const s = commentText(p);
  if (s === STDIN_ARG) return s;
  if (s.startsWith('-')) return commandWord(`./${s}`); // a path, never an option
  if (/^[A-Za-z0-9._/@+=:,-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command written into every generated file's header as the way to regenerate it,
 * as run from the repository root: spec and output folder relative to it (`specId`,
 * `outputId` in src/paths.ts), so the header does not depend on the working folder.
 * One definition: kspec explain re-renders and compares line by line, so a second
 * spelling would blame the header on every spec value.
 */
export function regenerateCommand(id: string, outId: string): string {
  return `kspec compile ${commandWord(id === STDIN_ID ? STDIN_ARG : id)} -o ${commandWord(outId)}`;
}

/** What a header says: the spec id and the command, both refused if they hold a control character. */
export function headerInfo(id: string, command: string): { specPath: string; command: string } {
  return { specPath: commentText(id), command: commentText(command) };
}

export interface CompileFileOptions {
  outDir: string;
  checkOnly?: boolean;
  cwd?: string;
  /** The bytes of a spec named `-` (read from stdin by the caller). */
  stdin?: Uint8Array;
  /** The folder headers name paths from (default: `outputRoot(outDir)`, src/paths.ts). */
  root?: string;
}

/** Reads and compiles one spec file (`-`: opts.stdin). I/O errors are thrown to the caller (exit 2). */
export async function compileFile(file: string, opts: CompileFileOptions): Promise<CompileResult> {
  const cwd = opts.cwd ?? process.cwd();
  if (file === STDIN_ARG) {
    // Relative `extends` resolve from the working folder.
    const id = STDIN_ID;
    return compileBytes(opts.stdin ?? new Uint8Array(), {
      specPath: STDIN_ID,
      specId: id,
      specDir: cwd,
      command: regenerateCommand(id, outputId(opts.outDir, cwd, opts.root)),
      checkOnly: opts.checkOnly,
      reader: fsReader(cwd, cwd),
    });
  }
  const abs = path.resolve(cwd, file);
  const specPath = displayPath(abs, cwd);
  // Synchronous: one small file; the promise API's thread-pool round trips (open, fstat,
  // read, close) left a run over 1,000 specs idle a third of its time (npm run bench).
  // Read like a base (src/specfiles.ts): a regular file inside its repository, at most
  // 1 MiB of it; a FIFO is refused without waiting for a writer.
  const got = readInside(abs, repositoryRoot(path.dirname(abs)));
  if (!('bytes' in got)) {
    if (got.problem === 'too-large') {
      const d = new Reporter(fileStart(specPath)).report(D.TooLarge, '', { size: got.size, limit: got.limit });
      return { specPath, specId: specPath, files: [], diagnostics: [d] };
    }
    if (got.problem === 'missing') throw Object.assign(new Error(`no such file`), { code: 'ENOENT' });
    throw new Error(`it ${describeProblem(got)}`);
  }
  const bytes = got.bytes;
  const id = specId(abs, opts.outDir, cwd, opts.root);
  return compileBytes(bytes, {
    specPath,
    specId: id,
    specDir: path.dirname(abs),
    command: regenerateCommand(id, outputId(opts.outDir, cwd, opts.root)),
    checkOnly: opts.checkOnly,
    reader: fsReader(path.dirname(abs), cwd),
  });
}
