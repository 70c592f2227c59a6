/**
 * `kspec workflow`: one GitHub Actions workflow for the specs of a repository, running the
 * image lifecycle the compiled output describes (issue 16, must-have 5):
 *
 * - `check`: `kspec compile --check` and `kspec workflow --check` (this file is output too);
 * - `outdated`: scheduled, `kspec outdated --format github`;
 * - then each registered target's jobs (`TargetModule.workflowJobs`, in
 *   src/targets/<platform>/workflow.ts), in the registry's order, for the specs of that
 *   platform: typically a matrix over spec x arch (native arm64 runners for aarch64).
 *
 * Which steps a spec gets follows the files its compile plans (`files`), so the workflow
 * names exactly what `kspec compile` writes. Spec-derived values reach the workflow only
 * as matrix values (YAML scalars through `yamlScalar`), read by the scripts from the
 * environment; paths on a `run:` line go through `shQuote`. A value GitHub would evaluate
 * (`${{`) is refused: Actions expands expressions before any quoting applies. The YAML
 * writer is src/workflow/yaml.ts, the shared steps src/workflow/steps.ts.
 */
import { commentText, shQuote } from './quote.js';
import { targets } from './targets/index.js';
import type { TargetModule } from './targets/target.js';
import { CHECK_JOB, kspecLine, NOT_SCHEDULED, run, RUNNER, setupKspec } from './workflow/steps.js';
import type { Jobs, Omission, WorkflowUnit } from './workflow/steps.js';
import { emit, raw } from './workflow/yaml.js';
import type { Node } from './workflow/yaml.js';

export { ACTIONS, RUNNER, secretName } from './workflow/steps.js';
export type { Omission, WorkflowUnit } from './workflow/steps.js';
export { yamlScalar } from './workflow/yaml.js';

export interface WorkflowOptions {
  /** The inputs as written in the regenerate command, from the repository root. */
  inputs: string[];
  /** The output folder from the repository root. */
  out: string;
  /** This workflow's path from the repository root. */
  file: string;
  /** The branch whose pushes publish and promote. */
  branch: string;
  /** When `kspec outdated` runs. */
  cron: string;
  /** The words after `kspec` that regenerate this file (its header, the check job). */
  regenerate: string[];
  /** A word of the header's regenerate command (`commandWord` in src/compile.ts). */
  headerWord: (w: string) => string;
}

export interface BuiltWorkflow {
  text: string;
  omissions: Omission[];
}

/**
 * The workflow for these units, byte for byte the same for the same input. `registry` is
 * the registered targets in their order (tests pass toy targets).
 */
export function buildWorkflow(units: WorkflowUnit[], opts: WorkflowOptions, registry: ReadonlyArray<Pick<TargetModule<any>, 'platform' | 'workflowJobs'>> = targets()): BuiltWorkflow {
  const sorted = [...units].sort((a, b) => (a.spec < b.spec ? -1 : a.spec > b.spec ? 1 : 0));
  const omissions: Omission[] = [];
  const inputs = opts.inputs.map(shQuote);
  const jobs: Jobs = {
    [CHECK_JOB]: {
      name: 'kspec compile --check',
      if: raw(NOT_SCHEDULED),
      'runs-on': RUNNER.x86_64,
      'timeout-minutes': 20,
      permissions: { contents: 'read' },
      steps: [
        ...setupKspec(),
        run('The committed output matches the specs', kspecLine(['compile', ...inputs, '-o', shQuote(opts.out), '--check', '--strict', '--format', 'github'])),
        run('This workflow matches the specs', kspecLine([...opts.regenerate.map((w, i) => (i === 0 || w.startsWith('-') ? w : shQuote(w))), '--check'])),
      ],
    },
    outdated: {
      name: 'kspec outdated',
      if: raw("github.event_name != 'push' && github.event_name != 'pull_request'"),
      'runs-on': RUNNER.x86_64,
      'timeout-minutes': 20,
      permissions: { contents: 'read' },
      steps: [...setupKspec(), run('COPR build age, newer image tags', kspecLine(['outdated', ...inputs, '--format', 'github']))],
    },
  };
  // Each target's jobs, in the registry's order (sorted platform names): the order they
  // are written in, so the file stays the same as long as the registry does.
  for (const t of registry) {
    const mine = sorted.filter((u) => u.parsed.target.platform === t.platform);
    if (mine.length === 0 || t.workflowJobs === undefined) continue;
    for (const [id, job] of Object.entries(t.workflowJobs(mine, omissions))) {
      if (Object.hasOwn(jobs, id)) throw new Error(`${t.platform}'s workflow job '${id}' has the id of another job`);
      jobs[id] = job;
    }
  }

  const doc: Record<string, Node> = {
    name: 'kspec',
    // Quoted: a bare `on` is a boolean to YAML 1.1 readers such as yamllint.
    '"on"': {
      pull_request: null,
      push: { branches: [opts.branch] },
      schedule: [{ cron: opts.cron }],
      workflow_dispatch: null,
    },
    permissions: { contents: 'read' },
    concurrency: { group: raw('kspec-${{ github.ref }}'), 'cancel-in-progress': raw("${{ github.event_name == 'pull_request' }}") },
    defaults: { run: { shell: 'bash' } },
    jobs,
  };
  const lines: string[] = [];
  emit(doc, 0, lines);
  const command = ['kspec', ...opts.regenerate.map((w, i) => (i === 0 || w.startsWith('-') ? w : opts.headerWord(w)))].join(' ');
  const header = [
    `# Generated by kspec from ${commentText(opts.inputs.join(', '))}.`,
    '# Do not edit: changes are overwritten.',
    `# Regenerate with: ${commentText(command)}`,
    '# Secrets: KSPEC_<SECRET ID> for each signing secret, and for a registry',
    '# other than ghcr.io KSPEC_REGISTRY_USERNAME, KSPEC_REGISTRY_PASSWORD.',
    '---',
  ];
  return { text: [...header, ...lines].join('\n') + '\n', omissions };
}
