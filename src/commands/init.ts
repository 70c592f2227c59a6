/**
 * `kspec init --platform <p> [--name <n>] [--out <file>]`: writes a starter spec. Its
 * `# yaml-language-server: $schema=` modeline is a path relative to the new file that
 * holds in every clone of the repository: the repository's node_modules/kspec/schema/
 * when kspec is a dependency there, else a copy of the running kspec's schema that init
 * writes at the repository's top (kspec.schema.json). Never the running kspec's own path:
 * under npx that is a cache folder only this machine has.
 */
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fail, ioReason } from '../commands.js';
import { NAME, starter } from '../init.js';
import { displayPath, toPosix } from '../paths.js';
import type { Platform } from '../types.js';
import { SCHEMA_PATH } from '../validate.js';

export interface InitOptions {
  platform: Platform;
  name?: string;
  out?: string;
  schema?: string;
  force?: boolean;
}

/** Where the copy of the schema goes when no node_modules/kspec is found: the repository's top. */
export const SCHEMA_COPY = 'kspec.schema.json';

/** The nearest folder from `dir` up that holds `.git` (the repository's top), else `dir`. */
export function repositoryTop(dir: string): string {
  for (let d = dir; ; d = path.dirname(d)) {
    if (existsSync(path.join(d, '.git'))) return d;
    if (path.dirname(d) === d) return dir;
  }
}

/**
 * The schema for a spec written in `dir`: `{ modeline }` relative to `dir`, and `copy`, the
 * file to write when the schema is not already in the repository's node_modules.
 */
export function schemaFor(dir: string): { modeline: string; copy?: string } {
  const top = repositoryTop(dir);
  for (let d = dir; ; d = path.dirname(d)) {
    const p = path.join(d, 'node_modules', 'kspec', 'schema', 'kspec.schema.json');
    if (existsSync(p)) return { modeline: toPosix(path.relative(dir, p)) };
    if (d === top || path.dirname(d) === d) break;
  }
  const copy = path.join(top, SCHEMA_COPY);
  return { modeline: toPosix(path.relative(dir, copy)), copy };
}

/**
 * Writes the schema copy unless it is there with the same text. A symlink there is left
 * alone (kspec never writes through one): an error.
 */
async function writeSchemaCopy(file: string): Promise<'written' | 'unchanged'> {
  const text = readFileSync(SCHEMA_PATH, 'utf8');
  if (isSymlink(file)) throw new Error('it is a symbolic link');
  if (existsSync(file) && readFileSync(file, 'utf8') === text) return 'unchanged';
  await writeFile(file, text);
  return 'written';
}

function isSymlink(file: string): boolean {
  try {
    return lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}

export async function runInit(opts: InitOptions): Promise<number> {
  const name = opts.name ?? `my-${opts.platform}`;
  if (!NAME.test(name)) {
    return fail(`--name '${name}' is not a DNS-1123 label (a-z, 0-9 and '-', at most 63, starting and ending with a letter or digit)`);
  }
  const out = opts.out ?? `${name}.yaml`;
  const dir = out === '-' ? process.cwd() : path.dirname(path.resolve(out));
  const schema = opts.schema === undefined ? schemaFor(dir) : { modeline: opts.schema };
  const text = starter(opts.platform, name, schema.modeline);
  // The schema first: a spec whose modeline names a file that could not be written is
  // not written either.
  let copied = '';
  if (schema.copy !== undefined) {
    const shown = displayPath(schema.copy);
    try {
      if ((await writeSchemaCopy(schema.copy)) === 'written') copied = `; wrote ${shown}, the schema its modeline names (commit it)`;
    } catch (e) {
      return fail(`cannot write '${shown}' (the schema the modeline names): ${ioReason(e)}`);
    }
  }
  if (out !== '-') {
    try {
      await mkdir(path.dirname(path.resolve(out)), { recursive: true });
      await writeFile(out, text, { flag: opts.force ? 'w' : 'wx' });
    } catch (e) {
      return fail(`cannot write '${out}': ${(e as NodeJS.ErrnoException).code === 'EEXIST' ? 'it exists (use --force to overwrite)' : ioReason(e)}`);
    }
  }
  if (out === '-') {
    process.stdout.write(text);
    if (copied) process.stderr.write(`kspec:${copied.slice(1)}\n`);
    return 0;
  }
  process.stdout.write(`wrote ${out}: a starter ${opts.platform} spec; check it with: kspec validate ${out}${copied}\n`);
  return 0;
}
