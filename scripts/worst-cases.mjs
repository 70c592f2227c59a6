/**
 * Generated worst cases for the parser and the diagnostics (issue 11): specs up to the
 * 1 MiB limit built to make a linear walk quadratic or an unbounded one hang. Used by
 * `npm run fuzz` (the slowest case is printed) and by test/hostile.test.ts.
 */
const HEAD = `apiVersion: kspec.dev/v1alpha1
kind: KernelSpec
metadata:
  name: demo
`;
const TAIL = `provider:
  type: copr
  repo: bieszczaders/kernel-cachyos
  packages: [kernel-cachyos, kernel-cachyos-devel-matched]
target:
  platform: bootc
  base: ghcr.io/ublue-os/bluefin-dx:stable
`;
const KERNEL = `kernel:
  package: kernel-cachyos
  arch: [x86_64]
`;
const MIB = 1024 * 1024;

/** Values allowed in a spec (MAX_VALUES in src/parse.ts). */
export const MAX_VALUES = 100_000;
/** The largest spec yaml reads when the fast reader gives up (MAX_FULL_PARSE_BYTES in src/parse.ts). */
export const MAX_FULL_PARSE_BYTES = 8 * 1024;

/**
 * The scale every case is built at: 1 builds them at the real limits (1 MiB, MAX_VALUES
 * values); `npm test` builds them at 1/16 (64 KiB, 6,250 values), `npm run test:deep`,
 * `npm run fuzz` and `npm run bench` at 1. Set by `withScale` around a call of a case.
 */
let scale = 1;

/** Calls `make` with the cases built at `s` of the real limits (see `scale`). */
export function withScale(s, make) {
  const before = scale;
  scale = s;
  try {
    return make();
  } finally {
    scale = before;
  }
}

/** Repeats `unit(i)` (of `values` values) while the whole stays under the byte limit and the limit of values (less room for the rest of the spec). */
function fill(prefix, unit, suffix, values = 1) {
  const limit = MIB * scale - 1024;
  const maxValues = MAX_VALUES * scale - 100;
  const parts = [prefix];
  let size = prefix.length + suffix.length;
  for (let i = 0; values === 0 || i * values < maxValues; i++) {
    const u = unit(i);
    if (size + u.length > limit) break;
    parts.push(u);
    size += u.length;
  }
  parts.push(suffix);
  return parts.join('');
}

/** name -> () => spec text. Each is at most 1 MiB and just under the limit of values (at scale 1). */
export const WORST_CASES = {
  // A valid spec: one mapping with as many keys as allowed (the duplicate-key check).
  'config keys (valid)': () => fill(HEAD + KERNEL + '  config:\n', (i) => `    CONFIG_K${i}: y\n`, TAIL, 2),
  // Unknown keys on one flow line: one diagnostic each, every code frame on that line.
  'unknown keys on one flow line': () => fill(HEAD + KERNEL + TAIL + 'extra: {', (i) => `u${i}: 1, `, '}\n', 2),
  // Unknown keys at the root, one per line (one diagnostic each, with a suggestion).
  'unknown keys, one per line': () => fill(HEAD + KERNEL + TAIL, (i) => `u${i}: 1\n`, '', 2),
  // Diagnostics through aliases: each module is an alias of its own anchor, and each
  // has an unknown key (the pointer walks resolve an alias per diagnostic).
  'diagnostics on aliased nodes': () =>
    fill(HEAD + KERNEL + TAIL + 'modules:\n', (i) => `  - &m${i} {name: m${i}, package: akmod-m${i}, repo: rpmfusion-free, bad${i}: x}\n  - *m${i}\n`, '', 10),
  // As many aliases of one scalar as allowed (each one expansion).
  'aliases of one anchor': () => fill(HEAD + KERNEL + TAIL + 'v: &v 1\nextra: [', () => '*v, ', ']\n'),
  // Self-referential aliases, repeated: each is reported, none expands.
  'self-referential aliases': () => fill(HEAD + KERNEL + TAIL, (i) => `r${i}: &r${i} {x: [*r${i}]}\n`, '', 4),
  // Duplicate keys, as many as fit.
  'duplicate keys': () => fill(HEAD + KERNEL + TAIL + 'extra:\n', () => '  a: 1\n', '', 2),
  // A wide flow sequence of scalars.
  'wide sequence': () => fill(HEAD + KERNEL + TAIL + 'extra: [', () => '1,', '1]\n'),
  // One 1 MiB line: a quoted value with escapes, reported (the code frame is that line).
  'one long line': () => HEAD + KERNEL + TAIL + 'extra: "' + 'x\\x1b'.repeat(Math.floor((MIB * scale - 2048) / 5)) + '"\n',
  // A value past the limit of values: refused on the lexer's tokens.
  'too many values': () => fill(HEAD + KERNEL + TAIL + 'extra: [', () => '1,', '1]\n', 0),
  // The same behind syntax the fast reader leaves to yaml (an explicit key with no value):
  // spec discovery's sniff read it with yaml's parseDocument (3.8 s, 570 MB) before the
  // parser refused it.
  'too many values, read by yaml': () => fill(HEAD + KERNEL + TAIL + '? a\n? b\n: c\nextra: [', () => '1,', '1]\n', 0),
  // Specs in YAML the fast reader of src/yamltree.ts may not read (block scalars, tabs,
  // tags, multi-line flow collections and plain scalars, comments): the same sizes must
  // hold whichever reader builds the tree.
  // A valid spec of config keys with one block scalar (a folded description).
  'config keys + block scalar (valid)': () =>
    fill(HEAD.replace('  name: demo\n', '  name: demo\n  description: >-\n    A long\n    description\n') + KERNEL + '  config:\n', (i) => `    CONFIG_K${i}: y\n`, TAIL, 2),
  // Every config value a block scalar (yaml's lexer counts a block scalar as two values).
  'config values as block scalars': () => fill(HEAD + KERNEL + '  config:\n', (i) => `    CONFIG_K${i}: |-\n      y\n`, TAIL, 3),
  // Unknown keys with a tab after the colon.
  'unknown keys, tab-separated': () => fill(HEAD + KERNEL + TAIL, (i) => `u${i}:\t1\n`, '', 2),
  // Unknown keys with tagged values.
  'unknown keys, tagged values': () => fill(HEAD + KERNEL + TAIL, (i) => `u${i}: !!str ${i}\n`, '', 2),
  // Unknown keys, each with a comment line and a two-line plain value.
  'unknown keys, multi-line values': () => fill(HEAD + KERNEL + TAIL, (i) => `# c\nu${i}: a\n  b\n`, '', 2),
  // Unknown keys with values under a custom tag (yaml warns, and reads a string).
  'unknown keys, custom tags': () => fill(HEAD + KERNEL + TAIL, (i) => `u${i}: !x ${i}\n`, '', 2),
  // Unknown keys with double-quoted values over two lines.
  'unknown keys, multi-line quoted values': () => fill(HEAD + KERNEL + TAIL, (i) => `u${i}: "a\n  b"\n`, '', 2),
  // kernel.config values of the wrong type (a boolean: the schema's `if` fails, then its
  // `else`): two errors each, whose summaries (`if`) validate drops as noise. That check
  // asked every error of the list once per `if` error: 20,000 values took 43 s.
  'config values of the wrong type': () => fill(HEAD + KERNEL + '  config:\n', (i) => `    CONFIG_K${i}: true\n`, TAIL, 2),
  // Unknown keys with values under yaml's core tags (each tag in turn, scalars and collections).
  'unknown keys, core tags': () =>
    fill(HEAD + KERNEL + TAIL, (i) => `u${i}: ${['!!int 1', '!!bool true', '!!null ~', '!!float 1.5', '!!str x', '!!seq [1]', '!!map {a: 1}'][i % 7]}\n`, '', 17 / 7),
  // A valid spec of config keys, every value tagged `!!str`, every key `!!str` too.
  'config keys, tagged (valid)': () => fill(HEAD + KERNEL + '  config:\n', (i) => `    !!str CONFIG_K${i}: !!str y\n`, TAIL, 2),
  // Unknown keys written as explicit keys (`? key` then `: value`).
  'unknown keys, explicit': () => fill(HEAD + KERNEL + TAIL, (i) => `? u${i}\n: 1\n`, '', 2),
  // Unknown keys with double- and single-quoted values holding a blank line.
  'unknown keys, quoted values with a blank line': () => fill(HEAD + KERNEL + TAIL, (i) => (i % 2 ? `u${i}: "a\n\n  b"\n` : `u${i}: 'a\n\n  b'\n`), '', 2),
  // A flow sequence over many lines.
  'multi-line flow sequence': () => fill(HEAD + KERNEL + TAIL + 'extra: [\n', () => '  1,\n', '  1]\n'),
  // Syntax the fast reader leaves to yaml: over MAX_FULL_PARSE_BYTES (8 KiB) refused where
  // it stopped (KS1018), instead of read by yaml at seconds a MiB.
  'unknown keys, explicit with no value': () => fill(HEAD + KERNEL + TAIL, (i) => `? u${i}\n`, '', 1),
  'config values, escaped line breaks': () => fill(HEAD + KERNEL + '  config:\n', (i) => `    K${i}: "a\\\n      b"\n`, TAIL, 2),
  'tagged block mapping': () => fill(HEAD + KERNEL + TAIL + 'extra: !!map\n', (i) => `  k${i}: v\n`, '', 2),
  // The slowest syntax for yaml found (explicit keys, nested flow collections, escaped line
  // breaks), just under the size it still reads: the bound of what yaml costs a spec.
  'read by yaml, at its size limit': () => {
    const parts = [HEAD + KERNEL + TAIL];
    let size = parts[0].length;
    for (let i = 0; ; i++) {
      const u = `? u${i}\n: [[[[1]]], {a: {b: {c: [x, y]}}}, "q\\\n r"]\n`;
      if (size + u.length > MAX_FULL_PARSE_BYTES) break;
      parts.push(u);
      size += u.length;
    }
    return parts.join('');
  },
  // A billion laughs that stays small: refused at the alias past the limit.
  'billion laughs': () => HEAD + KERNEL + TAIL + Array.from({ length: 10 }, (_, i) => `l${i}: &l${i} [${i === 0 ? Array(10).fill('lol').join(', ') : Array(10).fill(`*l${i - 1}`).join(', ')}]`).join('\n') + '\n',
};

/**
 * The worst cases the fast reader (src/yamltree.ts) leaves to yaml (their time is yaml's).
 * test/yamltree.test.ts checks that every other case is read fast, so a case added here
 * for syntax the reader gives up on must be listed.
 */
export const READ_BY_YAML = new Set(['too many values, read by yaml', 'unknown keys, explicit with no value', 'config values, escaped line breaks', 'tagged block mapping', 'read by yaml, at its size limit']);
