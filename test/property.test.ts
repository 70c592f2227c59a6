/**
 * Property-based tests (fast-check), generators in scripts/properties.mjs, shared with the
 * fuzz script (`npm run fuzz -- --runs N` for long runs). Runs are modest here; the seed is
 * printed by fast-check on failure, and KSPEC_PROPERTY_RUNS raises the count locally.
 *
 *  - every platform: generated specs are valid for the schema (the validate stage);
 *  - every registered platform: they compile (no errors where the platform has a repair),
 *    twice to the same bytes, and every generated file parses in its own language (YAML
 *    with the yaml parser, JSON with JSON.parse, Containerfiles with dockerfile-ast, shell
 *    with bash -n, batched: test/parses.ts);
 *  - mutated specs never make the compiler throw, and each rejection is located.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Reporter } from '../src/diagnostics/diagnostic.js';
import { parseSpec } from '../src/parse.js';
import { targets } from '../src/targets/index.js';
import { validate } from '../src/validate.js';
import { assertLocated, hasErrors, loadSchema, mutatedSpec, repairCommon, REPAIRS, toYaml, validSpecFor } from '../scripts/properties.mjs';
import { compileText, PROPERTY_RUNS, PROPERTY_SEED } from './helpers.js';
import { languageOf, ParseChecker, parseProblem } from './parses.js';

const SCHEMA = loadSchema(new URL('..', import.meta.url));
const RUNS = PROPERTY_RUNS;
const registered = new Map(targets().map((t) => [t.platform, t]));

it('the generators cover every platform and every provider of the spec format', () => {
  // The generators take the registry's targets; those are exactly the schema's variants.
  const platforms = [...registered.keys()].sort();
  expect([...new Set([...registered.values()].flatMap((t) => t.providers))].sort()).toEqual(['build', 'copr', 'oci', 'repo', 'stock', 'tarball']);
  const consts = (u: { oneOf: Array<{ $ref: string }> }, prop: string): string[] =>
    u.oneOf.map((v) => SCHEMA.definitions[v.$ref.split('/').pop()!].properties[prop].const).sort();
  expect(consts(SCHEMA.properties.target, 'platform')).toEqual(platforms);
  expect(consts(SCHEMA.properties.provider, 'type')).toEqual(['build', 'copr', 'oci', 'repo', 'stock', 'tarball']);
});

describe('generated valid specs', () => {
  for (const target of targets()) {
    it(`${target.platform}: pass the validate stage (every provider it takes)`, async () => {
      await fc.assert(
        fc.asyncProperty(validSpecFor(SCHEMA, target), async (data) => {
          const parsed = parseSpec('spec.yaml', new TextEncoder().encode(toYaml(data)));
          expect(parsed.diagnostics).toEqual([]);
          const report = new Reporter(parsed.raw!.source);
          await validate(parsed.raw!.data, report);
          expect(report.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
        }),
        { numRuns: Math.ceil(RUNS / 2), seed: PROPERTY_SEED },
      );
    });
  }

  for (const target of targets()) {
    it(`${target.platform} (registered): compiles${REPAIRS[target.platform as keyof typeof REPAIRS] ? ' without errors' : ''}, byte-identical twice, every script passes bash -n`, async () => {
      const repair = REPAIRS[target.platform as keyof typeof REPAIRS] ?? ((s: unknown) => s);
      const strict = target.platform in REPAIRS;
      const parses = new ParseChecker();
      await fc.assert(
        fc.asyncProperty(validSpecFor(SCHEMA, target), async (data) => {
          const yaml = toYaml(repair(repairCommon(data, target)));
          const a = await compileText(yaml);
          assertLocated(a.diagnostics);
          if (strict) expect(a.diagnostics.filter((d) => d.severity === 'error'), yaml).toEqual([]);
          if (hasErrors(a.diagnostics)) return;
          expect(a.files.length).toBeGreaterThan(0);
          const b = await compileText(yaml);
          expect(b.files).toEqual(a.files);
          parses.check(a.files, yaml);
        }),
        { numRuns: RUNS, seed: PROPERTY_SEED },
      );
      // Every file of every compiled spec in its own language; shell in one bash for the run.
      expect(parses.flush()).toEqual([]);
    });
  }
});

describe('the parse checks can fail (test/parses.ts)', () => {
  it('names what does not parse', () => {
    expect(parseProblem('yaml', `${'k'.repeat(1030)}: 1\n`)).toMatch(/^YAML: /);
    expect(parseProblem('yaml', 'a: 1\na: 2\n')).toMatch(/^YAML: /);
    expect(parseProblem('json', '{"a": 1,}')).toMatch(/^JSON: /);
    expect(parseProblem('dockerfile', 'RUN true\n')).toBe('Dockerfile: the first instruction after the ARGs is not FROM');
    expect(parseProblem('dockerfile', 'FROM x\nRUNN true\n')).toMatch(/'RUNN' is not an instruction/);
    expect(parseProblem('dockerfile', 'ARG A=1\nFROM x\nRUN true\n')).toBeUndefined();
    const c = new ParseChecker();
    c.check([{ path: 'a.sh', content: 'if true; then\n' }, { path: 'b.sh', content: 'true\n' }, { path: 'dracut.conf.d/90-kspec.conf', content: 'add_dracutmodules+=" (\n' }], 'label');
    expect(c.flush()).toEqual(['a.sh (label): bash -n fails', 'dracut.conf.d/90-kspec.conf (label): bash -n fails']);
    expect(['x.yaml', 'kspec.lock.json', 'Containerfile', 'Dockerfile.dapper.args', 'install.sh', 'os-kernel/build-common.env', 'kargs.d/90-kspec.toml'].map(languageOf)).toEqual(['yaml', 'json', 'dockerfile', 'dockerfile-fragment', 'shell', 'shell', 'other']);
  });
});

describe('mutated specs', () => {
  const valid = fc.oneof(...[...registered.values()].map((t) => validSpecFor(SCHEMA, t).map((d) => repairCommon(d, t))));

  it('never make the compiler throw; every rejection has a code, line and column', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedSpec(valid), async (bytes) => {
        const r = await compileText(bytes);
        assertLocated(r.diagnostics);
        if (hasErrors(r.diagnostics)) expect(r.files).toEqual([]);
      }),
      { numRuns: RUNS * 2, seed: PROPERTY_SEED },
    );
  });
});
