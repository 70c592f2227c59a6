/**
 * `kspec workflow <spec-or-dir>... -o .github/workflows/<file>.yml`: compiles the specs
 * (in memory, as `kspec compile` would) and writes one GitHub Actions workflow for them
 * (src/workflow.ts). `--check` compares instead: exit 1 with a unified diff when the file
 * differs, 0 when it is the same. Steps the workflow leaves out are KS9023 warnings at
 * the spec line that explains them.
 *
 * The file is written like kspec's other output: only inside the repository (the git top
 * level, else the working folder), never through a symlink (the file or a folder on the
 * way), never over something that is not a regular file, by a rename of a new file.
 *
 * Exit codes: 0 written or up to date, 1 errors in a spec (or warnings with --strict), or
 * a difference with --check, 2 a usage or I/O error.
 */
import { closeSync, constants, lstatSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { fail, ioReason, UsageError } from '../commands.js';
import { commandWord, compileFile, type CompileResult } from '../compile.js';
import { discoverSpecs } from '../discover.js';
import { D } from '../diagnostics/catalogue.js';
import { compareDiagnostics, hasErrors, Reporter, type Diagnostic, type SourceIndex } from '../diagnostics/diagnostic.js';
import { applyStrict, printDiagnostics, summaryLine } from '../diagnostics/format.js';
import { displayPath, outputId, outputRoot, refusedPath, specId } from '../paths.js';
import { UnsafeValueError } from '../quote.js';
import { readBounded } from '../write.js';
import { buildWorkflow, type WorkflowUnit } from '../workflow.js';

export interface WorkflowCommandOptions {
  output: string;
  outDir: string;
  branch: string;
  cron: string;
  check?: boolean;
  strict?: boolean;
  format: 'text' | 'github';
}

const MAX_WORKFLOW_BYTES = 4 << 20;
const BRANCH = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/;
/** Five cron fields of digits, `*`, `/`, `,` and `-` (GitHub's schedule syntax). */
const CRON = /^[0-9*/,-]+( [0-9*/,-]+){4}$/;

/** A path as a regenerate word: one starting with '-' is written './-…' so it is never an option. */
const asPath = (p: string): string => (p.startsWith('-') ? `./${p}` : p);

/** The repository-relative id of a path, refused when it is outside the root. */
function inside(p: string, outDir: string, what: string): string {
  const id = specId(p, outDir);
  if (id === '..' || id.startsWith('../') || path.isAbsolute(id)) throw new UsageError(`${what} '${p}' is outside the repository (${outputRoot(outDir)})`);
  return id;
}

/** Refuses a symlink or a non-folder on the way to `file` from `root`. */
function checkWay(file: string, root: string): void {
  const rel = path.relative(root, file);
  let cur = root;
  const parts = rel.split(path.sep);
  for (const [i, part] of parts.entries()) {
    cur = path.join(cur, part);
    let st;
    try {
      st = lstatSync(cur);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    if (st.isSymbolicLink()) throw new UsageError(`cannot write '${displayPath(file)}': '${displayPath(cur)}' is a symlink`);
    const last = i === parts.length - 1;
    if (!last && !st.isDirectory()) throw new UsageError(`cannot write '${displayPath(file)}': '${displayPath(cur)}' is not a folder`);
    if (last && !st.isFile()) throw new UsageError(`cannot write '${displayPath(file)}': it is not a regular file`);
  }
}

function writeFileSafely(file: string, root: string, text: string): boolean {
  checkWay(file, root);
  const old = readBounded(file, MAX_WORKFLOW_BYTES);
  if ('bytes' in old && old.bytes.toString('utf8') === text) return false;
  mkdirSync(path.dirname(file), { recursive: true });
  checkWay(file, root);
  const tmp = path.join(path.dirname(file), `.kspec-workflow-${process.pid}-${Date.now().toString(36)}`);
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o644);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, file);
  } catch (e) {
    unlinkSync(tmp);
    throw e;
  }
  return true;
}

export async function runWorkflow(inputs: string[], opts: WorkflowCommandOptions): Promise<number> {
  const toStdout = opts.output === '-';
  let files: string[];
  let fileId = '-';
  let inputIds: string[];
  let outId: string;
  try {
    if (!BRANCH.test(opts.branch) || opts.branch.includes('..')) throw new UsageError(`--branch is a branch name (letters, digits, '.', '_', '/', '-'), not '${opts.branch}'`);
    if (!CRON.test(opts.cron)) throw new UsageError(`--cron is five cron fields such as '17 5 * * *', not '${opts.cron}'`);
    if (inputs.includes('-')) throw new UsageError('kspec workflow reads spec files and folders, not standard input');
    if (toStdout && opts.check) throw new UsageError('--check compares with a file: give -o <file>');
    const refused = refusedPath('output folder', opts.outDir, outputId(opts.outDir)) ?? (toStdout ? undefined : refusedPath('spec', opts.output, specId(opts.output, opts.outDir)));
    if (refused) throw new UsageError(refused);
    outId = outputId(opts.outDir);
    if (!toStdout) fileId = inside(opts.output, opts.outDir, 'the workflow file');
    inputIds = inputs.map((i) => inside(i, opts.outDir, 'the input'));
    const found = await discoverSpecs(inputs, { out: opts.outDir });
    files = found.specs;
    if (files.length === 0) throw new UsageError(`no specs (YAML with apiVersion: kspec.dev/v1alpha1 and kind: KernelSpec) in ${inputs.join(', ')}`);
    const bad = files.map((f) => refusedPath('spec', displayPath(f), specId(f, opts.outDir))).find((x) => x !== undefined);
    if (bad) throw new UsageError(bad);
  } catch (e) {
    if (e instanceof UsageError) return fail(e.message);
    throw e;
  }

  const results: CompileResult[] = [];
  const sources = new Map<string, SourceIndex | undefined>();
  let diagnostics: Diagnostic[] = [];
  for (const f of files) {
    let r: CompileResult;
    try {
      r = await compileFile(f, { outDir: opts.outDir });
    } catch (e) {
      return fail(`cannot read '${displayPath(f)}': ${ioReason(e)}`);
    }
    results.push(r);
    sources.set(r.specPath, r.source);
    for (const d of r.diagnostics) if (!sources.has(d.file)) sources.set(d.file, r.source);
    diagnostics.push(...r.diagnostics);
  }
  const units: WorkflowUnit[] = [];
  if (!hasErrors(diagnostics)) {
    for (const r of results) units.push({ spec: r.specId, dir: `${outId}/${r.name!}`, parsed: r.spec!, files: r.files.map((f) => f.path) });
  }

  let text: string | undefined;
  if (!hasErrors(diagnostics)) {
    const regenerate = ['workflow', ...inputIds.map(asPath), '-o', toStdout ? '-' : asPath(fileId)];
    if (outId !== 'out') regenerate.push('--out-dir', asPath(outId));
    if (opts.branch !== 'main') regenerate.push('--branch', opts.branch);
    if (opts.cron !== DEFAULT_CRON) regenerate.push('--cron', opts.cron);
    try {
      const built = buildWorkflow(units, { inputs: inputIds, out: outId, file: fileId, branch: opts.branch, cron: opts.cron, regenerate, headerWord: commandWord });
      text = built.text;
      for (const o of built.omissions) {
        const r = results.find((x) => x.specId === o.spec)!;
        const rep = new Reporter(r.source!);
        rep.report(D.WorkflowOmits, o.pointer, { step: o.step, reason: o.reason, fix: o.fix }, o.pointer === '/target' || o.pointer === '/provider' ? 'key' : undefined);
        diagnostics.push(...rep.diagnostics);
      }
    } catch (e) {
      if (!(e instanceof UnsafeValueError)) throw e;
      return fail(`cannot write the workflow: ${e.message}`);
    }
  }
  diagnostics = applyStrict(diagnostics, opts.strict === true).sort(compareDiagnostics);
  printDiagnostics(diagnostics, opts.format, (file) => sources.get(file));
  if (opts.format === 'text' && diagnostics.length > 0) process.stderr.write(`${summaryLine(diagnostics)}\n`);
  if (hasErrors(diagnostics) || text === undefined) return 1;

  if (toStdout) {
    process.stdout.write(text);
    return 0;
  }
  const root = outputRoot(opts.outDir);
  const abs = path.join(root, fileId);
  try {
    if (opts.check) {
      checkWay(abs, root);
      const old = readBounded(abs, MAX_WORKFLOW_BYTES);
      const current = 'bytes' in old ? old.bytes.toString('utf8') : null;
      if (current === text) return 0;
      if ('not' in old && old.not !== 'missing') throw new UsageError(`cannot compare '${displayPath(abs)}': it is ${old.not === 'symlink' ? 'a symlink' : old.not === 'too-large' ? 'larger than 4 MiB' : 'not a regular file'}`);
      const { createTwoFilesPatch } = await import('diff');
      const shown = displayPath(abs);
      process.stdout.write(createTwoFilesPatch(current === null ? '/dev/null' : `a/${shown}`, `b/${shown}`, current ?? '', text));
      process.stderr.write(`kspec: ${shown} differs from what the specs produce: run ${['kspec', ...regenerateWords(inputIds, fileId, outId, opts)].join(' ')}\n`);
      return 1;
    }
    const changed = writeFileSafely(abs, root, text);
    if (opts.format === 'text') process.stderr.write(`${displayPath(abs)}: ${changed ? 'written' : 'unchanged'} (${units.length} spec${units.length === 1 ? '' : 's'})\n`);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) return fail(e.message);
    return fail(`cannot write '${displayPath(abs)}': ${ioReason(e)}`);
  }
}

export const DEFAULT_CRON = '17 5 * * *';

function regenerateWords(inputIds: string[], fileId: string, outId: string, opts: WorkflowCommandOptions): string[] {
  const w = ['workflow', ...inputIds.map((i) => commandWord(asPath(i))), '-o', commandWord(asPath(fileId))];
  if (outId !== 'out') w.push('--out-dir', commandWord(asPath(outId)));
  if (opts.branch !== 'main') w.push('--branch', opts.branch);
  if (opts.cron !== DEFAULT_CRON) w.push('--cron', `'${opts.cron}'`);
  return w;
}
