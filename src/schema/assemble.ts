/**
 * The published schema, schema/kspec.schema.json, assembled from its sources:
 *
 *   src/schema/common.json            what every platform shares: the document's top
 *                                     level, the common definitions (metadata, kernel,
 *                                     providers, signing, modules...) and the editor rules
 *                                     that are not one platform's
 *   src/targets/<platform>/schema.json that platform's fragment: its target definition,
 *                                     `<platform>Target` (plus any definition only it
 *                                     uses), and its editor rules (root `allOf` entries)
 *
 * for the platforms the registry lists (src/targets/index.ts). The registry decides the
 * target's variants (`target.oneOf`, one `$ref` per platform) and the platform list in
 * `target.platform`'s description; nothing here names a platform.
 *
 * From the assembled schema, json-schema-to-typescript generates src/generated/spec-input.ts:
 * the spec as the CLI validates it (editor rules left out), the input type that normalize
 * reads and that src/types.ts derives the normalized types from.
 *
 * And src/generated/spec-defaults.ts: the schema's `default`s as one constant, which
 * normalize applies (the schema is their only source).
 *
 * Build-time only (scripts/schema.mjs writes the three files, scripts/build.mjs refuses a stale
 * one, test/schema.assemble.test.ts fails on one): the CLI reads the assembled file.
 * The schema's text is prettier's formatting of the JSON, so the file is prettier-clean.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { withoutEditorRules } from '../validate.js';

type Json = Record<string, unknown>;

/** One platform's part of the schema, as src/targets/<platform>/schema.json holds it. */
export interface SchemaFragment {
  /** Says what the file is; not copied into the schema. */
  $comment?: string;
  /** `<platform>Target` and any definition that only this platform uses. */
  definitions: Record<string, Json>;
  /** Editor rules (each tagged `x-kspec-check`), appended to the root `allOf`. */
  allOf?: Json[];
}

export const COMMON_FILE = path.join('src', 'schema', 'common.json');
export const SCHEMA_FILE = path.join('schema', 'kspec.schema.json');
export const INPUT_TYPES_FILE = path.join('src', 'generated', 'spec-input.ts');
export const DEFAULTS_FILE = path.join('src', 'generated', 'spec-defaults.ts');

export function fragmentFile(platform: string): string {
  return path.join('src', 'targets', platform, 'schema.json');
}

function readJson(root: string, file: string): Json {
  return JSON.parse(readFileSync(path.join(root, file), 'utf8')) as Json;
}

/** "a, b or c". */
function spoken(words: readonly string[]): string {
  return words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)!}`;
}

/**
 * The schema of `common` with each platform's fragment, in the order given (the
 * registry's). Refuses a fragment without its target definition, one whose target does not
 * name its platform, a definition defined twice, an editor rule without its codes.
 */
export function assembleSchema(common: Json, fragments: ReadonlyArray<readonly [platform: string, fragment: SchemaFragment]>): Json {
  const schema = structuredClone(common);
  const definitions = schema.definitions as Record<string, Json>;
  const allOf = schema.allOf as Json[];
  const properties = schema.properties as Record<string, Json>;
  const target = properties.target;
  const platformProp = (target?.properties as Record<string, Json> | undefined)?.platform;
  if (!target || !platformProp || !definitions || !allOf) {
    throw new Error(`${COMMON_FILE}: needs definitions, allOf and properties.target.properties.platform`);
  }
  for (const [platform, fragment] of fragments) {
    const where = fragmentFile(platform);
    const extra = Object.keys(fragment).filter((k) => !['$comment', 'definitions', 'allOf'].includes(k));
    if (extra.length > 0) throw new Error(`${where}: unknown key(s) ${extra.join(', ')} (a fragment has definitions and allOf)`);
    const own = fragment.definitions?.[`${platform}Target`];
    const tag = (own?.properties as Record<string, Json> | undefined)?.platform?.const;
    if (tag !== platform) throw new Error(`${where}: needs definitions.${platform}Target with properties.platform.const '${platform}'`);
    for (const [name, def] of Object.entries(fragment.definitions)) {
      if (Object.hasOwn(definitions, name)) throw new Error(`${where}: definition '${name}' is already defined`);
      definitions[name] = structuredClone(def);
    }
    for (const rule of fragment.allOf ?? []) {
      if (typeof rule['x-kspec-check'] !== 'string') throw new Error(`${where}: an allOf rule without x-kspec-check (the codes it restates)`);
      allOf.push(structuredClone(rule));
    }
  }
  const platforms = fragments.map(([p]) => p);
  // Rebuilt to keep the key order: type, description, then the rest.
  const { type, ...rest } = platformProp;
  (target.properties as Record<string, Json>).platform = { type, description: `The target platform: ${spoken(platforms)}.`, ...rest };
  target.oneOf = platforms.map((p) => ({ $ref: `#/definitions/${p}Target` }));
  return schema;
}

/** The schema from the files under `root`, for the platforms given (the registry's). */
export function assembleFromFiles(root: string, platforms: readonly string[]): Json {
  return assembleSchema(
    readJson(root, COMMON_FILE),
    platforms.map((p) => [p, readJson(root, fragmentFile(p)) as unknown as SchemaFragment] as const),
  );
}

/** JSON as prettier formats it (its defaults, no configuration): the committed files' form. */
export async function formatJson(value: unknown): Promise<string> {
  const prettier = await import('prettier');
  return prettier.format(JSON.stringify(value, null, 2), { parser: 'json' });
}

/** schema/kspec.schema.json's text, as assembled from the files under `root`. */
export async function schemaText(root: string, platforms: readonly string[]): Promise<string> {
  return formatJson(assembleFromFiles(root, platforms));
}

/**
 * What json-schema-to-typescript reads: a copy of the schema in which each if/then/else
 * (kernel.config's values: text under one pattern, else a whole number) is anyOf [then,
 * else], which it can type (a superset: values that pass the `if` pass `then`, others
 * `else`).
 */
function typeable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(typeable);
  if (!node || typeof node !== 'object') return node;
  const { if: cond, then, else: otherwise, ...rest } = node as Json;
  const out = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, typeable(v)]));
  if (cond !== undefined) out.anyOf = [typeable(then ?? {}), typeable(otherwise ?? {})];
  return out;
}

/** src/generated/spec-input.ts's text for a schema: the spec's input type, `SpecInput`. */
export async function inputTypesText(schema: Json): Promise<string> {
  const { compile } = await import('json-schema-to-typescript');
  // Without title and $id, which would name the type.
  const { title: _title, $id: _id, ...validated } = withoutEditorRules(schema);
  const banner = [
    '/**',
    ` * Generated by npm run schema from ${SCHEMA_FILE.split(path.sep).join('/')} (the rules the CLI validates with)`,
    ' * with json-schema-to-typescript; do not edit. A spec after validation, before',
    ' * normalize: the input shape that src/types.ts derives the normalized types from.',
    ' */',
  ].join('\n');
  return compile(typeable(validated) as Parameters<typeof compile>[0], 'SpecInput', {
    bannerComment: banner,
    additionalProperties: false,
    unreachableDefinitions: false,
    style: { singleQuote: true, printWidth: 120, trailingComma: 'all', bracketSpacing: true },
  });
}

/**
 * The defaults under a schema object: each property's `default`, or the defaults under it
 * (an object property), and under `<property>[]` those of its items. Undefined when none.
 */
function defaultsIn(node: Json): Json | undefined {
  const out: Json = {};
  for (const [key, prop] of Object.entries((node.properties as Record<string, Json> | undefined) ?? {})) {
    const inner = prop.default !== undefined ? prop.default : defaultsIn(prop);
    if (inner !== undefined) out[key] = inner;
    const items = prop.items as Json | undefined;
    const itemDefaults = items && !Array.isArray(items) ? defaultsIn(items) : undefined;
    if (itemDefaults !== undefined) out[`${key}[]`] = itemDefaults;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The schema's defaults, per definition (`kernel`, `coprProvider`, ...), as defaultsIn gives them. */
export function schemaDefaults(schema: Json): Json {
  const out: Json = {};
  for (const [name, def] of Object.entries(schema.definitions as Record<string, Json>)) {
    const d = defaultsIn(def);
    if (d !== undefined) out[name] = d;
  }
  return out;
}

/** src/generated/spec-defaults.ts's text for a schema. */
export async function defaultsText(schema: Json): Promise<string> {
  const prettier = await import('prettier');
  const code = [
    '/**',
    ` * Generated by npm run schema from ${SCHEMA_FILE.split(path.sep).join('/')}; do not edit. The schema's`,
    " * `default`s, per definition: a property's default, or the defaults under it, and under",
    " * `<property>[]` those of its items. normalize (src/normalize.ts) applies them.",
    ' */',
    `export const SCHEMA_DEFAULTS = ${JSON.stringify(schemaDefaults(schema))} as const;`,
    '',
  ].join('\n');
  return prettier.format(code, { parser: 'typescript', singleQuote: true, printWidth: 120, trailingComma: 'all' });
}
