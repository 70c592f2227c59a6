/**
 * Sanity checks for schema/kspec.schema.json: it compiles under the runtime's Ajv options,
 * accepts every example (the example files, which must also compile, and the snippets of
 * spec-format.md), keeps the discriminated unions to one branch's errors, and rejects
 * hostile strings in every field that has a pattern.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { withoutEditorRules } from '../src/validate.js';
import { compileText } from './helpers.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const SCHEMA_URL = new URL('../schema/kspec.schema.json', import.meta.url);
// Copies of the design documents (test/data/SOURCE.md): the suite reads nothing outside the repository.
const DESIGN_URL = new URL('data/design/', import.meta.url);
const EXAMPLES_URL = new URL('data/design/examples/', import.meta.url);

// As the CLI validates with it: the editor rules are tested in test/schema.editor.test.ts.
const schema = withoutEditorRules(JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as Obj) as Obj;

function compile(): ValidateFunction {
  // Ajv is CommonJS: depending on the interop, the default import is the class or has it as .default.
  const Ctor = ((Ajv as unknown as { default?: unknown }).default ?? Ajv) as typeof Ajv.default;
  const ajv = new Ctor({ allErrors: true, strict: true, discriminator: true });
  ajv.addKeyword({ keyword: 'x-hint', schemaType: 'string' });
  return ajv.compile(schema);
}

const validate = compile();

/** The schema node at an Ajv schemaPath, resolved from the root, as src/validate.ts does. */
function schemaAt(schemaPath: string): unknown {
  let node: unknown = schema;
  for (const seg of ptrSegs(schemaPath.replace(/^#/, ''))) {
    if (!node || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[seg];
  }
  return node;
}

/**
 * Validates, and checks that every error's schemaPath resolves from the root of the schema:
 * src/validate.ts finds x-hint, the allowed keys and the variants that way. Ajv gives paths
 * relative to a definition when that definition contains a $ref itself, so the definitions
 * must not.
 */
function check(data: unknown): ErrorObject[] {
  if (validate(data)) return [];
  const errors = [...(validate.errors ?? [])];
  for (const e of errors) {
    const at = schemaAt(e.schemaPath);
    expect(at, `schemaPath ${e.schemaPath} does not resolve from the root`).not.toBeUndefined();
    const parent = schemaAt(e.schemaPath.slice(0, e.schemaPath.lastIndexOf('/'))) as Obj;
    if (e.keyword === 'pattern') {
      expect(at, e.schemaPath).toBe((e.params as { pattern: string }).pattern);
      expect(typeof parent['x-hint'], `${e.schemaPath} has no x-hint`).toBe('string');
    }
    if (e.keyword === 'additionalProperties' && parent.properties === undefined) {
      // the user-keyed maps put a value schema there
      expect(typeof at, e.schemaPath).toBe('object');
    }
    if (e.keyword === 'discriminator') expect(Array.isArray(parent.oneOf), e.schemaPath).toBe(true);
  }
  return errors;
}

function show(errors: ErrorObject[]): string {
  return errors.map((e) => `${e.instancePath || '/'} ${e.keyword} ${e.message ?? ''} (${e.schemaPath})`).join('\n');
}

const clone = <T>(v: T): T => structuredClone(v);

function ptrSegs(ptr: string): string[] {
  return ptr === '' ? [] : ptr.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function setAt(data: Json, ptr: string, value: Json): void {
  const segs = ptrSegs(ptr);
  let node = data as Obj | Json[];
  for (const s of segs.slice(0, -1)) node = (node as Record<string, Json>)[s] as Obj | Json[];
  (node as Record<string, Json>)[segs[segs.length - 1]!] = value;
}

/** Every string leaf of a value, as JSON pointers. */
function stringLeaves(v: Json, ptr = ''): string[] {
  if (typeof v === 'string') return [ptr];
  if (Array.isArray(v)) return v.flatMap((x, i) => stringLeaves(x, `${ptr}/${i}`));
  if (v && typeof v === 'object') {
    return Object.entries(v).flatMap(([k, x]) => stringLeaves(x, `${ptr}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`));
  }
  return [];
}

/** Every schema node as [JSON pointer, node]. */
function schemaNodes(node: Json, ptr = '#'): Array<[string, Obj]> {
  if (!node || typeof node !== 'object') return [];
  if (Array.isArray(node)) return node.flatMap((x, i) => schemaNodes(x, `${ptr}/${i}`));
  const out: Array<[string, Obj]> = [[ptr, node]];
  for (const [k, v] of Object.entries(node)) {
    if (k === 'default' || k === 'const' || k === 'enum') continue;
    out.push(...schemaNodes(v, `${ptr}/${k}`));
  }
  return out;
}

// ---- the spec-format.md snippets ------------------------------------------------------

const formatDoc = readFileSync(new URL('spec-format.md', DESIGN_URL), 'utf8');
const yamlBlocks = [...formatDoc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);

/** Each provider example is its own paragraph in the one provider block. */
const providerSnippets: Obj[] = (() => {
  const block = yamlBlocks.find((b) => /^provider:/m.test(b) && /type: copr/.test(b));
  if (!block) throw new Error('no provider block in spec-format.md');
  return block
    .split(/\n\s*\n/)
    .filter((chunk) => /^provider:/m.test(chunk))
    // the doc writes the tarball checksums as a placeholder
    .map((chunk) => chunk.replace(/<64 hex>/g, 'ab'.repeat(32)))
    .map((chunk) => (parse(chunk) as { provider: Obj }).provider);
})();

function snippet(key: string, where: (v: Obj) => boolean = () => true): Json {
  for (const b of yamlBlocks) {
    let doc: unknown;
    try {
      doc = parse(b);
    } catch {
      continue; // the two blocks with `...` placeholders and the multi-provider block
    }
    // the top-level block writes the other sections as `{...}` / `[...]` placeholders
    if (doc && typeof doc === 'object' && key in doc && !JSON.stringify((doc as Obj)[key]).includes('"..."')) {
      const v = (doc as Obj)[key]!;
      if (where(v as Obj)) return v;
    }
  }
  throw new Error(`no ${key} snippet in spec-format.md`);
}

const topBlock = parse(yamlBlocks[0]!) as Obj;
const docTarget = (platform: string) => snippet('target', (t) => t.platform === platform) as Obj;
const docProvider = (type: string) => {
  const p = providerSnippets.find((x) => x.type === type);
  if (!p) throw new Error(`no ${type} provider in spec-format.md`);
  return p;
};

/** The optional blocks of the format doc, as written. */
const docOptional: Obj = {
  kernel: snippet('kernel'),
  modules: snippet('modules'),
  initramfs: snippet('initramfs'),
  fallback: snippet('fallback'),
};

const ACCEPTS: Record<string, string[]> = {
  rancheros: ['tarball'],
  kairos: ['repo', 'copr', 'stock'],
  bootc: ['copr', 'repo', 'stock'],
  krata: ['oci', 'build'],
  liquidmetal: ['oci'],
};

function docSpec(platform: string, provider: string, extra: Obj = {}): Obj {
  return {
    apiVersion: topBlock.apiVersion!,
    kind: topBlock.kind!,
    metadata: clone(topBlock.metadata!),
    kernel: clone(docOptional.kernel!),
    provider: clone(docProvider(provider)),
    target: clone(docTarget(platform)),
    ...extra,
  };
}

// ---- maximal specs: every field the format has, for the hostile-string sweep -----------

const HEX64 = '0123456789abcdef'.repeat(4);
const maximal: Record<string, Obj> = {
  bootcCopr: {
    extends: '../base/cachyos-kernel.yaml',
    apiVersion: 'kspec.dev/v1alpha1',
    kind: 'KernelSpec',
    metadata: {
      name: 'margine-cachyos',
      description: 'CachyOS kernel for a creator desktop',
      labels: { 'org.opencontainers.image.vendor': 'margine', 'example.com/team': 'kernel' },
    },
    validation: { outOfPolicy: ['nvidia', 'zfs'], boot: { expect: 'Reached target Multi-User System', timeoutSeconds: 600 } },
    kernel: {
      version: '7.0.8-cachyos1.fc44.x86_64',
      package: 'kernel-cachyos',
      flavor: 'cachyos',
      arch: ['x86_64', 'arm64'],
      cmdline: ['console=ttyS0', 'quiet', 'rd.luks.options=discard'],
      config: { CONFIG_SCHED_BORE: 'y', CONFIG_HZ: '1000', CONFIG_NR_CPUS: 512, CONFIG_LOCALVERSION: '-cachyos' },
    },
    provider: {
      type: 'copr',
      repo: '@kernel-vanilla/stable',
      packages: ['kernel-cachyos', 'kernel-cachyos-devel-matched'],
      retry: { attempts: 5, backoffSeconds: 30 },
      allowInsecure: false,
    },
    signing: { secureBoot: true, keySecret: 'mok-key', certSecret: 'mok-cert', modules: true, enroll: 'first-boot' },
    modules: [
      { name: 'v4l2loopback', package: 'akmod-v4l2loopback', repo: 'rpmfusion-free', optional: true },
      { name: 'nvidia', package: 'akmod-nvidia', repo: '@ublue-os/akmods' },
      { name: 'xone', image: 'ghcr.io/ublue-os/akmods:main-42@sha256:' + HEX64, package: 'kmod-xone', optional: true },
    ],
    initramfs: {
      hostonly: false,
      add: ['ostree'],
      omit: ['nfs'],
      compress: 'zstd',
      require: ['dm-crypt', 'virtio_blk'],
      minSizeMiB: 50,
    },
    fallback: { kernel: 'fedora stock kernel', via: 'rollback' },
    packages: [{ name: 'scx-scheds', copr: 'bieszczaders/kernel-cachyos-addons' }, { name: 'htop', repo: 'rpmfusion-free' }],
    services: { enable: ['fstrim.timer'], disable: ['scx_loader.service'] },
    target: {
      platform: 'bootc',
      base: 'ghcr.io/ublue-os/bluefin-dx:stable',
      image: 'ghcr.io/margine/margine',
      removeStock: ['kernel', 'kernel-core'],
    },
  },
  kairosRepo: {
    apiVersion: 'kspec.dev/v1alpha1',
    kind: 'KernelSpec',
    metadata: { name: 'kairos-fedora' },
    kernel: { package: 'kernel' },
    provider: {
      type: 'repo',
      packages: ['kernel'],
      extraRepo: { name: 'rpmfusion-free', url: 'https://example.org:8443/rpmfusion-free-release.noarch.rpm?x=1' },
      retry: { attempts: 1, backoffSeconds: 0 },
    },
    target: {
      platform: 'kairos',
      base: 'fedora:38',
      family: 'fedora',
      init: 'quay.io/kairos/kairos-init:v0.5.0',
      model: 'rpi4',
      fips: true,
      bootloader: 'trustedboot',
      os: { name: 'my-kairos', version: '1.0.0+build.1', repo: 'quay.io/me/my-kairos' },
      artifacts: ['iso'],
      cloudConfig: { inline: '#cloud-config\nhostname: k\n' },
    },
  },
  rancherosTarball: {
    apiVersion: 'kspec.dev/v1alpha1',
    kind: 'KernelSpec',
    metadata: { name: 'rancheros' },
    kernel: { version: '4.14.138-rancher', arch: ['amd64', 'aarch64'] },
    provider: {
      type: 'tarball',
      urls: { amd64: 'https://example.org/linux-x86.tar.gz', arm64: 'https://example.org/linux-arm64.tar.gz' },
      sha256: { amd64: HEX64, arm64: HEX64.toUpperCase() },
      headers: { amd64: 'https://example.org/build-linux-x86.tar.gz', arm64: 'https://example.org/build-linux-arm64.tar.gz' },
      headersSha256: { amd64: HEX64, arm64: HEX64 },
      extras: { amd64: 'https://example.org/extra-linux-x86.tar.gz', arm64: 'https://example.org/extra-linux-arm64.tar.gz' },
      extrasSha256: { amd64: HEX64, arm64: HEX64 },
      allowInsecure: true,
    },
    target: {
      platform: 'rancheros',
      kernelSource: { form: 'archive', tag: '4.14.138', url: 'https://github.com/rancher/linux/archive/v4.14.tar.gz', sha1: '84b9bc53bbb4dd465b97ea54a71a9805e27ae4f2' },
      dapperfile: 'os/Dockerfile.dapper',
    },
  },
  krataBuild: {
    apiVersion: 'kspec.dev/v1alpha1',
    kind: 'KernelSpec',
    metadata: { name: 'krata-host' },
    kernel: { version: '6.8.9', flavor: 'openpax' },
    provider: { type: 'build', kernelImage: 'build/arch/x86/boot/bzImage', modulesDir: 'build/modules', configFile: 'build/.config' },
    fallback: { kernel: 'system-default', via: 'default' },
    target: { platform: 'krata', scope: 'host', image: 'ghcr.io/me/zone-kernel:6.8.9-openpax', tags: ['latest', '6.8_9'] },
  },
  liquidmetalOci: {
    apiVersion: 'kspec.dev/v1alpha1',
    kind: 'KernelSpec',
    metadata: { name: 'capmvm' },
    kernel: { version: '5.10.77', cmdline: ['console=ttyS0', 'reboot=k', 'i8042.noaux'] },
    provider: {
      type: 'oci',
      kernel: { image: 'ghcr.io/weaveworks-liquidmetal/kernel-bin:5.10.77', filename: 'boot/vmlinux' },
      modules: { image: 'ghcr.io/weaveworks-liquidmetal/kernel-modules@sha256:' + HEX64, readOnly: true },
      initrd: { image: 'ghcr.io/example/initrd:5.10.77', filename: 'boot/initrd.img' },
    },
    fallback: { kernel: 'ghcr.io/weaveworks-liquidmetal/kernel-bin:4.19.215', via: 'template' },
    target: {
      platform: 'liquidmetal',
      provider: 'cloudhypervisor',
      capmvm: 'v0.7.0',
      rootImage: 'ghcr.io/weaveworks-liquidmetal/capmvm-k8s-os:1.23.5',
      template: {
        name: 'mvm.k8s-1-23',
        namespace: 'capmvm-system',
        vcpu: 1,
        memoryMb: 1024,
        networkInterfaces: [{ guestDeviceName: 'eth1', type: 'tap' }, { guestDeviceName: 'eth2' }],
        labels: { 'example.org/tier': 'edge' },
        sshPublicKeys: [{ user: 'root', authorizedKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIF9/dJlBOf4U6ty4v1jaN1ieeDdRCLyAujFh1hSlMj3o ops@example.org'] }],
        roles: { controlPlane: { vcpu: 2, memoryMb: 4096, replicas: 3 }, workers: { vcpu: 4, memoryMb: 8192, replicas: 0 } },
      },
    },
  },
  rancherosCanonicalArch: {
    apiVersion: 'kspec.dev/v1alpha1',
    kind: 'KernelSpec',
    metadata: { name: 'rancheros-canonical' },
    kernel: { version: '4.14.138-rancher', arch: ['x86_64', 'aarch64'] },
    provider: {
      type: 'tarball',
      urls: { x86_64: 'http://example.org/linux-x86.tar.gz', aarch64: 'https://example.org/linux-arm64.tar.gz#top' },
      sha256: { x86_64: HEX64, aarch64: HEX64 },
      headers: { x86_64: 'https://example.org/build-linux-x86.tar.gz', aarch64: 'https://example.org/build-linux-arm64.tar.gz' },
      headersSha256: { x86_64: HEX64, aarch64: HEX64 },
      extras: { x86_64: 'https://example.org/extra-linux-x86.tar.gz', aarch64: 'https://example.org/extra-linux-arm64.tar.gz' },
      extrasSha256: { x86_64: HEX64, aarch64: HEX64 },
    },
    target: { platform: 'rancheros' },
  },
  krataOci: {
    apiVersion: 'kspec.dev/v1alpha1',
    kind: 'KernelSpec',
    metadata: { name: 'krata-oci' },
    kernel: { version: '6.8.9' },
    provider: {
      type: 'oci',
      kernel: { image: 'ghcr.io/edera-dev/kernels:6.8.9', filename: 'kernel/image' },
      modules: { image: 'ghcr.io/edera-dev/kernels:6.8.9', filename: 'kernel/addons.squashfs' },
      allowInsecure: false,
    },
    target: { platform: 'krata', scope: 'zone' },
  },
  kairosStock: {
    apiVersion: 'kspec.dev/v1alpha1',
    kind: 'KernelSpec',
    metadata: { name: 'kairos-stock' },
    kernel: {},
    provider: { type: 'stock' },
    target: { platform: 'kairos', base: 'ubuntu:24.04', family: 'ubuntu', framework: 'quay.io/kairos/framework:v2.4.3-fips', cloudConfig: { file: 'config/cloud-config.yaml' } },
  },
};

// Fields whose pattern only keeps control characters out (the value is quoted where used).
// validation.boot.expect is a fixed text boot-test.sh matches literally (passed single-quoted).
const FREE_TEXT = [/^\/metadata\/description$/, /^\/metadata\/labels\/[^/]+$/, /^\/fallback\/kernel$/, /^\/validation\/boot\/expect$/];
// .config string values: no control characters, '"' or '\'.
const CONFIG_VALUE = /^\/kernel\/config\/[^/]+$/;

const SHELLY = ['$(reboot)', '`reboot`', 'a;b', 'a\nb', '"a"', "'a'", 'a b', 'a|b', 'a&b', 'a>b', 'a<b', 'a\\b', '${HOME}', 'a\tb', ''];
const CONTROL = ['a\nb', 'a\rb', 'a\u0000b', 'a\u001bb', 'a\u007fb', 'a\tb'];

// A Kubernetes label value may be empty (and nothing else hostile).
const LABEL_VALUE = /^\/target\/template\/labels\/[^/]+$/;

function hostileFor(ptr: string): string[] {
  if (FREE_TEXT.some((re) => re.test(ptr))) return CONTROL;
  if (LABEL_VALUE.test(ptr)) return SHELLY.filter((h) => h !== '');
  if (CONFIG_VALUE.test(ptr)) return [...CONTROL, '"quoted"', 'a\\b'];
  return SHELLY;
}

// ---------------------------------------------------------------------------------------

describe('kspec.schema.json', () => {
  it('compiles in strict mode without warnings', () => {
    const warn = vi.spyOn(console, 'warn');
    const log = vi.spyOn(console, 'log');
    try {
      expect(() => compile()).not.toThrow();
      expect(warn).not.toHaveBeenCalled();
      expect(log).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
      log.mockRestore();
    }
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.$id).toBe('https://kspec.dev/schema/v1alpha1/kspec.schema.json');
    expect(schema.required).toEqual(['apiVersion', 'kind', 'metadata', 'kernel', 'provider', 'target']);
  });

  it('gives every property a description and every pattern an x-hint', () => {
    const nodes = schemaNodes(schema as Json);
    for (const [ptr, node] of nodes) {
      if (typeof node.pattern === 'string') {
        expect(typeof node['x-hint'], `${ptr} has a pattern without x-hint`).toBe('string');
        expect(node.type, `${ptr} has a pattern without type string`).toBe('string');
      }
      if ('const' in node || 'enum' in node) expect(node.type, `${ptr} has const/enum without type`).toBeDefined();
      if (node.type === 'object' && node.properties && !node.discriminator) {
        expect(node.additionalProperties, `${ptr} allows unknown keys`).toBe(false);
      }
      if (/\/properties\/[^/]+$/.test(ptr)) {
        expect(typeof node.description, `${ptr} has no description`).toBe('string');
      }
    }
    for (const name of Object.keys(schema.definitions as Obj)) expect(name).toMatch(/^[a-z][A-Za-z0-9]*$/);
  });

  it('guards every free-form string with a pattern', () => {
    // the union tags are closed by the discriminator (each branch has a const)
    const tags = ['#/properties/provider/properties/type', '#/properties/target/properties/platform'];
    for (const [ptr, node] of schemaNodes(schema as Json)) {
      // (an `if` that only probes the type is a condition, not a value schema)
      if (node.type !== 'string' || tags.includes(ptr) || ptr.endsWith('/if')) continue;
      const closed = 'pattern' in node || 'enum' in node || 'const' in node;
      expect(closed, `${ptr} is a string without pattern, enum or const`).toBe(true);
    }
  });

  it('keeps $ref out of the definitions, so that error schemaPaths resolve from the root', () => {
    expect(JSON.stringify(schema.definitions)).not.toContain('"$ref"');
  });

  describe('accepts every example file', () => {
    const files = readdirSync(EXAMPLES_URL).filter((f) => f.endsWith('.yaml'));
    it('finds the examples', () => expect(files.length).toBeGreaterThanOrEqual(5));
    for (const f of files) {
      it(f, () => {
        const data = parse(readFileSync(new URL(f, EXAMPLES_URL), 'utf8')) as unknown;
        const errors = check(data);
        expect(errors, show(errors)).toEqual([]);
      });
      it(`${f} compiles`, async () => {
        const r = await compileText(readFileSync(new URL(f, EXAMPLES_URL)), `examples/${f}`);
        expect(r.diagnostics).toEqual([]);
        expect(r.files.length).toBeGreaterThan(0);
      });
    }
  });

  describe('accepts the spec-format.md snippets, composed into complete specs', () => {
    it('found every provider and target snippet', () => {
      expect(providerSnippets.map((p) => p.type)).toEqual(['copr', 'repo', 'tarball', 'oci', 'build', 'stock']);
      for (const p of Object.keys(ACCEPTS)) expect(docTarget(p).platform).toBe(p);
    });
    for (const [platform, providers] of Object.entries(ACCEPTS)) {
      for (const provider of providers) {
        it(`${platform} + ${provider}, bare`, () => {
          const errors = check(docSpec(platform, provider));
          expect(errors, show(errors)).toEqual([]);
        });
        it(`${platform} + ${provider}, with every optional block of the doc`, () => {
          const extra: Obj = { ...clone(docOptional), extends: snippet('extends') };
          if (platform === 'bootc' || platform === 'kairos') extra.signing = clone(snippet('signing'));
          const errors = check(docSpec(platform, provider, extra));
          expect(errors, show(errors)).toEqual([]);
        });
      }
    }
    it('kairos with init (the commented alternative) instead of framework', () => {
      const spec = docSpec('kairos', 'copr');
      const t = spec.target as Obj;
      delete t.framework;
      t.init = 'quay.io/kairos/kairos-init:v0.5.0';
      const errors = check(spec);
      expect(errors, show(errors)).toEqual([]);
    });
  });

  describe('accepts the maximal specs', () => {
    for (const [name, spec] of Object.entries(maximal)) {
      it(name, () => {
        const errors = check(spec);
        expect(errors, show(errors)).toEqual([]);
      });
    }
  });

  describe('leaves semantic questions to the checker', () => {
    const base = maximal.bootcCopr!;
    const ok = (mut: (s: Obj) => void) => {
      const s = clone(base);
      mut(s);
      const errors = check(s);
      expect(errors, show(errors)).toEqual([]);
    };
    it('http URLs', () => ok((s) => ((s.provider as Obj) = { type: 'repo', packages: ['k'], extraRepo: { name: 'x', url: 'http://example.org/x.rpm' } })));
    it('openrc kairos families', () =>
      ok((s) => (s.target = { platform: 'kairos', base: 'alpine:3.19', family: 'alpine', framework: 'quay.io/kairos/framework:v2.4.3' })));
    it('both framework and init', () =>
      ok((s) => (s.target = { platform: 'kairos', base: 'fedora:38', family: 'fedora', framework: 'a:1', init: 'b:1' })));
    it('images without a tag', () => ok((s) => ((s.target as Obj).base = 'fedora')));
    it('a version that does not look like a kernel release', () => ok((s) => ((s.kernel as Obj).version = 'banana')));
    it('.config strings with shell characters (they are quoted)', () => ok((s) => ((s.kernel as Obj).config = { CONFIG_CMDLINE: 'a $(b) `c`; d' })));
  });

  describe('rejects malformed values', () => {
    const base = maximal.bootcCopr!;
    const bad = (mut: (s: Obj) => void, keyword: string) => {
      const s = clone(base);
      mut(s);
      const errors = check(s);
      expect(errors.length, show(errors)).toBeGreaterThan(0);
      expect(errors.map((e) => e.keyword)).toContain(keyword);
    };
    it('wrong apiVersion', () => bad((s) => (s.apiVersion = 'kspec.dev/v1'), 'const'));
    it('missing target', () => bad((s) => delete s.target, 'required'));
    it('unknown top-level key', () => bad((s) => (s.kernal = {}), 'additionalProperties'));
    it('boolean .config value', () => bad((s) => ((s.kernel as Obj).config = { CONFIG_X: true }), 'type'));
    it('lower-case .config key', () => bad((s) => ((s.kernel as Obj).config = { config_x: 'y' }), 'pattern'));
    it('cmdline with ;', () => bad((s) => ((s.kernel as Obj).cmdline = ['ds=nocloud-net;s=http://169.254.169.254/latest/']), 'pattern'));
    it('unknown arch', () => bad((s) => ((s.kernel as Obj).arch = ['riscv64']), 'enum'));
    it('duplicate arch', () => bad((s) => ((s.kernel as Obj).arch = ['x86_64', 'x86_64']), 'uniqueItems'));
    it('empty packages', () => bad((s) => ((s.provider as Obj).packages = []), 'minItems'));
    it('retry attempts out of range', () => bad((s) => ((s.provider as Obj).retry = { attempts: 0 }), 'minimum'));
    it('ftp URL', () => bad((s) => (s.provider = { type: 'tarball', urls: { x86_64: 'ftp://example.org/k.tar.gz' } }), 'pattern'));
    it('empty tarball urls', () => bad((s) => (s.provider = { type: 'tarball', urls: {} }), 'minProperties'));
    it('short sha256', () => bad((s) => (s.provider = { type: 'tarball', urls: { x86_64: 'https://e.org/k' }, sha256: { x86_64: 'abc' } }), 'pattern'));
    it('absolute build path', () => bad((s) => (s.provider = { type: 'build', kernelImage: '/boot/vmlinuz' }), 'pattern'));
    it('memoryMb below the CRD minimum', () =>
      bad((s) => (s.target = { ...clone(maximal.liquidmetalOci!.target as Obj), template: { name: 'x', memoryMb: 512 } }), 'minimum'));
    it('upper-case metadata.name', () => bad((s) => ((s.metadata as Obj).name = 'Margine'), 'pattern'));
    it('64-character metadata.name', () => bad((s) => ((s.metadata as Obj).name = 'a'.repeat(64)), 'maxLength'));
    it('signing without certSecret', () => bad((s) => delete (s.signing as Obj).certSecret, 'required'));
    // Without package it may have image (bootc KS4015 wants one of the two): name is required.
    it('module without name', () => bad((s) => (s.modules = [{ package: 'akmod-x' }]), 'required'));
  });

  describe('discriminated unions report from one branch only', () => {
    const base = docSpec('bootc', 'copr');
    it('a bogus key in a copr provider gives exactly one additionalProperties error', () => {
      const s = clone(base);
      s.provider = { type: 'copr', repo: 'x/y', packages: ['k'], bogus: 1 };
      const errors = check(s);
      expect(errors, show(errors)).toHaveLength(1);
      expect(errors[0]).toMatchObject({
        keyword: 'additionalProperties',
        instancePath: '/provider',
        schemaPath: '#/definitions/coprProvider/additionalProperties',
        params: { additionalProperty: 'bogus' },
      });
    });
    it('a missing key in a tarball provider is reported by that branch', () => {
      const s = clone(base);
      s.provider = { type: 'tarball' };
      const errors = check(s);
      expect(errors, show(errors)).toHaveLength(1);
      expect(errors[0]).toMatchObject({ keyword: 'required', schemaPath: '#/definitions/tarballProvider/required' });
    });
    it('an unknown provider type gives a single discriminator error', () => {
      const s = clone(base);
      s.provider = { type: 'coprr', repo: 'x/y', packages: ['k'] };
      const errors = check(s);
      expect(errors, show(errors)).toHaveLength(1);
      expect(errors[0]).toMatchObject({ keyword: 'discriminator', instancePath: '/provider', params: { tag: 'type', tagValue: 'coprr' } });
    });
    it('a missing provider type reports the missing tag, not the alternatives', () => {
      const s = clone(base);
      s.provider = { repo: 'x/y', packages: ['k'] };
      const errors = check(s);
      expect(errors.length, show(errors)).toBeGreaterThan(0);
      expect(errors.every((e) => e.keyword === 'required' || e.keyword === 'discriminator'), show(errors)).toBe(true);
    });
    it('an unknown platform gives a single discriminator error', () => {
      const s = clone(base);
      s.target = { platform: 'flatcar', base: 'x' };
      const errors = check(s);
      expect(errors, show(errors)).toHaveLength(1);
      expect(errors[0]).toMatchObject({ keyword: 'discriminator', instancePath: '/target', params: { tag: 'platform' } });
    });
    it('a wrong kairos field is reported by the kairos branch only', () => {
      const s = clone(base);
      s.target = { ...docTarget('kairos'), bootloader: 'systemd-boot', scope: 'zone' };
      const errors = check(s);
      expect(errors, show(errors)).toHaveLength(2);
      for (const e of errors) expect(e.schemaPath.startsWith('#/definitions/kairosTarget/')).toBe(true);
    });
  });

  describe('rejects hostile strings in every pattern-guarded field', () => {
    const hitPatterns = new Set<string>();

    for (const [name, spec] of Object.entries(maximal)) {
      it(`${name}: values`, () => {
        for (const ptr of stringLeaves(spec as Json)) {
          for (const hostile of hostileFor(ptr)) {
            const s = clone(spec) as Json;
            setAt(s, ptr, hostile);
            const errors = check(s);
            const parent = ptr.slice(0, ptr.lastIndexOf('/'));
            const here = errors.filter(
              (e) => e.instancePath === ptr || (e.keyword === 'discriminator' && e.instancePath === parent),
            );
            expect(here.length, `${JSON.stringify(hostile)} at ${ptr} was accepted:\n${show(errors)}`).toBeGreaterThan(0);
            for (const e of here) {
              expect(['pattern', 'enum', 'const', 'discriminator', 'minLength', 'uniqueItems', 'if']).toContain(e.keyword);
              if (e.keyword === 'pattern') hitPatterns.add(e.schemaPath);
            }
          }
        }
      });
    }

    it('map keys (labels, .config, liquidmetal labels)', () => {
      for (const [at, map, base] of [
        ['/metadata/labels', { v: 'x' }, maximal.bootcCopr!],
        ['/kernel/config', { v: 'y' }, maximal.bootcCopr!],
        ['/target/template/labels', { v: 'x' }, maximal.liquidmetalOci!],
      ] as const) {
        for (const hostile of SHELLY.filter((h) => h !== '')) {
          const s = clone(base) as Json;
          setAt(s, at, { [`${at.endsWith('config') ? 'CONFIG_A' : 'a'}${hostile}`]: map.v });
          const errors = check(s);
          const here = errors.filter((e) => e.keyword === 'pattern' && e.propertyName !== undefined);
          expect(here.length, `key ${JSON.stringify(hostile)} under ${at} was accepted:\n${show(errors)}`).toBeGreaterThan(0);
          for (const e of here) hitPatterns.add(e.schemaPath);
        }
      }
    });

    it('every pattern in the schema was exercised', () => {
      const all = schemaNodes(schema as Json)
        .filter(([, n]) => typeof n.pattern === 'string')
        .map(([p]) => `${p}/pattern`);
      const missed = all.filter((p) => !hitPatterns.has(p));
      expect(missed).toEqual([]);
    });
  });
});
