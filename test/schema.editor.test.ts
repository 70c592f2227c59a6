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
 * grammar beyond the patterns (KS3007), key material anywhere (KS3006), comparisons of
 * one value with another (KS4005 kernel.package in provider.packages, KS4012 a module in
 * both add and omit, KS4013 a release's arch suffix against kernel.arch, KS8006 duplicate
 * command-line keys, KS8001/KS8007 releases read from image tags), and warnings (the
 * schema has no warnings: an editor would show them as errors). Each platform rule the
 * schema restates has a variant below that the CLI rejects, and the test fails when one
 * has none.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse, parseDocument } from 'yaml';
import { ROOT, compileText, goldenCases, goldenDir } from './helpers.js';

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
  edit('modules from an image', (d) => d.set('modules', d.createNode([{ name: 'm', image: KMOD_IMAGE }])));
  edit('a module with neither package nor image', (d) => d.set('modules', d.createNode([{ name: 'm' }])));
  const platform = (parse(text) as { target?: { platform?: string } } | null)?.target?.platform ?? '';
  for (const [label, f] of PLATFORM_EDITS[platform] ?? []) edit(label, f);
  return out;
}

const KMOD_IMAGE = `ghcr.io/ublue-os/akmods:main-42@sha256:${'ab'.repeat(32)}`;

type Edit = (d: ReturnType<typeof parseDocument>) => void;
const set =
  (p: Array<string | number>, v: unknown): Edit =>
  (d) =>
    d.setIn(p, d.createNode(v));
const del =
  (...paths: Array<Array<string | number>>): Edit =>
  (d) => {
    for (const p of paths) d.deleteIn(p);
  };
const all =
  (...fs: Edit[]): Edit =>
  (d) => {
    for (const f of fs) f(d);
  };

/** One edit per platform rule the editor schema restates (KS4xxx-KS8xxx), and a few that must stay valid. */
const PLATFORM_EDITS: Record<string, Array<[string, Edit]>> = {
  bootc: [
    ['hostonly initramfs', set(['initramfs', 'hostonly'], true)],
    ['omit ostree', set(['initramfs', 'omit'], ['ostree'])],
    ['reserved label', set(['metadata', 'labels'], { 'containers.bootc': '1' })],
    ['no kernel.package or version', del(['kernel', 'package'], ['kernel', 'version'])],
    ['no kernel.package, a version', all(del(['kernel', 'package']), set(['kernel', 'version'], '6.12.1-cachyos1.fc42.x86_64'))],
    ['modules without headers', set(['provider', 'packages'], ['kernel-cachyos', 'kernel-cachyos-core', 'kernel-cachyos-modules'])],
    ['stock provider signing modules', all(set(['provider'], { type: 'stock' }), del(['modules']))],
    ['stock provider, unsigned modules', all(set(['provider'], { type: 'stock' }), del(['modules']), set(['signing', 'modules'], false))],
    ['stock provider, kmods from an image', all(set(['provider'], { type: 'stock' }), set(['modules'], [{ name: 'm', image: KMOD_IMAGE }]), set(['signing', 'modules'], false))],
    [
      'stock provider, one module built and one from an image',
      all(set(['provider'], { type: 'stock' }), set(['modules'], [{ name: 'm', image: KMOD_IMAGE }, { name: 'n', package: 'akmod-n' }]), set(['signing', 'modules'], false)),
    ],
    ['modules from an image without headers', all(set(['provider', 'packages'], ['kernel-cachyos', 'kernel-cachyos-core']), set(['modules'], [{ name: 'm', image: KMOD_IMAGE }]))],
  ],
  kairos: [
    ['openrc family', set(['target', 'family'], 'alpine')],
    ['unknown family', set(['target', 'family'], 'debain')],
    ['no framework or init', del(['target', 'framework'])],
    ['framework and init', set(['target', 'init'], 'quay.io/kairos/kairos-init:v0.5.0')],
    ['init only', all(del(['target', 'framework']), set(['target', 'init'], 'quay.io/kairos/kairos-init:v0.5.0'))],
    ['scratch base', set(['target', 'base'], 'scratch')],
    ['hostonly initrd', set(['initramfs', 'hostonly'], true)],
    ['omit immucore', set(['initramfs', 'omit'], ['immucore'])],
    ['modules', set(['modules'], [{ name: 'm', package: 'kmod-m' }])],
    ['trustedboot without EFI stub', all(set(['target', 'bootloader'], 'trustedboot'), set(['kernel', 'config'], { CONFIG_EFI_STUB: 'n' }))],
    ['grub without EFI stub', set(['kernel', 'config'], { CONFIG_EFI_STUB: 'n' })],
    ['grub with EFI stub', set(['kernel', 'config'], { CONFIG_EFI_STUB: 'y' })],
    ['trustedboot with EFI stub', all(set(['target', 'bootloader'], 'trustedboot'), set(['kernel', 'config'], { CONFIG_EFI_STUB: 'y' }))],
    [
      'trustedboot with MOK signing',
      all(set(['target', 'bootloader'], 'trustedboot'), set(['kernel', 'config'], { CONFIG_EFI_STUB: 'y' }), set(['signing'], { keySecret: 'k', certSecret: 'c' })),
    ],
    ['fips without a fips framework', set(['target', 'fips'], true)],
    ['fips with a fips framework', all(set(['target', 'fips'], true), set(['target', 'framework'], 'quay.io/kairos/framework:v2.4.3-fips'))],
    ['copr on ubuntu', all(set(['target', 'family'], 'ubuntu'), set(['provider'], { type: 'copr', repo: 'a/b', packages: ['kernel'] }))],
    ['package copr on ubuntu', all(set(['target', 'family'], 'ubuntu'), set(['packages'], [{ name: 'scx-scheds', copr: 'a/b' }]))],
    [
      'extraRepo on ubuntu',
      all(set(['target', 'family'], 'ubuntu'), set(['provider', 'extraRepo'], { name: 'x', url: 'https://example.com/x.deb' })),
    ],
  ],
  rancheros: [
    ['no aarch64 tarball', del(['provider', 'urls', 'aarch64'])],
    ['no x86_64 tarball', del(['provider', 'urls', 'x86_64'])],
    ['amd64 and arm64 names', set(['provider', 'urls'], { amd64: 'https://example.com/linux-4.14.138-rancher-x86.tar.gz', arm64: 'https://example.com/linux-4.14.138-rancher-arm64.tar.gz' })],
    ['default arch, only aarch64', all(del(['kernel', 'arch'], ['provider', 'urls', 'x86_64']))],
    [
      'headers and extras for both arches',
      all(
        set(['provider', 'headers'], { x86_64: 'https://example.com/build-linux-4.14.138-rancher-x86.tar.gz', aarch64: 'https://example.com/build-linux-4.14.138-rancher-arm64.tar.gz' }),
        set(['provider', 'extras'], { amd64: 'https://example.com/extra-linux-4.14.138-rancher-x86.tar.gz', arm64: 'https://example.com/extra-linux-4.14.138-rancher-arm64.tar.gz' }),
      ),
    ],
    ['no aarch64 headers', set(['provider', 'headers'], { x86_64: 'https://example.com/build-linux-4.14.138-rancher-x86.tar.gz' })],
    ['no x86_64 extras', set(['provider', 'extras'], { arm64: 'https://example.com/extra-linux-4.14.138-rancher-arm64.tar.gz' })],
    ['http headers', set(['provider', 'headers'], { x86_64: 'http://example.com/build-linux-4.14.138-rancher-x86.tar.gz', aarch64: 'https://example.com/build-linux-4.14.138-rancher-arm64.tar.gz' })],
  ],
  krata: [
    ['build without configFile', del(['provider', 'configFile'])],
    ['build without target.image', del(['target', 'image'])],
    ['oci with another filename', set(['provider'], { type: 'oci', kernel: { image: 'ghcr.io/a/k:6.8.9', filename: 'boot/vmlinuz' } })],
    ['oci with kernel/image', set(['provider'], { type: 'oci', kernel: { image: 'ghcr.io/a/k:6.8.9', filename: 'kernel/image' } })],
  ],
  liquidmetal: [
    ['no kernel filename', del(['provider', 'kernel', 'filename'])],
    ['fallback template name too long', set(['target', 'template', 'name'], 'a'.repeat(245))],
    ['longest fallback template name', set(['target', 'template', 'name'], 'a'.repeat(244))],
    ['long name, no fallback', all(set(['target', 'template', 'name'], 'a'.repeat(245)), del(['fallback']))],
    ['label key prefix of 254 characters', set(['target', 'template', 'labels'], { [`${'a'.repeat(254)}/tier`]: 'edge' })],
    ['roles, fallback, name of 231', all(set(['target', 'template', 'name'], 'a'.repeat(231)), set(['target', 'template', 'roles'], { controlPlane: {}, workers: {} }))],
    ['roles, fallback, name of 230', all(set(['target', 'template', 'name'], 'a'.repeat(230)), set(['target', 'template', 'roles'], { controlPlane: {}, workers: {} }))],
    ['roles, no fallback, name of 240', all(del(['fallback']), set(['target', 'template', 'name'], 'a'.repeat(240)), set(['target', 'template', 'roles'], { controlPlane: {}, workers: {} }))],
    ['roles, no fallback, name of 239', all(del(['fallback']), set(['target', 'template', 'name'], 'a'.repeat(239)), set(['target', 'template', 'roles'], { controlPlane: {}, workers: {} }))],
    ['roles, 2 control plane machines', set(['target', 'template', 'roles'], { controlPlane: { replicas: 2 }, workers: { replicas: 2 } })],
    ['roles, 3 control plane machines, 0 workers', set(['target', 'template', 'roles'], { controlPlane: { replicas: 3 }, workers: { replicas: 0 } })],
    ['label key prefix of 253 characters', set(['target', 'template', 'labels'], { [`${'a'.repeat(253)}/tier`]: 'edge', env: 'lab' })],
  ],
};

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
  ...goldenCases().map((c) => path.join(goldenDir(c), 'spec.yaml')),
  ...specFiles(path.join(ROOT, 'test', 'hostile'), (f) => f.endsWith('.yaml')),
];
const cases: Array<[string, string]> = [
  ...files.map((f): [string, string] => [path.relative(ROOT, f), readFileSync(f, 'utf8')]),
  ...examples.flatMap((f) => variants(path.basename(f), readFileSync(f, 'utf8'))),
].filter(([, text]) => !/^extends:/m.test(text)); // the schema sees one file; extends merges several

describe('the editor schema rejects what the CLI rejects, where JSON Schema can say it', () => {
  it('restates the checks on providers, signing, fallbacks, required versions, https, modules, kernel releases and each platform', () => {
    const platform = ['KS4001', 'KS4002', 'KS4004', 'KS4009', 'KS4010', 'KS4011', 'KS4015', 'KS5001', 'KS5002', 'KS5003', 'KS5004', 'KS5005', 'KS5007', 'KS5008'];
    platform.push('KS5009', 'KS5010', 'KS5011', 'KS5012', 'KS5013', 'KS5014', 'KS5015', 'KS5016', 'KS6002', 'KS6013', 'KS7003', 'KS7005', 'KS7007', 'KS8008', 'KS8010', 'KS8013', 'KS8016', 'KS8017');
    for (const code of ['KS3001', 'KS3002', 'KS3003', 'KS3004', 'KS3010', 'KS3011', 'KS3012', ...platform]) expect(EXPRESSIBLE, code).toContain(code);
  });

  it('agrees with kspec validate on every case', async () => {
    let rejected = 0;
    let accepted = 0;
    const disagreements: string[] = [];
    const exercised = new Set<string>();
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
        for (const d of expressible) exercised.add(d.code);
        if (schemaOk) disagreements.push(`${name}: the CLI reports ${expressible.map((d) => d.code).join(', ')}, the schema accepts it`);
      } else if (errors.length === 0) {
        accepted++;
        if (!schemaOk) disagreements.push(`${name}: the CLI accepts it, the schema rejects it: ${ajv.errorsText(editor.errors)}`);
      }
    }
    expect(disagreements).toEqual([]);
    // Every rule the schema claims to restate is met by at least one case the CLI rejects.
    expect([...EXPRESSIBLE].filter((c) => !exercised.has(c)).sort()).toEqual([]);
    // Enough of each kind that the comparison means something.
    expect(rejected).toBeGreaterThan(40);
    expect(accepted).toBeGreaterThan(20);
  });
});
