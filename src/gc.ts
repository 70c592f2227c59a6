/**
 * Garbage collection tuned for a batch compile (the CLI calls this before a run over many
 * specs; one spec does not need it, and loading node:v8 costs ~4 ms of start-up: the
 * bundle loads it on first use, scripts/build.mjs).
 *
 * A run over many specs allocates a lot of short-lived garbage (YAML trees, rendered
 * text) around a small live set (~10 MiB at 1,000 specs), and V8's defaults, made for
 * servers, let the heap run ahead of it: the young generation grows to its 16 MiB
 * semi-spaces (~30 MiB committed) and the old generation is let to grow by a large factor
 * between full collections. Over 1,000 specs peak RSS was ~100 MiB with the defaults,
 * ~84 MiB with the young generation kept at its current size
 * (--semi-space-growth-factor=1) and ~73 MiB with the old generation grown by at most
 * 1.5x (--heap-growing-percent=50), for more GC work on very large runs (npm run bench;
 * README, "Performance").
 *
 * Both flags are read each time V8 would grow a space, so setting them at run time is
 * safe. Measured on Node 20 (V8 11.3); both exist in V8 11-13 (Node 20-24), where newer
 * versions clamp the first to at least 2 and it changes nothing. Other V8 versions are
 * left alone: an unknown flag would print an error.
 */
import { setFlagsFromString } from 'node:v8';

export const BATCH_GC_ABOVE = 32;

let tuned = false;

export function tuneGcForBatch(specs: number): void {
  if (tuned || specs <= BATCH_GC_ABOVE || !/^1[1-3]\./.test(process.versions.v8)) return;
  tuned = true;
  setFlagsFromString('--semi-space-growth-factor=1');
  setFlagsFromString('--heap-growing-percent=50');
}
