/**
 * Rendered files held between compiling and writing. `kspec compile` writes nothing until
 * every spec has compiled, so every output is in memory at once: ~28 KB a bootc spec,
 * which alone would take 1,000 specs past the 80 MiB the CLI should fit in. Outputs of one
 * platform are mostly the same template text, so each is deflated with the first output
 * of the same file list as the preset dictionary: ~1 KB a spec. They are inflated one
 * unit at a time, just before that unit is written or compared.
 */
import { createRequire } from 'node:module';
import type { RenderedFile } from './types.js';

export interface PackedFiles {
  files: Array<Omit<RenderedFile, 'content'> & { length: number }>;
  /** Shared by every output with the same file list. */
  dictionary: Buffer;
  /** Every content, concatenated in order, deflated. */
  data: Buffer;
}

// node:zlib is not in Node's start-up snapshot (~3 ms to load): only runs over many specs need it.
let zlibModule: typeof import('node:zlib') | undefined;
const zlib = (): typeof import('node:zlib') => (zlibModule ??= createRequire(import.meta.url)('node:zlib') as typeof import('node:zlib'));

/** Deflate's window: a longer dictionary is not used. */
const WINDOW = 32 * 1024;

export class FilePacker {
  private readonly dictionaries = new Map<string, Buffer>();

  pack(files: RenderedFile[]): PackedFiles {
    const raw = Buffer.from(files.map((f) => f.content).join(''), 'utf8');
    const key = files.map((f) => f.path).join('\0');
    let dictionary = this.dictionaries.get(key);
    if (!dictionary) {
      dictionary = Buffer.from(raw.subarray(-WINDOW));
      this.dictionaries.set(key, dictionary);
    }
    return {
      files: files.map(({ content, ...rest }) => ({ ...rest, length: content.length })),
      dictionary,
      // A copy: zlib returns a view of a larger chunk, which would be kept alive with it.
      data: Buffer.from(zlib().deflateRawSync(raw, { level: 1, dictionary })),
    };
  }
}

export function unpackFiles(p: PackedFiles): RenderedFile[] {
  const text = zlib().inflateRawSync(p.data, { dictionary: p.dictionary }).toString('utf8');
  let at = 0;
  return p.files.map(({ length, ...rest }) => {
    const content = text.slice(at, at + length);
    at += length;
    return { ...rest, content };
  });
}
