/**
 * The kspec command line run in this test worker: src/cli.ts's `main`, with the working
 * folder, the environment and both output streams the test gives it, and its exit code.
 *
 * A spawn of the bin costs ~0.15 s of CPU (Node's own start is most of it), and the suite
 * ran ~200 of them for tests about what a command does, not about the process. Those call
 * `kspecInProcess`; tests about the process itself (exit through a signal, a closed pipe,
 * stdin, the code caches, the bundle) spawn the bin (`BIN`), and test/perf.test.ts holds the
 * bin to this same `main` over every golden case.
 *
 * What a run touches that belongs to the process is put back afterwards: the working
 * folder, the variables set, `process.exitCode`, the streams' `write` and `isTTY` (always
 * false here, as with a spawn's pipes), and the SIGINT/SIGTERM listeners an output session
 * installs. Runs queue one after another (they share the process), so a test may start
 * several without awaiting each. Vitest runs `pool: 'forks'`, where `process.chdir` works.
 */
import { main } from '../src/cli.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  /** Variables set (a string) or removed (undefined) for the run; the rest are the worker's. */
  env?: Record<string, string | undefined>;
}

let queue: Promise<unknown> = Promise.resolve();

export function kspecInProcess(cwd: string, args: readonly string[], opts: CliRunOptions = {}): Promise<CliRun> {
  const run = queue.then(() => runOnce(cwd, args, opts));
  queue = run.catch(() => undefined);
  return run;
}

type Write = NodeJS.WriteStream['write'];

/** Replaces `stream.write` with one that keeps the bytes; returns what puts it back. */
function capture(stream: NodeJS.WriteStream, chunks: Buffer[]): () => void {
  const { write } = stream;
  const hadTty = Object.prototype.hasOwnProperty.call(stream, 'isTTY');
  const tty = stream.isTTY;
  stream.write = ((chunk: string | Uint8Array, encodingOrCallback?: BufferEncoding | ((e?: Error | null) => void), callback?: (e?: Error | null) => void): boolean => {
    const encoding = typeof encodingOrCallback === 'string' ? encodingOrCallback : 'utf8';
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, encoding) : Buffer.from(chunk));
    const cb = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
    if (cb) process.nextTick(cb);
    return true;
  }) as Write;
  stream.isTTY = false;
  return () => {
    stream.write = write;
    if (hadTty) stream.isTTY = tty;
    else delete (stream as { isTTY?: boolean }).isTTY;
  };
}

async function runOnce(cwd: string, args: readonly string[], opts: CliRunOptions): Promise<CliRun> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const before = { cwd: process.cwd(), exitCode: process.exitCode, sigint: process.listeners('SIGINT'), sigterm: process.listeners('SIGTERM') };
  const env = Object.entries(opts.env ?? {}).map(([k, v]) => [k, process.env[k], v] as const);
  const restore = [capture(process.stdout, out), capture(process.stderr, err)];
  try {
    for (const [k, , v] of env) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    process.chdir(cwd);
    process.exitCode = undefined;
    const code = await main([...args]);
    return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
  } finally {
    for (const r of restore) r();
    process.chdir(before.cwd);
    process.exitCode = before.exitCode;
    for (const [k, old] of env) {
      if (old === undefined) delete process.env[k];
      else process.env[k] = old;
    }
    for (const [signal, kept] of [['SIGINT', before.sigint], ['SIGTERM', before.sigterm]] as const) {
      for (const l of process.listeners(signal)) if (!kept.includes(l)) process.removeListener(signal, l);
    }
  }
}
