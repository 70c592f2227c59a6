/**
 * What kspec shows on a terminal: whether to colour, and the progress line of a run.
 *
 * Colour follows the ecosystem's convention (Node's `tty.getColorDepth`, the
 * `supports-color` package used by chalk):
 *  - `FORCE_COLOR` set to `1`, `2`, `3`, `true` or the empty string forces colour on, even
 *    when the stream is not a terminal and even with `NO_COLOR` (it is the more specific
 *    request); `0` or `false` forces it off; any other value is ignored;
 *  - otherwise `NO_COLOR` set to anything but the empty string turns it off
 *    (https://no-color.org);
 *  - otherwise colour on a terminal whose `TERM` is not `dumb`.
 */

/** true/false when FORCE_COLOR decides, undefined when it is unset or meaningless. */
export function forcedColour(env: NodeJS.ProcessEnv = process.env): boolean | undefined {
  const v = env.FORCE_COLOR;
  if (v === undefined) return undefined;
  if (v === '' || v === 'true' || v === '1' || v === '2' || v === '3') return true;
  if (v === '0' || v === 'false') return false;
  return undefined;
}

export function colourWanted(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  const forced = forcedColour(env);
  if (forced !== undefined) return forced;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

/**
 * `[n/total] spec` on one line of a terminal's stderr, redrawn in place as a run goes
 * on and cleared at its end. Nothing at all when the stream is not a terminal (CI logs,
 * pipes, tests), with --quiet, or for a single spec. Redrawn at most every 50 ms: a
 * terminal is slower than a spec.
 */
export class Progress {
  private last = 0;
  private shown = false;

  constructor(
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream & { columns?: number } = process.stderr,
    private readonly enabled = stream.isTTY === true && total > 1,
  ) {}

  update(n: number, what: string): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (this.shown && now - this.last < 50 && n < this.total) return;
    this.last = now;
    const width = Math.max(20, (this.stream.columns || 80) - 1);
    let line = `[${n}/${this.total}] ${what}`;
    if (line.length > width) line = line.slice(0, width - 1) + '…';
    this.stream.write(`\r\x1b[K${line}`);
    this.shown = true;
  }

  /** Erases the line, so what is printed next starts at the left margin. */
  clear(): void {
    if (!this.shown) return;
    this.stream.write('\r\x1b[K');
    this.shown = false;
  }
}

/** The run's seconds, for the closing line: the one part of kspec's output that varies. */
// process.uptime(), not performance.now(): the global `performance` loads perf_hooks (~1 ms at start).
export const seconds = (since: number): string => `${((process.uptime() * 1000 - since) / 1000).toFixed(2)} s`;
