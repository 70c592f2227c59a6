/** How kspec shows paths: POSIX separators, relative to the working folder. */
import path from 'node:path';

/** `p` with POSIX separators. */
export const toPosix = (p: string): string => p.split(path.sep).join('/');

/** POSIX path relative to the cwd, as shown to users and written into headers. */
export function displayPath(p: string, cwd = process.cwd()): string {
  const rel = path.relative(cwd, path.resolve(cwd, p));
  return toPosix(rel === '' ? '.' : rel);
}
