#!/usr/bin/env node
/**
 * `npm run schema`: writes the generated sources that the schema's own sources decide,
 * after `tsc --noCheck` has emitted dist/ (the registry and src/schema/assemble.ts):
 *
 *   schema/kspec.schema.json     src/schema/common.json + each registered platform's
 *                                src/targets/<platform>/schema.json (src/schema/assemble.ts)
 *   src/generated/spec-input.ts  the spec's input type, from that schema by
 *                                json-schema-to-typescript
 *   src/generated/spec-defaults.ts  the schema's defaults, which normalize applies
 *
 * Commit what it writes. `npm run build` refuses a stale schema, and
 * test/schema.assemble.test.ts fails on either, each naming this command.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = path.join(ROOT, 'dist');

/** Each generated file (relative to the root) with its text from the current sources. */
export async function generated() {
  const { PLATFORMS } = await import(path.join(DIST, 'targets', 'index.js'));
  const { SCHEMA_FILE, INPUT_TYPES_FILE, DEFAULTS_FILE, schemaText, inputTypesText, defaultsText } = await import(
    path.join(DIST, 'schema', 'assemble.js')
  );
  const schema = await schemaText(ROOT, PLATFORMS);
  return [
    [SCHEMA_FILE, schema],
    [INPUT_TYPES_FILE, await inputTypesText(JSON.parse(schema))],
    [DEFAULTS_FILE, await defaultsText(JSON.parse(schema))],
  ];
}

/** The generated files whose committed text differs from what the sources give. */
export async function stale() {
  const out = [];
  for (const [file, text] of await generated()) {
    let old;
    try {
      old = readFileSync(path.join(ROOT, file), 'utf8');
    } catch {
      old = undefined;
    }
    if (old !== text) out.push(file);
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [file, text] of await generated()) {
    const target = path.join(ROOT, file);
    let old;
    try {
      old = readFileSync(target, 'utf8');
    } catch {
      old = undefined;
    }
    if (old === text) continue;
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, text);
    console.log(`wrote ${file}`);
  }
}
