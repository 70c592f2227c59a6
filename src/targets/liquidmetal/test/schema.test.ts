/**
 * liquidmetal: the generated MicrovmMachineTemplates validate against CAPMVM's CRD and the
 * flintlock requests against flintlock's swagger types (copies in test/data/liquidmetal/).
 *
 * Both schemas are converted for Ajv here. The conversion is stricter than the servers in
 * one way on purpose: objects that list their properties get additionalProperties: false.
 * The API server prunes unknown fields of a structural CRD silently, so a misspelled key
 * would be lost, not refused; here it fails the test.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { compileText, ROOT, goldenCases, goldenDir } from '../../../../test/helpers.js';

const DATA = path.join(ROOT, 'test', 'data', 'liquidmetal');

type Json = Record<string, unknown>;

/** Drops what Ajv does not know (x-kubernetes-*, descriptions, int32/int64 formats) and closes objects. */
function toJsonSchema(node: unknown, rename: (k: string) => string = (k) => k): unknown {
  if (Array.isArray(node)) return node.map((n) => toJsonSchema(n, rename));
  if (!node || typeof node !== 'object') return node;
  const o = node as Json;
  // draft-07 ignores the siblings of $ref; Ajv's strict mode refuses them.
  if (typeof o.$ref === 'string') return { $ref: o.$ref };
  const out: Json = {};
  for (const [k, v] of Object.entries(o)) {
    if (k.startsWith('x-kubernetes-') || k === 'description' || k === 'title' || k === 'format') continue;
    if (k === 'properties') {
      out[k] = Object.fromEntries(Object.entries(v as Json).map(([name, s]) => [rename(name), toJsonSchema(s, rename)]));
    } else if (k === 'required') out[k] = (v as string[]).map(rename);
    else out[k] = toJsonSchema(v, rename);
  }
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

const snake = (k: string): string => k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());

function crdValidator(): ValidateFunction {
  const crd = parseAllDocuments(readFileSync(path.join(DATA, 'infrastructure.cluster.x-k8s.io_microvmmachinetemplates.yaml'), 'utf8'))[0]!.toJS();
  const version = crd.spec.versions.find((v: Json) => v.name === 'v1alpha1');
  const schema = toJsonSchema(version.schema.openAPIV3Schema) as Json;
  // apiVersion and kind are free strings in every CRD; the API server routes on them.
  (schema.properties as Json).apiVersion = { const: `${crd.spec.group}/v1alpha1` };
  (schema.properties as Json).kind = { const: crd.spec.names.kind };
  schema.required = ['apiVersion', 'kind', 'metadata', 'spec'];
  return new Ajv({ allErrors: true, strict: true }).compile(schema);
}

function flintlockValidator(): ValidateFunction {
  const swagger = JSON.parse(readFileSync(path.join(DATA, 'flintlock_services_microvm_v1alpha1_microvms.swagger.json'), 'utf8'));
  const definitions = toJsonSchema(swagger.definitions, snake) as Json;
  // CreateMicroVMRequest (flintlock's api/services/microvm/v1alpha1/microvms.proto): the spec, optional metadata.
  const schema = {
    type: 'object',
    required: ['microvm'],
    additionalProperties: false,
    properties: { microvm: { $ref: '#/definitions/typesMicroVMSpec' }, metadata: { $ref: '#/definitions/protobufAny' } },
    definitions,
  };
  return new Ajv({ allErrors: true, strict: true }).compile(schema);
}

const crd = crdValidator();
const flintlock = flintlockValidator();

function errors(v: ValidateFunction, data: unknown): string {
  return v(data) ? '' : JSON.stringify(v.errors, null, 1);
}

const cases = goldenCases().filter((c) => c.startsWith('liquidmetal-') && readdirSync(goldenDir(c)).includes('expected'));

describe('golden liquidmetal outputs against the real schemas', () => {
  it('has cases to check', () => expect(cases.length).toBeGreaterThanOrEqual(5));
  for (const c of cases) {
    it(`${c}: every MicrovmMachineTemplate validates against the CRD`, () => {
      const text = readFileSync(path.join(goldenDir(c), 'expected', 'microvmmachinetemplate.yaml'), 'utf8');
      const docs = parseAllDocuments(text);
      expect(docs.length).toBeGreaterThanOrEqual(1);
      for (const d of docs) {
        expect(d.errors).toEqual([]);
        expect(errors(crd, d.toJS())).toBe('');
      }
    });
    it(`${c}: every flintlock request (one, or one per role) validates against the swagger types`, () => {
      const requests = readdirSync(path.join(goldenDir(c), 'expected')).filter((f) => /^flintlock-request(-[a-z0-9-]+)?\.json$/.test(f));
      expect(requests.length).toBeGreaterThanOrEqual(1);
      for (const f of requests) {
        const req = JSON.parse(readFileSync(path.join(goldenDir(c), 'expected', f), 'utf8'));
        expect(errors(flintlock, req), f).toBe('');
      }
    });
  }
});

describe('the validators are real', () => {
  const template = () =>
    parseAllDocuments(readFileSync(path.join(goldenDir('liquidmetal-example'), 'expected', 'microvmmachinetemplate.yaml'), 'utf8'))[0]!.toJS();
  it('the CRD refuses memory under 1024 MB, a misspelled key and an unknown interface type', () => {
    const low = template();
    low.spec.template.spec.memoryMb = 512;
    expect(errors(crd, low)).toContain('minimum');
    const typo = template();
    typo.spec.template.spec.kernelCmdLine = {};
    expect(errors(crd, typo)).toContain('additionalProperties');
    const iface = template();
    iface.spec.template.spec.networkInterfaces[0].type = 'bridge';
    expect(errors(crd, iface)).toContain('enum');
  });
  it('the swagger refuses camelCase next to snake_case, a rootVolume array and a numeric string', () => {
    const req = () => JSON.parse(readFileSync(path.join(goldenDir('liquidmetal-example'), 'expected', 'flintlock-request.json'), 'utf8'));
    const camel = req();
    camel.microvm.memoryInMb = 2048;
    expect(errors(flintlock, camel)).toContain('additionalProperties');
    // flintlock's own hack/scripts/payload/CreateMicroVM.json is stale in exactly this way.
    const stale = req();
    stale.microvm.root_volume = [stale.microvm.root_volume];
    expect(errors(flintlock, stale)).not.toBe('');
    const vcpu = req();
    vcpu.microvm.vcpu = '2';
    expect(errors(flintlock, vcpu)).not.toBe('');
  });
  it('the hammertime example, wrapped as a request, validates (the form kspec follows)', () => {
    const spec = JSON.parse(readFileSync(path.join(ROOT, 'test', 'data', 'liquidmetal', 'hammertime_example.json'), 'utf8'));
    // hammertime writes the interface type as its enum number; the swagger names it.
    spec.interfaces = spec.interfaces.map((i: Json) => ({ ...i, type: 'MACVTAP' }));
    expect(errors(flintlock, { microvm: spec })).toBe('');
  });
});

describe('freshly compiled outputs against the real schemas', () => {
  it('a template at the CRD minimums, with a fallback and bare cmdline flags, validates', async () => {
    const r = await compileText(`apiVersion: kspec.dev/v1alpha1
kind: KernelSpec
metadata: {name: mins}
kernel: {version: 4.19.215, cmdline: [quiet, pci=off]}
provider:
  type: oci
  kernel: {image: ghcr.io/weaveworks-liquidmetal/kernel-bin:4.19.215, filename: boot/vmlinux}
  modules: {image: ghcr.io/weaveworks-liquidmetal/kernel-modules:4.19.215}
fallback: {kernel: ghcr.io/weaveworks-liquidmetal/kernel-bin:4.19.214, via: template}
target:
  platform: liquidmetal
  capmvm: v0.9.0
  rootImage: ghcr.io/weaveworks-liquidmetal/capmvm-k8s-os:1.23.5
  template: {name: mins, vcpu: 1, memoryMb: 1024}
`);
    expect(r.diagnostics).toEqual([]);
    const yaml = r.files.find((f) => f.path === 'microvmmachinetemplate.yaml')!.content;
    const docs = parseAllDocuments(yaml).map((d) => d.toJS());
    expect(docs.map((d) => d.metadata.name)).toEqual(['mins', 'mins-fallback']);
    for (const d of docs) expect(errors(crd, d)).toBe('');
    expect(docs[0].spec.template.spec.kernel).toEqual({ image: 'ghcr.io/weaveworks-liquidmetal/kernel-bin:4.19.215', filename: 'boot/vmlinux' });
    const req = JSON.parse(r.files.find((f) => f.path === 'flintlock-request.json')!.content);
    expect(errors(flintlock, req)).toBe('');
  });
});
