/**
 * Stage 6: write. Puts a compile result under `<out>/<metadata.name>/` with a manifest
 * (`kspec.lock.json`: every file and its sha256), or, with --check, compares instead and
 * returns a unified diff of the drift.
 *
 * The output folder is kspec's to write, never to obey: it is committed, so a pull request
 * controls what is in it. Rules:
 *  - nothing is written outside `<out>/<name>/` (and the run's own staging folder): names
 *    are checked by their text, the output folder may not be a symlink (exit 2), and a
 *    symlink on any path a write touches is a diagnostic (KS9002), never followed;
 *  - a run compares each file with the unit's folder and stages the ones that differ into
 *    a staging folder it creates exclusively (`<out>/.kspec-stage-XXXXXX`, mkdtemp, only
 *    once something differs), then renames them into place (OutputSession.commit) and
 *    removes the staging folder: on success, on an error and on SIGINT/SIGTERM. Nothing
 *    from another run (journals, locks, staging folders) is read;
 *  - `kspec.lock.json` is read with O_NOFOLLOW, only when it is a regular file of at most
 *    1 MiB, and only its entries that are names kspec could have planned count;
 *  - files the previous manifest listed and this compile does not produce are removed (a
 *    regular file or a link itself, never through one); files kspec did not write are
 *    never touched.
 * A compile killed part-way leaves a folder partly old and partly new: the next compile
 * repairs it and `--check` shows it. Design and reasons: ARCHITECTURE.md, "Writing".
 *
 * The file system calls here are synchronous on purpose: a unit is a handful of small
 * files, and the promise API's thread-pool round trip per call cost more than the calls
 * themselves (a run over 1,000 specs spent most of its time waiting: npm run bench).
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readlinkSync,
  readSync,
  renameSync,
  rmdirSync,
  rmSync,
  unlinkSync,
  writeSync,
  readdirSync,
  type Stats,
} from 'node:fs';
import path from 'node:path';
import { D } from './diagnostics/catalogue.js';
import { Reporter } from './diagnostics/diagnostic.js';
import type { SourceIndex } from './diagnostics/diagnostic.js';
import { displayPath, toPosix } from './paths.js';
import { canonicalJson } from './quote.js';
import type { RenderedFile } from './types.js';

export const MANIFEST = 'kspec.lock.json';
/** The largest `kspec.lock.json` kspec reads (a real one is a few hundred bytes). */
export const MANIFEST_MAX_BYTES = 1 << 20;
/** `<out>/.kspec-stage-XXXXXX/`: a run's staging folder, made by mkdtemp. */
export const STAGE_PREFIX = '.kspec-stage-';

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

/** Diagnostics about a unit's output (KS9001, KS9002): exit 1, nothing written. */
export class OutputError extends Error {
  constructor(readonly reporter: Reporter) {
    super(reporter.diagnostics.map((d) => d.message).join('\n'));
  }
}

/** The output folder itself cannot be used (a symlink): exit 2, nothing written. */
export class OutputRootError extends Error {}

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

/** lstat, or null when nothing is there (ENOENT, or a file where a folder was expected). */
function lstatOrNull(p: string): Stats | null {
  try {
    return lstatSync(p, { throwIfNoEntry: false }) ?? null;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw e;
  }
}

const UNIT_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * A path kspec could plan inside a unit's folder: up to 8 POSIX segments, each starting
 * with a letter or digit and made of `[A-Za-z0-9._-]` (so never `.`, `..`, hidden, empty,
 * absolute or with a backslash, NUL or control character), and not the manifest itself.
 * The same rule accepts a planned file and an entry read from a committed manifest.
 */
const PLANNED_PATH = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}(?:\/[A-Za-z0-9][A-Za-z0-9._-]{0,127}){0,7}$/;
export const isPlannablePath = (rel: string): boolean => PLANNED_PATH.test(rel) && rel !== MANIFEST;
export const isUnitName = (name: string): boolean => UNIT_NAME.test(name);

const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const O_NONBLOCK = constants.O_NONBLOCK ?? 0;

export type ReadResult = { bytes: Buffer } | { not: 'missing' | 'symlink' | 'not-a-file' | 'too-large'; size?: number };

/**
 * Reads `file` only if it is a regular file of at most `max` bytes, never through a
 * symlink at its name (O_NOFOLLOW) and without blocking on a FIFO (O_NONBLOCK, then
 * fstat). Callers check that the folders above it are real folders.
 */
export function readBounded(file: string, max: number): ReadResult {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { not: 'missing' };
    if (code === 'ELOOP' || code === 'EMLINK') return { not: 'symlink' };
    if (code === 'ENXIO' || code === 'EACCES' || code === 'EISDIR') return { not: 'not-a-file' };
    throw e;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { not: 'not-a-file' };
    if (st.size > max) return { not: 'too-large', size: st.size };
    const buf = Buffer.alloc(st.size);
    let got = 0;
    while (got < st.size) {
      const n = readSync(fd, buf, got, st.size - got, got);
      if (n === 0) break;
      got += n;
    }
    return { bytes: got === st.size ? buf : buf.subarray(0, got) };
  } finally {
    closeSync(fd);
  }
}

/** sameOnDisk's read buffer, reused (grown as needed): a recompile compares thousands of files. */
let scratch = Buffer.allocUnsafe(64 << 10);

/**
 * Whether `file` already holds exactly `bytes` with permission bits `mode`: a regular file,
 * not a symlink (O_NOFOLLOW), not a FIFO (O_NONBLOCK, then fstat), of the same size (so at
 * most `bytes.length` bytes are read), and the same bytes. Anything else, a missing file
 * included, is "not the same". Callers check that the folders above it are real folders.
 */
export function sameOnDisk(file: string, bytes: Buffer, mode: number): boolean {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch {
    return false;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size !== bytes.length || (st.mode & 0o777) !== mode) return false;
    if (scratch.length < bytes.length + 1) scratch = Buffer.allocUnsafe(Math.max(bytes.length + 1, 2 * scratch.length));
    const buf = scratch.subarray(0, bytes.length + 1);
    let got = 0;
    // One byte more than expected: a file that grew since fstat is not the same.
    for (let n; got < buf.length && (n = readSync(fd, buf, got, buf.length - got, got)) > 0; ) got += n;
    return got === bytes.length && bytes.equals(buf.subarray(0, got));
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}

/** What a committed manifest says, after validation. */
export interface ManifestRead {
  /** The manifest, with only the entries that are names kspec could have planned. */
  manifest?: Manifest;
  /** Why the file does not count as a manifest (absent when it is one, or there is none). */
  problem?: string;
  /** Entries that were ignored because kspec could not have planned such a name. */
  ignored: string[];
}

/**
 * Reads and validates `<dir>/kspec.lock.json`. Never throws for what the file holds: a
 * symlink, a FIFO, a device, more than 1 MiB, invalid JSON or the wrong shape is a
 * `problem`; an entry whose name kspec could not have planned is `ignored`.
 */
export function readManifest(dir: string): ManifestRead {
  const r = readBounded(path.join(dir, MANIFEST), MANIFEST_MAX_BYTES);
  if ('not' in r) {
    if (r.not === 'missing') return { ignored: [] };
    const why = { symlink: 'is a symlink', 'not-a-file': 'is not a regular file', 'too-large': `is larger than ${MANIFEST_MAX_BYTES} bytes`, missing: '' }[r.not];
    return { problem: `${MANIFEST} ${why}`, ignored: [] };
  }
  let data: unknown;
  try {
    data = JSON.parse(r.bytes.toString('utf8'));
  } catch {
    return { problem: `${MANIFEST} is not valid JSON`, ignored: [] };
  }
  const obj = data as { generator?: unknown; spec?: unknown; files?: unknown };
  if (typeof data !== 'object' || data === null || Array.isArray(data) || obj.generator !== 'kspec') {
    return { problem: `${MANIFEST} is not a kspec manifest (no "generator": "kspec")`, ignored: [] };
  }
  // eslint-disable-next-line no-control-regex
  if (typeof obj.spec !== 'string' || obj.spec === '' || obj.spec.length > 4096 || /[\x00-\x1f\x7f]/.test(obj.spec)) {
    return { problem: `${MANIFEST} names no spec, or one that is not a plain path`, ignored: [] };
  }
  if (typeof obj.files !== 'object' || obj.files === null || Array.isArray(obj.files)) {
    return { problem: `${MANIFEST} has no "files" object`, ignored: [] };
  }
  const files: Manifest['files'] = {};
  const ignored: string[] = [];
  for (const [rel, v] of Object.entries(obj.files as Record<string, unknown>)) {
    const entry = v as { sha256?: unknown; mode?: unknown } | null;
    if (!isPlannablePath(rel) || typeof entry !== 'object' || entry === null) {
      ignored.push(rel);
      continue;
    }
    files[rel] = { sha256: String(entry.sha256 ?? ''), mode: String(entry.mode ?? '') };
  }
  return { manifest: { generator: 'kspec', spec: obj.spec, files }, ignored };
}

/**
 * The output root must not be, or lie below, a symlink: every write is relative to it.
 * Checked are the root and the folders between it and the deepest folder it shares with
 * the working folder (those may come from the repository; the ones above are the user's
 * machine). A missing one ends the check: kspec creates the rest as real folders.
 */
export function checkOutputRoot(root: string, cwd = process.cwd()): void {
  let base = path.resolve(cwd);
  while (!isInside(base, root)) base = path.dirname(base);
  const rel = path.relative(base, root);
  let cur = base;
  for (const seg of rel === '' ? [] : rel.split(path.sep)) {
    cur = path.join(cur, seg);
    const st = lstatOrNull(cur);
    if (!st) return;
    if (st.isSymbolicLink()) {
      const shown = displayPath(cur, cwd);
      throw new OutputRootError(
        `cannot write to '${displayPath(root, cwd)}': '${shown}' is a symlink (to '${safeText(readlinkSync(cur))}'), and kspec writes only into real folders. Remove the link, or pass the folder it points to with -o.`,
      );
    }
  }
}

/** A name from the file system, shown with control characters escaped. */
// eslint-disable-next-line no-control-regex
const safeText = (s: string): string => s.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

/** Reports names that escape the unit's folder (no file system access). */
function checkNames(root: string, name: string, paths: readonly string[], report: Reporter): string {
  if (!UNIT_NAME.test(name)) {
    report.report(D.OutputEscapes, '/metadata/name', { path: name });
    throw new OutputError(report);
  }
  for (const rel of paths) if (!isPlannablePath(rel)) report.report(D.OutputEscapes, '/metadata/name', { path: rel });
  if (report.diagnostics.length > 0) throw new OutputError(report);
  return path.join(root, name);
}

/**
 * Checks every path a write touches (relative to the unit's folder `dir`): the folder
 * itself, each folder on the way and the entry at the end must not be symlinks (KS9002):
 * kspec never writes through or over one. Returns false when the folder does not exist.
 */
function checkNoLinks(dir: string, paths: readonly string[], report: Reporter, same?: (rel: string) => boolean, dirStat?: Stats, cwd = process.cwd()): boolean {
  const seen = new Map<string, boolean>();
  // The folder's own lstat, when the caller has it (and it is no link: else it is looked at again and reported).
  if (dirStat && !dirStat.isSymbolicLink()) seen.set(dir, true);
  const one = (p: string): boolean => {
    const known = seen.get(p);
    if (known !== undefined) return known;
    const st = lstatOrNull(p);
    seen.set(p, st !== null && !st.isSymbolicLink());
    if (st?.isSymbolicLink()) {
      report.report(D.OutputSymlink, '/metadata/name', { path: displayPath(p, cwd), target: safeText(readlinkSync(p)) });
    }
    return st !== null && !st.isSymbolicLink();
  };
  if (!one(dir)) return false;
  for (const rel of paths) {
    const segs = rel.split('/');
    let cur = dir;
    for (const [k, seg] of segs.entries()) {
      cur = `${cur}/${seg}`;
      // The folders on the way are real: a file `same` read with O_NOFOLLOW is no link.
      if (k === segs.length - 1 && same?.(rel)) break;
      if (!one(cur)) break;
    }
  }
  return true;
}

/**
 * Resolves and checks a unit's folder for a write or a check; throws OutputError.
 * `wanted`: what this compile writes, manifest included (bytes and mode by path). Each
 * file the folder already holds with exactly those bytes and mode is returned in `same`
 * (compared with sameOnDisk once the folders on its way are known to be real); when the
 * manifest is one of them, it lists exactly the planned files, so nothing is stale and it
 * is not parsed.
 */
function inspectUnit(
  root: string,
  unit: { name: string; files: readonly { path: string }[]; source: SourceIndex },
  wanted?: ReadonlyMap<string, { bytes: Buffer; mode: number }>,
): { dir: string; exists: boolean; stale: string[]; same: Set<string> } {
  const report = new Reporter(unit.source);
  const dir = checkNames(root, unit.name, unit.files.map((f) => f.path), report);
  const same = new Set<string>();
  const st = lstatOrNull(dir);
  if (!st) return { dir, exists: false, stale: [], same };
  const isSame = (rel: string): boolean => {
    const w = wanted?.get(rel);
    const yes = w !== undefined && sameOnDisk(`${dir}/${rel}`, w.bytes, w.mode);
    if (yes) same.add(rel);
    return yes;
  };
  // A real folder (lstat), so the manifest's path has no link but its last name (O_NOFOLLOW).
  const manifestSame = st.isDirectory() && isSame(MANIFEST);
  const prev = st.isDirectory() && !manifestSame ? readManifest(dir).manifest : undefined;
  const stale = stalePaths(prev, unit.files);
  // A stale file may be a link (removing it unlinks the entry); the folders above it may not.
  const staleFolders = stale.map((rel) => path.posix.dirname(rel)).filter((d) => d !== '.');
  checkNoLinks(dir, [...unit.files.map((f) => f.path), MANIFEST, ...staleFolders], report, (rel) => (rel === MANIFEST ? manifestSame : st.isDirectory() && isSame(rel)), st);
  if (report.diagnostics.length > 0) throw new OutputError(report);
  return { dir, exists: true, stale, same };
}

function stalePaths(prev: Manifest | undefined, files: readonly { path: string }[]): string[] {
  if (!prev) return [];
  const now = new Set(files.map((f) => f.path));
  return Object.keys(prev.files)
    .filter((p) => !now.has(p))
    .sort();
}

/**
 * The file operations a write uses. Tests pass failing ones to simulate a compile that is
 * interrupted part-way (a full disk, a kill) and show what is left.
 */
export interface WriteIo {
  /** Creates `file`, which must not exist (O_EXCL: never written through an existing name). */
  writeFile: (file: string, content: string, opts: { mode: number }) => void | Promise<void>;
  rename: (from: string, to: string) => void | Promise<void>;
}

/** The process's umask, to know when a created file's mode needs a chmod. */
let umaskCache: number | undefined;
const umask = (): number => (umaskCache ??= process.umask());

function createExclusive(file: string, content: string, opts: { mode: number }): void {
  const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW, opts.mode);
  try {
    const buf = Buffer.from(content, 'utf8');
    for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off);
    // The mode given to open() is filtered by the umask; the manifest records the exact mode.
    if ((opts.mode & umask()) !== 0) fchmodSync(fd, opts.mode);
  } finally {
    closeSync(fd);
  }
}

const realIo: WriteIo = { writeFile: createExclusive, rename: renameSync };

export interface WriteOptions {
  io?: Partial<WriteIo>;
  /** The working folder, for the output-root check and shown paths (default: process.cwd()). */
  cwd?: string;
  /** Remove the staging folder and exit 130/143 on SIGINT/SIGTERM (the CLI; default true). */
  handleSignals?: boolean;
}

/** A unit whose files are complete on disk in the staging folder, waiting for its commit. */
export interface StagedUnit {
  name: string;
  specPath: string;
  source: SourceIndex;
  /** The staged copy of the unit's folder (only the files that differ from the output). */
  stagedDir: string;
  /** Every file, the manifest last, with what it must be. */
  files: Array<{ path: string; sha256: string; mode: number; size: number }>;
  /**
   * The files staged, in `files` order: all of them for a unit whose folder did not exist,
   * else those that differed from the output folder when staged. Empty (and nothing
   * staged) when the unit's output was already up to date.
   */
  changed: string[];
  /** Whether the previous manifest lists files this compile no longer produces. */
  hasStale: boolean;
}

/** Sessions with a staging folder, removed by the signal handler. */
const openSessions = new Set<OutputSession>();
let signalsInstalled = false;
function onSignal(signal: NodeJS.Signals): void {
  for (const s of [...openSessions]) s.close();
  process.exit(signal === 'SIGINT' ? 130 : 143);
}

/**
 * One run's writes into an output root:
 *  1. `stage(unit)` for every unit, as each compiles: its files are created whole in the
 *     run's own staging folder `<out>/.kspec-stage-XXXXXX/<name>/` (mkdtemp, in the output
 *     root, so a commit is a rename on the same file system). Nothing the user sees has
 *     changed yet;
 *  2. `commit(staged)` for each, once every spec compiled: a folder that does not exist
 *     yet is the staged folder renamed into place; in an existing folder each changed file
 *     is renamed over its target, the manifest last, then the stale files are removed;
 *  3. `close()` removes the staging folder (also on SIGINT/SIGTERM, then exits 130/143).
 */
export class OutputSession {
  readonly root: string;
  private stageRoot?: string;
  private readonly io: WriteIo;
  private readonly cwd: string;
  /** The first folder this session created for the output root, if it did. */
  private madeRoot?: string;
  private committed = false;
  private rootChecked = false;
  /** Units whose `kspec.lock.json` was, when staged, exactly the one this run writes. */
  readonly currentLocks = new Set<string>();

  constructor(
    outRoot: string,
    private readonly opts: WriteOptions = {},
  ) {
    this.cwd = opts.cwd ?? process.cwd();
    this.root = path.resolve(this.cwd, outRoot);
    this.io = { ...realIo, ...opts.io };
  }

  /** The name of the run's staging folder in the output root, once it has one. */
  get staging(): string | undefined {
    return this.stageRoot && path.basename(this.stageRoot);
  }

  /**
   * checkOutputRoot, once the output root exists and passed it: the output folder is
   * the user's or the repository's, and nothing this run reads can change it.
   */
  private checkRoot(): void {
    if (this.rootChecked) return;
    checkOutputRoot(this.root, this.cwd);
    this.rootChecked = lstatOrNull(this.root)?.isDirectory() === true;
  }

  /** Creates the run's staging folder (exclusively: mkdtemp) in the output root. */
  private open(): string {
    if (this.stageRoot) return this.stageRoot;
    this.checkRoot();
    this.madeRoot = mkdirSync(this.root, { recursive: true });
    if (this.opts.handleSignals !== false && !signalsInstalled) {
      signalsInstalled = true;
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    }
    this.stageRoot = mkdtempSync(path.join(this.root, STAGE_PREFIX));
    openSessions.add(this);
    return this.stageRoot;
  }

  /**
   * Writes the unit's files into the staging folder. Paths are checked first. A file the
   * unit's folder already holds with the same bytes and mode is compared, not staged (read
   * bounded by its expected size, never through a symlink): a recompile with nothing to
   * change stages nothing and creates no staging folder.
   */
  async stage(unit: OutputUnit): Promise<StagedUnit> {
    const bytes = unit.files.map((f) => Buffer.from(f.content, 'utf8'));
    const hashes = bytes.map((b) => sha256(b));
    const manifest = manifestFor(unit, hashes);
    const all = [...unit.files, manifest];
    bytes.push(Buffer.from(manifest.content, 'utf8'));
    hashes.push(sha256(bytes.at(-1)!));
    const files: StagedUnit['files'] = all.map((f, i) => ({ path: f.path, sha256: hashes[i]!, mode: f.mode, size: bytes[i]!.length }));
    // Check before creating anything, so a refused output leaves no trace.
    this.checkRoot();
    const wanted = new Map(all.map((f, i) => [f.path, { bytes: bytes[i]!, mode: f.mode }]));
    const { exists, stale, same } = inspectUnit(this.root, unit, wanted);
    const todo = all.map((_, i) => i).filter((i) => !exists || !same.has(all[i]!.path));
    if (same.has(MANIFEST)) this.currentLocks.add(unit.name);
    const stagedDir = path.join(this.stageRoot ?? this.root, unit.name);
    const done = { name: unit.name, specPath: unit.specPath, source: unit.source, files, changed: todo.map((i) => all[i]!.path), hasStale: stale.length > 0 };
    if (todo.length === 0) {
      // Let a pending SIGINT/SIGTERM run its handler between units once there is a staging folder.
      if (this.stageRoot) await new Promise<void>((r) => setImmediate(r));
      return { ...done, stagedDir };
    }
    const at = path.join(this.open(), unit.name);
    mkdirSync(at);
    const made = new Set<string>([at]);
    for (const i of todo) {
      const f = all[i]!;
      const file = `${at}/${f.path}`;
      const parent = path.dirname(file);
      if (!made.has(parent)) {
        mkdirSync(parent, { recursive: true });
        made.add(parent);
      }
      await this.io.writeFile(file, f.content, { mode: f.mode });
    }
    // Let a pending SIGINT/SIGTERM run its handler between units.
    await new Promise<void>((r) => setImmediate(r));
    return { ...done, stagedDir: at };
  }

  /** Puts a staged unit in place (see the class comment). */
  async commit(staged: StagedUnit): Promise<WriteOutcome> {
    const dir = path.join(this.root, staged.name);
    const all = staged.files.map((f) => f.path);
    // Up to date when staged, and nothing to remove: nothing to do, nothing read again.
    if (staged.changed.length === 0 && !staged.hasStale) return { dir, written: [], unchanged: all, removed: [] };
    this.committed = true;
    if (staged.changed.length === all.length && !lstatOrNull(dir)) {
      await this.io.rename(staged.stagedDir, dir);
      return { dir, written: all, unchanged: [], removed: [] };
    }
    // Checked again before anything is renamed or removed: an earlier unit of this run
    // cannot have changed it, but the check is cheap next to a write.
    const { stale } = inspectUnit(this.root, { name: staged.name, files: staged.files.filter((f) => f.path !== MANIFEST), source: staged.source });
    const changed = new Set(staged.changed);
    const outcome: WriteOutcome = { dir, written: [], unchanged: [], removed: [] };
    for (const f of staged.files) {
      if (!changed.has(f.path)) {
        outcome.unchanged.push(f.path);
        continue;
      }
      makeParents(dir, f.path);
      await this.io.rename(`${staged.stagedDir}/${f.path}`, `${dir}/${f.path}`);
      outcome.written.push(f.path);
    }
    for (const rel of stale) if (removeEntry(dir, rel)) outcome.removed.push(rel);
    if (changed.size > 0) rmSync(staged.stagedDir, { recursive: true, force: true });
    return outcome;
  }

  /** Removes the staging folder, and an output root this run made and left empty. */
  close(): void {
    openSessions.delete(this);
    if (!this.stageRoot) return;
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

/** Creates the folders between `dir` and `rel`'s file as real folders (mkdir, one level at a time). */
function makeParents(dir: string, rel: string): void {
  const segs = rel.split('/').slice(0, -1);
  let cur = dir;
  for (const seg of segs) {
    cur = `${cur}/${seg}`;
    const st = lstatOrNull(cur);
    if (st?.isDirectory()) continue;
    // Missing: create it (fails if something appeared). Anything else: the rename fails.
    if (!st) mkdirSync(cur);
  }
}

/**
 * Removes `<dir>/<rel>` if it is a regular file or a symlink (the entry itself, never what
 * it points to) and every folder on the way is a real folder; then the folders it leaves
 * empty, up to `dir`. Returns whether it removed something.
 */
export function removeEntry(dir: string, rel: string): boolean {
  if (!isPlannablePath(rel) && rel !== MANIFEST) return false;
  const segs = rel.split('/');
  let cur = dir;
  for (const seg of segs.slice(0, -1)) {
    cur = `${cur}/${seg}`;
    if (!lstatOrNull(cur)?.isDirectory()) return false;
  }
  const target = `${cur}/${segs.at(-1)!}`;
  const st = lstatOrNull(target);
  if (!st || !(st.isFile() || st.isSymbolicLink())) return false;
  unlinkSync(target);
  for (let d = path.dirname(target); d !== dir && isInside(dir, d); d = path.dirname(d)) {
    try {
      rmdirSync(d);
    } catch {
      break;
    }
  }
  return true;
}

/** Writes one unit: stage, commit, close. A whole run uses an OutputSession instead. */
export async function writeUnit(outRoot: string, unit: OutputUnit, opts: WriteOptions = {}): Promise<WriteOutcome> {
  const session = new OutputSession(outRoot, { handleSignals: false, ...opts });
  try {
    return await session.commit(await session.stage(unit));
  } finally {
    session.close();
  }
}

/** How much of a file --check reads to show its diff; a bigger one is named, not shown. */
const CHECK_READ_MAX = 4 << 20;

export async function checkUnit(outRoot: string, unit: OutputUnit, cwd = process.cwd()): Promise<CheckOutcome> {
  const { createTwoFilesPatch } = await import('diff');
  const root = path.resolve(cwd, outRoot);
  checkOutputRoot(root, cwd);
  const { dir, stale } = inspectUnit(root, unit);
  const show = (rel: string): string => toPosix(path.relative(cwd, path.join(dir, rel)));
  const parts: string[] = [];
  /** The file's text, or a line saying why it is not shown; null when it is missing. */
  const current = (rel: string): { text: string } | { note: string } | null => {
    const r = readBounded(path.join(dir, rel), CHECK_READ_MAX);
    if ('bytes' in r) return { text: r.bytes.toString('utf8') };
    if (r.not === 'missing') return null;
    const why = r.not === 'too-large' ? `is ${r.size} bytes, not shown` : r.not === 'symlink' ? 'is a symlink' : 'is not a regular file';
    return { note: `${show(rel)} ${why}\n` };
  };
  for (const f of [...unit.files, manifestFor(unit)]) {
    const old = current(f.path);
    if (old === null) {
      parts.push(createTwoFilesPatch('/dev/null', `b/${show(f.path)}`, '', f.content));
      continue;
    }
    if ('note' in old) {
      parts.push(old.note);
      continue;
    }
    if (old.text !== f.content) parts.push(createTwoFilesPatch(`a/${show(f.path)}`, `b/${show(f.path)}`, old.text, f.content));
    const st = lstatOrNull(path.join(dir, f.path));
    if (st && (st.mode & 0o777) !== f.mode) {
      parts.push(`mode change ${show(f.path)}: ${modeText(st.mode)} => ${modeText(f.mode)}\n`);
    }
  }
  for (const rel of stale) {
    const old = current(rel);
    if (old === null) continue;
    parts.push('note' in old ? old.note : createTwoFilesPatch(`a/${show(rel)}`, '/dev/null', old.text, ''));
  }
  const diff = parts.map((p) => p.replace(/^=+\n/, '')).join('');
  return { dir, drift: parts.length > 0, diff };
}

// ---- The output folder as a whole: stale units, unlisted files, unowned entries -------------

/** A unit this run writes or checks: its folder name, planned files and where to point. */
export interface RunUnit {
  name: string;
  files: readonly string[];
  source: SourceIndex;
  /** The unit's lock was found to be exactly this run's (so it lists `files`): not read again. */
  lockCurrent?: boolean;
}

/** A unit whose recorded spec lies in a folder this run compiled, and that no longer makes it. */
export interface StaleUnit {
  name: string;
  /** The spec the unit's manifest records (as recorded). */
  spec: string;
  /** Why it is stale, completing "its spec ...". */
  reason: string;
  /** The files its manifest lists (validated names). */
  files: string[];
}

export interface OutputSurvey {
  stale: StaleUnit[];
  /** Top-level entries of the output folder no manifest owns (names). */
  unowned: Array<{ name: string; why: string }>;
  /** Files inside this run's units that their manifest does not list: unit name and path. */
  unlisted: Array<{ name: string; path: string }>;
}

export interface SurveyInput {
  /** This run's units, by name. */
  units: readonly RunUnit[];
  /** The folders this run searched for specs (absolute): stale units are looked for there. */
  folders: readonly string[];
  /** The spec a manifest records, as an absolute path (undefined: not a file, e.g. stdin). */
  specPath: (recorded: string) => string | undefined;
  /** The name this run compiled each spec to, by absolute spec path. */
  compiled: ReadonlyMap<string, string>;
  /** This run's own staging folder (a name in the output root), not an unowned entry. */
  staging?: string;
}

/** Walks `dir` without following links; every entry that is not a folder, relative, POSIX. */
function walkFiles(dir: string, limit = 10_000): string[] {
  const out: string[] = [];
  const stack = [''];
  while (stack.length > 0 && out.length < limit) {
    const rel = stack.pop()!;
    let entries;
    try {
      entries = readdirSync(rel === '' ? dir : `${dir}/${rel}`, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const p = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) stack.push(p);
      else out.push(p);
    }
  }
  return out.sort();
}

/**
 * Looks at the whole output folder for a run (nothing is changed): a unit folder whose
 * manifest records a spec inside one of `folders` that no longer exists, or that this run
 * compiled under another name, is stale; a top-level entry that is neither one of this
 * run's units nor a real folder with a valid manifest is unowned; a file in one of this
 * run's units that is neither planned, nor the manifest, nor listed by the manifest (a
 * stale file, which the write removes and --check shows) is unlisted.
 */
export function surveyOutput(outRoot: string, input: SurveyInput, cwd = process.cwd()): OutputSurvey {
  const root = path.resolve(cwd, outRoot);
  const survey: OutputSurvey = { stale: [], unowned: [], unlisted: [] };
  const rootSt = lstatOrNull(root);
  if (!rootSt?.isDirectory()) return survey;
  const own = new Map(input.units.map((u) => [u.name, u]));
  for (const name of readdirSync(root).sort()) {
    if (name === input.staging) continue;
    const dir = path.join(root, name);
    const unit = own.get(name);
    if (unit) {
      if (!lstatOrNull(dir)?.isDirectory()) continue;
      const listed = new Set([...unit.files, MANIFEST, ...(unit.lockCurrent ? [] : Object.keys(readManifest(dir).manifest?.files ?? {}))]);
      for (const rel of walkFiles(dir)) if (!listed.has(rel)) survey.unlisted.push({ name, path: rel });
      continue;
    }
    const st = lstatOrNull(dir);
    if (!st?.isDirectory()) {
      survey.unowned.push({ name, why: st?.isSymbolicLink() ? 'a symlink' : 'not a folder' });
      continue;
    }
    const why = name.startsWith(STAGE_PREFIX) ? "another kspec run's staging folder, or one committed by mistake" : 'not a name kspec writes';
    const read = isUnitName(name) ? readManifest(dir) : { problem: why, ignored: [] };
    if (!read.manifest) {
      survey.unowned.push({ name, why: read.problem ?? `no ${MANIFEST}` });
      continue;
    }
    const spec = input.specPath(read.manifest.spec);
    if (spec === undefined || !input.folders.some((f) => isInside(f, spec) && f !== spec)) continue;
    const now = input.compiled.get(spec);
    const reason =
      now !== undefined
        ? now === name
          ? undefined
          : `${read.manifest.spec} is now named '${now}'`
        : lstatOrNull(spec)
          ? undefined
          : `${read.manifest.spec} no longer exists`;
    if (reason) survey.stale.push({ name, spec: read.manifest.spec, reason, files: Object.keys(read.manifest.files).sort() });
  }
  return survey;
}

/**
 * Removes a stale unit: exactly the files its manifest lists (each a regular file or a
 * link entry, below real folders), then the manifest, then the folder if it is empty.
 * Files it does not list stay. Returns what it removed.
 */
export function removeStaleUnit(outRoot: string, unit: StaleUnit, cwd = process.cwd()): string[] {
  const root = path.resolve(cwd, outRoot);
  const dir = path.join(root, unit.name);
  if (!isUnitName(unit.name) || !lstatOrNull(dir)?.isDirectory()) return [];
  const removed = unit.files.filter((rel) => removeEntry(dir, rel));
  if (removeEntry(dir, MANIFEST)) removed.push(MANIFEST);
  try {
    rmdirSync(dir);
  } catch {
    // files kspec did not write are left, and the folder with them
  }
  return removed;
}

/** --check: what removing a stale unit would change, as a unified diff (bounded reads). */
export async function staleDiff(outRoot: string, unit: StaleUnit, cwd = process.cwd()): Promise<string> {
  const { createTwoFilesPatch } = await import('diff');
  const dir = path.join(path.resolve(cwd, outRoot), unit.name);
  const parts: string[] = [];
  for (const rel of [...unit.files, MANIFEST]) {
    const shown = toPosix(path.relative(cwd, path.join(dir, rel)));
    const r = readBounded(path.join(dir, rel), CHECK_READ_MAX);
    if ('bytes' in r) parts.push(createTwoFilesPatch(`a/${shown}`, '/dev/null', r.bytes.toString('utf8'), ''));
    else if (r.not !== 'missing') parts.push(`${shown} would be removed\n`);
  }
  return parts.map((p) => p.replace(/^=+\n/, '')).join('');
}
