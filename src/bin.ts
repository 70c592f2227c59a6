#!/usr/bin/env node
/**
 * The process entry of the kspec command line (bundled by scripts/build.mjs into the bin,
 * dist/kspec.cjs): what only a process does, then src/cli.ts's `main`.
 */
import { main } from './cli.js';
import { quietOnClosedPipes } from './pipes.js';

// A promise, not top-level await: the package's bin is a CommonJS bundle of this module
// (scripts/build.mjs), run with V8's code cache, and CommonJS has no top-level await.
quietOnClosedPipes();
void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
