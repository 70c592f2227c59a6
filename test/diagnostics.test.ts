/**
 * Input, schema and common semantic diagnostics: each code with its line and column.
 * Target-specific codes are tested in test/<platform>.*.test.ts; test/catalogue.test.ts
 * asserts that every catalogue entry is exercised somewhere.
 */
import type { ErrorObject } from 'ajv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { D, fix, message } from '../src/diagnostics/catalogue.js';
import { fullIndex, MAX_FULL_PARSE_BYTES, MAX_SPEC_BYTES, MAX_VALUES, parseSpec } from '../src/parse.js';
import { fileStart, MAX_COLLECTED_PER_CODE, Reporter } from '../src/diagnostics/diagnostic.js';
import { noiseFilter, validate } from '../src/validate.js';
import { clip, escapeControls, formatDiagnostics, FRAME_WIDTH, MAX_PRINTED_PER_FILE, MAX_TEXT } from '../src/diagnostics/format.js';
import { frameWindow } from '../src/diagnostics/safe.js';
import * as WORST from '../scripts/worst-cases.mjs';
import { BASE } from './fixtures.js';
import { compileText, expectDiagnostic, KERNEL_KEYS, replaceLine } from './helpers.js';


/** Replaces one line (1-based) of BASE. */
const withLine = (n: number, text: string, base = BASE): string => replaceLine(base, n, text);

describe('the base spec', () => {
  it('compiles clean', async () => {
    const r = await compileText(BASE);
    expect(r.diagnostics).toEqual([]);
    expect(r.files.length).toBeGreaterThan(0);
  });
});

describe('KS1xxx: reading the spec', () => {
  it('KS1001 YAML syntax error', async () => {
    expectDiagnostic(await compileText(withLine(10, '  repo: [unclosed')), D.YamlSyntax, 11, 3);
  });
  it('KS1001 tab indentation', async () => {
    const r = await compileText(withLine(10, '\trepo: x/y'));
    expect(r.diagnostics[0]!.code).toBe(D.YamlSyntax.code);
    expect(r.diagnostics[0]!.line).toBe(10);
  });
  it('KS1002 duplicate key', async () => {
    expectDiagnostic(await compileText(withLine(10, '  type: repo')), D.DuplicateKey, 10, 3);
  });
  it('KS1003 invalid UTF-8', async () => {
    const bytes = new TextEncoder().encode(withLine(4, '  name: demoX'));
    const at = bytes.indexOf('X'.charCodeAt(0));
    bytes[at] = 0xff;
    expectDiagnostic(await compileText(bytes), D.NotUtf8, 4, 13);
  });
  it('KS1004 too large', async () => {
    const big = BASE + '#' + 'x'.repeat(MAX_SPEC_BYTES) + '\n';
    expectDiagnostic(await compileText(big), D.TooLarge, 1, 1);
  });
  it('KS1005 alias bomb', async () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill('*' + String.fromCharCode(96 + i)).join(', ')}]`);
    // a: 10 values; b: 10 aliases; each alias of b in c is 11 expansions: the 9th passes 100.
    expectDiagnostic(await compileText(bomb.join('\n') + '\n'), D.AliasBomb, 3, 40);
  });
  it('KS1006 nesting too deep', async () => {
    const deep = 'a: ' + '['.repeat(100) + ']'.repeat(100) + '\n';
    const d = expectDiagnostic(await compileText(deep), D.TooDeep, 1, 68);
    expect(d.path).toMatch(/^\/a(\/0)+$/);
  });
  it('KS1007 not a mapping', async () => {
    expectDiagnostic(await compileText('- just\n- a list\n'), D.NotAMapping, 1, 1);
  });
  it('KS1008 several documents', async () => {
    expectDiagnostic(await compileText(BASE + '---\nkind: KernelSpec\n'), D.MultipleDocuments, 19, 1);
  });
  it('KS1009 non-string key', async () => {
    expectDiagnostic(await compileText(withLine(7, '  1: x')), D.NonStringKey, 7, 3);
    expectDiagnostic(await compileText(withLine(7, '  ? [a, b]\n  : x')), D.NonStringKey, 7, 5);
  });
});

describe('KS1xxx: aliases and large mappings', () => {
  it('KS1013 an alias inside the value it names, at the alias (it used to hang)', async () => {
    const spec = BASE.replace('kernel:\n  package: kernel-cachyos\n  arch: [x86_64]\n', 'kernel: &s {package: kernel-cachyos, arch: [x86_64], cmdline: [*s]}\n');
    const d = expectDiagnostic(await compileText(spec), D.RecursiveAlias, 5, 64);
    expect(d.path).toBe('/kernel/cmdline/0');
    expect(d.message).toContain("'*s'");
  });
  it('KS1013 an alias deeper inside its anchored block mapping', async () => {
    const spec = BASE.replace('kernel:', 'kernel: &k').replace('  arch: [x86_64]\n', '  arch: [x86_64]\n  deep:\n    again: *k\n');
    const r = await compileText(spec);
    expect(r.diagnostics.map((d) => d.code)).toEqual([D.RecursiveAlias.code]);
    expect(expectDiagnostic(r, D.RecursiveAlias, 9, 12).path).toBe('/kernel/deep/again');
  });
  it('an alias of an earlier value is fine: the value is expanded', async () => {
    const r = await compileText(BASE.replace('  arch: [x86_64]\n', '  arch: &a [x86_64]\n') + 'x: *a\n');
    expect(r.diagnostics.map((d) => d.code)).toEqual([D.UnknownKey.code]);
    expectDiagnostic(r, D.UnknownKey, 19, 1);
  });
  it('KS1014 aliases that copy too many values, at the alias past the limit', async () => {
    const big = `big: &b [${Array.from({ length: 4000 }, (_, i) => i).join(', ')}]\n`;
    // 4,001 values a copy: the third copy passes 10,000.
    const d = expectDiagnostic(await compileText(BASE + big + 'copies: [*b, *b, *b]\n'), D.AliasExpansion, 20, 18);
    expect(d.path).toBe('/copies/2');
  });
  it('KS1016 more values than a spec can hold: refused at the first one past the limit', async () => {
    // BASE and `extra` hold 35 values, `[` (column 8) is the 36th: item 99,965 is the 100,001st.
    const r = await compileText(BASE + 'extra: [' + '1,'.repeat(MAX_VALUES) + '1]\n');
    expect(MAX_VALUES).toBe(100_000);
    expectDiagnostic(r, D.TooManyValues, 19, 9 + 2 * 99_964);
    expect(r.diagnostics).toHaveLength(1);
  });
  it('KS1018 a spec over 8 KiB in YAML the fast reader leaves to yaml: refused at the line where it stopped; below the limit yaml reads it', async () => {
    // kernel.config of `K<i>: "a\` + newline + `b"` (an escaped line break): the fast reader
    // stops at the first one (line 9), and yaml's reading of ~1 MiB of them took 2-3 s.
    const config = (n: number): string => Array.from({ length: n }, (_, i) => `    K${i}: "a\\\n      b"\n`).join('');
    const big = withLine(7, '  arch: [x86_64]\n  config:\n' + config(8_000));
    expect(big.length).toBeGreaterThan(MAX_FULL_PARSE_BYTES);
    const r = await compileText(big, 'spec.yaml', true);
    expectDiagnostic(r, D.LargeYamlNotPlain, 9, 1);
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]!.message).toContain(`The spec is ${Buffer.byteLength(big)} bytes`);
    // A tag on a block collection, and an explicit key with no value (found looking for its
    // `:` on the line below), at the top level.
    expectDiagnostic(await compileText(BASE + 'extra: !!map\n' + '  k: v\n'.repeat(20_000), 'spec.yaml', true), D.LargeYamlNotPlain, 19, 1);
    expectDiagnostic(await compileText(BASE + Array.from({ length: 20_000 }, (_, i) => `? u${i}\n`).join(''), 'spec.yaml', true), D.LargeYamlNotPlain, 20, 1);
    // The same shape under the limit: yaml reads it.
    const small = await compileText(withLine(7, '  arch: [x86_64]\n  config:\n' + config(10)), 'spec.yaml', true);
    expect(small.diagnostics.map((d) => d.code)).not.toContain(D.LargeYamlNotPlain.code);
    // The worst case the bench times for this bound is just under it, and read by yaml.
    expect([WORST.MAX_FULL_PARSE_BYTES, WORST.MAX_VALUES]).toEqual([MAX_FULL_PARSE_BYTES, MAX_VALUES]);
    const atLimit = WORST.WORST_CASES['read by yaml, at its size limit']!();
    expect(Buffer.byteLength(atLimit)).toBeGreaterThan(MAX_FULL_PARSE_BYTES - 100);
    expect(Buffer.byteLength(atLimit)).toBeLessThanOrEqual(MAX_FULL_PARSE_BYTES);
    const read = await compileText(atLimit, 'spec.yaml', true);
    expect(new Set(read.diagnostics.map((d) => d.code))).toEqual(new Set([D.UnknownKey.code]));
  });
  it("issue 11's valid spec, 40,000 kernel.config keys in ~830 KB, is valid; 55,000 short keys are KS1016", async () => {
    const config = (n: number, name = (i: number): string => `CONFIG_K${i}`): string => Array.from({ length: n }, (_, i) => `    ${name(i)}: y\n`).join('');
    const text = withLine(7, '  arch: [x86_64]\n  config:\n' + config(40_000));
    expect(text.length).toBeGreaterThan(800_000);
    // It took 49 s (yaml's duplicate-key check), then was refused by a limit of 50,000 values.
    const ok = await compileText(text, 'spec.yaml', true);
    expect(ok.diagnostics).toEqual([]);
    // Refused at the 100,001st value: 14 values up to `config`, then 2 per entry: the key
    // of entry 49,994 (line 8 + 49,994).
    const big = await compileText(withLine(7, '  arch: [x86_64]\n  config:\n' + config(55_000, (i) => `K${i}`)), 'spec.yaml', true);
    expect(big.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([[D.TooManyValues.code, 8 + 49_994, 5]]);
  });
  it("a large spec's pointer index takes parse's index of each mapping's keys: it locates as an index built afresh", () => {
    // Over KEEP_DOCUMENT_ABOVE the parsed tree is kept, with the key indexes the duplicate
    // check built (an alias, a repeated key in another mapping's values and keys of a
    // sequence's mappings among them).
    const config = Array.from({ length: 6000 }, (_, i) => `    CONFIG_K${i}: y\n`).join('');
    const text = withLine(7, '  arch: [x86_64]\n  config: &c\n' + config) + 'extra:\n  - {a: 1, b: 2}\n  - a: 3\n    CONFIG_K5: 4\ncopy: *c\n';
    const parsed = parseSpec('spec.yaml', new TextEncoder().encode(text));
    expect(parsed.diagnostics).toEqual([]);
    const fresh = fullIndex('spec.yaml', text);
    const pointers = ['/kernel/config/CONFIG_K0', '/kernel/config/CONFIG_K5999', '/kernel/config/CONFIG_K3000', '/kernel/config/nope', '/extra/0/b', '/extra/1/CONFIG_K5', '/extra/1/nope', '/copy/CONFIG_K17', '/kernel/arch/0', '/nope/x'];
    for (const ptr of pointers) {
      for (const at of ['key', 'value'] as const) expect(parsed.raw!.source.locate(ptr, at), `${ptr} ${at}`).toEqual(fresh.locate(ptr, at));
    }
    expect(parsed.raw!.source.locate('/copy/CONFIG_K17', 'key')).toMatchObject({ line: 8 + 17 + 1, column: 5 });
  });
  it('KS1015 an alias of an anchor that is not defined before it', async () => {
    expectDiagnostic(await compileText(withLine(7, '  arch: *later')), D.UnknownAnchor, 7, 9);
  });
  it('KS1002, checked against the data object of each mapping: the second of three, in a flow mapping too', async () => {
    const r = await compileText(withLine(7, '  arch: [x86_64]\n  config: {A: y, B: y, A: n, A: m}'));
    expect(r.diagnostics.filter((d) => d.code === D.DuplicateKey.code).map((d) => [d.line, d.column, d.path])).toEqual([
      [8, 24, '/kernel/config'],
      [8, 30, '/kernel/config'],
    ]);
  });
});

describe('KS2xxx: schema', () => {
  it('KS2001 unknown key with a suggestion', async () => {
    const d = expectDiagnostic(await compileText(withLine(7, '  archs: [x86_64]')), D.UnknownKey, 7, 3);
    expect(d.message).toContain("Did you mean 'arch'?");
    expect(d.path).toBe('/kernel/archs');
  });
  it('KS2001 unknown key inside a provider variant gives one message', async () => {
    const r = await compileText(withLine(10, '  rep: bieszczaders/kernel-cachyos'));
    expect(r.diagnostics).toHaveLength(1);
    expectDiagnostic(r, D.UnknownKey, 10, 3);
  });
  it('KS2001 for __proto__, constructor and prototype lists the keys allowed there, as for any unknown key', async () => {
    const d = expectDiagnostic(await compileText(withLine(7, '  __proto__: [x86_64]')), D.UnknownKey, 7, 3);
    expect(d.fix).toBe(fix(D.UnknownKey, { key: '__proto__', allowed: KERNEL_KEYS }));
    // In a provider variant and in a list item: the same list as an ordinary unknown key's there.
    const cases = [
      { spec: (k: string) => BASE.replace('  repo: bieszczaders', `  ${k}: 1\n  repo: bieszczaders`), key: 'constructor', line: 10, column: 3 },
      { spec: (k: string) => BASE.replace('  - name: v4l2loopback', `  - name: v4l2loopback\n    ${k}: x`), key: 'prototype', line: 14, column: 5 },
    ];
    for (const c of cases) {
      const reserved = expectDiagnostic(await compileText(c.spec(c.key)), D.UnknownKey, c.line, c.column);
      const ordinary = expectDiagnostic(await compileText(c.spec('zzz')), D.UnknownKey, c.line, c.column);
      expect(reserved.fix, c.key).toBe(ordinary.fix);
      expect(reserved.fix, c.key).not.toContain('(none)');
      expect(reserved.message).toBe(message(D.UnknownKey, { key: c.key, allowed: [] }));
    }
  });
  it('KS2012 for a reserved key in a free map (labels), which takes any other key', async () => {
    const r = await compileText(BASE.replace('  name: demo\n', '  name: demo\n  labels:\n    constructor: x\n'));
    expect(r.diagnostics.map((d) => d.code)).toEqual([D.ReservedKey.code]);
    const d = expectDiagnostic(r, D.ReservedKey, 6, 5);
    expect([d.message, d.fix]).toEqual([message(D.ReservedKey, { key: 'constructor' }), fix(D.ReservedKey, { key: 'constructor' })]);
  });
  it('KS2002 missing key', async () => {
    const d = expectDiagnostic(await compileText(withLine(18, '')), D.MissingKey, 16, 1);
    expect(d.message).toContain("'base'");
  });
  it('KS2003 wrong type', async () => {
    expectDiagnostic(await compileText(withLine(7, '  arch: x86_64')), D.WrongType, 7, 9);
  });
  it('KS2004 value not in enum, with a suggestion', async () => {
    const d = expectDiagnostic(await compileText(withLine(7, '  arch: [x86-64]')), D.NotInEnum, 7, 10);
    expect(d.message).toContain("Did you mean 'x86_64'?");
  });
  it('KS2005 pattern', async () => {
    const d = expectDiagnostic(await compileText(withLine(4, '  name: Demo_Spec')), D.PatternMismatch, 4, 9);
    expect(d.message).toContain('DNS-1123');
  });
  it('KS2005 pattern on a map key', async () => {
    const r = await compileText(withLine(7, '  config: {SCHED_BORE: y}'));
    expectDiagnostic(r, D.PatternMismatch, 7, 12);
  });
  it('KS2006 constant', async () => {
    expectDiagnostic(await compileText(withLine(1, 'apiVersion: kspec.dev/v1')), D.ConstMismatch, 1, 13);
  });
  it('KS2007 out of range', async () => {
    const spec = withLine(11, '  packages: [kernel-cachyos, kernel-cachyos-devel-matched]\n  retry: {attempts: 0}');
    expectDiagnostic(await compileText(spec), D.OutOfRange, 12, 21);
  });
  it('KS2008 length', async () => {
    expectDiagnostic(await compileText(withLine(11, '  packages: []')), D.BadLength, 11, 13);
  });
  it('KS2009 unknown provider type, with a suggestion', async () => {
    const r = await compileText(withLine(9, '  type: cop'));
    expect(r.diagnostics).toHaveLength(1);
    const d = expectDiagnostic(r, D.UnknownVariant, 9, 9);
    expect(d.message).toContain("Did you mean 'copr'?");
  });
  it('KS2009 unknown platform', async () => {
    expectDiagnostic(await compileText(withLine(17, '  platform: bootcc')), D.UnknownVariant, 17, 13);
  });
  it('KS2010 duplicate item of mappings names the item, not [object Object] (found by npm run fuzz)', async () => {
    const d = expectDiagnostic(await compileText(`${BASE}packages:\n  - name: scx-scheds\n  - name: scx-scheds\n`), D.DuplicateItem, BASE.split('\n').length + 1, 5);
    expect(d.message).toContain(`'{"name":"scx-scheds"}' is listed twice`);
  });
  it('KS2010 duplicate item', async () => {
    expectDiagnostic(await compileText(withLine(7, '  arch: [x86_64, x86_64]')), D.DuplicateItem, 7, 18);
  });
});

describe('KS3xxx: checks common to all platforms', () => {
  it('KS3001 provider not accepted by the platform', async () => {
    const spec = withLine(9, '  type: oci\n  kernel: {image: ghcr.io/x/k:1}').replace(/  repo: .*\n  packages: .*\n/, '');
    const r = await compileText(spec.replace(/modules:\n(  .*\n)+/, ''));
    expectDiagnostic(r, D.ProviderNotAccepted, 9, 9);
  });
  it('KS3003 kernel.version required — the bootc target captures it, so no error', async () => {
    const r = await compileText(BASE);
    expect(r.diagnostics.filter((d) => d.code === D.VersionRequired.code)).toEqual([]);
  });
  it('KS3004 http URL', async () => {
    const spec = withLine(9, '  type: repo\n  extraRepo: {name: extra, url: "http://example.org/x.rpm"}').replace('  repo: bieszczaders/kernel-cachyos\n', '');
    const r = await compileText(spec.replace('    repo: rpmfusion-free\n', ''));
    expectDiagnostic(r, D.InsecureUrl, 10, 33);
  });
  it('KS3005 http allowed with allowInsecure is a warning', async () => {
    const spec = withLine(9, '  type: repo\n  allowInsecure: true\n  extraRepo: {name: extra, url: "http://example.org/x.rpm"}').replace('  repo: bieszczaders/kernel-cachyos\n', '');
    const r = await compileText(spec.replace('    repo: rpmfusion-free\n', ''));
    expectDiagnostic(r, D.AllowInsecure, 11, 33);
    expect(r.files.length).toBeGreaterThan(0);
  });
  it('KS3006 key material anywhere, reported as such', async () => {
    const spec = withLine(4, '  name: demo\n  description: |\n    -----BEGIN PRIVATE KEY-----\n    MIIE\n    -----END PRIVATE KEY-----');
    const r = await compileText(spec);
    expect(r.diagnostics).toHaveLength(1);
    expectDiagnostic(r, D.KeyMaterial, 5, 16);
  });
  it('KS3007 invalid OCI reference', async () => {
    const d = expectDiagnostic(await compileText(withLine(18, '  base: ghcr.io/Ublue-os/bluefin:stable')), D.InvalidOciRef, 18, 9);
    expect(d.message).toContain('lower-case');
  });
  it("KS3007 at the value, not KS9005 at 1:1, for a tag with '..' (valid OCI, refused by the bare-word quoting)", async () => {
    const r = await compileText(withLine(18, '  base: ghcr.io/ublue-os/bluefin:v1..2'));
    const d = expectDiagnostic(r, D.InvalidOciRef, 18, 9);
    expect(d.message).toContain("'..'");
    expect(r.diagnostics.map((x) => x.code)).not.toContain(D.UnsafeValue.code);
  });
  it('KS3008 untagged OCI reference', async () => {
    expectDiagnostic(await compileText(withLine(18, '  base: ghcr.io/ublue-os/bluefin-dx')), D.UntaggedOciRef, 18, 9);
  });
  it('KS3009 -devel without -devel-matched when modules are built', async () => {
    const d = expectDiagnostic(await compileText(withLine(11, '  packages: [kernel-cachyos, kernel-cachyos-devel]')), D.DevelNotMatched, 11, 30);
    expect(d.fix).toBe(fix(D.DevelNotMatched, { pkg: 'kernel-cachyos-devel', matched: 'kernel-cachyos-devel-matched' }));
  });
  it('KS3010 kernel release that does not look like one', async () => {
    expectDiagnostic(await compileText(withLine(7, '  arch: [x86_64]\n  version: latest')), D.BadKernelRelease, 8, 12);
  });
  it('KS3011 fallback not available on the platform', async () => {
    expectDiagnostic(await compileText(BASE + 'fallback: {kernel: x, via: template}\n'), D.FallbackNotSupported, 19, 28);
  });
  it('KS3012 modules with a provider that installs no kernel package', async () => {
    const spec = withLine(9, '  type: stock').replace(/  repo: bieszczaders.*\n  packages: .*\n/, '');
    expectDiagnostic(await compileText(spec), D.ModulesWithoutPackages, 10, 1);
  });
});

describe('KS3013: fields a platform ignores', () => {
  const RANCHER = `apiVersion: kspec.dev/v1alpha1
kind: KernelSpec
metadata: {name: r}
kernel:
  version: 4.14.138-rancher
  cmdline: [console=ttyS0]
provider:
  type: tarball
  urls: {x86_64: "https://example.org/linux-4.14.138-rancher-x86.tar.gz"}
  sha256: {x86_64: ${'a'.repeat(64)}}
target: {platform: rancheros}
`;
  it('warns on the key of a field the platform does not use, and still compiles', async () => {
    const r = await compileText(RANCHER);
    const d = expectDiagnostic(r, D.FieldIgnored, 6, 3);
    expect(d.message).toMatch(/^kernel\.cmdline has no effect on 'rancheros'/);
    expect(r.files.length).toBeGreaterThan(0);
  });
  it('does not warn for an empty list or where the platform uses the field', async () => {
    expect((await compileText(RANCHER.replace('[console=ttyS0]', '[]'))).diagnostics).toEqual([]);
  });
});

describe('printing is bounded and inert (issue 11)', () => {
  const KEYS = 8000;
  /** 8,000 unknown keys on one flow line: one KS2001 each, all on line 7. */
  const wide = (): string =>
    BASE.replace('kernel:\n  package: kernel-cachyos\n  arch: [x86_64]\n', `kernel: {package: kernel-cachyos, arch: [x86_64], ${Array.from({ length: KEYS }, (_, i) => `u${i}: 1`).join(', ')}}\n`);

  it('at most MAX_PRINTED_PER_FILE diagnostics per file, the rest counted in one line', async () => {
    const r = await compileText(wide());
    const unknown = r.diagnostics.filter((d) => d.code === D.UnknownKey.code);
    // MAX_COLLECTED_PER_CODE are kept; the rest are counted by one KS1017 warning, at the
    // first key counted, which every format shows besides the first MAX_PRINTED_PER_FILE.
    expect(unknown).toHaveLength(MAX_COLLECTED_PER_CODE);
    expect(unknown[0]).toMatchObject({ line: 5, column: 51 });
    const line5 = wide().split('\n')[4]!;
    const first = `u${MAX_COLLECTED_PER_CODE}`;
    const counted = expectDiagnostic(r, D.NotCollected, 5, line5.indexOf(` ${first}: `) + 2);
    expect(counted.path).toBe(`/kernel/${first}`);
    expect(counted.message).toBe(message(D.NotCollected, { count: KEYS - MAX_COLLECTED_PER_CODE, code: D.UnknownKey.code, id: D.UnknownKey.id, limit: MAX_COLLECTED_PER_CODE }));
    const text = formatDiagnostics(r.diagnostics, 'text', () => r.source);
    expect(text.match(/error KS2001/g)).toHaveLength(MAX_PRINTED_PER_FILE);
    expect(text.match(/warning KS1017/g)).toHaveLength(1);
    const omitted = MAX_COLLECTED_PER_CODE - MAX_PRINTED_PER_FILE;
    expect(text.endsWith(`spec.yaml: ${omitted} more diagnostics not shown (${omitted} errors, 0 warnings); fix the ones shown and run kspec again\n`)).toBe(true);
    // Every frame line is cut to a window around its column: the whole output stays small.
    for (const line of text.split('\n')) expect(line.length).toBeLessThan(FRAME_WIDTH + 20 + 200);
    expect(text.length).toBeLessThan(40_000);
    const json = JSON.parse(formatDiagnostics(r.diagnostics, 'json', () => r.source)) as Array<{ code: string }>;
    expect(json).toHaveLength(MAX_PRINTED_PER_FILE + 1);
    expect(json.at(-1)!.code).toBe(D.NotCollected.code);
    const github = formatDiagnostics(r.diagnostics, 'github', () => r.source);
    expect(github.match(/^::error /gm)).toHaveLength(MAX_PRINTED_PER_FILE);
    expect(github.match(/^::warning .*title=KS1017 /gm)).toHaveLength(1);
  });

  it('a code frame shows a window around the column, with the caret under it', () => {
    const line = 'a'.repeat(500) + 'X' + 'b'.repeat(500);
    const { shown, caret } = frameWindow(line, 501);
    expect(shown).toBe('…' + 'a'.repeat(50) + 'X' + 'b'.repeat(49) + '…');
    expect(shown[caret]).toBe('X');
    expect(frameWindow('short \x1b[2J line', 7)).toEqual({ shown: 'short \\x1b[2J line', caret: 6 });
    expect(frameWindow('ab\x07cd', 4)).toEqual({ shown: 'ab\\x07cd', caret: 6 });
  });

  it('control characters are escaped in text, JSON, GitHub and SARIF, in messages, pointers and file names', async () => {
    const r = await compileText(withLine(7, '  "arch\\e]0;owned\\a\\e[2J\\u202e": [x86_64]'), 'sp\x1bec\n.yaml');
    const d = expectDiagnostic(r, D.UnknownKey, 7, 3);
    expect(d.message).toContain('\x1b');
    for (const format of ['text', 'json', 'github', 'sarif'] as const) {
      const out = formatDiagnostics(r.diagnostics, format, () => r.source);
      expect(out, format).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e]/);
      expect(out, format).toContain(format === 'json' || format === 'sarif' ? "arch\\\\x1b]0;owned\\\\x07\\\\x1b[2J\\\\u202e" : "arch\\x1b]0;owned\\x07\\x1b[2J\\u202e");
    }
    const text = formatDiagnostics(r.diagnostics, 'text', () => r.source);
    expect(text.startsWith(`sp\\x1bec\\n.yaml:7:3: error ${D.UnknownKey.code} ${D.UnknownKey.id}: `)).toBe(true);
    expect(formatDiagnostics(r.diagnostics, 'github', () => r.source)).toMatch(/^::error file=sp\\x1bec\\n\.yaml,line=7,/);
    expect(escapeControls('\t\r\n\x00\x7f\x9b\u2028')).toBe('\\t\\r\\n\\x00\\x7f\\x9b\\u2028');
  });

  it('a long message or pointer is cut in the middle, keeping its start and its advice', () => {
    const s = 'start ' + 'x'.repeat(5000) + ' advice.';
    const c = clip(s);
    expect(c.length).toBeLessThan(MAX_TEXT + 40);
    expect(c.startsWith('start x')).toBe(true);
    expect(c.endsWith('x advice.')).toBe(true);
    expect(c).toContain('characters cut');
  });
});

describe('KS1017: diagnostics past MAX_COLLECTED_PER_CODE of one code are counted, not kept (issue 11.4)', () => {
  const extra = ['a1', 'a2', 'a3', 'a4'];
  const spec = BASE + extra.map((k) => `${k}: 1\n`).join('');
  const lineOf = (k: string): number => spec.split('\n').indexOf(`${k}: 1`) + 1;

  it('keeps the first `limit` of a code and counts the rest in one warning, at the first one counted', async () => {
    const parsed = parseSpec('spec.yaml', new TextEncoder().encode(spec));
    const report = new Reporter(parsed.raw!.source, 2);
    await validate(parsed.raw!.data, report);
    expect(report.diagnostics.map((d) => [d.code, d.line, d.column, d.path])).toEqual([
      [D.UnknownKey.code, lineOf('a1'), 1, '/a1'],
      [D.UnknownKey.code, lineOf('a2'), 1, '/a2'],
      [D.NotCollected.code, lineOf('a3'), 1, '/a3'],
    ]);
    const counted = report.diagnostics[2]!;
    expect(counted.severity).toBe('warning');
    expect(counted.message).toBe("2 more KS2001 unknown-key diagnostics were not collected: kspec keeps the first 2 of one code per spec.");
    expect(counted.fix).toBe(fix(D.NotCollected, { count: 2, code: D.UnknownKey.code, id: D.UnknownKey.id, limit: 2 }));
    // The worded message is data like any other once copied (--strict copies diagnostics).
    expect({ ...counted }.message).toBe(counted.message);
    expect(JSON.parse(JSON.stringify(counted)).message).toBe(counted.message);
  });

  it('the default limit keeps every diagnostic of a usual spec', async () => {
    const r = await compileText(spec);
    expect(r.diagnostics.map((d) => d.code)).toEqual(extra.map(() => D.UnknownKey.code));
  });

  it('retract takes a diagnostic back from the list or from the count; the warning goes with the last counted', () => {
    const report = new Reporter(fileStart('spec.yaml'), 1);
    const kept = report.report(D.UnknownKey, '/a1', { key: 'a1', allowed: [] });
    let asked = 0;
    const args = () => (asked++, { key: 'x', allowed: [] });
    const c1 = report.report(D.UnknownKey, '/a2', args);
    const c2 = report.report(D.UnknownKey, '/a3', args);
    // Past the limit nothing is worded: the arguments are never asked for.
    expect(asked).toBe(0);
    expect(report.diagnostics.map((d) => d.code)).toEqual([D.UnknownKey.code, D.NotCollected.code]);
    expect(report.diagnostics[1]!.message).toMatch(/^2 more KS2001 /);
    expect(c1.line).toBe(0);
    report.retract(c1);
    expect(report.diagnostics[1]!.message).toMatch(/^1 more KS2001 /);
    report.retract(c2);
    expect(report.diagnostics.map((d) => d.code)).toEqual([D.UnknownKey.code]);
    report.retract(kept);
    expect(report.diagnostics).toEqual([]);
    // With room again, the next one is kept and worded.
    const next = report.report(D.UnknownKey, '/a4', args);
    expect(asked).toBe(1);
    expect(report.diagnostics).toEqual([next]);
  });

  it('counts/tallyAt count past the limit as report does, with nothing made but the warning (validate\'s masses)', () => {
    const report = new Reporter(fileStart('spec.yaml'), 1);
    expect(report.counts(D.UnknownKey)).toBe(false);
    report.report(D.UnknownKey, '/a1', { key: 'a1', allowed: [] });
    expect(report.counts(D.UnknownKey)).toBe(true);
    expect(report.counts(D.WrongType)).toBe(false);
    report.tallyAt(D.UnknownKey, '/m', 'a/b', 'key', 3);
    report.tallyAt(D.UnknownKey, '/m', 'zz', 'key');
    expect(report.diagnostics.map((d) => [d.code, d.path])).toEqual([
      [D.UnknownKey.code, '/a1'],
      [D.NotCollected.code, '/m/a~1b'],
    ]);
    expect(report.diagnostics[1]!.message).toMatch(/^4 more KS2001 /);
    // A stand-in counted by report() afterwards is retracted from the same count.
    report.retract(report.report(D.UnknownKey, '/x', { key: 'x', allowed: [] }));
    expect(report.diagnostics[1]!.message).toMatch(/^4 more KS2001 /);
  });

  it('a flood of warnings is counted by a warning: the count never makes a spec fail', () => {
    const report = new Reporter(fileStart('spec.yaml'), 1);
    for (let i = 0; i < 3; i++) report.report(D.FieldIgnored, `/x${i}`, { field: 'kernel.cmdline', platform: 'rancheros', why: 'test' });
    expect(report.diagnostics.map((d) => d.severity)).toEqual(['warning', 'warning']);
    expect(report.hasErrors).toBe(false);
  });
});

describe('validate drops oneOf/anyOf/if and propertyNames summaries as noise', () => {
  // noiseFilter looks at the errors beside each, then sorts the paths once (the old check
  // asked every error of the list per summary: quadratic, 43 s for 20,000 kernel.config
  // values of the wrong type). Against that definition, on random error lists whose paths
  // are prefixes of one another.
  const naive = (e: ErrorObject, all: ErrorObject[]): boolean => {
    if (e.keyword === 'oneOf' || e.keyword === 'anyOf' || e.keyword === 'if') return all.some((o) => o !== e && o.instancePath.startsWith(e.instancePath));
    if (e.keyword === 'propertyNames') return all.some((o) => o !== e && o.propertyName !== undefined);
    return false;
  };
  const error = fc.record({
    keyword: fc.constantFrom('oneOf', 'anyOf', 'if', 'propertyNames', 'type', 'pattern', 'required'),
    instancePath: fc.array(fc.constantFrom('/a', '/b', '/a1', '/1', '/', '/~0'), { maxLength: 3 }).map((s) => s.join('')),
    propertyName: fc.option(fc.constantFrom('x', 'y'), { nil: undefined }),
  });
  it('exactly where an error of the list has a path under its own (or names a property)', () => {
    fc.assert(
      fc.property(fc.array(error, { maxLength: 12 }), (raw) => {
        const all = raw.map((r) => ({ ...r, schemaPath: '#', params: {} }) as ErrorObject);
        const noise = noiseFilter(all);
        all.forEach((e, i) => expect(noise(e, i), JSON.stringify([e, all])).toBe(naive(e, all)));
      }),
      { numRuns: 500, seed: 20261203 },
    );
  });
});
