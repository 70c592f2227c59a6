/**
 * `kspec diff [--base <ref>] [<spec-or-dir>...]`: what a change to the specs does to the
 * generated files. Both sides are compiled in memory: the working tree as it is, and the
 * ref read with `git show <ref>:<path>` (no checkout, so a dirty tree is fine), bases
 * named by `extends` included. Output: a summary in words per spec, then the unified
 * diff of the generated files. Exit 0 no changes, 1 changes, 2 errors.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { compileBytes, compileFile, displayPath, regenerateCommand, type CompileResult } from '../compile.js';
import { fail, ioReason } from '../commands.js';
import { classify, discoverSpecs, Excluder, printSkipped, skippedFolder, SPEC_FILE, UsageError, type Discovery } from '../discover.js';
import { MAX_SPEC_BYTES } from '../parse.js';
import { compareDiagnostics, hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import { counts, formatDiagnostics, printDiagnostics, summaryLine, toJsonList } from '../diagnostics/format.js';
import { repositoryRoot, type SpecReader } from '../extends.js';
import { outputId, refusedPath, specId, toPosix } from '../paths.js';
import { MAX_READ_BYTES } from '../specfiles.js';
import { describeChanges, fileDiff, markdownReport, type SpecChange } from '../diffsummary.js';

export interface DiffOptions {
  base: string;
  out: string;
  format: 'text' | 'json' | 'github' | 'sarif' | 'markdown';
  /** gitignore-style patterns left out of folder searches (src/discover.ts). */
  exclude?: string[];
  /** List the files the search skipped (in the working tree), and why. */
  verbose?: boolean;
}


function git(cwd: string, args: string[], maxBuffer = 64 * 1024 * 1024): { ok: boolean; out: Buffer; err: string; tooLarge: boolean } {
  const r = spawnSync('git', args, { cwd, maxBuffer });
  const tooLarge = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOBUFS';
  return { ok: r.status === 0, out: r.stdout ?? Buffer.alloc(0), err: r.stderr?.toString() ?? String(r.error), tooLarge };
}


/** Reads files as they were at `ref`; the root is the repository, as in the working tree. */
export function gitReader(ref: string, top: string, cwd = process.cwd()): SpecReader {
  return {
    root: () => top,
    read: async (abs) => {
      // At most the size limit plus one byte: git is stopped past it (src/specfiles.ts).
      const r = git(top, ['show', `${ref}:${toPosix(path.relative(top, abs))}`], MAX_READ_BYTES + 1);
      if (r.out.length > MAX_READ_BYTES || r.tooLarge) return { problem: 'too-large', size: Math.max(r.out.length, MAX_READ_BYTES + 1), limit: MAX_READ_BYTES };
      return r.ok ? { bytes: r.out } : { problem: 'missing' };
    },
    display: (abs) => displayPath(abs, cwd),
  };
}

/**
 * The specs at `ref` below the inputs (files or folders, relative to the cwd), found as in
 * the working tree (src/discover.ts): blobs only (no symlinks), hidden folders,
 * node_modules and the output folder left out, the same exclusions, then sniffed.
 */
async function specsAtRef(ref: string, top: string, inputs: string[], opts: DiffOptions, cwd: string): Promise<Discovery> {
  const specs = inputs.map((i) => toPosix(path.relative(top, path.resolve(i))) || '.');
  const r = git(top, ['ls-tree', '-r', '-z', '--full-tree', ref, '--', ...specs]);
  if (!r.ok) throw new UsageError(`git ls-tree ${ref} failed: ${r.err.trim()}`);
  const outRel = toPosix(path.relative(top, path.resolve(cwd, opts.out)));
  const excluder = new Excluder(opts.exclude ?? [], cwd);
  const reader = gitReader(ref, top, cwd);
  const candidates: Array<{ abs: string; explicit: boolean }> = [];
  for (const entry of r.out.toString('utf8').split('\0')) {
    const m = /^(\d+) blob [0-9a-f]+\t(.*)$/s.exec(entry);
    if (!m || m[1] === '120000' || !SPEC_FILE.test(m[2]!)) continue;
    const rel = m[2]!;
    const dirs = rel.split('/').slice(0, -1);
    if (dirs.some(skippedFolder) || rel === outRel || rel.startsWith(outRel + '/')) continue;
    const abs = path.join(top, rel);
    if (excluder.reason(abs, false, top) !== undefined) continue;
    if (dirs.some((_, i) => excluder.reason(path.join(top, ...dirs.slice(0, i + 1)), true, top) !== undefined)) continue;
    candidates.push({ abs, explicit: specs.includes(rel) });
  }
  return classify(
    candidates,
    {
      root: () => top,
      async read(abs) {
        const got = await reader.read(abs);
        return 'bytes' in got ? { bytes: got.bytes.subarray(0, MAX_SPEC_BYTES) } : { reason: 'missing' };
      },
    },
    (abs) => displayPath(abs, cwd),
  );
}

async function workingSpecs(inputs: string[], opts: DiffOptions): Promise<Discovery> {
  const present = inputs.filter((i) => existsSync(i));
  if (present.length === 0) return { specs: [], skipped: [] };
  const found = await discoverSpecs(present, { out: opts.out, exclude: opts.exclude });
  return { specs: found.specs.map((f) => path.resolve(f)), skipped: found.skipped };
}

export async function runDiff(inputs: string[], opts: DiffOptions): Promise<number> {
  const cwd = process.cwd();
  const top = repositoryRoot(cwd);
  if (!git(top, ['rev-parse', '--verify', '--quiet', `${opts.base}^{commit}`]).ok) {
    return fail(`'${opts.base}' is not a commit in ${displayPath(top)}: name a branch, tag or commit with --base`);
  }
  if (inputs.length === 0) inputs = ['.'];
  let now: string[], then: string[];
  try {
    const [atWork, atRef] = [await workingSpecs(inputs, opts), await specsAtRef(opts.base, top, inputs, opts, cwd)];
    if (opts.verbose) printSkipped(atWork.skipped);
    [now, then] = [atWork.specs, atRef.specs];
  } catch (e) {
    if (e instanceof UsageError) return fail(e.message);
    throw e;
  }
  const all = [...new Set([...now, ...then])].sort();
  if (all.length === 0) return fail(`no specs (YAML with apiVersion: kspec.dev/v1alpha1 and kind: KernelSpec) in ${inputs.join(', ')}, now or at ${opts.base}`);

  // As compile does: a name with a control character would break headers and CI logs.
  const refused =
    refusedPath('output folder', opts.out, outputId(opts.out, cwd)) ??
    all.map((abs) => refusedPath('spec', displayPath(abs, cwd), specId(abs, opts.out, cwd))).find((x) => x !== undefined);
  if (refused !== undefined) return fail(refused);
  const reader = gitReader(opts.base, top, cwd);
  const changes: SpecChange[] = [];
  const diagnostics: Diagnostic[] = [];
  const sources = new Map<string, CompileResult['source']>();
  for (const abs of all) {
    const specPath = displayPath(abs, cwd);
    const id = specId(abs, opts.out, cwd);
    const command = regenerateCommand(id, outputId(opts.out, cwd));
    let after: CompileResult | undefined;
    let before: CompileResult | undefined;
    try {
      if (now.includes(abs)) after = await compileFile(abs, { outDir: opts.out, cwd });
    } catch (e) {
      return fail(`cannot read '${specPath}': ${ioReason(e)}`);
    }
    if (then.includes(abs)) {
      const got = await reader.read(abs);
      if ('bytes' in got) {
        before = await compileBytes(got.bytes, { specPath, specId: id, specDir: path.dirname(abs), command, reader });
        // The old side's diagnostics name the ref, so they are not mistaken for today's.
        for (const d of before.diagnostics) d.file = `${opts.base}:${d.file}`;
      }
    }
    for (const r of [after, before]) {
      if (!r) continue;
      diagnostics.push(...r.diagnostics);
      for (const d of r.diagnostics) if (!sources.has(d.file)) sources.set(d.file, r.source);
    }
    changes.push(describeChanges(specPath, before, after));
  }
  diagnostics.sort(compareDiagnostics);
  const failed = hasErrors(diagnostics);
  const outRel = displayPath(opts.out, cwd);
  const diffs = failed ? [] : changes.map((c) => fileDiff(c, outRel));
  const changed = changes.some((c) => c.status !== 'unchanged');

  if (opts.format === 'json') {
    const out = {
      base: opts.base,
      specs: changes.map((c, i) => ({ spec: c.spec, name: c.name ?? null, status: c.status, summary: c.summary, diff: diffs[i] ?? '' })),
      diagnostics: toJsonList(diagnostics),
      summary: { ...counts(diagnostics), changed },
    };
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  } else if (opts.format === 'markdown') {
    // For $GITHUB_STEP_SUMMARY or a pull-request comment; diagnostics also go to stderr.
    process.stdout.write(markdownReport({ base: opts.base, changes, diffs, diagnostics: failed ? formatDiagnostics(diagnostics, 'text', (file) => sources.get(file)) : '', summary: summaryLine(diagnostics) }));
    if (diagnostics.length > 0) process.stderr.write(formatDiagnostics(diagnostics, 'text', (file) => sources.get(file)) + summaryLine(diagnostics) + '\n');
  } else {
    printDiagnostics(diagnostics, opts.format, (file) => sources.get(file));
    if (diagnostics.length > 0) process.stderr.write(summaryLine(diagnostics) + '\n');
    // With --format sarif, stdout is the SARIF log only.
    const human = opts.format === 'sarif' ? process.stderr : process.stdout;
    if (!failed) {
      for (const c of changes) {
        human.write(`${c.spec}${c.name ? ` (${c.name})` : ''}: ${c.status}\n`);
        for (const line of c.summary) human.write(`  ${line}\n`);
      }
      const text = diffs.join('');
      if (text) human.write('\n' + text);
    }
  }
  if (failed) return 2;
  return changed ? 1 : 0;
}
