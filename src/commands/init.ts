/**
 * `kspec init --platform <p> [--name <n>] [--out <file>]`: writes a starter spec. The
 * modeline points at the schema the editor can reach from the new file: the project's
 * node_modules/kspec when kspec is installed there, else the schema of the running kspec.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fail, ioReason } from '../commands.js';
import { NAME, starter } from '../init.js';
import { toPosix } from '../paths.js';
import type { Platform } from '../types.js';
import { SCHEMA_PATH } from '../validate.js';

export interface InitOptions {
  platform: Platform;
  name?: string;
  out?: string;
  schema?: string;
  force?: boolean;
}

function schemaFor(dir: string): string {
  let found = SCHEMA_PATH;
  for (let d = dir; ; d = path.dirname(d)) {
    const p = path.join(d, 'node_modules', 'kspec', 'schema', 'kspec.schema.json');
    if (existsSync(p)) {
      found = p;
      break;
    }
    if (path.dirname(d) === d) break;
  }
  return toPosix(path.relative(dir, found));
}

export async function runInit(opts: InitOptions): Promise<number> {
  const name = opts.name ?? `my-${opts.platform}`;
  if (!NAME.test(name)) {
    return fail(`--name '${name}' is not a DNS-1123 label (a-z, 0-9 and '-', at most 63, starting and ending with a letter or digit)`);
  }
  const out = opts.out ?? `${name}.yaml`;
  const dir = out === '-' ? process.cwd() : path.dirname(path.resolve(out));
  const text = starter(opts.platform, name, opts.schema ?? schemaFor(dir));
  if (out === '-') {
    process.stdout.write(text);
    return 0;
  }
  try {
    await mkdir(path.dirname(path.resolve(out)), { recursive: true });
    await writeFile(out, text, { flag: opts.force ? 'w' : 'wx' });
  } catch (e) {
    return fail(`cannot write '${out}': ${(e as NodeJS.ErrnoException).code === 'EEXIST' ? 'it exists (use --force to overwrite)' : ioReason(e)}`);
  }
  process.stdout.write(`wrote ${out}: a starter ${opts.platform} spec; check it with: kspec validate ${out}\n`);
  return 0;
}
