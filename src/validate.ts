/**
 * Stage 2: validate. Checks the parsed data against schema/kspec.schema.json and turns
 * every Ajv error into one located diagnostic from the catalogue. `provider` and `target`
 * are discriminated unions, so a mistake inside one variant gives one message about that
 * variant, not a list of alternatives. Key material is looked for first, anywhere, so that
 * a pasted key is reported as what it is rather than as a malformed value.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Ajv, ErrorObject, Options as AjvOptions, ValidateFunction } from 'ajv';
import { D, RESERVED_KEYS } from './diagnostics/catalogue.js';
import type { Entry } from './diagnostics/entry.js';
import { parsePointer, pointer, valueAt } from './diagnostics/diagnostic.js';
import type { Diagnostic, Reporter } from './diagnostics/diagnostic.js';
import { WALKED_CLEAN } from './parse.js';
import { closest } from './suggest.js';

export const SCHEMA_PATH = fileURLToPath(new URL('../schema/kspec.schema.json', import.meta.url));

/**
 * The validator that `npm run build` generates with Ajv's standalone code (scripts/build.mjs).
 * Compiling the schema costs ~10x Node's own start-up, so the CLI loads this instead; it is
 * beside the module that loads it (dist/generated/), so under vitest, which runs src/
 * directly, it is absent and the schema is compiled at run time.
 */
export const PRECOMPILED_VALIDATOR = fileURLToPath(new URL('./generated/validator.cjs', import.meta.url));

/**
 * The schema without its editor rules: the root `allOf` entries tagged `x-kspec-check`
 * restate, for editors (yaml-language-server), checks that the CLI makes itself in
 * src/check.ts with its own diagnostics (the providers each platform takes, https URLs,
 * required fields...). The CLI's validator leaves them out, so one mistake still gives one
 * message, from the check. test/schema.editor.test.ts keeps the two in agreement.
 */
export function withoutEditorRules(schema: Record<string, unknown>): Record<string, unknown> {
  const { allOf, $comment: _comment, ...rest } = schema;
  const kept = ((allOf as Array<Record<string, unknown>> | undefined) ?? []).filter((r) => r['x-kspec-check'] === undefined);
  return kept.length > 0 ? { ...rest, allOf: kept } : rest;
}

let schemaCache: Record<string, unknown> | undefined;
/** The schema the CLI validates with (schema/kspec.schema.json without its editor rules). */
export function loadSchema(): Record<string, unknown> {
  return (schemaCache ??= withoutEditorRules(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as Record<string, unknown>));
}

export type Validator = ValidateFunction & { errors?: ErrorObject[] | null };
let validatorCache: Validator | undefined;

/** Ajv options shared by the runtime validator and the precompiled one. */
export const AJV_OPTIONS = { allErrors: true, strict: true, discriminator: true } as const;

/** An Ajv instance configured as kspec needs it; the build adds `code: {source: true}`. */
export async function createAjv(extra: AjvOptions = {}): Promise<Ajv> {
  const { default: AjvCtor } = (await import('ajv')) as unknown as { default: typeof import('ajv').default };
  const Ctor = ((AjvCtor as unknown as { default?: unknown }).default ?? AjvCtor) as typeof import('ajv').default;
  const ajv = new Ctor({ ...AJV_OPTIONS, ...extra });
  ajv.addKeyword({ keyword: 'x-hint', schemaType: 'string' });
  return ajv;
}

/** Compiles the schema at run time (the fallback, and the reference in the equivalence test). */
export async function compileValidator(): Promise<Validator> {
  return (await createAjv()).compile(loadSchema());
}

/** Loads a precompiled validator module (CommonJS, as Ajv's standalone code is). */
export function loadPrecompiledValidator(file = PRECOMPILED_VALIDATOR): Validator | undefined {
  if (!existsSync(file)) return undefined;
  const mod = createRequire(import.meta.url)(file) as Validator | { default: Validator };
  return typeof mod === 'function' ? mod : mod.default;
}

export async function getValidator(): Promise<Validator> {
  return (validatorCache ??= loadPrecompiledValidator() ?? (await compileValidator()));
}

/**
 * The schema objects of each free map (a mapping whose keys are data: kernel.config,
 * metadata.labels) that findMasses may check entry by entry: its propertyNames and
 * additionalProperties, by JSON pointer into the schema. The build exports a validator
 * for each beside the whole schema's (scripts/build.mjs).
 */
export function freeMapPointers(schema: Record<string, unknown> = loadSchema()): string[] {
  const found: string[] = [];
  const walk = (node: unknown, ptr: string): void => {
    if (!node || typeof node !== 'object') return;
    if (!Array.isArray(node) && freeMapParts(node as SchemaObject)) {
      const n = node as SchemaObject;
      if (n.propertyNames !== undefined) found.push(`${ptr}/propertyNames`);
      found.push(`${ptr}/additionalProperties`);
    }
    for (const [k, v] of Object.entries(node)) walk(v, `${ptr}/${pointer(k).slice(1)}`);
  };
  walk(schema, '');
  return found.sort();
}

let subCache: Map<string, Validator> | undefined;
/** The validator of the schema object at `ptr` (one of freeMapPointers), precompiled or compiled. */
async function subValidator(ptr: string): Promise<Validator | undefined> {
  if (!subCache) {
    subCache = new Map();
    const mod = existsSync(PRECOMPILED_VALIDATOR) ? (createRequire(import.meta.url)(PRECOMPILED_VALIDATOR) as Record<string, unknown>) : undefined;
    if (mod && typeof mod !== 'function') {
      for (const p of freeMapPointers()) if (typeof mod[p] === 'function') subCache.set(p, mod[p] as Validator);
    } else if (!mod) {
      const ajv = await createAjv();
      const schema = loadSchema();
      ajv.addSchema(schema);
      for (const p of freeMapPointers()) {
        const v = ajv.getSchema(`${String(schema.$id)}#${p}`);
        if (v) subCache.set(p, v as Validator);
      }
    }
  }
  return subCache.get(ptr);
}

/**
 * A walk over plain data without a pointer per node: each step knows its parent step and
 * its key, and a pointer is built only for what is found (a 1 MiB spec has ~100,000 nodes
 * and a handful of findings). Children are visited in document order.
 */
interface Step {
  v: unknown;
  parent: Step | undefined;
  seg: string | number;
}
function pointerOfStep(s: Step | undefined, last?: string): string {
  const segs: Array<string | number> = last === undefined ? [] : [last];
  for (let cur = s; cur?.parent; cur = cur.parent) segs.push(cur.seg);
  return segs.reverse().map((x) => pointer(x)).join('');
}

/** Reports every string in the document that carries key material. Returns their pointers. */
export function findKeyMaterial(data: unknown, report: Reporter): Set<string> {
  const found = new Set<string>();
  const stack: Step[] = [{ v: data, parent: undefined, seg: '' }];
  while (stack.length > 0) {
    const step = stack.pop()!;
    const v = step.v;
    if (typeof v === 'string') {
      if (v.includes('-----BEGIN')) found.add(pointerOfStep(step));
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (x !== null && (typeof x === 'object' || typeof x === 'string')) stack.push({ v: x, parent: step, seg: i });
      }
    } else if (v && typeof v === 'object') {
      for (const k in v) {
        if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
        if (k.includes('-----BEGIN')) found.add(pointerOfStep(step, k));
        else {
          const x = (v as Record<string, unknown>)[k];
          if (x !== null && (typeof x === 'object' || typeof x === 'string')) stack.push({ v: x, parent: step, seg: k });
        }
      }
    }
  }
  for (const ptr of [...found].sort()) report.report(D.KeyMaterial, ptr, {});
  return found;
}

/**
 * Pointers of every mapping key named `__proto__`, `constructor` or `prototype`, wherever
 * it is (closed objects and free maps such as labels alike), in document order.
 */
export function findReservedKeys(data: unknown): string[] {
  const found: string[] = [];
  const stack: Step[] = [{ v: data, parent: undefined, seg: '' }];
  while (stack.length > 0) {
    const step = stack.pop()!;
    const v = step.v;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) {
        const x: unknown = v[i];
        if (x !== null && typeof x === 'object') stack.push({ v: x, parent: step, seg: i });
      }
    } else if (v && typeof v === 'object') {
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i]!;
        if (RESERVED_KEYS.has(k)) found.push(pointerOfStep(step, k));
        else {
          const x = (v as Record<string, unknown>)[k];
          if (x !== null && typeof x === 'object') stack.push({ v: x, parent: step, seg: k });
        }
      }
    }
  }
  return found;
}

/** Options of validate, for the tests: `masses: false` validates the whole data as before findMasses (the reference it must agree with). */
export interface ValidateOptions {
  masses?: boolean;
  /** Told whether the masses found were validated as masses (the tests check it is not the fallback). */
  traceMasses?: (asMasses: boolean) => void;
}

export async function validate(data: unknown, report: Reporter, opts: ValidateOptions = {}): Promise<void> {
  // Data that parse.ts found clean of both (every key and string looked at) is not walked again.
  const clean = data !== null && typeof data === 'object' && WALKED_CLEAN.has(data);
  const keyed = clean ? new Set<string>() : findKeyMaterial(data, report);
  // Reported here, not left to the schema: in a free map (labels, kernel.config) such a
  // key may match the pattern, and nothing downstream should ever see one.
  const reserved = clean ? [] : findReservedKeys(data);
  const validator = await getValidator();
  if (reserved.length > 0) {
    const allowed = allowedAtReserved(data, reserved, validator);
    for (const ptr of reserved) {
      const key = parsePointer(ptr).at(-1)!;
      const keys = allowed.get(ptr);
      if (keys) report.report(D.UnknownKey, ptr, { key, allowed: keys }, 'key');
      else report.report(D.ReservedKey, ptr, { key }, 'key');
    }
  }
  // A closed mapping with many unknown keys (each one Ajv error object, with its own
  // params) is validated without them: see findMasses.
  const masses = opts.masses === false ? [] : await findMasses(data);
  let all: ErrorObject[];
  let bulkOf: Map<ErrorObject, Marker> | undefined;
  // A free map's entries, each one's errors from its key's and its value's validators.
  const entryErrors = new Map<Mass, EntryErrors>();
  if (masses.length === 0) {
    if (validator(data)) return;
    all = validator.errors ?? [];
  } else {
    const pruned = prunedCopy(data, masses);
    const marked = validator(pruned) ? undefined : markers(validator.errors ?? [], masses);
    opts.traceMasses?.(marked !== undefined);
    if (marked) {
      bulkOf = marked.bulkOf;
      const empty = new Set<ErrorObject>();
      for (const [e, { mass, loop }] of bulkOf) {
        if (loop === 0) continue;
        let errs = entryErrors.get(mass);
        if (!errs) entryErrors.set(mass, (errs = mapEntryErrors(mass)));
        if ((loop === 1 ? errs.names : errs.values).at.length === 0) empty.add(e);
      }
      all = empty.size === 0 ? marked.list : marked.list.filter((e) => !empty.has(e));
      if (all.length === 0) return;
    } else {
      // Not as findMasses expected (never seen): the whole data, as without masses.
      if (validator(data)) return;
      all = validator.errors ?? [];
    }
  }
  // What the schema says at or below a reserved key repeats the one mistake.
  const reservedSet = new Set(reserved);
  const underReserved = (ptr: string): boolean => {
    if (reservedSet.size === 0) return false;
    for (let p = ptr; p !== ''; p = p.slice(0, p.lastIndexOf('/'))) if (reservedSet.has(p)) return true;
    return false;
  };
  const noise = noiseFilter(all);
  const errors = all.filter((e, i) => !noise(e, i));
  // Paths reported, by code (a Set of paths per code: a key `code|path` made and hashed a
  // new string per error, 50,000 of them for 50,000 unknown keys).
  const seen = new Map<string, Set<string>>();
  // A misspelt required key is one mistake: report the unknown key with its suggestion,
  // not also the missing one.
  const requiredAt = new Set(errors.filter((e) => e.keyword === 'required').map((e) => e.instancePath));
  const misspelt = new Set<string>();
  for (const e of errors) {
    if (e.keyword !== 'additionalProperties' || !requiredAt.has(e.instancePath)) continue;
    const mass = bulkOf?.get(e)?.mass;
    if (mass?.kind === 'closed') for (const key of unknownKeys(mass)) misspelt.add(`${e.instancePath}|${suggestKey(key, allowedKeys(e)) ?? ''}`);
    else misspelt.add(`${e.instancePath}|${suggestKey(String(e.params.additionalProperty), allowedKeys(e)) ?? ''}`);
  }
  const handle = (e: ErrorObject): void => {
    if (e.keyword === 'required' && misspelt.has(`${e.instancePath}|${String(e.params.missingProperty)}`)) return;
    const d = toDiagnostic(e, data, report);
    if (!d) return;
    if (keyed.has(d.path) || underReserved(d.path)) {
      report.retract(d);
      return;
    }
    let paths = seen.get(d.code);
    if (!paths) seen.set(d.code, (paths = new Set()));
    if (paths.has(d.path)) report.retract(d);
    else paths.add(d.path);
  };
  const checkPaths = keyed.size > 0 || reservedSet.size > 0;
  for (const e of errors) {
    const marker = bulkOf?.get(e);
    if (!marker) {
      handle(e);
      continue;
    }
    const mass = marker.mass;
    if (marker.loop !== 0) {
      mapEntries(marker, entryErrors.get(mass)!, { report, seen, handle, omitted: checkPaths ? (path) => keyed.has(path) || underReserved(path) : undefined });
      continue;
    }
    // The unknown keys of a mass, where Ajv would have listed them (its sentinel's place),
    // in its order (for...in over the mapping). Each one as handle() would take it while
    // the reporter keeps KS2001; past that, only counted: its path is made only when key
    // material or a reserved key may retract it. No other error can have the path of an
    // unknown key (a key of one mapping, which one schema object checks), so the paths
    // counted need not be remembered.
    const unknown = unknownKeys(mass);
    for (let i = 0; i < unknown.length; i++) {
      const key = unknown[i]!;
      if (!report.counts(D.UnknownKey)) {
        handle({ ...e, params: { additionalProperty: key } });
        continue;
      }
      if (checkPaths) {
        const path = e.instancePath + pointer(key);
        if (keyed.has(path) || underReserved(path)) continue;
      } else {
        // Nothing can take one back: the rest are counted at once.
        report.tallyAt(D.UnknownKey, e.instancePath, key, 'key', unknown.length - i);
        break;
      }
      report.tallyAt(D.UnknownKey, e.instancePath, key, 'key');
    }
  }
}

/**
 * A closed mapping (additionalProperties: false) holding more than MASS_MIN unknown keys.
 * Ajv makes an error object per unknown key (50,000 of them in a 1 MiB spec), and validate
 * then made a diagnostic or stand-in per error. Instead, Ajv validates a copy of the data
 * in which each mass holds its known keys and one sentinel unknown key: the sentinel's
 * error is where Ajv lists the unknown keys (one run, in the mapping's key order: nothing
 * else is reported in that loop), and validate goes through the mapping's keys there.
 */
export interface Mass {
  /** `closed`: additionalProperties false; `map`: a free map (every entry checked by one schema). */
  kind: 'closed' | 'map';
  /** Ajv's instancePath of the mapping. */
  path: string;
  segs: string[];
  obj: Record<string, unknown>;
  /** Its keys in for...in order (Object.keys: own keys, no mapping of the data inherits any), listed once: enumerating 50,000 keys costs ~5 ms. */
  keys: string[];
  known: ReadonlySet<string>;
  /** A map's: the pointer of its schema object, its validators, and a value they refuse. */
  sptr?: string;
  names?: Validator;
  values?: Validator;
  sentinelValue?: unknown;
  /** A map's keys whose name had a pattern error reported (at the entry's path, as its value's may be). */
  namePatterns?: Set<string>;
}
const MASS_MIN = 64;
const SENTINEL = '\u0000kspec-unknown-keys';
/** A free map's sentinel entry: a key its propertyNames refuses (checked), a value it refuses. */
const MAP_SENTINEL = '\u0000kspec-entries';
const MAP_SENTINEL_VALUES: readonly unknown[] = [{}, null, []];

/** The keywords the schema objects of a free map's entries may use: each error is at the entry's key or value, none below. */
const ENTRY_KEYWORDS = new Set(['type', 'description', 'title', 'x-hint', '$comment', 'default', 'examples', 'pattern', 'maxLength', 'minLength', 'enum', 'const', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'if', 'then', 'else']);
const FREE_MAP_KEYWORDS = new Set(['type', 'description', 'title', 'x-hint', '$comment', 'default', 'examples', 'propertyNames', 'additionalProperties']);
function entrySchema(n: unknown, depth = 0): boolean {
  if (!n || typeof n !== 'object' || Array.isArray(n) || depth > 4) return false;
  return Object.entries(n).every(([k, v]) => ENTRY_KEYWORDS.has(k) && (!['if', 'then', 'else'].includes(k) || entrySchema(v, depth + 1)));
}
/** Whether schema object `n` is a free map findMasses may check entry by entry. */
function freeMapParts(n: SchemaObject): boolean {
  return (
    Object.keys(n).every((k) => FREE_MAP_KEYWORDS.has(k)) &&
    (n.type === undefined || n.type === 'object') &&
    entrySchema(n.additionalProperties) &&
    (n.propertyNames === undefined || entrySchema(n.propertyNames))
  );
}

/** The unknown keys of a mass, in Ajv's order (for...in, as its generated code loops). */
function unknownKeys(mass: Mass): string[] {
  return mass.keys.filter((key) => !mass.known.has(key));
}

/** Keywords of a schema object findMasses goes through: each mapping below is checked by one schema object only. */
const WALKABLE = new Set(['$schema', '$id', 'definitions', 'type', 'description', 'title', 'default', 'x-hint', '$comment', 'examples', 'required', 'properties', 'additionalProperties', 'discriminator', 'oneOf', '$ref']);
const ANNOTATION = new Set(['description', 'title', 'default', 'x-hint', '$comment', 'examples']);
type SchemaObject = Record<string, unknown>;

/**
 * The schema objects that apply to mapping `v`, through $ref and the discriminated oneOf
 * (the branch Ajv's discriminator picks for v's tag), or undefined when one of them uses
 * a keyword outside WALKABLE (allOf, if, propertyNames, minProperties...): below those,
 * how many errors a key makes may matter, and no mass is looked for.
 */
interface Applying {
  n: SchemaObject;
  /** Its JSON pointer in the schema (Ajv's schemaPath without '#'). */
  ptr: string;
}
function applying(node: unknown, ptr: string, v: Record<string, unknown>, depth = 0): Applying[] | undefined {
  if (!node || typeof node !== 'object' || Array.isArray(node) || depth > 16) return undefined;
  const n = node as SchemaObject;
  if (typeof n.$ref === 'string') {
    if (!n.$ref.startsWith('#/') || Object.keys(n).some((k) => k !== '$ref' && !ANNOTATION.has(k))) return undefined;
    return applying(schemaAt(n.$ref), n.$ref.slice(1), v, depth + 1);
  }
  if (Object.keys(n).some((k) => !WALKABLE.has(k))) return undefined;
  if (n.type !== undefined && n.type !== 'object') return undefined;
  if (n.oneOf === undefined) return [{ n, ptr }];
  const tag = (n.discriminator as { propertyName?: unknown } | undefined)?.propertyName;
  if (typeof tag !== 'string' || !Array.isArray(n.oneOf)) return undefined;
  const value = v[tag];
  if (typeof value !== 'string') return [{ n, ptr }];
  for (const [i, branch] of (n.oneOf as unknown[]).entries()) {
    const b = typeof (branch as SchemaObject)?.$ref === 'string' ? schemaAt((branch as SchemaObject).$ref as string) : (branch as SchemaObject);
    const prop = (b?.properties as Record<string, SchemaObject> | undefined)?.[tag];
    if (prop?.const === value || (Array.isArray(prop?.enum) && prop.enum.includes(value))) {
      const rest = applying(branch, `${ptr}/oneOf/${i}`, v, depth + 1);
      return rest ? [{ n, ptr }, ...rest] : undefined;
    }
  }
  return [{ n, ptr }];
}

/** The masses in `data`, outermost first (see Mass); exported for the tests. */
export async function findMasses(data: unknown): Promise<Mass[]> {
  const found: Mass[] = [];
  const isMapping = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!isMapping(data)) return found;
  const stack: Array<{ v: Record<string, unknown>; node: unknown; ptr: string; segs: string[] }> = [{ v: data, node: loadSchema(), ptr: '', segs: [] }];
  while (stack.length > 0) {
    const { v, node, ptr, segs } = stack.pop()!;
    const n0 = node as SchemaObject;
    if (n0 && typeof n0 === 'object' && n0.$ref === undefined && typeof n0.additionalProperties === 'object' && freeMapParts(n0)) {
      const keys = Object.keys(v);
      if (keys.length <= MASS_MIN) continue;
      const names = n0.propertyNames === undefined ? undefined : await subValidator(`${ptr}/propertyNames`);
      const values = await subValidator(`${ptr}/additionalProperties`);
      if (!values || (n0.propertyNames !== undefined && (!names || names(MAP_SENTINEL)))) continue;
      const refused = MAP_SENTINEL_VALUES.findIndex((x) => !values(x));
      if (refused < 0) continue;
      const sentinelValue = MAP_SENTINEL_VALUES[refused];
      found.push({ kind: 'map', path: segs.map((s) => pointer(s)).join(''), segs, obj: v, keys, known: new Set(), sptr: ptr, names, values, sentinelValue });
      continue;
    }
    const nodes = applying(node, ptr, v);
    if (!nodes) continue;
    const closed = nodes.filter(({ n }) => n.additionalProperties !== undefined);
    if (closed.length === 1 && closed[0]!.n.additionalProperties === false) {
      const known = new Set(Object.keys((closed[0]!.n.properties as object | undefined) ?? {}));
      const keys = Object.keys(v);
      if (keys.length > MASS_MIN + known.size) found.push({ kind: 'closed', path: segs.map((s) => pointer(s)).join(''), segs, obj: v, keys, known });
    } else if (closed.length > 0) continue;
    // Each property checked by exactly one of the schema objects, as Ajv reads it (data.x !== undefined).
    const props = new Map<string, Array<{ sub: unknown; ptr: string }>>();
    for (const { n, ptr: np } of nodes) {
      for (const [k, sub] of Object.entries((n.properties as Record<string, unknown> | undefined) ?? {})) {
        props.set(k, [...(props.get(k) ?? []), { sub, ptr: `${np}/properties/${pointer(k).slice(1)}` }]);
      }
    }
    for (const [k, subs] of props) {
      const child = v[k];
      if (subs.length === 1 && isMapping(child)) stack.push({ v: child, node: subs[0]!.sub, ptr: subs[0]!.ptr, segs: [...segs, k] });
    }
  }
  return found.sort((a, b) => a.segs.length - b.segs.length);
}

/** A copy of `data` in which each mass holds its known keys and the sentinel (the mappings on the way copied, the rest shared). */
function prunedCopy(data: unknown, masses: readonly Mass[]): unknown {
  const massAt = new Map(masses.map((m) => [m.path, m]));
  const copies = new Map<string, Record<string, unknown>>();
  const copyOf = (v: Record<string, unknown>, path: string): Record<string, unknown> => {
    const c = Object.create(null) as Record<string, unknown>;
    const mass = massAt.get(path);
    if (!mass) return Object.assign(c, v);
    if (mass.kind === 'map') {
      c[MAP_SENTINEL] = mass.sentinelValue;
      return c;
    }
    for (const key of mass.known) if (Object.prototype.hasOwnProperty.call(v, key)) c[key] = v[key];
    c[SENTINEL] = null;
    return c;
  };
  const root = copyOf(data as Record<string, unknown>, '');
  copies.set('', root);
  for (const m of masses) {
    let parent = root;
    let path = '';
    for (const seg of m.segs) {
      const next = path + pointer(seg);
      let c = copies.get(next);
      if (!c) {
        c = copyOf(parent[seg] as Record<string, unknown>, next);
        parent[seg] = c;
        copies.set(next, c);
      }
      parent = c;
      path = next;
    }
  }
  return root;
}

/** Where a mass's errors go in Ajv's list: a closed mapping's unknown keys, or a free map's key names (1) or values (2). */
interface Marker {
  mass: Mass;
  loop: 0 | 1 | 2;
}

/**
 * Ajv's errors with each sentinel's run of errors replaced by its first one, the marker
 * of where the mass's errors go; undefined when they are not as expected for every mass
 * (one error for a closed mapping's sentinel key, one run for each of a map's loops).
 */
function markers(errors: readonly ErrorObject[], masses: readonly Mass[]): { list: ErrorObject[]; bulkOf: Map<ErrorObject, Marker> } | undefined {
  const byPath = new Map(masses.map((m) => [m.path, m]));
  const bulkOf = new Map<ErrorObject, Marker>();
  const list: ErrorObject[] = [];
  const done = new Set<string>();
  let run: { key: string; marker: Marker } | undefined;
  for (const e of errors) {
    let key: string | undefined;
    let marker: Marker | undefined;
    if (e.keyword === 'additionalProperties' && e.params.additionalProperty === SENTINEL) {
      const m = byPath.get(e.instancePath);
      if (m?.kind !== 'closed') return undefined;
      key = `0${m.path}`;
      marker = { mass: m, loop: 0 };
    } else if (e.propertyName === MAP_SENTINEL || (e.keyword === 'propertyNames' && e.params.propertyName === MAP_SENTINEL)) {
      const m = byPath.get(e.instancePath);
      if (m?.kind !== 'map' || !m.names) return undefined;
      key = `1${m.path}`;
      marker = { mass: m, loop: 1 };
    } else if (e.instancePath.endsWith(`/${MAP_SENTINEL}`)) {
      const m = byPath.get(e.instancePath.slice(0, -MAP_SENTINEL.length - 1));
      if (m?.kind !== 'map') return undefined;
      key = `2${m.path}`;
      marker = { mass: m, loop: 2 };
    } else if (e.instancePath.includes(MAP_SENTINEL) || e.instancePath.includes(SENTINEL)) return undefined;
    if (key === undefined || !marker) {
      run = undefined;
      list.push(e);
      continue;
    }
    if (run?.key === key) continue; // the rest of the sentinel's run
    if (done.has(key)) return undefined; // a second run: not one schema object's loop
    done.add(key);
    run = { key, marker };
    bulkOf.set(e, marker);
    list.push(e);
  }
  const expected = masses.reduce((n, m) => n + (m.kind === 'closed' ? 1 : m.names ? 2 : 1), 0);
  return done.size === expected ? { list, bulkOf } : undefined;
}

/** The entries of a free map with errors in one loop: their indexes in its keys, and each one's errors. */
interface Faults {
  at: number[];
  errs: ErrorObject[][];
}
interface EntryErrors {
  names: Faults;
  values: Faults;
}
/** One options object for every call of an entry's validator (Ajv's generated code defaults a fresh one). */
const AT_ROOT = { instancePath: '' };

/**
 * The errors of each entry of a free map, in its key order: its key's (propertyNames) and
 * its value's (additionalProperties), with instancePath '' and schemaPath from the entry's
 * schema object. A value's errors depend on the value only: a scalar is validated once.
 */
function mapEntryErrors(mass: Mass): EntryErrors {
  const names: Faults = { at: [], errs: [] };
  const values: Faults = { at: [], errs: [] };
  const memo = new Map<unknown, ErrorObject[] | null>();
  const nv = mass.names as ((v: unknown, o: object) => boolean) & Validator | undefined;
  const vv = mass.values! as ((v: unknown, o: object) => boolean) & Validator;
  const keys = mass.keys;
  const obj = mass.obj;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (nv && !nv(key, AT_ROOT) && nv.errors) {
      names.at.push(i);
      names.errs.push(nv.errors);
    }
    const v = obj[key];
    const scalar = v === null || typeof v !== 'object';
    let errs = scalar ? memo.get(v) : undefined;
    if (errs === undefined) {
      errs = vv(v, AT_ROOT) ? null : (vv.errors ?? null);
      if (scalar) memo.set(v, errs);
    }
    if (errs) {
      values.at.push(i);
      values.errs.push(errs);
    }
  }
  return { names, values };
}

/** What toDiagnostic reports for each keyword an entry's schema objects use (ENTRY_KEYWORDS). */
const ENTRY_OF: Record<string, Entry> = {
  type: D.WrongType,
  pattern: D.PatternMismatch,
  maxLength: D.BadLength,
  minLength: D.BadLength,
  enum: D.NotInEnum,
  const: D.ConstMismatch,
  minimum: D.OutOfRange,
  maximum: D.OutOfRange,
  exclusiveMinimum: D.OutOfRange,
  exclusiveMaximum: D.OutOfRange,
};

/**
 * One loop of a free map (1: key names, 2: values), where Ajv would have listed it: each
 * error as handle() takes Ajv's while the Reporter keeps its code, else only counted.
 * What handle() decides from the paths seen is decided here without making them: a key's
 * pattern error and its value's errors are at the entry's path, which no other error has
 * (a second one of a code there, e.g. the name's and the value's pattern errors, is
 * dropped); the other errors of names are at the map's own path, checked in `seen`.
 * An `if` error is noise: the then/else error beside it explains it.
 */
function mapEntries(
  { mass, loop }: Marker,
  errs: EntryErrors,
  ctx: { report: Reporter; seen: Map<string, Set<string>>; handle: (e: ErrorObject) => void; omitted: ((path: string) => boolean) | undefined },
): void {
  const { report, seen, handle, omitted } = ctx;
  const P = mass.path;
  const prefix = `#${mass.sptr!}${loop === 1 ? '/propertyNames' : '/additionalProperties'}`;
  const { at, errs: list } = loop === 1 ? errs.names : errs.values;
  const namedAt = (mass.namePatterns ??= new Set<string>());
  const full = (t: ErrorObject, key: string): ErrorObject =>
    loop === 1
      ? { instancePath: P, schemaPath: prefix + t.schemaPath.slice(1), keyword: t.keyword, params: t.params, message: t.message, propertyName: key }
      : { instancePath: P + pointer(key), schemaPath: prefix + t.schemaPath.slice(1), keyword: t.keyword, params: t.params, message: t.message };
  // What each list of errors comes to, worked out once per list (values' lists are shared
  // by every entry with that scalar value): `if` errors dropped, and in a value's list a
  // second error of a code (at the same path) too.
  const plans = new Map<ErrorObject[], PlanItem[]>();
  const planOf = (es: ErrorObject[]): PlanItem[] => {
    const plan: PlanItem[] = [];
    for (const t of es) {
      if (t.keyword === 'if') continue;
      const entry = ENTRY_OF[t.keyword];
      if (loop === 2 && entry && plan.some((x) => x.entry === entry)) continue;
      plan.push({ t, entry, atKey: loop === 2 || t.keyword === 'pattern' });
    }
    return plan;
  };
  for (let i = 0; i < list.length; i++) {
    const es = list[i]!;
    const key = mass.keys[at[i]!]!;
    let plan = plans.get(es);
    if (!plan) plans.set(es, (plan = planOf(es)));
    for (const { t, entry, atKey } of plan) {
      if (!entry) {
        handle(full(t, key));
        continue;
      }
      if (atKey) {
        if (loop === 2 && entry === D.PatternMismatch && namedAt.has(key)) continue;
      } else if (seen.get(entry.code)?.has(P)) continue;
      if (omitted?.(atKey ? P + pointer(key) : P)) continue;
      if (loop === 1 && atKey) namedAt.add(key);
      if (!report.counts(entry)) {
        handle(full(t, key));
        continue;
      }
      if (!atKey) {
        let paths = seen.get(entry.code);
        if (!paths) seen.set(entry.code, (paths = new Set()));
        paths.add(P);
      }
      report.tallyAt(entry, P, atKey ? key : undefined, loop === 1 && atKey ? 'key' : 'value');
    }
  }
}
interface PlanItem {
  t: ErrorObject;
  entry: Entry | undefined;
  atKey: boolean;
}


/** A key no spec can hold: a reserved key is renamed to it to ask the schema what its mapping takes. */
const STAND_IN = '\u0000kspec-reserved-';

/**
 * The keys each reserved key's mapping takes, by the reserved key's pointer: what KS2001's
 * fix lists, as for any unknown key. Asked of the schema itself: a copy of the data with each
 * reserved key renamed to a stand-in is validated, and the stand-in's additionalProperties
 * error names the schema object (the variant of provider or target the data selects, too).
 * Only the mappings on the way to a reserved key are copied. A free map (metadata.labels,
 * kernel.config) takes any key of its format, so it has no list: absent from the result.
 */
function allowedAtReserved(data: unknown, reserved: readonly string[], validator: Validator): Map<string, string[]> {
  type Node = Record<string, unknown> | unknown[];
  const shallow = (v: unknown): Node => (Array.isArray(v) ? [...(v as unknown[])] : Object.assign(Object.create(null) as Record<string, unknown>, v));
  const copies = new Map<string, Node>();
  const copyAt = (ptr: string): Node => {
    let c = copies.get(ptr);
    if (c) return c;
    if (ptr === '') c = shallow(data);
    else {
      const parent = copyAt(ptr.slice(0, ptr.lastIndexOf('/'))) as Record<string, unknown>;
      const seg = parsePointer(ptr).at(-1)!;
      parent[seg] = c = shallow(parent[seg]);
    }
    copies.set(ptr, c);
    return c;
  };
  const standIns = new Map<string, string>(); // stand-in -> reserved key's pointer
  reserved.forEach((ptr, i) => {
    const parent = copyAt(ptr.slice(0, ptr.lastIndexOf('/'))) as Record<string, unknown>;
    const key = parsePointer(ptr).at(-1)!;
    const standIn = STAND_IN + i;
    parent[standIn] = parent[key];
    delete parent[key];
    standIns.set(standIn, ptr);
  });
  const found = new Map<string, string[]>();
  if (validator(copyAt(''))) return found;
  for (const e of validator.errors ?? []) {
    if (e.keyword !== 'additionalProperties') continue;
    const ptr = standIns.get(String(e.params.additionalProperty));
    if (ptr !== undefined && !found.has(ptr)) found.set(ptr, allowedKeys(e));
  }
  return found;
}

/**
 * oneOf/if summaries repeat what the branch errors already say: one of `all` is noise when
 * it is a oneOf, anyOf or if error and another error's instancePath starts with its own,
 * or a propertyNames error and another error names a property.
 */
export function noiseFilter(all: readonly ErrorObject[]): (e: ErrorObject, i: number) => boolean {
  // Whether another error's instancePath starts with e's: the paths sorted (code-unit
  // order), those starting with a path P are one run from P's first place, so another one
  // exists when the run holds two. One sort and a binary search per error: asking every
  // error of the list (as this did) was quadratic, and 20,000 kernel.config values of the
  // wrong type (an `if` error each) took 43 s (issue 11, must-have 4).
  let paths: string[] | undefined;
  const otherUnder = (path: string, i: number): boolean => {
    // Most often the error next to it in Ajv's list is one (a summary follows its branch's
    // errors): looked at first, and the sort is made only when needed.
    if (all[i - 1]?.instancePath.startsWith(path) || all[i + 1]?.instancePath.startsWith(path)) return true;
    paths ??= all.map((o) => o.instancePath).sort();
    let lo = 0;
    let hi = paths.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (paths[mid]! < path) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1 < paths.length && paths[lo + 1]!.startsWith(path);
  };
  let named: number | undefined;
  return (e, i) => {
    if (e.keyword === 'oneOf' || e.keyword === 'anyOf' || e.keyword === 'if') return otherUnder(e.instancePath, i);
    if (e.keyword === 'propertyNames') {
      named ??= all.filter((o) => o.propertyName !== undefined).length;
      return named - (e.propertyName !== undefined ? 1 : 0) > 0;
    }
    return false;
  };
}

function schemaAt(schemaPath: string): Record<string, unknown> | undefined {
  let node: unknown = loadSchema();
  for (const seg of parsePointer(schemaPath.replace(/^#/, ''))) {
    if (!node || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[seg];
  }
  return node && typeof node === 'object' ? (node as Record<string, unknown>) : undefined;
}

/** The keys a mapping takes, for an additionalProperties error: one list per schema object. */
const allowedBySchema = new Map<string, string[]>();
function allowedKeys(e: ErrorObject): string[] {
  let allowed = allowedBySchema.get(e.schemaPath);
  if (!allowed) allowedBySchema.set(e.schemaPath, (allowed = Object.keys((parentSchema(e)?.properties as object | undefined) ?? {})));
  return allowed;
}

/** closest(key, allowed), once per key and list (validate asks twice for each unknown key). */
const suggestions = new WeakMap<string[], Map<string, string | undefined>>();
function suggestKey(key: string, allowed: string[]): string | undefined {
  let memo = suggestions.get(allowed);
  if (!memo) suggestions.set(allowed, (memo = new Map()));
  if (!memo.has(key)) {
    // Kept small across a run over many specs: only the pairs of asks need to meet.
    if (memo.size >= 200_000) memo.clear();
    memo.set(key, closest(key, allowed));
  }
  return memo.get(key);
}

/** The schema object that holds the failing keyword. */
function parentSchema(e: ErrorObject): Record<string, unknown> | undefined {
  return schemaAt(e.schemaPath.slice(0, e.schemaPath.lastIndexOf('/')));
}

function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'nothing (null)';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `text '${v.length > 40 ? v.slice(0, 40) + '…' : v}'`;
  if (typeof v === 'number') return `the number ${v}`;
  return `${typeof v} ${String(v)}`;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  null: 'null',
};

function variantsOf(schema: Record<string, unknown> | undefined, tag: string): string[] {
  const oneOf = (schema?.oneOf as Array<Record<string, unknown>> | undefined) ?? [];
  return oneOf.flatMap((branch) => {
    const b = typeof branch.$ref === 'string' ? schemaAt(branch.$ref) : branch;
    const prop = (b?.properties as Record<string, Record<string, unknown>> | undefined)?.[tag];
    if (!prop) return [];
    return prop.const !== undefined ? [String(prop.const)] : ((prop.enum as string[] | undefined) ?? []);
  });
}

/** One Ajv error as a located diagnostic (exported for tests of the fallback mapping). */
export function toDiagnostic(e: ErrorObject, data: unknown, report: Reporter): Diagnostic | undefined {
  const at = e.instancePath;
  // Not needed for an unknown key (the most numerous error): looked up on first use.
  let looked = false;
  let found: unknown;
  const v = (): unknown => (looked ? found : ((looked = true), (found = valueAt(data, at))));
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(p.additionalProperty);
      const allowed = allowedKeys(e);
      // The suggestion is worked out only for a diagnostic the reporter keeps (past
      // MAX_COLLECTED_PER_CODE of a code it counts them).
      return report.report(D.UnknownKey, at + pointer(key), () => ({ key, allowed, suggestion: suggestKey(key, allowed) }), 'key');
    }
    case 'required':
      return report.report(D.MissingKey, at, { key: String(p.missingProperty) }, 'key');
    case 'type': {
      // Arguments as a function, like every one that reads the value: past
      // MAX_COLLECTED_PER_CODE of a code they are never worked out (44,000 values of the
      // wrong type looked each one up).
      const expected = (): string =>
        String(p.type)
          .split(',')
          .map((t) => TYPE_WORDS[t] ?? t)
          .join(' or ');
      return report.report(D.WrongType, at, () => ({ expected: expected(), actual: typeName(v()) }));
    }
    case 'enum': {
      const allowed = ((p.allowedValues as unknown[]) ?? []).map(String);
      return report.report(D.NotInEnum, at, () => ({ value: String(v()), allowed, suggestion: closest(String(v()), allowed) }));
    }
    case 'const':
      return report.report(D.ConstMismatch, at, () => ({ value: String(v()), expected: String(p.allowedValue) }));
    case 'pattern': {
      const hint = String(parentSchema(e)?.['x-hint'] ?? `in the form ${String(p.pattern)}`);
      if (e.propertyName !== undefined) {
        return report.report(D.PatternMismatch, at + pointer(e.propertyName), { value: e.propertyName, hint }, 'key');
      }
      return report.report(D.PatternMismatch, at, () => ({ value: String(v()), hint }));
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const ops: Record<string, string> = { minimum: '>=', maximum: '<=', exclusiveMinimum: '>', exclusiveMaximum: '<' };
      return report.report(D.OutOfRange, at, () => ({ value: Number(v()), bound: `${ops[e.keyword]} ${String(p.limit)}` }));
    }
    case 'minItems':
    case 'maxItems':
    case 'minLength':
    case 'maxLength':
    case 'minProperties':
    case 'maxProperties': {
      const what = e.keyword.endsWith('Items') ? 'list' : e.keyword.endsWith('Length') ? 'text' : 'mapping';
      const unit = e.keyword.endsWith('Items') ? 'item' : e.keyword.endsWith('Length') ? 'character' : 'entry';
      const n = Number(p.limit);
      const bound = `${e.keyword.startsWith('min') ? 'at least' : 'at most'} ${n} ${unit}${n === 1 ? '' : 's'}`;
      return report.report(D.BadLength, at, { what, bound });
    }
    case 'uniqueItems':
    {
      // A list of mappings (packages, modules) repeats a whole item: shown as compact JSON,
      // not as '[object Object]'.
      const item = valueAt(data, at + pointer(Number(p.j)));
      return report.report(D.DuplicateItem, at + pointer(Number(p.j)), { value: typeof item === 'string' ? item : (JSON.stringify(item) ?? String(item)) });
    }
    case 'discriminator': {
      const tag = String(p.tag);
      const tagValue = (v() as Record<string, unknown> | undefined)?.[tag];
      if (p.error === 'tag' && tagValue === undefined) return report.report(D.MissingKey, at, { key: tag }, 'key');
      const allowed = variantsOf(parentSchema(e), tag);
      const field = `${parsePointer(at).join('.')}.${tag}`;
      if (typeof tagValue !== 'string') {
        return report.report(D.WrongType, at + pointer(tag), { expected: TYPE_WORDS.string!, actual: typeName(tagValue) });
      }
      return report.report(D.UnknownVariant, at + pointer(tag), { field, value: tagValue, allowed, suggestion: closest(tagValue, allowed) });
    }
    default:
      return report.report(D.SchemaViolation, at, { detail: e.message ?? e.keyword });
  }
}
