/**
 * The editor schema (schema/kspec.schema.json as yaml-language-server reads it, editor
 * rules included) against the CLI: every spec of the suite and systematic variants of the
 * examples go through `kspec validate`'s pipeline and through the schema alone. When the
 * CLI reports an error whose rule JSON Schema can express (the codes the schema's editor
 * rules name in x-kspec-check), the schema must reject the spec too; when the CLI accepts
 * a spec, so must the schema.
 *
 * Not expressible, and so not in the editor rules: checks across files (KS9003 duplicate
 * names, extends), on file contents (kernel config, Dockerfile.dapper), on OCI reference
 * grammar beyond the patterns (KS3007), key material anywhere (KS3006), and warnings
 * (the schema has no warnings: an editor would show them as errors).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse, parseDocument } from 'yaml';
import { ROOT, compileText } from './helpers.js';

const raw = JSON.parse(readFileSync(path.join(ROOT, 'schema', 'kspec.schema.json'), 'utf8')) as { allOf?: Array<Record<string, unknown>> };
const Ctor = ((Ajv as unknown as { default?: unknown }).default ?? Ajv) as typeof Ajv.default;
// Not strict: the rules leave types to the definitions, as an editor's validator allows.
const ajv = new Ctor({ allErrors: true, strict: false, discriminator: true });
ajv.addKeyword({ keyword: 'x-hint', schemaType: 'string' });
ajv.addKeyword({ keyword: 'x-kspec-check', schemaType: 'string' });
const editor = ajv.compile(raw);

/** The codes the editor rules restate. */
const EXPRESSIBLE = new Set((raw.allOf ?? []).flatMap((r) => String(r['x-kspec-check'] ?? '').split(' ').filter(Boolean)));

const PROVIDERS: Record<string, unknown> = {
  copr: { type: 'copr', repo: 'a/b', packages: ['kernel'] },
  repo: { type: 'repo', packages: ['kernel'] },
  tarball: { type: 'tarball', urls: { x86_64: 'https://example.com/k.tar.gz' } },
  oci: { type: 'oci', kernel: { image: 'ghcr.io/a/k:6.1.1' } },
  build: { type: 'build', kernelImage: 'bzImage' },
  stock: { type: 'stock' },
};

/** Variants of one example: each changes one thing the checks have a rule about. */
function variants(name: string, text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const edit = (label: string, f: (d: ReturnType<typeof parseDocument>) => void): void => {
    const d = parseDocument(text);
    f(d);
    out.push([`${name}: ${label}`, d.toString()]);
  };
  for (const [type, body] of Object.entries(PROVIDERS)) edit(`provider ${type}`, (d) => d.set('provider', d.createNode(body)));
  edit('signing', (d) => d.set('signing', d.createNode({ keySecret: 'k', certSecret: 'c' })));
  edit('no signing', (d) => d.delete('signing'));
  for (const via of ['rollback', 'template', 'default']) {
    edit(`fallback ${via}`, (d) => d.set('fallback', d.createNode({ kernel: 'ghcr.io/a/fallback:1', via })));
  }
  edit('no fallback', (d) => d.delete('fallback'));
  edit('no kernel.version', (d) => d.deleteIn(['kernel', 'version']));
  for (const v of ['6', '6.1', '6.1.0-rc1', 'v6.1', '6.x.1', '6.1.2.3.4']) edit(`kernel.version ${v}`, (d) => d.setIn(['kernel', 'version'], v));
  for (const insecure of [false, true]) {
    const tail = insecure ? ' (allowInsecure)' : '';
    const allow = (d: ReturnType<typeof parseDocument>): void => {
      if (insecure) d.setIn(['provider', 'allowInsecure'], true);
    };
    edit(`http tarball URL${tail}`, (d) => {
      d.set('provider', d.createNode({ type: 'tarball', urls: { x86_64: 'http://example.com/k.tar.gz' } }));
      allow(d);
    });
    edit(`http extraRepo URL${tail}`, (d) => {
      d.set('provider', d.createNode({ type: 'repo', packages: ['kernel'], extraRepo: { name: 'x', url: 'http://example.com/x.repo' } }));
      allow(d);
    });
    if ((parse(text) as { target?: { platform?: string } } | null)?.target?.platform === 'rancheros') {
      edit(`http kernelSource URL${tail}`, (d) => {
        d.setIn(['target', 'kernelSource', 'url'], 'http://example.com/linux.tar.gz');
        allow(d);
      });
    }
  }
  edit('modules', (d) => d.set('modules', d.createNode([{ name: 'm', package: 'akmod-m' }])));
  return out;
}

function specFiles(dir: string, pick: (f: string) => boolean): string[] {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter(pick)
    .map((f) => path.join(dir, f))
    .sort();
}

const examples = specFiles(path.join(ROOT, 'specs'), (f) => f.endsWith('.yaml'));
const files = [
  ...examples,
  ...specFiles(path.join(ROOT, 'test', 'golden'), (f) => f.endsWith('spec.yaml')),
  ...specFiles(path.join(ROOT, 'test', 'hostile'), (f) => f.endsWith('.yaml')),
];
const cases: Array<[string, string]> = [
  ...files.map((f): [string, string] => [path.relative(ROOT, f), readFileSync(f, 'utf8')]),
  ...examples.flatMap((f) => variants(path.basename(f), readFileSync(f, 'utf8'))),
].filter(([, text]) => !/^extends:/m.test(text)); // the schema sees one file; extends merges several

describe('the editor schema rejects what the CLI rejects, where JSON Schema can say it', () => {
  it('restates the checks on providers, signing, fallbacks, required versions, https, modules and kernel releases', () => {
    for (const code of ['KS3001', 'KS3002', 'KS3003', 'KS3004', 'KS3010', 'KS3011', 'KS3012']) expect(EXPRESSIBLE, code).toContain(code);
  });

  it('agrees with kspec validate on every case', async () => {
    let rejected = 0;
    let accepted = 0;
    const disagreements: string[] = [];
    for (const [name, text] of cases) {
      let data: unknown;
      try {
        data = parse(text, { logLevel: 'error' });
      } catch {
        continue; // not YAML: the editor's parser reports it, not the schema
      }
      const r = await compileText(text, 'spec.yaml', true);
      const errors = r.diagnostics.filter((d) => d.severity === 'error');
      const schemaOk = editor(data);
      const expressible = errors.filter((d) => EXPRESSIBLE.has(d.code));
      if (expressible.length > 0) {
        rejected++;
        if (schemaOk) disagreements.push(`${name}: the CLI reports ${expressible.map((d) => d.code).join(', ')}, the schema accepts it`);
      } else if (errors.length === 0) {
        accepted++;
        if (!schemaOk) disagreements.push(`${name}: the CLI accepts it, the schema rejects it: ${ajv.errorsText(editor.errors)}`);
      }
    }
    expect(disagreements).toEqual([]);
    // Enough of each kind that the comparison means something.
    expect(rejected).toBeGreaterThan(40);
    expect(accepted).toBeGreaterThan(20);
  });
});
