/**
 * validate's masses (src/validate.ts, findMasses): a closed mapping with many unknown keys
 * is validated by Ajv without them, and its keys are gone through at its sentinel's place,
 * past the Reporter's limit only counted. Every diagnostic must be what validating the
 * whole data gives (`masses: false`, the way validate worked before): same codes, words,
 * places, paths and order, the same KS1017 count, at every limit.
 */
import { describe, expect, it } from 'vitest';
import { D } from '../src/diagnostics/catalogue.js';
import { Reporter } from '../src/diagnostics/diagnostic.js';
import { parseSpec } from '../src/parse.js';
import { findMasses, validate } from '../src/validate.js';
import { BASE } from './fixtures.js';

const keys = (prefix: string, n: number, indent = ''): string => Array.from({ length: n }, (_, i) => `${indent}${prefix}${i}: ${i}\n`).join('');

/** BASE with `extra` lines put after the line `after` (a key of BASE, top level or nested). */
function withLines(after: string, extra: string, base = BASE): string {
  const lines = base.split('\n');
  const i = lines.indexOf(after);
  if (i < 0) throw new Error(`no line ${after}`);
  return [...lines.slice(0, i + 1), extra.replace(/\n$/, ''), ...lines.slice(i + 1)].join('\n');
}

const CASES: Array<{ name: string; text: string; masses: string[] }> = [
  { name: 'unknown top-level keys', text: BASE + keys('u', 150), masses: [''] },
  {
    name: 'unknown keys at the root, in kernel, metadata, the provider and target variants',
    text: withLines('target:', keys('t', 80, '  '), withLines('provider:', keys('p', 80, '  '), withLines('kernel:', keys('k', 90, '  '), withLines('metadata:', keys('m', 70, '  '), BASE + keys('u', 100))))),
    masses: ['', '/metadata', '/kernel', '/provider', '/target'],
  },
  {
    name: 'a misspelt required key among them (one mistake: the unknown key with its suggestion)',
    text: BASE.replace('kind: KernelSpec\n', 'kindd: KernelSpec\n') + keys('u', 100),
    masses: [''],
  },
  {
    name: 'reserved keys and key material among them',
    text: BASE + keys('u', 40) + '__proto__: 1\nconstructor: {a: 1}\n"-----BEGIN KEY": 1\nx: "-----BEGIN PRIVATE KEY-----"\n' + keys('v', 60) + 'prototype: 2\n',
    masses: [''],
  },
  { name: 'integer-like keys (first in for...in order, as Ajv loops)', text: BASE + keys('u', 70) + '"10": 1\n"2": 1\n"-1": 1\n"007": 1\n', masses: [''] },
  {
    name: 'other errors before, among and after them',
    text: withLines('kernel:', '  arch: [sparc]\n  config: {CONFIG_A: true, bad: "x", CONFIG_B: [1]}\n' + keys('k', 70, '  '), BASE.replace('  arch: [x86_64]\n', '') + keys('u', 70) + 'packages: 3\nmetadata2: {}\n'),
    masses: ['', '/kernel'],
  },
  {
    name: 'a provider of no known type: its keys are not the variant\'s to judge',
    text: withLines('provider:', keys('p', 80, '  '), BASE.replace('  type: copr', '  type: nope')),
    masses: [],
  },
  { name: 'too few unknown keys to be a mass', text: BASE + keys('u', 10), masses: [] },
  {
    name: 'kernel.config values of the wrong type',
    text: withLines('kernel:', '  config:\n' + Array.from({ length: 120 }, (_, i) => `    CONFIG_K${i}: true\n`).join('')),
    masses: ['/kernel/config'],
  },
  {
    name: 'kernel.config: every kind of mistake in names and values, reserved keys, key material, escaped pointers',
    text: withLines(
      'kernel:',
      '  config:\n' +
        Array.from({ length: 90 }, (_, i) => {
          const long = `CONFIG_${'L'.repeat(130)}${i}`;
          return [
            `    CONFIG_OK${i}: y`,
            `    bad_name${i}: m`,
            `    bad${i}: "a\\"b"`,
            `    ${long}: ${i}`,
            `    ${long}x: "${'v'.repeat(1030)}"`,
            `    CONFIG_S${i}: "${'v'.repeat(1030)}\\u0001"`,
            `    CONFIG_O${i}: {a: 1}`,
            `    CONFIG_L${i}: [1]`,
            `    CONFIG_N${i}: null`,
            `    CONFIG_F${i}: 1.5`,
            `    "CONFIG_A/B~${i}": true`,
            `    "x/y~${i}": "q\\""`,
          ].join('\n');
        }).join('\n') +
        '\n    __proto__: true\n    constructor: y\n    CONFIG_KEY: "-----BEGIN PRIVATE KEY-----"\n    "-----BEGIN": y\n',
    ),
    masses: ['/kernel/config'],
  },
  {
    name: 'metadata.labels and unknown keys beside it, and a mass of unknown keys at the root',
    text:
      withLines('  name: demo', '  labels:\n' + Array.from({ length: 80 }, (_, i) => `    ${i % 3 ? 'org.x' : 'Bad'}.l${i}: ${i % 2 ? 'v' : '"\\u0007"'}\n`).join('') + keys('m', 70, '  ')) +
      keys('u', 100),
    masses: ['', '/metadata', '/metadata/labels'],
  },
  {
    name: 'labels of a liquidmetal template (a free map inside a discriminated variant) and unknown keys beside them',
    text: `apiVersion: kspec.dev/v1alpha1
kind: KernelSpec
metadata:
  name: lm
kernel:
  version: 6.6.30
  arch: [x86_64]
provider:
  type: oci
  kernel: {image: ghcr.io/example/kernel-bin:6.6.30, filename: boot/vmlinux}
target:
  platform: liquidmetal
  provider: cloudhypervisor
  capmvm: v0.9.0
  rootImage: ghcr.io/liquidmetal-dev/capmvm-kubernetes:1.23.5
  template:
    name: mvm
    labels:
${Array.from({ length: 80 }, (_, i) => `      ${i % 4 ? 'app' : 'Bad'}.l${i}: ${i % 3 ? 'v' : '[1]'}\n`).join('')}${keys('t', 80, '    ')}`,
    masses: ['/target/template', '/target/template/labels'],
  },
  {
    name: 'a valid kernel.config of many entries (no diagnostics either way)',
    text: withLines('kernel:', '  config:\n' + Array.from({ length: 120 }, (_, i) => `    CONFIG_K${i}: ${i % 2 ? 'y' : i}\n`).join('')),
    masses: ['/kernel/config'],
  },
];

const run = async (text: string, limit: number, masses: boolean) => {
  const parsed = parseSpec('spec.yaml', new TextEncoder().encode(text));
  expect(parsed.raw, parsed.diagnostics.map((d) => d.message).join('\n')).toBeDefined();
  const report = new Reporter(parsed.raw!.source, limit);
  const traced: boolean[] = [];
  await validate(parsed.raw!.data, report, { masses, traceMasses: (x) => traced.push(x) });
  // Validated as masses, never by the fallback, whenever there are masses.
  expect(traced).toEqual(masses && (await findMasses(parsed.raw!.data)).length > 0 ? [true] : []);
  return report.diagnostics.map((d) => ({ ...d }));
};

describe('validate: a mapping with many unknown keys gives what validating it whole gives (issue 11.4)', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const parsed = parseSpec('spec.yaml', new TextEncoder().encode(c.text));
      expect((await findMasses(parsed.raw!.data)).map((m) => m.path).sort()).toEqual([...c.masses].sort());
      for (const limit of [1, 2, 7, 60, 1000]) {
        const fast = await run(c.text, limit, true);
        const whole = await run(c.text, limit, false);
        expect(fast, `limit ${limit}`).toEqual(whole);
      }
      // Not vacuous: the unknown keys are reported, and counted past a small limit.
      const counted = await run(c.text, 7, true);
      if (c.name.startsWith('kernel.config: every kind')) {
        const codes = new Set((await run(c.text, 1000, true)).map((d) => d.code));
        for (const e of [D.WrongType, D.PatternMismatch, D.BadLength, D.ReservedKey, D.KeyMaterial]) expect(codes).toContain(e.code);
      }
      if (c.name.startsWith('a valid')) {
        expect(counted).toEqual([]);
        return;
      }
      expect(counted.length).toBeGreaterThan(0);
      if (c.masses.length > 0 && !c.masses.some((m) => m.endsWith('config'))) {
        expect(counted.filter((d) => d.code === D.UnknownKey.code)).toHaveLength(7);
        expect(counted.some((d) => d.code === D.NotCollected.code)).toBe(true);
      }
    });
  }
});
