/**
 * schema/kspec.schema.json is assembled (src/schema/assemble.ts) from src/schema/common.json
 * and the registered platforms' src/targets/<platform>/schema.json: the committed file is
 * current, every fragment is assembled, and the assembly refuses malformed fragments;
 * src/generated/spec-input.ts is the input type json-schema-to-typescript makes of it, and
 * src/generated/spec-defaults.ts its defaults, the ones normalize applies.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  COMMON_FILE,
  DEFAULTS_FILE,
  INPUT_TYPES_FILE,
  SCHEMA_FILE,
  assembleSchema,
  defaultsText,
  fragmentFile,
  inputTypesText,
  schemaDefaults,
  schemaText,
  type SchemaFragment,
} from '../src/schema/assemble.js';
import { normalize } from '../src/normalize.js';
import { PLATFORMS } from '../src/targets/index.js';
import { ROOT } from './helpers.js';

type Json = Record<string, any>;
const common = JSON.parse(readFileSync(path.join(ROOT, COMMON_FILE), 'utf8')) as Json;

const toy = (platform = 'toy'): SchemaFragment => ({
  $comment: 'not copied',
  definitions: {
    [`${platform}Target`]: {
      type: 'object',
      required: ['platform'],
      additionalProperties: false,
      properties: { platform: { const: platform } },
    },
  },
  allOf: [{ 'x-kspec-check': 'KS9999', description: `${platform}: a rule.`, not: { required: ['signing'] } }],
});

describe('the published schema', () => {
  it('is assembled from src/schema/common.json and the registered targets’ fragments', async () => {
    const committed = readFileSync(path.join(ROOT, SCHEMA_FILE), 'utf8');
    // toBe's diff would be the whole file: the message says what to do.
    expect(committed === (await schemaText(ROOT, PLATFORMS)), `${SCHEMA_FILE} is stale: run npm run schema, and commit the result`).toBe(true);
  });

  it('has its input type in src/generated/spec-input.ts', async () => {
    const committed = readFileSync(path.join(ROOT, INPUT_TYPES_FILE), 'utf8');
    const schema = JSON.parse(readFileSync(path.join(ROOT, SCHEMA_FILE), 'utf8')) as Json;
    expect(committed === (await inputTypesText(schema)), `${INPUT_TYPES_FILE} is stale: run npm run schema, and commit the result`).toBe(true);
    // The type of the rules the CLI validates with: editor rules and if/then/else leave no trace.
    expect(committed).toContain('export interface SpecInput {');
    expect(committed).toMatch(/\[k: string\]: string \| number;/);
  });

  it('has its defaults in src/generated/spec-defaults.ts, and normalize applies them', async () => {
    const committed = readFileSync(path.join(ROOT, DEFAULTS_FILE), 'utf8');
    const schema = JSON.parse(readFileSync(path.join(ROOT, SCHEMA_FILE), 'utf8')) as Json;
    expect(committed === (await defaultsText(schema)), `${DEFAULTS_FILE} is stale: run npm run schema, and commit the result`).toBe(true);
    const d = schemaDefaults(schema) as Json;
    const minimal = {
      apiVersion: 'kspec.dev/v1alpha1',
      kind: 'KernelSpec',
      metadata: { name: 'x' },
      kernel: {},
      provider: { type: 'copr', repo: 'a/b', packages: ['kernel'] },
      validation: { boot: { timeoutSeconds: 60 } },
      target: { platform: 'kairos', base: 'b', family: 'fedora' },
    };
    const spec = normalize(minimal);
    expect(spec.kernel.arch).toEqual(d.kernel.arch);
    expect(spec.provider).toMatchObject(d.coprProvider);
    expect(spec.initramfs).toMatchObject(d.initramfs);
    // A default under an object the spec sets in part.
    expect(spec.validation).toEqual({ outOfPolicy: d.validation.outOfPolicy, boot: { expect: d.validation.boot.expect, timeoutSeconds: 60 } });
    expect(spec.target).toMatchObject(d.kairosTarget);
    // normalize does not write the defaults into the spec as written.
    expect(minimal.kernel).toEqual({});
  });

  it('has a fragment for each registered platform, and no fragment of an unregistered one', () => {
    const dirs = readdirSync(path.join(ROOT, 'src', 'targets'), { withFileTypes: true }).filter((d) => d.isDirectory());
    const withFragment = dirs.map((d) => d.name).filter((d) => existsSync(path.join(ROOT, fragmentFile(d))));
    expect(withFragment.sort()).toEqual([...PLATFORMS]);
  });

  it('takes its target variants and platform list from the registry', () => {
    const s = JSON.parse(readFileSync(path.join(ROOT, SCHEMA_FILE), 'utf8')) as Json;
    expect(s.properties.target.oneOf).toEqual(PLATFORMS.map((p) => ({ $ref: `#/definitions/${p}Target` })));
    for (const p of PLATFORMS) expect(s.properties.target.properties.platform.description).toContain(p);
  });
});

describe('assembleSchema', () => {
  it('adds a new platform from its fragment alone', () => {
    const s = assembleSchema(common, [['toy', toy()]]) as Json;
    expect(s.properties.target.oneOf).toEqual([{ $ref: '#/definitions/toyTarget' }]);
    expect(s.properties.target.properties.platform.description).toBe('The target platform: toy.');
    expect(s.definitions.toyTarget).toEqual(toy().definitions.toyTarget);
    expect(s.allOf.at(-1)).toEqual(toy().allOf![0]);
    expect(JSON.stringify(s)).not.toContain('not copied');
    const two = assembleSchema(common, [['toy', toy()], ['zeta', toy('zeta')]]) as Json;
    expect(two.properties.target.properties.platform.description).toBe('The target platform: toy or zeta.');
    // The common part is not changed by an assembly.
    expect(common.properties.target.oneOf).toBeUndefined();
  });

  it('collects defaults under objects and list items', () => {
    const s = assembleSchema(common, [['toy', toy()]]) as Json;
    s.definitions.toyTarget.properties.size = { type: 'integer', default: 3 };
    s.definitions.toyTarget.properties.disks = {
      type: 'array',
      items: { type: 'object', properties: { bus: { type: 'string', default: 'virtio' }, name: { type: 'string' } } },
    };
    s.definitions.toyTarget.properties.nested = { type: 'object', properties: { a: { type: 'object', properties: { b: { default: false } } } } };
    expect(schemaDefaults(s).toyTarget).toEqual({ size: 3, 'disks[]': { bus: 'virtio' }, nested: { a: { b: false } } });
  });

  it('refuses a fragment without its target, with another platform’s, or with a clash', () => {
    expect(() => assembleSchema(common, [['toy', { definitions: {} }]])).toThrow(
      "src/targets/toy/schema.json: needs definitions.toyTarget with properties.platform.const 'toy'",
    );
    expect(() => assembleSchema(common, [['toy', { definitions: { toyTarget: toy('other').definitions.otherTarget! } }]])).toThrow(/needs definitions\.toyTarget/);
    expect(() => assembleSchema(common, [['toy', toy()], ['toy', toy()]])).toThrow("definition 'toyTarget' is already defined");
    expect(() => assembleSchema(common, [['toy', { ...toy(), definitions: { ...toy().definitions, kernel: {} } }]])).toThrow(
      "definition 'kernel' is already defined",
    );
    expect(() => assembleSchema(common, [['toy', { ...toy(), allOf: [{ not: {} }] }]])).toThrow('an allOf rule without x-kspec-check');
    expect(() => assembleSchema(common, [['toy', { ...toy(), properties: {} } as SchemaFragment]])).toThrow('unknown key(s) properties');
  });
});
