/**
 * A closed stdout or stderr (`kspec compile --check … | head -1`, `kspec diff | less` quit
 * early) ends kspec's output, not its run: Node ignores SIGPIPE, so a write to a closed
 * pipe fails with EPIPE, emitted as an 'error' on the stream, and with no listener that is
 * an uncaught exception with a stack trace and exit code 1. Here the stream that closed is
 * silenced (its later writes do nothing), and the run goes on to the exit code it would
 * have had: a compile still commits, --check still reports drift by its code.
 *
 * A process-level handler, not a listener per stream: process.stderr is created on first
 * access, which costs start-up time on every run (src/diagnostics/format.ts).
 */
import { writeSync } from 'node:fs';

const isClosedPipe = (e: unknown): boolean => {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED';
};

/** Makes `stream` accept and drop every later write. */
function silence(stream: NodeJS.WriteStream): void {
  stream.write = ((_chunk: unknown, encodingOrCallback?: unknown, callback?: unknown): boolean => {
    const cb = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
    if (typeof cb === 'function') process.nextTick(cb as () => void);
    return true;
  }) as NodeJS.WriteStream['write'];
}

let installed = false;

export function quietOnClosedPipes(): void {
  if (installed) return;
  installed = true;
  process.on('uncaughtException', (e) => {
    if (isClosedPipe(e)) {
      for (const stream of [process.stdout, process.stderr]) if (stream.destroyed || stream.writableEnded) silence(stream);
      return;
    }
    // Anything else is a bug: reported as main() reports one (exit 2), if stderr is still open.
    try {
      writeSync(2, `kspec: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    } catch {
      // stderr is closed too: the exit code says it.
    }
    process.exit(2);
  });
}
