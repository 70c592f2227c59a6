/**
 * The string sites of schema/kspec.schema.json and hostile strings for them, for
 * test/agree.test.ts (issue 11, must-have 6). Plain ESM like properties.mjs.
 */
import fc from 'fast-check';
import { arbitraryFor } from './properties.mjs';

function deref(schema, node) {
  while (node && node.$ref) node = node.$ref.replace(/^#\//, '').split('/').reduce((o, k) => o[k], schema);
  return node;
}



/**
 * Every place the schema accepts a free string: string properties, array items, map keys
 * (`propertyNames`) and map values (`additionalProperties`, the `then` of an if/then/else),
 * inside each variant of the `provider`/`target` unions (named by their discriminator).
 * Enums and constants are left out: they are not free text. Each site carries its path
 * (`*` a map value, `{key}` a map key, `[]` an array item), the schema node of the string,
 * the nodes along the way (to build a missing parent validly) and `applies(data)`.
 */
export function stringSites(schema) {
  const sites = [];
  const isString = (n) => n && (n.type === 'string' || (Array.isArray(n.type) && n.type.includes('string'))) && !n.enum && !('const' in n);
  const walk = (node, segs, nodes, variant, label) => {
    node = deref(schema, node);
    if (!node || typeof node !== 'object') return;
    if (node.oneOf) {
      for (const b of node.oneOf) {
        const br = deref(schema, b);
        const disc = Object.entries(br.properties ?? {}).find(([, v]) => 'const' in v);
        const v = disc ? { ...variant, [disc[0] === 'type' ? 'provider' : 'platform']: disc[1].const } : variant;
        walk(br, segs, nodes, v, disc ? `${label}[${disc[1].const}]` : label);
      }
      return;
    }
    if (node.if && node.then) return walk(node.then, segs, nodes, variant, label);
    if (isString(node)) {
      sites.push(site(segs, nodes, node, variant, label || '/'));
      return;
    }
    for (const [k, v] of Object.entries(node.properties ?? {})) {
      if (k === 'extends') continue; // a path to a file: test/reads.test.ts
      walk(v, [...segs, k], [...nodes, deref(schema, v)], variant, `${label}/${k}`);
    }
    const values = typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined;
    if (values) {
      const keyNode = { type: 'string', ...(node.propertyNames ?? {}) };
      sites.push({ ...site([...segs, '{key}'], [...nodes, keyNode], keyNode, variant, `${label}/{key}`), valueNode: deref(schema, values) });
      walk(values, [...segs, '*'], [...nodes, deref(schema, values)], variant, `${label}/*`);
    }
    if (node.items) walk(node.items, [...segs, '[]'], [...nodes, deref(schema, node.items)], variant, `${label}/[]`);
  };
  const site = (segs, nodes, node, variant, label) => ({
    label,
    segs,
    nodes,
    node,
    variant,
    applies: (data) =>
      (variant.platform === undefined || data?.target?.platform === variant.platform) && (variant.provider === undefined || data?.provider?.type === variant.provider),
  });
  walk(schema, [], [], {}, '');
  return sites;
}

/** Examples drawn so far, by schema, node and pointer (building a pattern's arbitrary costs milliseconds). */
const EXAMPLES = new WeakMap();

/** A valid example of a schema node (a fixed seed: the same every run; a fresh copy each call). */
function exampleOf(schema, node, ptr) {
  let bySchema = EXAMPLES.get(schema);
  if (!bySchema) EXAMPLES.set(schema, (bySchema = new Map()));
  const key = `${JSON.stringify(node)}\0${ptr}`;
  if (!bySchema.has(key)) bySchema.set(key, fc.sample(arbitraryFor(schema, node, ptr), { numRuns: 1, seed: 42 })[0]);
  return structuredClone(bySchema.get(key));
}

/**
 * `data` with the string at `site` set to `value` (a copy). Missing parents are built from
 * the schema (a valid example), an array's first item is replaced, a map value goes under
 * the map's first key (or a valid new key), a map key is added with a valid value.
 */
export function setAtSite(schema, data, site, value) {
  const d = structuredClone(data);
  let cur = d;
  const ptr = [];
  for (let i = 0; i < site.segs.length; i++) {
    const seg = site.segs[i];
    const last = i === site.segs.length - 1;
    const childNode = site.nodes[i];
    if (seg === '{key}') {
      const existing = Object.values(cur)[0];
      cur[value] = existing !== undefined ? existing : exampleOf(schema, site.valueNode, ptr.join('/') + '/*');
      return d;
    }
    let key = seg;
    if (seg === '[]') {
      key = 0;
    } else if (seg === '*') {
      key = Object.keys(cur)[0] ?? exampleOf(schema, { type: 'string', ...(site.nodes[i - 1]?.propertyNames ?? {}) }, '');
    }
    ptr.push(String(key));
    if (last) {
      cur[key] = value;
      return d;
    }
    if (cur[key] === undefined || cur[key] === null || typeof cur[key] !== 'object') {
      const example = exampleOf(schema, childNode, '/' + ptr.join('/'));
      cur[key] = example && typeof example === 'object' ? example : Array.isArray(childNode?.type) || childNode?.type === 'array' ? [] : {};
      if (Array.isArray(cur[key]) && cur[key].length === 0 && site.segs[i + 1] === '[]') cur[key].push(exampleOf(schema, site.nodes[i + 1], '/' + ptr.join('/') + '/*'));
    }
    cur = cur[key];
  }
  return d;
}

const HOSTILE_STRINGS = [
  '$(x)', '`id`', '${IFS}', "'", '"', '\\', '\n', '\r', '\t', '\u0000', '\u001b[31m', '\u0007', '\u007f', '\u0085', '\u2028',
  '\u202e', '🙂', 'é', '#', '# x', ': x', '- x', '{', '}', '[', ']', '&a', '*a', '!t', '%', '@', '|', '>', '?', ',',
  ' ', ' x', 'x ', '', '..', '../x', '/x', '-x', '--x', 'true', 'null', '~', '0x1', '1e3', 'y', '=', 'a=b', 'a b',
  '<<', 'EOF', '\\\n', '"$(x)"', "'$(x)'", '__proto__', 'constructor', 'prototype', 'toString',
];

/** validString's arbitrary, by site (building one for a pattern costs milliseconds). */
const VALID = new WeakMap();

/** Strings the schema accepts at a site (realistic ones where arbitraryFor knows the field). */
export function validString(schema, site) {
  if (!VALID.has(site)) VALID.set(site, validStringArb(schema, site));
  return VALID.get(site);
}

function validStringArb(schema, site) {
  const node = site.node;
  const max = node.maxLength ?? 256;
  // The pointer, so that arbitraryFor's realistic values apply (image references, URLs, releases).
  const ptr = site.segs.map((s) => (s === '[]' || s === '*' ? '*' : s)).join('/');
  return site.segs.at(-1) === '{key}' ? arbitraryFor(schema, { ...node, maxLength: Math.min(max, 64) }) : arbitraryFor(schema, { ...node, maxLength: Math.min(max, 64) }, '/' + ptr);
}

/** Strings for a site: hostile ones, ones its pattern accepts, the longest it accepts and longer, and valid ones with something hostile inside. */
export function hostileString(schema, site) {
  const node = site.node;
  const max = node.maxLength ?? 256;
  const valid = validString(schema, site);
  const fits = (s) => !node.pattern || new RegExp(node.pattern, 'u').test(s);
  const long = valid.filter((s) => s.length > 0).chain((s) =>
    fc.constantFrom(max - 1, max, max + 1, 1024, 1025, 2049, 5000).map((n) => {
      const padded = s.padEnd(Math.max(n, s.length), s.at(-1));
      return fits(padded) ? padded : s.repeat(Math.ceil(n / s.length)).slice(0, n);
    }),
  );
  const inserted = fc.tuple(valid, fc.constantFrom(...HOSTILE_STRINGS), fc.nat()).map(([s, h, at]) => s.slice(0, at % (s.length + 1)) + h + s.slice(at % (s.length + 1)));
  return fc.oneof(HOSTILE, valid, long, inserted, BINARY);
}

// Built once (an arbitrary is immutable).
const HOSTILE = fc.constantFrom(...HOSTILE_STRINGS);
// Any code point but a lone surrogate (what fc.string's 'binary' unit draws; building that
// one costs a second, mapping back each of the 1.1 million code points it can draw).
const BINARY = fc.string({
  unit: fc.integer({ min: 0, max: 0x10ffff - 0x800 }).map((n) => String.fromCodePoint(n < 0xd800 ? n : n + 0x800)),
  maxLength: 40,
});
