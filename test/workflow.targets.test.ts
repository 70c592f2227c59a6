/**
 * The workflow's jobs come from the registry: src/workflow.ts writes the core's `check` and
 * `outdated` jobs and then each registered target's `workflowJobs`, in the registry's
 * order. Toy targets are passed among the registered ones here to show that a
 * new platform's jobs need only its module, and what the core refuses of them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PLATFORMS, targets } from '../src/targets/index.js';
import type { TargetModule } from '../src/targets/target.js';
import type { Spec } from '../src/types.js';
import { buildWorkflow, type WorkflowUnit } from '../src/workflow.js';
import { ROOT } from './helpers.js';

/** The registry with toy targets among the real ones, in the registry's order (sorted platform names). */
const withToys = (...toys: Array<Partial<TargetModule<any>> & { platform: string }>) => [...targets(), ...toys].sort((a, b) => (a.platform < b.platform ? -1 : 1));

const unit = (platform: string, name: string, value = name): WorkflowUnit => ({
  spec: `specs/${name}.yaml`,
  dir: `out/${name}`,
  parsed: { metadata: { name: value }, target: { platform } } as unknown as Spec,
  files: ['Containerfile'],
});

/** A toy target whose one job, `<platform>`, has a matrix entry per spec (its name). */
const toy = (platform: string, seen: string[][] = []) => ({
  platform,
  workflowJobs: (units: WorkflowUnit[]) => {
    seen.push(units.map((u) => u.spec));
    return { [platform]: { 'runs-on': 'ubuntu-24.04', strategy: { matrix: { include: units.map((u) => ({ name: u.parsed.metadata.name })) } }, steps: [] } };
  },
});

const OPTS = { inputs: ['specs'], out: 'out', file: '.github/workflows/kspec.yml', branch: 'main', cron: '0 6 * * 1', regenerate: ['workflow', 'specs'], headerWord: (w: string) => w };

describe('each target adds its own jobs', () => {
  it("in the registry's order, after check and outdated, each with only its own specs sorted by path", () => {
    const seen: string[][] = [];
    const units = [unit('zebra', 'z2'), unit('aardvark', 'a1'), unit('zebra', 'z1')];
    const { text, omissions } = buildWorkflow(units, OPTS, withToys(toy('zebra', seen), toy('aardvark', seen)));
    const doc = parse(text) as { jobs: Record<string, { strategy?: { matrix: { include: Array<{ name: string }> } } }> };
    expect(Object.keys(doc.jobs)).toEqual(['check', 'outdated', 'aardvark', 'zebra']);
    expect(seen).toEqual([['specs/a1.yaml'], ['specs/z1.yaml', 'specs/z2.yaml']]);
    expect(doc.jobs.zebra!.strategy!.matrix.include).toEqual([{ name: 'z1' }, { name: 'z2' }]);
    expect(omissions).toEqual([]);
  });

  it('calls no target without specs, and a target without workflowJobs gets no job', () => {
    const seen: string[][] = [];
    const { text } = buildWorkflow([unit('aardvark', 'a1')], OPTS, withToys(toy('zebra', seen), { platform: 'aardvark' }));
    expect(Object.keys((parse(text) as { jobs: object }).jobs)).toEqual(['check', 'outdated']);
    expect(seen).toEqual([]);
  });

  it('refuses a job id another job has, and a spec value GitHub would evaluate', () => {
    const clash = withToys({ platform: 'zebra', workflowJobs: () => ({ check: { 'runs-on': 'x', steps: [] } }) });
    expect(() => buildWorkflow([unit('zebra', 'z1')], OPTS, clash)).toThrow("zebra's workflow job 'check' has the id of another job");
    const taken = withToys(toy('aardvark'), { platform: 'zebra', workflowJobs: () => ({ aardvark: { 'runs-on': 'x', steps: [] } }) });
    expect(() => buildWorkflow([unit('aardvark', 'a1'), unit('zebra', 'z1')], OPTS, taken)).toThrow(/'aardvark' has the id of another job/);
    expect(() => buildWorkflow([unit('zebra', 'z1', '${{ secrets.X }}')], OPTS, withToys(toy('zebra')))).toThrow(/GitHub evaluates/);
  });
});

describe('the workflow core', () => {
  it('names no platform: src/workflow.ts and src/workflow/ leave every job to its target', () => {
    const files = ['src/workflow.ts', ...readdirSync(path.join(ROOT, 'src', 'workflow')).map((f) => `src/workflow/${f}`)];
    for (const f of files) {
      const text = readFileSync(path.join(ROOT, f), 'utf8');
      for (const p of PLATFORMS) expect(text, `${f} names '${p}'`).not.toMatch(new RegExp(`['"\`]${p}['"\`]`));
    }
  });
});
