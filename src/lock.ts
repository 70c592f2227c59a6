/**
 * The output lock and the commit journal of src/write.ts.
 *
 * Lock: `<out>/.<name>.kspec-lock`, created with O_EXCL and holding the writer's pid. It
 * sits beside the unit's folder, not in it, so it never shows up among the generated
 * files. Concurrent compiles into the same folder take turns: one waits (polling) while
 * another holds the lock. A lock whose process is gone (a killed compile) is stale and is
 * taken over. Waiting is bounded; a live holder past the bound is an I/O error (exit 2).
 *
 * Journal: `<out>/.<name>.kspec-journal`, written (through a rename) once every new file
 * is complete on disk as a temp file and before the first of them is renamed into place.
 * It lists the renames and removals still to do. A compile killed between its renames
 * leaves the journal behind; the next writer that takes the lock rolls it forward, so
 * the folder ends up entirely from that killed compile, never half of it, before the new
 * compile starts. A journal whose temp files are gone was already completed.
 *
 * Leftovers: a compile killed while staging leaves temp files and no journal; the next
 * writer removes those of dead processes (sweepTemps).
 */
import { open, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';

export interface Journal {
  /** [temp file, final file], absolute, in commit order (the manifest last). */
  renames: Array<[string, string]>;
  /** Absolute paths of stale files to remove after the renames. */
  remove: string[];
}

export const lockPath = (root: string, name: string): string => path.join(root, `.${name}.kspec-lock`);
export const journalPath = (root: string, name: string): string => path.join(root, `.${name}.kspec-journal`);

export class LockTimeoutError extends Error {}

/** True when `pid` on this host is a live process (EPERM: alive, not ours). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

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
      const fh = await open(file, 'wx', 0o644);
      await fh.writeFile(me);
      await fh.close();
      return async () => {
        // Only remove our own lock: a stale-lock takeover may have replaced it.
        if ((await readFile(file, 'utf8').catch(() => '')) === me) await unlink(file).catch(() => undefined);
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = (await readFile(file, 'utf8').catch(() => '')).trim();
    const [pidText, host] = holder.split(' ');
    const pid = Number(pidText);
    // An empty lock is one being written right now (open, then write): wait for it.
    const stale = holder !== '' && (!Number.isInteger(pid) || pid <= 0 || (host === hostname() && !alive(pid)));
    if (stale) {
      await unlink(file).catch(() => undefined);
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
export async function writeJournal(root: string, name: string, j: Journal): Promise<void> {
  const file = journalPath(root, name);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(j) + '\n');
  await rename(tmp, file);
}

export async function clearJournal(root: string, name: string): Promise<void> {
  await unlink(journalPath(root, name)).catch(() => undefined);
}

/**
 * Completes a commit that a killed writer left half done. Called with the lock held.
 * Renames whose temp file is gone were done already; removals are idempotent.
 */
export async function rollForward(root: string, name: string): Promise<boolean> {
  const text = await readFile(journalPath(root, name), 'utf8').catch(() => null);
  if (text === null) return false;
  let j: Journal;
  try {
    j = JSON.parse(text) as Journal;
  } catch {
    await clearJournal(root, name);
    return false;
  }
  const dir = path.join(root, name);
  const inside = (p: string): boolean => typeof p === 'string' && !path.relative(dir, p).startsWith('..') && path.isAbsolute(p);
  for (const [tmp, final] of j.renames ?? []) {
    if (!inside(tmp) || !inside(final)) continue;
    await rename(tmp, final).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
  }
  for (const p of j.remove ?? []) if (inside(p)) await unlink(p).catch(() => undefined);
  await clearJournal(root, name);
  return true;
}

/** A staged temp file: `.<name>.kspec-<pid>-<random>.tmp` (src/write.ts). */
const TEMP = /^\..+\.kspec-(\d+)-[a-z0-9]+\.tmp$/;

/** Removes temp files that dead writers left in `dirs` (called with the lock held). */
export async function sweepTemps(dirs: Iterable<string>): Promise<void> {
  for (const dir of new Set(dirs)) {
    for (const f of await readdir(dir).catch(() => [] as string[])) {
      const pid = Number(TEMP.exec(f)?.[1]);
      if (pid > 0 && pid !== process.pid && !alive(pid)) await unlink(path.join(dir, f)).catch(() => undefined);
    }
  }
}
