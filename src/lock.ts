/**
 * The output lock and the commit journal of src/write.ts.
 *
 * Lock: `<out>/.<name>.kspec-lock`, created with O_EXCL and holding the writer's pid. It
 * sits beside the unit's folder, not in it, so it never shows up among the generated
 * files. Concurrent compiles into the same folder take turns: one waits (polling) while
 * another holds the lock. A lock whose process is gone (a killed compile) is stale and is
 * taken over. Waiting is bounded; a live holder past the bound is an I/O error (exit 2).
 *
 * Journal: `<out>/.<name>.kspec-journal`, written (through a rename) when a commit into
 * an existing folder starts: every new file is complete on disk in the run's staging
 * folder, and none is renamed into place yet. It lists the renames and removals still to
 * do. A compile killed between its renames leaves the journal behind; the next writer
 * that takes the lock rolls it forward, so the folder ends up entirely from that killed
 * compile, never half of it, before the new compile starts. A journal whose staged files
 * are gone was already completed.
 *
 * Leftovers: a compile killed before its commits leaves its staging folder
 * (`STAGE_PREFIX<pid>-<random>`) and no journal; the next run removes those of dead
 * processes, after rolling forward any journal (src/write.ts, recoverLeftovers).
 *
 * Synchronous file calls, as in src/write.ts; only the wait for a live holder is async.
 */
import { closeSync, existsSync, openSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import path from 'node:path';

export interface Journal {
  /** [staged file, final file], absolute, in commit order (the manifest last). */
  renames: Array<[string, string]>;
  /** Absolute paths of stale files to remove after the renames. */
  remove: string[];
  /** The staged copy of the unit's folder, removed once the commit is complete. */
  cleanup?: string;
}

export const lockPath = (root: string, name: string): string => path.join(root, `.${name}.kspec-lock`);
export const journalPath = (root: string, name: string): string => path.join(root, `.${name}.kspec-journal`);

export class LockTimeoutError extends Error {}

/** True when `pid` on this host is a live process (EPERM: alive, not ours). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

let cachedHost: string | undefined;
const hostname = (): string => (cachedHost ??= osHostname());

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Takes the lock, waiting up to `waitMs` for a live holder. Returns the release function.
 * A holder on another host (a shared folder) cannot be probed and is waited for.
 */
export async function acquireLock(root: string, name: string, waitMs = 120_000): Promise<() => Promise<void>> {
  const file = lockPath(root, name);
  const me = `${process.pid} ${hostname()}\n`;
  const deadline = Date.now() + waitMs;
  for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
    try {
      const fd = openSync(file, 'wx', 0o644);
      try {
        writeSync(fd, me);
      } finally {
        closeSync(fd);
      }
      return async () => {
        // Only remove our own lock: a stale-lock takeover may have replaced it.
        if (readOrEmpty(file) === me) rmSync(file, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = readOrEmpty(file).trim();
    const [pidText, host] = holder.split(' ');
    const pid = Number(pidText);
    // An empty lock is one being written right now (open, then write): wait for it.
    const stale = holder !== '' && (!Number.isInteger(pid) || pid <= 0 || (host === hostname() && !alive(pid)));
    if (stale) {
      rmSync(file, { force: true });
      continue;
    }
    if (Date.now() >= deadline) {
      throw new LockTimeoutError(
        `${path.join(root, name)} is being written by process ${holder || '?'} (lock ${file}); wait for it, or delete the lock if no kspec is running`,
      );
    }
    await sleep(delay);
  }
}

/** Writes the journal atomically (temp file and rename): a torn journal is never read. */
export function writeJournal(root: string, name: string, j: Journal): void {
  const file = journalPath(root, name);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(j) + '\n');
  renameSync(tmp, file);
}

export function clearJournal(root: string, name: string): void {
  rmSync(journalPath(root, name), { force: true });
}

/** `<out>/.kspec-stage-<pid>-<random>/`: a run's staging folder (src/write.ts). */
export const STAGE_PREFIX = '.kspec-stage-';
export const stageName = (pid: number, random: string): string => `${STAGE_PREFIX}${pid}-${random}`;
/** The pid of the run that made a staging folder named `name`, or undefined. */
export function stagePid(name: string): number | undefined {
  const m = /^\.kspec-stage-(\d+)-[0-9a-f]+$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/**
 * Completes a commit that a killed writer left half done. Called with the lock held.
 * Renames whose staged file is gone were done already; removals are idempotent. Then the
 * killed run's staged copy of the unit is removed.
 */
export function rollForward(root: string, name: string): boolean {
  const file = journalPath(root, name);
  // existsSync first: almost always there is none, and a failed read throws (slow).
  if (!existsSync(file)) return false;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  let j: Journal;
  try {
    j = JSON.parse(text) as Journal;
  } catch {
    clearJournal(root, name);
    return false;
  }
  const dir = path.join(root, name);
  const under = (base: string, p: unknown): p is string => typeof p === 'string' && path.isAbsolute(p) && !path.relative(base, p).startsWith('..');
  // A staged file sits in a staging folder of the output root; its target in the unit's folder.
  const staged = (p: unknown): p is string => under(root, p) && stagePid(path.relative(root, p).split(path.sep)[0]!) !== undefined;
  for (const [from, to] of j.renames ?? []) {
    if (!staged(from) || !under(dir, to)) continue;
    try {
      renameSync(from, to);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  for (const p of j.remove ?? []) if (under(dir, p)) rmSync(p, { force: true });
  if (staged(j.cleanup)) {
    rmSync(j.cleanup, { recursive: true, force: true });
    try {
      rmdirSync(path.dirname(j.cleanup));
    } catch {
      // the staging folder still holds other units (a live run's), or is gone
    }
  }
  clearJournal(root, name);
  return true;
}
