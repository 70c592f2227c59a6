/**
 * Spec generators and the properties kspec must keep, shared by test/property.test.ts
 * (a few hundred runs in the suite) and scripts/fuzz.mjs (as many as asked). Plain ESM so
 * that both vitest (from src/) and node (from dist/) can load it: the compiler is passed
 * in, not imported.
 *
 * Valid specs are generated from schema/kspec.schema.json itself (every platform, every
 * provider the platform accepts), with realistic values where the schema's pattern is
 * looser than the checks (image references, https URLs, kernel releases), then repaired
 * for the checks: the common ones from the target's declared capabilities, and a
 * platform's own through REPAIRS (src/targets/<platform>/test/repair.mjs; a platform without
 * one gets the weaker property: never throws, located diagnostics, deterministic when it
 * compiles). The platforms and their providers come from the registry, passed in.
 */
import fc from 'fast-check';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { stringify } from 'yaml';

export function loadSchema(root) {
  return JSON.parse(readFileSync(new URL('schema/kspec.schema.json', root), 'utf8'));
}

// ---- realistic values where a pattern alone would be too loose --------------------------

const word = (max) => fc.stringMatching(new RegExp(`^[a-z0-9]{1,${max}}$`));
const ociRef = fc
  .tuple(
    fc.constantFrom('ghcr.io', 'quay.io', 'docker.io', 'registry.example.org:5000'),
    fc.array(word(8), { minLength: 1, maxLength: 3 }),
    // A tag may contain '..' for OCI, but the bare-token quoting refuses it (KS9005, at
    // 1:1): a known gap reported separately, kept out of the valid generator.
    fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,12}$/).filter((t) => !t.includes('..')),
  )
  .map(([host, repo, tag]) => `${host}/${repo.join('/')}:${tag}`);
const httpsUrl = fc.tuple(word(10), fc.stringMatching(/^[a-z0-9._-]{1,16}$/)).map(([h, p]) => `https://${h}.example.org/${p}`);
const kernelRelease = fc
  .tuple(fc.integer({ min: 2, max: 7 }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 200 }), fc.constantFrom('', '-cachyos1.fc44.x86_64', '-300.fc44.x86_64', '-rancher', '-openpax'))
  .map(([a, b, c, s]) => `${a}.${b}.${c}${s}`);

/** An SSH wire string: uint32 length, then the bytes (RFC 4253). */
const sshString = (bytes) => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(bytes.length);
  return Buffer.concat([len, Buffer.from(bytes)]);
};
/** An ed25519 public key line whose blob is well formed (src/sshkey.ts checks it), with an optional comment. */
const sshEd25519 = fc
  .tuple(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.constantFrom('', ' ops@example.org', ' ci key 2026'))
  .map(([key, comment]) => `ssh-ed25519 ${Buffer.concat([sshString(Buffer.from('ssh-ed25519')), sshString(key)]).toString('base64')}${comment}`);

/** Overrides by pointer (`*` matches one segment). */
const OVERRIDES = [
  [/^\/target\/(base|image|framework|init|rootImage)$/, ociRef],
  [/^\/target\/os\/repo$/, ociRef],
  [/^\/provider\/(kernel|modules)\/image$/, ociRef],
  [/^\/modules\/\*\/image$/, ociRef],
  [/^\/fallback\/kernel$/, ociRef],
  [/^\/provider\/extraRepo\/url$/, httpsUrl],
  [/^\/provider\/(urls|headers|extras)\/[^/]+$/, httpsUrl],
  [/^\/target\/kernelSource\/url$/, httpsUrl],
  [/^\/kernel\/version$/, kernelRelease],
  [/^\/target\/template\/sshPublicKeys\/\*\/authorizedKeys\/\*$/, sshEd25519],
];

// ---- JSON Schema -> arbitrary (the subset kspec.schema.json uses) ------------------------

function deref(schema, node) {
  while (node && node.$ref) node = node.$ref.replace(/^#\//, '').split('/').reduce((o, k) => o[k], schema);
  return node;
}

/** stringArb's arbitraries, by pattern and length limits: fast-check builds one for a pattern in milliseconds to tens of them, and an arbitrary is immutable. */
const STRINGS = new Map();

function stringArb(node) {
  const key = `${node.pattern ?? ''}\0${node.minLength ?? ''}\0${node.maxLength ?? ''}`;
  if (!STRINGS.has(key)) STRINGS.set(key, buildStringArb(node));
  return STRINGS.get(key);
}

function buildStringArb(node) {
  let arb;
  if (node.pattern) {
    // fast-check cannot generate lookaheads; the only one is "does not start with /".
    const noSlash = node.pattern.startsWith('^(?!/)');
    arb = fc.stringMatching(new RegExp(noSlash ? '^' + node.pattern.slice(6) : node.pattern, 'u'));
    if (noSlash) arb = arb.filter((s) => !s.startsWith('/'));
  } else arb = fc.string({ maxLength: 24 });
  const min = node.minLength ?? 0;
  const max = Math.min(node.maxLength ?? 64, 64);
  return arb.filter((s) => s.length >= min && s.length <= max);
}

export function arbitraryFor(schema, node, ptr = '') {
  for (const [re, arb] of OVERRIDES) if (re.test(ptr)) return arb;
  node = deref(schema, node);
  if ('const' in node) return fc.constant(node.const);
  if (node.enum) return fc.constantFrom(...node.enum);
  if (node.if) return fc.oneof(arbitraryFor(schema, node.then, ptr), arbitraryFor(schema, node.else, ptr));
  const type = Array.isArray(node.type) ? node.type[0] : node.type;
  switch (type) {
    case 'string':
      return stringArb(node);
    case 'integer':
      return fc.integer({ min: node.minimum ?? -1000, max: node.maximum ?? Math.max((node.minimum ?? 0) + 5000, 1000) });
    case 'number':
      return fc.double({ min: node.minimum ?? -1000, max: node.maximum ?? 1000, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'array': {
      const items = arbitraryFor(schema, node.items, `${ptr}/*`);
      const opts = { minLength: node.minItems ?? 0, maxLength: Math.min(node.maxItems ?? 3, 3) };
      // uniqueItems compares JSON values; aliases (amd64/x86_64) are not the schema's concern.
      return node.uniqueItems ? fc.uniqueArray(items, { ...opts, selector: (v) => JSON.stringify(v) }) : fc.array(items, opts);
    }
    case 'object':
    default:
      return objectArb(schema, node, ptr);
  }
}

function objectArb(schema, node, ptr) {
  const props = node.properties ?? {};
  const keys = Object.keys(props).filter((k) => k !== 'extends');
  if (keys.length === 0 && node.additionalProperties && typeof node.additionalProperties === 'object') {
    const keyNode = node.propertyNames ?? { type: 'string', maxLength: 32 };
    return fc.dictionary(stringArb(keyNode), arbitraryFor(schema, node.additionalProperties, `${ptr}/*`), { maxKeys: 3 });
  }
  const rec = {};
  for (const k of keys) rec[k] = arbitraryFor(schema, props[k], `${ptr}/${k}`);
  let arb = fc.record(rec, { requiredKeys: (node.required ?? []).filter((k) => keys.includes(k)) });
  if (node.minProperties) arb = arb.filter((o) => Object.keys(o).length >= node.minProperties);
  if (node.maxProperties !== undefined) arb = arb.filter((o) => Object.keys(o).length <= node.maxProperties);
  return arb;
}

/** The variant of a discriminated union whose discriminator is `value`. */
function variant(schema, union, prop, value) {
  return union.oneOf.map((v) => deref(schema, v)).find((v) => v.properties?.[prop]?.const === value);
}

/**
 * A schema-valid spec (plain data) for a registered target, with one of the providers it
 * takes (its module's `providers`: the registry is the one list of platforms and providers).
 */
export function validSpecFor(schema, target) {
  // Built once per provider type: building arbitraries (regexes) is the expensive part.
  return fc.oneof(...target.providers.map((type) => specArb(schema, target.platform, type)));
}

function specArb(schema, platform, type) {
  const root = schema.properties;
  {
    const rec = {};
    for (const [k, v] of Object.entries(root)) {
      if (k === 'extends') continue;
      if (k === 'provider') rec[k] = arbitraryFor(schema, variant(schema, v, 'type', type), '/provider');
      else if (k === 'target') rec[k] = arbitraryFor(schema, variant(schema, v, 'platform', platform), '/target');
      else rec[k] = arbitraryFor(schema, v, `/${k}`);
    }
    return fc.record(rec, { requiredKeys: schema.required });
  }
}

// ---- repairs: from schema-valid to compiles-without-errors -----------------------------------

/** The checks common to every platform (src/check.ts), from the target's capabilities. */
export function repairCommon(spec, target) {
  const s = structuredClone(spec);
  // Modules from an image (bootc) need no package provider; akmods-built ones do.
  if (!['copr', 'repo'].includes(s.provider.type)) {
    if (target.moduleImages && s.modules) s.modules = s.modules.filter((m) => m.image !== undefined);
    else delete s.modules;
  }
  if (!target.signing) delete s.signing;
  if (s.fallback && !target.fallbacks.includes(s.fallback.via)) {
    if (target.fallbacks.length > 0) s.fallback.via = target.fallbacks[0];
    else delete s.fallback;
  }
  if (s.kernel.version === undefined && !['bootc', 'kairos'].includes(target.platform)) s.kernel.version = '6.1.90';
  return s;
}

/**
 * Each platform's own repair (what its check() would reject, made right), from its folder:
 * src/targets/<platform>/test/repair.mjs, `export function repair(spec)`. A platform
 * without one gets the weaker property (never throws, located diagnostics, deterministic).
 */
export const REPAIRS = await loadRepairs();

async function loadRepairs() {
  const targets = new URL('../src/targets/', import.meta.url);
  const out = {};
  for (const p of readdirSync(targets).sort()) {
    const file = new URL(`${p}/test/repair.mjs`, targets);
    if (existsSync(file)) out[p] = (await import(file.href)).repair;
  }
  return out;
}

export const toYaml = (data) => stringify(data, { lineWidth: 0 });

// ---- mutations ------------------------------------------------------------------------------

/** Every path (as key arrays) into plain data. */
function paths(data, prefix = [], out = []) {
  out.push(prefix);
  if (data && typeof data === 'object') for (const k of Object.keys(data)) paths(data[k], [...prefix, Array.isArray(data) ? Number(k) : k], out);
  return out;
}

const HOSTILE_TEXT = ['$(id)', '`id`', '; rm -rf /', "'", '"', '\\', '\n', '\u0000', '-----BEGIN PRIVATE KEY-----', '../..', '\u202e', '🙂', ' '.repeat(3), '${IFS}'];
const anyValue = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(...HOSTILE_TEXT),
  fc.string({ maxLength: 12 }),
  fc.constant([]),
  fc.constant({}),
  fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 2 }),
);

/** A data-level mutation: drop, retype or perturb the value at a random path, or add a key. */
function mutateData(data, pick, op, value, extraKey) {
  const all = paths(data).filter((p) => p.length > 0);
  const p = all[pick % all.length];
  const d = structuredClone(data);
  const parent = p.slice(0, -1).reduce((o, k) => o[k], d);
  const key = p[p.length - 1];
  switch (op) {
    case 'drop':
      if (Array.isArray(parent)) parent.splice(key, 1);
      else delete parent[key];
      break;
    case 'retype':
      parent[key] = value;
      break;
    case 'perturb': {
      const v = parent[key];
      if (typeof v === 'string') parent[key] = v.slice(0, pick % (v.length + 1)) + (typeof value === 'string' ? value : JSON.stringify(value) ?? 'x') + v.slice(pick % (v.length + 1));
      else if (typeof v === 'number') parent[key] = [v + 1, -v - 1, v * 1e6, v + 0.5, 2 ** 53, -(2 ** 31)][pick % 6];
      else parent[key] = value;
      break;
    }
    case 'add':
      if (parent && typeof parent === 'object' && !Array.isArray(parent)) parent[extraKey] = value;
      else if (Array.isArray(parent)) parent.push(value);
      break;
  }
  return d;
}

/** A text-level mutation: duplicate or delete a line, or insert raw bytes. */
function mutateText(text, pick, op, bytes) {
  const lines = text.split('\n');
  const i = pick % lines.length;
  if (op === 'dupline') lines.splice(i, 0, lines[i]);
  else if (op === 'delline') lines.splice(i, 1);
  else if (op === 'indent') lines[i] = (pick % 2 ? '\t' : ' ') + lines[i];
  else {
    const buf = Buffer.from(lines.join('\n'));
    const at = pick % (buf.length + 1);
    return Buffer.concat([buf.subarray(0, at), Buffer.from(bytes), buf.subarray(at)]);
  }
  return Buffer.from(lines.join('\n'));
}

/** A spec's bytes after one or two mutations of a valid spec. */
export function mutatedSpec(valid) {
  const dataMutation = fc.record({
    pick: fc.nat(),
    op: fc.constantFrom('drop', 'retype', 'perturb', 'add'),
    value: anyValue,
    extraKey: fc.constantFrom('extra', 'packagez', '__proto__', 'constructor', 'type', ''),
  });
  const textMutation = fc.record({ pick: fc.nat(), op: fc.constantFrom('dupline', 'delline', 'indent', 'bytes'), bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }) });
  return fc
    .tuple(valid, fc.array(dataMutation, { minLength: 0, maxLength: 2 }), fc.option(textMutation, { nil: undefined }))
    .filter(([, dm, tm]) => dm.length > 0 || tm !== undefined)
    .map(([data, dms, tm]) => {
      let d = data;
      for (const m of dms) d = mutateData(d, m.pick, m.op, m.value, m.extraKey);
      const text = toYaml(d);
      return tm ? mutateText(text, tm.pick, tm.op, tm.bytes) : Buffer.from(text);
    });
}

// ---- the properties ---------------------------------------------------------------------------

/** Every diagnostic has a stable code and a position. Throws (with the list) otherwise. */
export function assertLocated(diagnostics) {
  for (const d of diagnostics) {
    if (!/^KS\d{4}$/.test(d.code) || !(d.line >= 1) || !(d.column >= 1) || typeof d.message !== 'string' || d.message === '') {
      throw new Error(`unlocated diagnostic: ${JSON.stringify(d)}`);
    }
  }
}

export const hasErrors = (ds) => ds.some((d) => d.severity === 'error');
