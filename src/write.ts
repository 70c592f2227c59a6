/**
 * Stage 6: write. Puts a compile result under `<out>/<metadata.name>/` with a manifest
 * (`kspec.lock.json`: every file and its sha256), or, with --check, compares instead and
 * returns a unified diff of the drift. Rules:
 *  - nothing is written outside the output folder: names are checked, and a symlink in
 *    the way that leads elsewhere is an error;
 *  - a write is a transaction under a lock (see writeUnit): every changed file is staged
 *    as a temp file first, so an interrupted compile leaves the previous output, and
 *    concurrent compiles into one folder take turns; unchanged files are not rewritten;
 *  - files the previous manifest listed and this compile does not produce are removed;
 *    files kspec did not write are never touched.
 */
import { createHash } from 'node:crypto';
import { lstat, mkdir, readFile, readlink, realpath, rename, rmdir, unlink, writeFile, chmod, readdir } from 'node:fs/promises';
import path from 'node:path';
import { D } from './diagnostics/catalogue.js';
import { acquireLock, clearJournal, rollForward, sweepTemps, writeJournal } from './lock.js';
import { Reporter } from './diagnostics/diagnostic.js';
import type { SourceIndex } from './diagnostics/diagnostic.js';
import { canonicalJson } from './quote.js';
import type { RenderedFile } from './types.js';

export const MANIFEST = 'kspec.lock.json';

export interface Manifest {
  generator: 'kspec';
  spec: string;
  files: Record<string, { sha256: string; mode: string }>;
}

export interface OutputUnit {
  /** metadata.name: the folder under the output root. */
  name: string;
  specPath: string;
  files: RenderedFile[];
  /** Where diagnostics about this output point (metadata.name in the spec). */
  source: SourceIndex;
}

export interface WriteOutcome {
  dir: string;
  written: string[];
  unchanged: string[];
  removed: string[];
}

export interface CheckOutcome {
  dir: string;
  drift: boolean;
  /** Unified diff, paths shown relative to the cwd; empty when there is no drift. */
  diff: string;
}

export class OutputError extends Error {
  constructor(readonly reporter: Reporter) {
    super(reporter.diagnostics.map((d) => d.message).join('\n'));
  }
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const modeText = (m: number): string => '0' + (m & 0o777).toString(8);

export function manifestFor(unit: OutputUnit): RenderedFile {
  const files: Manifest['files'] = {};
  for (const f of unit.files) files[f.path] = { sha256: sha256(f.content), mode: modeText(f.mode) };
  const m: Manifest = { generator: 'kspec', spec: unit.specPath, files };
  return { path: MANIFEST, content: canonicalJson(m), mode: 0o644 };
}

function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

async function lstatOrNull(p: string) {
  try {
    return await lstat(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

async function readOrNull(p: string): Promise<string | null> {
  try {
    return await readFile(p, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR') return null;
    throw e;
  }
}

/**
 * Resolves the unit's folder and checks every path the unit will touch: a name that
 * escapes or a symlink that leads out of the folder is reported, and nothing is written.
 */
async function resolveUnit(outRoot: string, unit: OutputUnit, extraPaths: string[]): Promise<string> {
  const report = new Reporter(unit.source);
  const root = path.resolve(outRoot);
  const dir = path.resolve(root, unit.name);
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(unit.name) || !isInside(root, dir) || dir === root) {
    report.report(D.OutputEscapes, '/metadata/name', { path: unit.name });
    throw new OutputError(report);
  }
  const realRoot = (await lstatOrNull(root)) ? await realpath(root) : root;
  const checked = new Set<string>();
  const checkChain = async (rel: string): Promise<void> => {
    let cur = dir;
    for (const seg of ['', ...rel.split('/')]) {
      cur = seg === '' ? cur : path.join(cur, seg);
      if (checked.has(cur)) continue;
      checked.add(cur);
      const st = await lstatOrNull(cur);
      if (!st?.isSymbolicLink()) continue;
      const target = await readlink(cur);
      const resolved = await realpath(cur).catch(() => path.resolve(path.dirname(cur), target));
      const bound = cur === dir ? realRoot : await realpath(dir);
      if (!isInside(bound, resolved) || cur === dir) {
        report.report(D.OutputSymlink, '/metadata/name', { path: path.relative(process.cwd(), cur) || cur, target });
      }
    }
  };
  for (const rel of [...unit.files.map((f) => f.path), MANIFEST, ...extraPaths]) {
    if (rel.split('/').includes('..') || path.isAbsolute(rel) || !isInside(dir, path.resolve(dir, rel))) {
      report.report(D.OutputEscapes, '/metadata/name', { path: rel });
      continue;
    }
    await checkChain(rel);
  }
  if (report.diagnostics.length > 0) throw new OutputError(report);
  return dir;
}

async function previousManifest(dir: string): Promise<Manifest | undefined> {
  const text = await readOrNull(path.join(dir, MANIFEST));
  if (text === null) return undefined;
  try {
    const m = JSON.parse(text) as Manifest;
    return m && typeof m.files === 'object' ? m : undefined;
  } catch {
    return undefined;
  }
}

function stalePaths(prev: Manifest | undefined, files: RenderedFile[]): string[] {
  if (!prev) return [];
  const now = new Set(files.map((f) => f.path));
  return Object.keys(prev.files)
    .filter((p) => !now.has(p) && p !== MANIFEST)
    .sort();
}

/**
 * The file operations a write uses. Tests pass failing ones to simulate a compile that is
 * interrupted part-way (a full disk, a kill) and show the previous output survives.
 */
export interface WriteIo {
  writeFile: (file: string, content: string, opts: { mode: number }) => Promise<void>;
  chmod: (file: string, mode: number) => Promise<void>;
  rename: (from: string, to: string) => Promise<void>;
}

const realIo: WriteIo = { writeFile, chmod, rename };

export interface WriteOptions {
  io?: Partial<WriteIo>;
  /** How long to wait for another compile writing the same folder (default 120 s). */
  lockWaitMs?: number;
}

/** Writes `content` to a temp file beside `file` and returns the temp file's path. */
async function stage(file: string, content: string, mode: number, io: WriteIo, madeDirs: string[]): Promise<string> {
  const made = await mkdir(path.dirname(file), { recursive: true });
  if (made) madeDirs.push(made);
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.kspec-${process.pid}-${Math.random().toString(36).slice(2)}.tmp`);
  try {
    await io.writeFile(tmp, content, { mode });
    // writeFile's mode is filtered by the umask; the manifest records the exact mode.
    await io.chmod(tmp, mode);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  return tmp;
}

/** Removes now-empty folders between `file` and `dir`. */
async function pruneEmpty(dir: string, file: string): Promise<void> {
  let cur = path.dirname(file);
  while (cur !== dir && isInside(dir, cur)) {
    const entries = await readdir(cur).catch(() => null);
    if (!entries || entries.length > 0) return;
    await rmdir(cur).catch(() => undefined);
    cur = path.dirname(cur);
  }
}

/**
 * Writes one unit as a transaction (design in ARCHITECTURE.md, "Writing"):
 *  1. take the output lock (src/lock.ts), so concurrent compiles into the folder take
 *     turns, and finish a commit a killed compile left half done;
 *  2. stage: every changed file is written in full to a temp file beside its target. A
 *     failure here removes the temp files and leaves the previous output as it was;
 *  3. commit: a journal lists the renames, then each temp file is renamed over its target
 *     (the manifest last) and stale files are removed; then the journal is deleted.
 */
export async function writeUnit(outRoot: string, unit: OutputUnit, opts: WriteOptions = {}): Promise<WriteOutcome> {
  const io: WriteIo = { ...realIo, ...opts.io };
  const root = path.resolve(outRoot);
  // Check the paths before creating anything, so a refused output leaves no trace.
  const before = await previousManifest(path.resolve(root, unit.name)).catch(() => undefined);
  await resolveUnit(outRoot, unit, stalePaths(before, unit.files));
  await mkdir(root, { recursive: true });
  const release = await acquireLock(root, unit.name, opts.lockWaitMs);
  try {
    await rollForward(root, unit.name);
    // Again under the lock: another compile may have changed the folder meanwhile.
    const prev = await previousManifest(path.resolve(root, unit.name)).catch(() => undefined);
    const stale = stalePaths(prev, unit.files);
    const dir = await resolveUnit(outRoot, unit, stale);
    await sweepTemps(unit.files.map((f) => path.dirname(path.join(dir, f.path))).concat(dir));
    const outcome: WriteOutcome = { dir, written: [], unchanged: [], removed: [] };

    const staged: Array<[string, string]> = [];
    const madeDirs: string[] = [];
    try {
      for (const f of [...unit.files, manifestFor(unit)]) {
        const target = path.join(dir, f.path);
        const [old, st] = await Promise.all([readOrNull(target), lstatOrNull(target)]);
        if (old === f.content && st && (st.mode & 0o777) === f.mode) {
          outcome.unchanged.push(f.path);
          continue;
        }
        staged.push([await stage(target, f.content, f.mode, io, madeDirs), target]);
        outcome.written.push(f.path);
      }
    } catch (e) {
      for (const [tmp] of staged) await unlink(tmp).catch(() => undefined);
      for (const d of madeDirs.reverse()) await rmEmptyTree(d);
      throw e;
    }

    const removals: string[] = [];
    for (const rel of stale) {
      const st = await lstatOrNull(path.join(dir, rel));
      if (st?.isFile()) removals.push(rel);
    }
    await writeJournal(root, unit.name, { renames: staged, remove: removals.map((r) => path.join(dir, r)) });
    for (const [tmp, target] of staged) await io.rename(tmp, target);
    for (const rel of removals) {
      const target = path.join(dir, rel);
      await unlink(target).catch(() => undefined);
      await pruneEmpty(dir, target);
      outcome.removed.push(rel);
    }
    await clearJournal(root, unit.name);
    return outcome;
  } finally {
    await release();
  }
}

/** Removes `d` and the empty folders below it that a failed stage created. */
async function rmEmptyTree(d: string): Promise<void> {
  const entries = await readdir(d, { withFileTypes: true }).catch(() => null);
  if (!entries) return;
  for (const e of entries) if (e.isDirectory()) await rmEmptyTree(path.join(d, e.name));
  await rmdir(d).catch(() => undefined);
}

export async function checkUnit(outRoot: string, unit: OutputUnit, cwd = process.cwd()): Promise<CheckOutcome> {
  const { createTwoFilesPatch } = await import('diff');
  const root = path.resolve(outRoot);
  const prev = await previousManifest(path.resolve(root, unit.name)).catch(() => undefined);
  const stale = stalePaths(prev, unit.files);
  const dir = await resolveUnit(outRoot, unit, stale);
  const show = (rel: string): string => path.relative(cwd, path.join(dir, rel)).split(path.sep).join('/');
  const parts: string[] = [];
  for (const f of [...unit.files, manifestFor(unit)]) {
    const target = path.join(dir, f.path);
    const old = await readOrNull(target);
    if (old === null) {
      parts.push(createTwoFilesPatch('/dev/null', `b/${show(f.path)}`, '', f.content));
      continue;
    }
    if (old !== f.content) parts.push(createTwoFilesPatch(`a/${show(f.path)}`, `b/${show(f.path)}`, old, f.content));
    const st = await lstatOrNull(target);
    if (st && (st.mode & 0o777) !== f.mode) {
      parts.push(`mode change ${show(f.path)}: ${modeText(st.mode)} => ${modeText(f.mode)}\n`);
    }
  }
  for (const rel of stale) {
    const old = await readOrNull(path.join(dir, rel));
    if (old !== null) parts.push(createTwoFilesPatch(`a/${show(rel)}`, '/dev/null', old, ''));
  }
  const diff = parts.map((p) => p.replace(/^=+\n/, '')).join('');
  return { dir, drift: parts.length > 0, diff };
}
