/**
 * Stage 6: write. Puts a compile result under `<out>/<metadata.name>/` with a manifest
 * (`kspec.lock.json`: every file and its sha256), or, with --check, compares instead and
 * returns a unified diff of the drift. Rules:
 *  - nothing is written outside the output folder: names are checked, and a symlink in
 *    the way that leads elsewhere is an error;
 *  - a run stages every unit first (OutputSession.stage: the files, written whole into a
 *    private staging folder in the output root), then commits them one by one under a
 *    lock (OutputSession.commit): an interrupted compile leaves the previous output, and
 *    concurrent compiles into one folder take turns; unchanged files are not rewritten;
 *  - files the previous manifest listed and this compile does not produce are removed;
 *    files kspec did not write are never touched.
 * Design and the reasons for it: ARCHITECTURE.md, "Writing".
 *
 * The file system calls here are synchronous on purpose: a unit is a handful of small
 * files, and the promise API's thread-pool round trip per call cost more than the calls
 * themselves (a run over 1,000 specs spent most of its time waiting: npm run bench).
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmdirSync,
  rmSync,
  unlinkSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import path from 'node:path';
import { D } from './diagnostics/catalogue.js';
import { acquireLock, alive, clearJournal, journalPath, rollForward, stageName, stagePid, writeJournal } from './lock.js';
import { Reporter } from './diagnostics/diagnostic.js';
import type { SourceIndex } from './diagnostics/diagnostic.js';
import { toPosix } from './paths.js';
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

const sha256 = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');
const modeText = (m: number): string => '0' + (m & 0o777).toString(8);

export function manifestFor(unit: OutputUnit, hashes: string[] = unit.files.map((f) => sha256(f.content))): RenderedFile {
  const files: Manifest['files'] = {};
  unit.files.forEach((f, i) => (files[f.path] = { sha256: hashes[i]!, mode: modeText(f.mode) }));
  const m: Manifest = { generator: 'kspec', spec: unit.specPath, files };
  return { path: MANIFEST, content: canonicalJson(m), mode: 0o644 };
}

function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

const lstatOrNull = (p: string): Stats | null => lstatSync(p, { throwIfNoEntry: false }) ?? null;

function readOrNull(p: string): Buffer | null {
  try {
    return readFileSync(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return null;
    throw e;
  }
}

const UNIT_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * A relative path that stays inside its folder, by its text: POSIX segments, none empty,
 * `.` or `..`, no backslash or NUL. (Cheaper than resolving it, and stricter.)
 */
function isContainedPath(rel: string): boolean {
  if (rel === '' || rel.startsWith('/') || rel.includes('\\') || rel.includes('\0')) return false;
  for (const seg of rel.split('/')) if (seg === '' || seg === '.' || seg === '..') return false;
  return true;
}

/** Reports names that escape the unit's folder (no file system access). */
function checkNames(root: string, name: string, paths: readonly string[], report: Reporter): string {
  if (!UNIT_NAME.test(name)) {
    report.report(D.OutputEscapes, '/metadata/name', { path: name });
    throw new OutputError(report);
  }
  for (const rel of paths) if (!isContainedPath(rel)) report.report(D.OutputEscapes, '/metadata/name', { path: rel });
  if (report.diagnostics.length > 0) throw new OutputError(report);
  return path.join(root, name);
}

/** The paths a unit's write touches, relative to its folder: its files, the manifest, stale files. */
const touched = (files: readonly { path: string }[], stale: string[]): string[] => [...files.map((f) => f.path), MANIFEST, ...stale];

/**
 * Resolves the unit's folder and checks every path the write will touch (`paths`,
 * relative to it): a name that escapes or a symlink that leads out of the folder is
 * reported, and nothing is written. A path whose folder does not exist has nothing
 * further to check.
 */
function resolveUnit(root: string, name: string, source: SourceIndex, paths: readonly string[]): string {
  const report = new Reporter(source);
  const dir = checkNames(root, name, paths, report);
  const checked = new Map<string, boolean>();
  let realRoot: string | undefined;
  /** Checks `cur`; false when it does not exist (so nothing below it does). */
  const checkOne = (cur: string): boolean => {
    const known = checked.get(cur);
    if (known !== undefined) return known;
    const st = lstatOrNull(cur);
    checked.set(cur, st !== null);
    if (!st?.isSymbolicLink()) return st !== null;
    const target = readlinkSync(cur);
    let resolved: string;
    try {
      resolved = realpathSync(cur);
    } catch {
      resolved = path.resolve(path.dirname(cur), target);
    }
    realRoot ??= lstatOrNull(root) ? realpathSync(root) : root;
    const bound = cur === dir ? realRoot : realpathSync(dir);
    if (!isInside(bound, resolved) || cur === dir) {
      report.report(D.OutputSymlink, '/metadata/name', { path: path.relative(process.cwd(), cur) || cur, target });
    }
    return true;
  };
  if (checkOne(dir)) {
    for (const rel of paths) {
      let cur = dir;
      for (const seg of rel.split('/')) {
        cur = `${cur}/${seg}`;
        if (!checkOne(cur)) break;
      }
    }
  }
  if (report.diagnostics.length > 0) throw new OutputError(report);
  return dir;
}

/** The folder's manifest, or undefined when it has none that can be read and parsed. */
function previousManifest(dir: string): Manifest | undefined {
  try {
    const m = JSON.parse(readFileSync(path.join(dir, MANIFEST), 'utf8')) as Manifest;
    return m && typeof m.files === 'object' ? m : undefined;
  } catch {
    return undefined;
  }
}

function stalePaths(prev: Manifest | undefined, files: readonly { path: string }[]): string[] {
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
  writeFile: (file: string, content: string, opts: { mode: number }) => void | Promise<void>;
  chmod: (file: string, mode: number) => void | Promise<void>;
  rename: (from: string, to: string) => void | Promise<void>;
}

const realIo: WriteIo = { writeFile: writeFileSync, chmod: chmodSync, rename: renameSync };

export interface WriteOptions {
  io?: Partial<WriteIo>;
  /** How long to wait for another compile writing the same folder (default 120 s). */
  lockWaitMs?: number;
}

/** A unit whose files are complete on disk in the staging folder, waiting for its commit. */
export interface StagedUnit {
  name: string;
  specPath: string;
  source: SourceIndex;
  /** The staged copy of the unit's folder. */
  stagedDir: string;
  /** Every file, the manifest last, with what it must be. */
  files: Array<{ path: string; sha256: string; mode: number }>;
}

/** The process's umask, to know when a created file's mode needs a chmod. */
let umaskCache: number | undefined;
const umask = (): number => (umaskCache ??= process.umask());

/**
 * One run's writes into an output root:
 *  1. `stage(unit)` for every unit, as each compiles: its files are written whole into
 *     `<out>/.kspec-stage-<pid>-<random>/<name>/` (in the output root, so a commit is a
 *     rename on the same file system). Nothing the user sees has changed yet;
 *  2. `commit(staged)` for each, once every spec compiled: under the unit's lock, a
 *     folder that does not exist yet is the staged folder renamed into place (one
 *     rename); an existing folder gets each changed file renamed over its target after a
 *     journal lists the renames (src/lock.ts), so a kill mid-commit is rolled forward;
 *  3. `close()` removes the staging folder (and whatever a failed run staged).
 */
export class OutputSession {
  readonly root: string;
  private stageRoot?: string;
  private readonly io: WriteIo;
  /** Set when a commit stopped after its journal: its staged files are the journal's. */
  private keep = false;
  /** The first folder this session created for the output root, if it did. */
  private madeRoot?: string;
  private committed = false;

  constructor(
    outRoot: string,
    private readonly opts: WriteOptions = {},
  ) {
    this.root = path.resolve(outRoot);
    this.io = { ...realIo, ...opts.io };
  }

  /** Creates the staging folder; first finishes or clears what killed runs left behind. */
  private async open(): Promise<string> {
    if (this.stageRoot) return this.stageRoot;
    this.madeRoot = mkdirSync(this.root, { recursive: true });
    await recoverLeftovers(this.root, this.opts.lockWaitMs);
    const dir = path.join(this.root, stageName(process.pid, randomBytes(6).toString('hex')));
    mkdirSync(dir);
    return (this.stageRoot = dir);
  }

  /** Writes the unit's files into the staging folder. Paths are checked first. */
  async stage(unit: OutputUnit): Promise<StagedUnit> {
    // Check the paths before creating anything, so a refused output leaves no trace.
    // A folder that does not exist yet has no manifest and no links to check.
    const target = path.join(this.root, unit.name);
    const exists = lstatOrNull(target) !== null;
    const before = exists ? previousManifest(target) : undefined;
    const paths = touched(unit.files, stalePaths(before, unit.files));
    if (exists) resolveUnit(this.root, unit.name, unit.source, paths);
    else checkNames(this.root, unit.name, paths, new Reporter(unit.source));
    const stagedDir = path.join(await this.open(), unit.name);
    const hashes = unit.files.map((f) => sha256(f.content));
    const manifest = manifestFor(unit, hashes);
    hashes.push(sha256(manifest.content));
    const files: StagedUnit['files'] = [];
    const made = new Set<string>();
    for (const [i, f] of [...unit.files, manifest].entries()) {
      const file = `${stagedDir}/${f.path}`;
      const parent = path.dirname(file);
      if (!made.has(parent)) {
        mkdirSync(parent, { recursive: true });
        made.add(parent);
      }
      await this.io.writeFile(file, f.content, { mode: f.mode });
      // The mode given to open() is filtered by the umask; the manifest records the exact mode.
      if ((f.mode & umask()) !== 0) await this.io.chmod(file, f.mode);
      files.push({ path: f.path, sha256: hashes[i]!, mode: f.mode });
    }
    return { name: unit.name, specPath: unit.specPath, source: unit.source, stagedDir, files };
  }

  /** Puts a staged unit in place (see the class comment). */
  async commit(staged: StagedUnit): Promise<WriteOutcome> {
    const root = this.root;
    this.committed = true;
    const release = await acquireLock(root, staged.name, this.opts.lockWaitMs);
    try {
      rollForward(root, staged.name);
      const dir = path.join(root, staged.name);
      const all = staged.files.map((f) => f.path);
      // Under the lock: another compile may have changed the folder since staging.
      if (!lstatOrNull(dir)) {
        await this.io.rename(staged.stagedDir, dir);
        return { dir, written: all, unchanged: [], removed: [] };
      }
      const stale = stalePaths(previousManifest(dir), staged.files);
      resolveUnit(root, staged.name, staged.source, [...all, ...stale]);
      const outcome: WriteOutcome = { dir, written: [], unchanged: [], removed: [] };
      const renames: Array<[string, string]> = [];
      for (const f of staged.files) {
        const target = path.join(dir, f.path);
        const st = lstatOrNull(target);
        const old = st?.isFile() ? readOrNull(target) : null;
        if (old !== null && st && (st.mode & 0o777) === f.mode && sha256(old) === f.sha256) {
          outcome.unchanged.push(f.path);
          continue;
        }
        mkdirSync(path.dirname(target), { recursive: true });
        renames.push([path.join(staged.stagedDir, f.path), target]);
        outcome.written.push(f.path);
      }
      const removals = stale.filter((rel) => lstatOrNull(path.join(dir, rel))?.isFile());
      writeJournal(root, staged.name, { renames, remove: removals.map((r) => path.join(dir, r)), cleanup: staged.stagedDir });
      this.keep = true;
      for (const [from, to] of renames) await this.io.rename(from, to);
      for (const rel of removals) {
        const target = path.join(dir, rel);
        try {
          unlinkSync(target);
        } catch {
          // gone already
        }
        pruneEmpty(dir, target);
        outcome.removed.push(rel);
      }
      clearJournal(root, staged.name);
      rmSync(staged.stagedDir, { recursive: true, force: true });
      this.keep = false;
      return outcome;
    } finally {
      await release();
    }
  }

  /**
   * Removes the staging folder. After a commit that failed part-way it stays, with the
   * journal that names its files: the next writer rolls that commit forward.
   */
  close(): void {
    if (!this.stageRoot || this.keep) return;
    rmSync(this.stageRoot, { recursive: true, force: true });
    this.stageRoot = undefined;
    // A run that committed nothing (a later spec failed) leaves no output root it made.
    // Empty folders only: another compile may be writing into the same new root.
    if (!this.committed && this.madeRoot) {
      for (let d = this.root; isInside(this.madeRoot, d); d = path.dirname(d)) {
        try {
          rmdirSync(d);
        } catch {
          break;
        }
      }
    }
  }
}

/**
 * What killed runs left in the output root: journals of commits cut short are rolled
 * forward (each under its lock), then staging folders of dead processes are removed.
 */
async function recoverLeftovers(root: string, lockWaitMs?: number): Promise<void> {
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return;
  }
  for (const e of entries) {
    const m = /^\.(.+)\.kspec-journal$/.exec(e);
    if (!m || journalPath(root, m[1]!) !== path.join(root, e)) continue;
    const release = await acquireLock(root, m[1]!, lockWaitMs);
    try {
      rollForward(root, m[1]!);
    } finally {
      await release();
    }
  }
  for (const e of entries) {
    const pid = stagePid(e);
    if (pid !== undefined && pid > 0 && pid !== process.pid && !alive(pid)) rmSync(path.join(root, e), { recursive: true, force: true });
  }
}

/** Removes now-empty folders between `file` and `dir`. */
function pruneEmpty(dir: string, file: string): void {
  let cur = path.dirname(file);
  while (cur !== dir && isInside(dir, cur)) {
    try {
      if (readdirSync(cur).length > 0) return;
      rmdirSync(cur);
    } catch {
      return;
    }
    cur = path.dirname(cur);
  }
}

/** Writes one unit: stage, commit, close. A whole run uses an OutputSession instead. */
export async function writeUnit(outRoot: string, unit: OutputUnit, opts: WriteOptions = {}): Promise<WriteOutcome> {
  const session = new OutputSession(outRoot, opts);
  try {
    return await session.commit(await session.stage(unit));
  } finally {
    session.close();
  }
}

export async function checkUnit(outRoot: string, unit: OutputUnit, cwd = process.cwd()): Promise<CheckOutcome> {
  const { createTwoFilesPatch } = await import('diff');
  const root = path.resolve(outRoot);
  const prev = previousManifest(path.resolve(root, unit.name));
  const stale = stalePaths(prev, unit.files);
  const dir = resolveUnit(root, unit.name, unit.source, touched(unit.files, stale));
  const show = (rel: string): string => toPosix(path.relative(cwd, path.join(dir, rel)));
  const parts: string[] = [];
  for (const f of [...unit.files, manifestFor(unit)]) {
    const target = path.join(dir, f.path);
    const old = readOrNull(target)?.toString('utf8') ?? null;
    if (old === null) {
      parts.push(createTwoFilesPatch('/dev/null', `b/${show(f.path)}`, '', f.content));
      continue;
    }
    if (old !== f.content) parts.push(createTwoFilesPatch(`a/${show(f.path)}`, `b/${show(f.path)}`, old, f.content));
    const st = lstatOrNull(target);
    if (st && (st.mode & 0o777) !== f.mode) {
      parts.push(`mode change ${show(f.path)}: ${modeText(st.mode)} => ${modeText(f.mode)}\n`);
    }
  }
  for (const rel of stale) {
    const old = readOrNull(path.join(dir, rel))?.toString('utf8') ?? null;
    if (old !== null) parts.push(createTwoFilesPatch(`a/${show(rel)}`, '/dev/null', old, ''));
  }
  const diff = parts.map((p) => p.replace(/^=+\n/, '')).join('');
  return { dir, drift: parts.length > 0, diff };
}
