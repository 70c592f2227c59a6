/** Shared test helpers: compile YAML text in memory and find diagnostics. */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { compileBytes, type CompileResult } from '../src/compile.js';
import type { Entry } from '../src/diagnostics/catalogue.js';
import type { Diagnostic } from '../src/diagnostics/diagnostic.js';
import { loadSchema } from '../src/validate.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * The package's bin, dist/kspec.cjs (built by test/global-setup.ts): what users run, and
 * what tests about the process spawn (exit codes, output streams, signals, closed pipes).
 * It starts in about a third of the unbundled dist/bin.js's time (V8 code cache, one
 * bundle); test/perf.test.ts checks that the two behave the same.
 */
export const BIN = path.join(ROOT, 'dist', 'kspec.cjs');

export function compileText(yaml: string | Uint8Array, specPath = 'spec.yaml', checkOnly = false): Promise<CompileResult> {
  const bytes = typeof yaml === 'string' ? new TextEncoder().encode(yaml) : yaml;
  return compileBytes(bytes, { specPath, specDir: ROOT, command: `kspec compile ${specPath} -o out`, checkOnly });
}

/** Asserts exactly one diagnostic with the entry's code, at line:column, and returns it. */
export function expectDiagnostic(r: CompileResult, entry: Entry, line: number, column: number): Diagnostic {
  const found = r.diagnostics.filter((d) => d.code === entry.code);
  expect(found, `${entry.code} in ${JSON.stringify(r.diagnostics, null, 1)}`).toHaveLength(1);
  const d = found[0]!;
  expect({ line: d.line, column: d.column, severity: d.severity }).toEqual({ line, column, severity: entry.severity });
  expect(d.message).not.toBe('');
  return d;
}

export function tempDir(prefix = 'kspec-test-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** Runs shellcheck on one script's text; returns its findings (empty when clean). Many scripts: shellcheckAll. */
export function shellcheck(script: string, name = 'script.sh'): string {
  return shellcheckAll([[name, script]]).get(name)!;
}

/**
 * Runs one shellcheck over many scripts; returns each script's findings by its key (empty
 * when clean), one `<key>:<line>:<col>: <level>: <message> [SCnnnn]` line per finding. A
 * text given under several keys (the same script rendered by several variants) is checked
 * once. For a test file's variants: check them all up front, then assert per variant.
 * It blocks its worker while shellcheck runs: for a long run, shellcheckAllAsync.
 */
export function shellcheckAll(scripts: Iterable<readonly [key: string, text: string]>): Map<string, string> {
  const batch = shellcheckBatch(scripts);
  if (batch.files.length === 0) return batch.found;
  const r = spawnSync('shellcheck', [...SHELLCHECK_ARGS, ...batch.files], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  return batch.read(r.status, r.stdout, r.stderr);
}

/**
 * shellcheckAll without blocking the worker: shellcheck runs as a child while the worker's
 * other tests go on (start it early, await it in the tests that assert on it). Same
 * answer, same errors.
 */
export async function shellcheckAllAsync(scripts: Iterable<readonly [key: string, text: string]>): Promise<Map<string, string>> {
  const batch = shellcheckBatch(scripts);
  if (batch.files.length === 0) return batch.found;
  const r = await runAsync('shellcheck', [...SHELLCHECK_ARGS, ...batch.files]);
  return batch.read(r.status, r.stdout, r.stderr);
}

const SHELLCHECK_ARGS = ['-s', 'bash', '-f', 'gcc'];

/**
 * A command run without blocking the worker (npm and pre-commit take minutes here, and a
 * worker blocked that long misses vitest's own messages: an "onTaskUpdate" timeout; a test
 * that waits on several can run them at once). `status` is the exit code, null when the
 * command did not exit by itself (killed at `timeout`, or not started).
 */
export function runAsync(cmd: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { ...opts, encoding: 'utf8', maxBuffer: 1 << 26 }, (error, stdout, stderr) => {
      const code = (error as { code?: unknown } | null)?.code;
      resolve({ status: error ? (typeof code === 'number' ? code : null) : 0, stdout, stderr });
    });
  });
}

/** shellcheckAll's files: each distinct text written once; `read` maps shellcheck's answer back to the keys. */
function shellcheckBatch(scripts: Iterable<readonly [key: string, text: string]>): {
  files: string[];
  found: Map<string, string>;
  read: (status: number | null, stdout: string, stderr: string) => Map<string, string>;
} {
  const dir = tempDir('kspec-sc-');
  const fileOf = new Map<string, string>(); // text -> file
  const keysOf = new Map<string, string[]>(); // file -> keys
  const found = new Map<string, string>();
  for (const [key, text] of scripts) {
    if (found.has(key)) throw new Error(`shellcheckAll: key ${key} given twice`);
    found.set(key, '');
    let file = fileOf.get(text);
    if (file === undefined) {
      file = path.join(dir, `${fileOf.size}-${path.basename(key).replace(/[^\w.-]/g, '_')}`);
      writeFileSync(file, text);
      fileOf.set(text, file);
      keysOf.set(file, []);
    }
    keysOf.get(file)!.push(key);
  }
  const read = (status: number | null, stdout: string, stderr: string): Map<string, string> => {
    // 0: clean; 1: findings, one line each; anything else (bad option, unreadable file) is the harness's fault.
    if (status !== 0 && status !== 1) throw new Error(`shellcheck exited ${status}: ${stderr}`);
    for (const line of stdout.split('\n').filter(Boolean)) {
      const file = [...keysOf.keys()].find((f) => line.startsWith(`${f}:`));
      if (file === undefined) throw new Error(`shellcheck: a line for no script given: ${line}`);
      for (const key of keysOf.get(file)!) found.set(key, `${found.get(key)!}${key}${line.slice(file.length)}\n`);
    }
    if (status === 1 && [...found.values()].every((v) => v === '')) throw new Error(`shellcheck exited 1 with no findings: ${stderr}`);
    return found;
  };
  return { files: [...fileOf.values()], found, read };
}

/** f's value, computed on the first call (in the first test that needs it, so a throw fails that test). */
export function lazily<T>(f: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = f();
      done = true;
    }
    return value;
  };
}

/** Runs `bash -n` on a script's text (bashSyntaxAll: a text known to parse is not run again); returns the error output (empty when it parses). */
export function bashSyntax(script: string): string {
  return bashSyntaxAll([['script', script]]).get('script')!;
}

/** sha256 of every text `bashSyntaxAll` found to parse: `bash -n` is a function of the text alone. */
const PARSED_BY_BASH = new Set<string>();

/**
 * `bash -n` on many scripts in one process; returns each key's error output (empty when it
 * parses). A text given under several keys, or found to parse by an earlier call in this
 * worker, is checked once.
 */
export function bashSyntaxAll(scripts: Iterable<readonly [key: string, text: string]>): Map<string, string> {
  const hashOf = (text: string) => createHash('sha256').update(text).digest('hex');
  const fileOf = new Map<string, string>();
  const keys: Array<[string, string | undefined]> = [];
  let dir: string | undefined;
  for (const [key, text] of scripts) {
    const hash = hashOf(text);
    if (PARSED_BY_BASH.has(hash)) {
      keys.push([key, undefined]);
      continue;
    }
    let file = fileOf.get(hash);
    if (file === undefined) {
      dir ??= tempDir('kspec-bash-n-');
      file = path.join(dir, String(fileOf.size));
      writeFileSync(file, text);
      fileOf.set(hash, file);
    }
    keys.push([key, file]);
  }
  const errors = new Map<string, string>();
  if (dir !== undefined) {
    // One bash, and one `bash -n` per distinct text (no subshell to capture its output: its
    // errors go to a file beside it, read only for the texts that fail).
    const loop = 'for f; do bash -n -- "$f" 2>"$f.err" || printf \'%s\\0\' "$f"; done';
    const r = spawnSync('bash', ['-c', loop, 'bash-n', ...fileOf.values()], { encoding: 'utf8', maxBuffer: 64 << 20 });
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`bashSyntaxAll: the loop exited ${r.status}: ${r.stderr}`);
    for (const f of r.stdout.split('\0').filter(Boolean)) errors.set(f, readFileSync(`${f}.err`, 'utf8') || 'bash -n failed');
    for (const [hash, file] of fileOf) if (!errors.has(file)) PARSED_BY_BASH.add(hash);
    rmSync(dir, { recursive: true, force: true });
  }
  return new Map(keys.map(([key, file]) => [key, file === undefined ? '' : (errors.get(file) ?? '')]));
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' });
}

/** Replaces line n (1-based) of a spec text with `text` (which may hold several lines), or deletes it (null). */
export function replaceLine(base: string, n: number, text: string | null): string {
  const lines = base.split('\n');
  lines.splice(n - 1, 1, ...(text === null ? [] : [text]));
  return lines.join('\n');
}

/**
 * stderr without the closing line every run ends with (`N specs: … in S s`, src/commands.ts
 * closingLine; test/run.test.ts tests it), for tests about the rest of the output.
 */
export const withoutClosingLine = (stderr: string): string => stderr.replace(/^\d+ specs?: [^\n]* in \d+\.\d\d s\n/m, '');

const TARGETS_DIR = path.join(ROOT, 'src', 'targets');

/**
 * Every golden case, by name, sorted. A case lives in its target's folder,
 * src/targets/<platform>/golden/<case>/; case names are unique across targets.
 */
export function goldenCases(): string[] {
  return readdirSync(TARGETS_DIR, { withFileTypes: true })
    .filter((t) => t.isDirectory() && existsSync(path.join(TARGETS_DIR, t.name, 'golden')))
    .flatMap((t) => readdirSync(path.join(TARGETS_DIR, t.name, 'golden'), { withFileTypes: true }).filter((c) => c.isDirectory()).map((c) => c.name))
    .sort();
}

/** The folder of a golden case (see goldenCases). */
export function goldenDir(name: string): string {
  for (const t of readdirSync(TARGETS_DIR)) {
    const dir = path.join(TARGETS_DIR, t, 'golden', name);
    if (existsSync(dir)) return dir;
  }
  throw new Error(`no golden case '${name}' under src/targets/*/golden/`);
}

/**
 * The keys a mapping of the schema takes, in schema order (schema/kspec.schema.json, as the
 * CLI validates with it): what KS2001's fix lists for an unknown key there. `definition`
 * names one of its definitions; without it, the top level.
 */
export function schemaKeys(definition?: string): readonly string[] {
  const schema = loadSchema() as { properties: object; definitions: Record<string, { properties?: object }> };
  const node = definition === undefined ? schema : schema.definitions[definition];
  if (!node?.properties) throw new Error(`schemaKeys: the schema has no mapping '${definition}'`);
  return Object.keys(node.properties);
}

/** The keys of `kernel`, in schema order. */
export const KERNEL_KEYS: readonly string[] = schemaKeys('kernel');
/** The top-level keys of a spec, in schema order. */
export const ROOT_KEYS: readonly string[] = schemaKeys();

/**
 * How many cases each property test draws: 50 in `npm test` (a fast suite), 200 in the deep
 * run `.ci/run` adds (`npm run test:deep`), more with KSPEC_PROPERTY_RUNS or `npm run fuzz`.
 * Every property draws from PROPERTY_SEED, so a count always draws the same cases and the
 * suite cannot pass on one run and fail on the next; `npm run fuzz` and KSPEC_PROPERTY_SEED
 * draw others (fast-check prints the seed of a failure).
 */
export const PROPERTY_RUNS = Number(process.env.KSPEC_PROPERTY_RUNS ?? 50);
/**
 * The deep run (`npm run test:deep`, KSPEC_DEEP=1): scale cases at their real size. `npm
 * test` builds the generated worst cases of scripts/worst-cases.mjs at WORST_SCALE (1/16 of
 * the 1 MiB and 100,000-value limits: the same shapes, and the same limit reached, with
 * each limit scaled alike); the deep run at 1. Their time is `npm run bench`'s to measure.
 */
export const DEEP = process.env.KSPEC_DEEP === '1';
export const WORST_SCALE = DEEP ? 1 : 1 / 16;
/**
 * Whether the render variants' scripts, and every golden case's, go through shellcheck: in
 * the deep run. `npm test` runs shellcheck over the longest golden text of each platform and
 * file name (test/golden.test.ts) and `bash -n` over every variant's and case's; the
 * variants add about 1 MB of shell, the golden cases 0.5 MB, and shellcheck 0.9 costs ~35 ms of
 * CPU per KB (a fifth of the suite's CPU). A test that skips it says so in its title
 * (`andShellcheck`).
 */
export const SHELLCHECK_VARIANTS = DEEP;
/** ' and shellcheck' when the variants go through shellcheck (for test titles). */
export const andShellcheck = SHELLCHECK_VARIANTS ? ' and shellcheck' : '';
export const PROPERTY_SEED = Number(process.env.KSPEC_PROPERTY_SEED ?? 20261202);
