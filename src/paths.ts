/**
 * How kspec names paths.
 *
 * - Shown to people (diagnostics, progress): POSIX, relative to the working folder
 *   (`displayPath`), so a terminal or editor can open them.
 * - Written into generated files and `kspec.lock.json`: POSIX, relative to the
 *   repository root (`specId`, `outputRoot`), so the output does not depend on the folder
 *   kspec was run from: compile from the root, `--check` from a subfolder, and the bytes
 *   agree.
 *
 * The repository root is the git top level above the output folder, found by walking up
 * for `.git` (a folder holding `HEAD`, or a `gitdir:` file as in worktrees and
 * submodules), without running git: the repository is untrusted, and its config could
 * name programs for git to run. Outside git it is the output folder's parent.
 */
import { closeSync, openSync, readSync, realpathSync, statSync, fstatSync, constants } from 'node:fs';
import path from 'node:path';

/** `p` with POSIX separators. */
export const toPosix = (p: string): string => p.split(path.sep).join('/');

/** POSIX path relative to the cwd, as shown to users. */
export function displayPath(p: string, cwd = process.cwd()): string {
  const rel = path.relative(cwd, path.resolve(cwd, p));
  return toPosix(rel === '' ? '.' : rel);
}

/** The spec argument that means standard input, and how headers and the lock name it. */
export const STDIN_ARG = '-';
export const STDIN_ID = '<stdin>';

/** Reads at most `max` bytes of a regular file; undefined for anything else. */
function readSmall(file: string, max: number): string | undefined {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO planted at the name must not hang the run.
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch {
    return undefined;
  }
  try {
    if (!fstatSync(fd).isFile()) return undefined;
    const buf = Buffer.alloc(max);
    const n = readSync(fd, buf, 0, max, 0);
    return buf.subarray(0, n).toString('utf8');
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** stat, or undefined for anything in the way (missing, a file where a folder should be, no access). */
function statOrNone(p: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(p, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}
const isDir = (p: string): boolean => statOrNone(p)?.isDirectory() === true;
const isFile = (p: string): boolean => statOrNone(p)?.isFile() === true;

/**
 * Whether `dir` is a work tree's top level, as git decides it for `.git` (setup.c):
 * a `.git` folder that holds `HEAD`, or a `.git` file `gitdir: <path>` naming a folder
 * that holds `HEAD` (linked worktrees, submodules).
 */
export function isWorkTreeTop(dir: string): boolean {
  const dotGit = path.join(dir, '.git');
  const st = statOrNone(dotGit);
  if (!st) return false;
  if (st.isDirectory()) return isFile(path.join(dotGit, 'HEAD'));
  if (!st.isFile()) return false;
  const text = readSmall(dotGit, 4096);
  const m = text === undefined ? null : /^gitdir: *(.+?)\r?\n?$/.exec(text.split('\n')[0] ?? '');
  if (!m) return false;
  const gitdir = path.resolve(dir, m[1]!);
  return isDir(gitdir) && isFile(path.join(gitdir, 'HEAD'));
}

const tops = new Map<string, string | null>();

/** The git top level at or above the absolute folder `dir` (which may not exist yet), or undefined. */
export function gitTopLevel(dir: string): string | undefined {
  const seen: string[] = [];
  let top: string | null | undefined;
  for (let d = dir; ; ) {
    top = tops.get(d);
    if (top !== undefined) break;
    seen.push(d);
    if (isWorkTreeTop(d)) {
      top = d;
      break;
    }
    const up = path.dirname(d);
    if (up === d) {
      top = null;
      break;
    }
    d = up;
  }
  for (const d of seen) tops.set(d, top);
  return top ?? undefined;
}

/**
 * `p` (absolute) with symlinks resolved in the part that exists, so that a spec named
 * through a symlinked folder and an output folder named through its real path still
 * share a root. The last missing segments are kept as written.
 */
export function realish(p: string): string {
  const rest: string[] = [];
  for (let d = p; ; ) {
    try {
      return path.join(realpathSync(d), ...rest.reverse());
    } catch {
      const up = path.dirname(d);
      if (up === d) return p;
      rest.push(path.basename(d));
      d = up;
    }
  }
}

const roots = new Map<string, string>();

/**
 * The root that generated files name paths from, for an output folder: the git top level
 * above it, or, outside git, its parent folder. Absolute, symlinks resolved.
 */
export function outputRoot(outDir: string, cwd = process.cwd()): string {
  const abs = path.resolve(cwd, outDir);
  let root = roots.get(abs);
  if (root === undefined) {
    const real = realish(abs);
    root = gitTopLevel(real) ?? path.dirname(real);
    roots.set(abs, root);
  }
  return root;
}

const realDirs = new Map<string, string>();

/** POSIX path of `p` relative to `root`, symlinks in its folder resolved (the file itself is not). */
function relativeToRoot(p: string, root: string, cwd: string): string {
  const abs = path.resolve(cwd, p);
  const dir = path.dirname(abs);
  let real = realDirs.get(dir);
  if (real === undefined) realDirs.set(dir, (real = realish(dir)));
  const rel = toPosix(path.relative(root, path.join(real, path.basename(abs))));
  return rel === '' ? '.' : rel;
}

/**
 * How generated files and `kspec.lock.json` name a spec: its POSIX path relative to the
 * output folder's root (`outputRoot`), or `<stdin>` for `-`. The same spec gets the same
 * id from any working folder; `kspec compile` records it and stale-output detection
 * compares with it.
 */
export function specId(file: string, outDir: string, cwd = process.cwd(), root = outputRoot(outDir, cwd)): string {
  if (file === STDIN_ARG) return STDIN_ID;
  return relativeToRoot(file, root, cwd);
}

/** The output folder as generated files name it: relative to its root. */
export function outputId(outDir: string, cwd = process.cwd(), root = outputRoot(outDir, cwd)): string {
  return relativeToRoot(outDir, root, cwd);
}

/** The absolute path a spec id names, for an output folder (undefined for `<stdin>`). */
export function specFromId(id: string, outDir: string, cwd = process.cwd()): string | undefined {
  if (id === STDIN_ID) return undefined;
  return path.resolve(outputRoot(outDir, cwd), id);
}

/** A C0 or C1 control character, or DEL: refused in any path kspec writes or prints as a command. */
export const CONTROL = /[\x00-\x1f\x7f-\x9f]/;

/** `s` with control characters shown as escapes (`\n`, `\x1b`), safe to print on one line. */
export function showControls(s: string): string {
  return s.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => {
    const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    return named[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}

/**
 * Why a path cannot be used, or undefined: a path that reaches a generated file (header,
 * regenerate command, lock) or a CI log must not hold a control character, which would
 * end a comment line or a workflow command and start one of its own.
 * `shown` is how the path is printed, `written` how generated files would name it.
 */
export function refusedPath(what: 'spec' | 'output folder', shown: string, written = shown): string | undefined {
  if (!CONTROL.test(shown) && !CONTROL.test(written)) return undefined;
  const bad = CONTROL.test(shown) ? shown : written;
  return `refusing ${what} '${showControls(bad)}': its name holds a control character (${showControls(CONTROL.exec(bad)![0])}), which would break the lines of generated files and CI logs; rename it`;
}
