/**
 * `validate` and `compile` agree on every spec (issue 11, must-have 6): a value the renderer
 * would refuse (KS9005, an UnsafeValueError from src/quote.ts or a target) is refused
 * first by the schema or a check, at its line. Shown for every string the schema accepts:
 * the walk over schema/kspec.schema.json (`stringSites` in scripts/properties.mjs) finds
 * every string property, array item, map key (propertyNames) and map value
 * (additionalProperties); each is set, in every golden spec it applies to, to hostile
 * strings (control characters, quotes, `$(`, backticks, YAML indicators, unicode, the
 * longest the schema allows and longer) and to strings the schema's own pattern accepts.
 *
 * The verdicts: compile never reports KS9005; validate has errors exactly when compile has;
 * every diagnostic is located; and whatever compiles has every file parse in its own
 * language (test/property.test.ts, `parsesInItsLanguage`).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileBytes } from '../src/compile.js';
import { D } from '../src/diagnostics/catalogue.js';
import { parseSpec } from '../src/parse.js';
import { assertLocated, hasErrors, loadSchema, toYaml } from '../scripts/properties.mjs';
import { hostileString, setAtSite, stringSites, validString } from '../scripts/sites.mjs';
import { ParseChecker } from './parses.js';
import { KRATA } from './fixtures.js';
import { compileText, DEEP, expectDiagnostic, PROPERTY_RUNS, PROPERTY_SEED, goldenCases, goldenDir } from './helpers.js';

const SCHEMA = loadSchema(new URL('..', import.meta.url));
const RUNS = PROPERTY_RUNS;

interface Base {
  name: string;
  dir: string;
  data: Record<string, any>;
}

const compile = (text: string, dir: string, checkOnly: boolean) =>
  compileBytes(new TextEncoder().encode(text), { specPath: 'spec.yaml', specDir: dir, command: 'kspec compile spec.yaml -o out', checkOnly });

/** The golden specs that compile without errors: valid starting points on every platform and provider. */
async function goldenBases(): Promise<Base[]> {
  const out: Base[] = [];
  for (const name of goldenCases()) {
    const file = path.join(goldenDir(name), 'spec.yaml');
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    const dir = goldenDir(name);
    if (hasErrors((await compile(text, dir, false)).diagnostics)) continue;
    out.push({ name, dir, data: parseSpec('spec.yaml', new TextEncoder().encode(text)).raw!.data as Record<string, any> });
  }
  return out;
}

const SITES = stringSites(SCHEMA);

/** `items` in groups of equal `key`, in the order each key first appears. */
function groupBy<T>(items: readonly T[], key: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return [...groups.values()];
}

/**
 * Sites where no hostile or random value can compile clean, for a reason of their own:
 * the property still runs (never KS9005, the same verdict), only "some value reached the
 * renderer" is not asked.
 */
const REFUSED_BY_CHECKS: Record<string, string> = {
  '/target[rancheros]/dapperfile': 'must name an existing Dockerfile.dapper (KS6004; reading it: test/reads.test.ts)',
  '/target[kairos]/family': 'must be a family kspec knows (KS5002: fedora, ubuntu, opensuse)',
  '/target[kairos]/cloudConfig/file': 'must name an existing cloud-config file starting with #cloud-config (KS3018, KS5017; reading it: src/targets/kairos/test/check.test.ts)',
  '/target[kairos]/cloudConfig/inline': "must start with '#cloud-config' (the schema's pattern); accepted values: src/targets/kairos/test/check.test.ts and the kairos render variants",
  '/modules/[]/repo': 'must be a repository the bootc build can enable (KS4003: rpmfusion-free/-nonfree, a COPR, provider.extraRepo)',
};

describe('the two known disagreements, now refused at their line by validate and compile alike', () => {
  it("krata kernel.config '$(x)': KS3019 at the value (was: validate clean, compile KS9005 at 1:1)", async () => {
    const text = KRATA.replace('CONFIG_SCHED_BORE: y', 'CONFIG_SCHED_BORE: $(x)');
    for (const checkOnly of [true, false]) {
      const r = await compileText(text, 'spec.yaml', checkOnly);
      const d = expectDiagnostic(r, D.ConfigValueUnwritable, 9, 24);
      expect(`${d.message} ${d.fix}`).toBe(`kernel.config CONFIG_SCHED_BORE is '$(x)', which 'krata' cannot write: a value there is ${"y, m, n, a number, or text of letters, digits, spaces and '._,:/=+-' (it is written into required.config, which package.sh merges into the kernel's .config)"}. Change the value, or leave the option out.`);
      expect(r.diagnostics.map((x) => x.code)).not.toContain(D.UnsafeValue.code);
      expect(r.files).toEqual([]);
    }
  });

  it('a Liquid Metal kernel.cmdline key of 1,024 characters: KS2005 at the item (was: invalid YAML, exit 0)', async () => {
    const text = readFileSync(path.join(goldenDir('liquidmetal-cmdline'), 'spec.yaml'), 'utf8').replace('cmdline: [quiet,', `cmdline: [${'k'.repeat(1024)},`);
    const line = text.split('\n').findIndex((l) => l.includes('kkkk')) + 1;
    const column = text.split('\n')[line - 1]!.indexOf('kkkk') + 1;
    for (const checkOnly of [true, false]) {
      const r = await compileBytes(new TextEncoder().encode(text), { specPath: 'spec.yaml', specDir: goldenDir('liquidmetal-cmdline'), command: 'x', checkOnly });
      expectDiagnostic(r, D.PatternMismatch, line, column);
      expect(r.files).toEqual([]);
    }
    // 256 is accepted, and the manifest parses
    const ok = await compileBytes(new TextEncoder().encode(text.replace('k'.repeat(1024), 'k'.repeat(256))), { specPath: 'spec.yaml', specDir: goldenDir('liquidmetal-cmdline'), command: 'x' });
    expect(ok.diagnostics.filter((x) => x.severity === 'error')).toEqual([]);
    const parses = new ParseChecker();
    parses.check(ok.files, 'cmdline 256');
    expect(parses.flush()).toEqual([]);
  });
});

it('the schema walk finds every kind of string site', () => {
  const shown = SITES.map((s) => s.label);
  for (const expected of ['/metadata/name', '/metadata/labels/{key}', '/metadata/labels/*', '/kernel/cmdline/[]', '/kernel/config/{key}', '/kernel/config/*', '/provider[build]/configFile', '/target[liquidmetal]/template/networkInterfaces/[]/guestDeviceName', '/target[rancheros]/dapperfile']) {
    expect(shown).toContain(expected);
  }
  expect(SITES.length).toBeGreaterThan(60);
});

describe('validate and compile agree on every string site of the schema', async () => {
  const bases = await goldenBases();

  it('the golden bases cover every platform and provider the sites need', () => {
    for (const s of SITES) {
      expect(bases.filter((b) => s.applies(b.data)).length, s.label).toBeGreaterThan(0);
    }
  });

  for (const site of SITES) {
    it(`${site.label}: never KS9005; validate's verdict is compile's; files parse`, async () => {
      const applicable = bases.filter((b) => site.applies(b.data));
      let meaningful = 0;
      const parses = new ParseChecker();
      const agree = async (base: Base, value: string) => {
        const data = setAtSite(SCHEMA, base.data, site, value);
        const text = toYaml(data);
        const [checked, compiled] = [await compile(text, base.dir, true), await compile(text, base.dir, false)];
        assertLocated(compiled.diagnostics);
        const label = `${site.label} = ${JSON.stringify(value).slice(0, 200)} in ${base.name}`;
        expect(compiled.diagnostics.filter((d) => d.code === D.UnsafeValue.code), label).toEqual([]);
        expect(hasErrors(checked.diagnostics), label).toBe(hasErrors(compiled.diagnostics));
        if (!hasErrors(compiled.diagnostics)) {
          meaningful++;
          parses.check(compiled.files, label);
        }
      };
      // Besides the drawn cases: values the schema accepts (one in `npm test`, three in the
      // deep run), so that some reach the renderer, each on one base of every platform and
      // provider the site applies to (the n-th value on the n-th such base). A plain loop,
      // not fast-check's `examples`: those count in numRuns, and 3 values on every base had
      // left no run for the hostile values.
      const valid = fc.sample(validString(SCHEMA, site), { numRuns: DEEP ? 3 : 1, seed: 7 }) as string[];
      for (const [i, value] of valid.entries()) {
        for (const group of groupBy(applicable, (b) => `${b.data.target?.platform} ${b.data.provider?.type}`)) await agree(group[i % group.length]!, value);
      }
      await fc.assert(fc.asyncProperty(fc.constantFrom(...applicable), hostileString(SCHEMA, site), agree), {
        numRuns: Math.max(12, Math.ceil(RUNS / 4)),
        seed: PROPERTY_SEED,
      });
      expect(parses.flush()).toEqual([]);
      // Not only refusals: some of the strings reached the renderer.
      if (!(site.label in REFUSED_BY_CHECKS)) expect(meaningful, `${site.label}: no accepted value reached the renderer`).toBeGreaterThan(0);
    });
  }
});
