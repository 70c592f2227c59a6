/**
 * Reading a file on a spec's behalf: the spec itself, its `extends` bases, krata's
 * `provider.configFile` and rancheros' `target.dapperfile`. Every one of them was written
 * by whoever opened the pull request, so a read here:
 *
 * - stays inside the repository: the git top level (found by looking for `.git`, never by
 *   running git, whose configuration the repository may carry), or the spec's folder
 *   outside git; a symlink whose target leaves it is refused like a `../` path;
 * - reads a regular file only: the file is opened with O_NONBLOCK (opening a FIFO then
 *   returns at once instead of waiting for a writer) and O_NOFOLLOW, and fstat-ed before
 *   any byte is read, so a FIFO, a device or a folder is refused without blocking;
 * - reads at most `limit` bytes (1 MiB, the spec limit): the size comes from fstat, and the
 *   read stops one byte past the limit in case the file grows meanwhile.
 *
 * Nothing here throws for what the file is: every refusal is a `ReadProblem` the caller
 * turns into a diagnostic at the line that named the file.
 */
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync, type Stats } from 'node:fs';
import path from 'node:path';
import { D } from './diagnostics/catalogue.js';
import type { Reporter } from './diagnostics/diagnostic.js';
import { MAX_SPEC_BYTES } from './parse.js';
import { gitTopLevel } from './paths.js';

/** What any file read on a spec's behalf may weigh. */
export const MAX_READ_BYTES = MAX_SPEC_BYTES;
/** Linux's NAME_MAX and PATH_MAX (bytes): longer names fail with ENAMETOOLONG. */
const NAME_MAX = 255;
const PATH_MAX = 4095;

export type ReadProblem =
  | { problem: 'missing' }
  | { problem: 'outside'; real?: string }
  | { problem: 'not-regular'; kind: string }
  | { problem: 'too-large'; size: number; limit: number }
  | { problem: 'bad-path'; reason: string }
  | { problem: 'unreadable'; reason: string };

export type ReadOutcome = { bytes: Buffer } | ReadProblem;

export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (rel !== '..' && !rel.startsWith('..' + path.sep) && !path.isAbsolute(rel));
}

/**
 * Why `p` cannot name a file at all, or undefined: a NUL byte (Node refuses it with a
 * TypeError), a component longer than NAME_MAX bytes or a whole path longer than PATH_MAX
 * (ENAMETOOLONG).
 */
export function pathProblem(p: string): string | undefined {
  if (p.includes('\0')) return 'it holds a NUL byte';
  if (Buffer.byteLength(p) > PATH_MAX) return `it is longer than ${PATH_MAX} bytes`;
  if (p.split(/[\\/]/).some((c) => Buffer.byteLength(c) > NAME_MAX)) return `a file name in it is longer than ${NAME_MAX} bytes`;
  return undefined;
}

/** A path written in the spec as shown in diagnostics: relative to the cwd, like the spec's own `specPath`. */
export const besideSpec = (specPath: string, ref: string): string => path.posix.normalize(path.posix.join(path.posix.dirname(specPath), ref));

/**
 * The repository `dir` is in: its git top level as git decides it (`gitTopLevel` in
 * src/paths.ts: a `.git` folder holding HEAD, or a `gitdir:` file), found on the file
 * system, never by running git, whose configuration the repository may carry; outside git,
 * `dir` itself.
 */
export function repositoryRoot(dir: string): string {
  const abs = path.resolve(dir);
  return gitTopLevel(abs) ?? abs;
}

function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isDirectory()) return 'a folder';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** The real path of the root, cached (realpath of the same folder for every base). */
const realRoots = new Map<string, string>();

/**
 * Reads `abs` if it is a regular file inside `root` (lexically and after symlinks) of at
 * most `limit` bytes; otherwise says why not. Never blocks on a FIFO, never follows a
 * symlink out of `root`, never reads more than `limit + 1` bytes.
 */
export function readInside(abs: string, root: string, limit = MAX_READ_BYTES): ReadOutcome {
  const bad = pathProblem(abs);
  if (bad) return { problem: 'bad-path', reason: bad };
  if (!isInside(root, abs)) return { problem: 'outside' };
  let real: string;
  let realRoot: string;
  try {
    real = realpathSync(abs);
    realRoot = realRoots.get(root) ?? realpathSync(root);
    realRoots.set(root, realRoot);
  } catch (e) {
    return errnoProblem(e);
  }
  if (!isInside(realRoot, real)) return { problem: 'outside', real };
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
    // O_NOFOLLOW: `real` has no symlink left; one appearing now is refused, not followed.
    fd = openSync(real, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (e) {
    return errnoProblem(e);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { problem: 'not-regular', kind: kindOf(st) };
    if (st.size > limit) return { problem: 'too-large', size: st.size, limit };
    // One byte more than the limit: a file that grew since fstat is caught, not read whole.
    const buf = Buffer.allocUnsafe(Math.min(st.size, limit) + 1);
    let n = 0;
    for (;;) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
      if (n === buf.length) {
        if (n > limit) return { problem: 'too-large', size: n, limit };
        break;
      }
    }
    return { bytes: buf.subarray(0, n) };
  } catch (e) {
    return errnoProblem(e);
  } finally {
    closeSync(fd);
  }
}

function errnoProblem(e: unknown): ReadProblem {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return { problem: 'missing' };
    case 'ELOOP':
      return { problem: 'not-regular', kind: 'a symlink loop' };
    case 'ENXIO':
      return { problem: 'not-regular', kind: 'a socket' };
    case 'EISDIR':
      return { problem: 'not-regular', kind: 'a folder' };
    case 'ENAMETOOLONG':
      return { problem: 'bad-path', reason: 'it is too long for the file system' };
    case 'EACCES':
    case 'EPERM':
      return { problem: 'unreadable', reason: 'permission denied' };
    default:
      if (code === undefined) throw e;
      return { problem: 'unreadable', reason: code };
  }
}

/** The problem in words, completing "'<path>' …" (for diagnostics). */
export function describeProblem(p: ReadProblem): string {
  switch (p.problem) {
    case 'missing':
      return 'does not exist';
    case 'outside':
      return p.real ? 'is a symlink that leads outside the repository' : 'is outside the repository';
    case 'not-regular':
      return `is ${p.kind}, not a regular file`;
    case 'too-large':
      return `is ${p.size} bytes or more; files read for a spec are limited to ${p.limit} bytes`;
    case 'bad-path':
      return `is not a usable path: ${p.reason}`;
    case 'unreadable':
      return `cannot be read (${p.reason})`;
  }
}

/**
 * Reports why the file a spec field names cannot be read, at that field's line: the one
 * place that maps a ReadProblem to a diagnostic, for bases, configFile and dapperfile.
 */
export function reportReadProblem(rep: Reporter, ptr: string, field: string, ref: string, shownPath: string, p: ReadProblem): void {
  switch (p.problem) {
    case 'missing':
      if (field === 'extends') rep.report(D.ExtendsMissing, ptr, { ref, path: shownPath });
      else rep.report(D.FileUnreadable, ptr, { field, ref, reason: 'no such file' });
      return;
    case 'outside':
      if (field === 'extends' && !p.real) rep.report(D.ExtendsOutsideRepo, ptr, { ref, path: shownPath });
      else rep.report(D.FileOutsideRepo, ptr, { field, ref, how: describeProblem(p), path: shownPath });
      return;
    case 'not-regular':
      rep.report(D.FileNotRegular, ptr, { field, ref, kind: p.kind });
      return;
    case 'too-large':
      rep.report(D.FileTooLarge, ptr, { field, ref, size: p.size, limit: p.limit });
      return;
    case 'bad-path':
      rep.report(D.FileBadPath, ptr, { field, ref, reason: p.reason });
      return;
    case 'unreadable':
      rep.report(D.FileUnreadable, ptr, { field, ref, reason: p.reason });
      return;
  }
}
