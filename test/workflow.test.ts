/**
 * `kspec workflow` (issue 16, must-have 5): the command line (test/cli-run.ts) writes one
 * GitHub Actions workflow for a repository of specs. It is valid against SchemaStore's
 * github-workflow.json (test/data, see SOURCE.md), passes yamllint's default rules and
 * prettier, every `run:` script parses (bash -n) and passes shellcheck, each platform's
 * job names the files its compile writes, in the lifecycle's order, and `--check`
 * regenerates it like any output (exit 1 with a diff, 0 when equal).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import * as prettier from 'prettier';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { D } from '../src/diagnostics/catalogue.js';
import { yamlScalar } from '../src/workflow.js';
import { kspecInProcess } from './cli-run.js';
import { bashSyntax, bashSyntaxAll, git, goldenDir, ROOT, shellcheckAll, tempDir } from './helpers.js';

const FILE = '.github/workflows/kspec.yml';

function kspec(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return kspecInProcess(cwd, args, { env: { NO_COLOR: '1' } });
}

/** The golden specs each platform's job is checked with (aarch64, signing, no image, netboot). */
const CASES = ['bootc-cachyos', 'bootc-minimal', 'bootc-multiarch', 'kairos-fedora', 'kairos-ubuntu-signed', 'kairos-copr-init-trustedboot', 'krata-zone', 'krata-oci', 'krata-host', 'liquidmetal-example', 'rancheros-4-14'];

/** A git repository with the cases under specs/<case>.yaml and their output compiled into out/. */
function repository(): string {
  const dir = tempDir('kspec-workflow-');
  git(dir, 'init', '-q');
  mkdirSync(path.join(dir, 'specs'));
  for (const c of CASES) cpSync(path.join(goldenDir(c), 'spec.yaml'), path.join(dir, 'specs', `${c}.yaml`));
  return dir;
}

interface Step {
  name?: string;
  run?: string;
  uses?: string;
  if?: unknown;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
}
interface Job {
  'runs-on': string;
  if?: string;
  needs?: string;
  permissions: Record<string, string>;
  strategy?: { matrix: { include: Array<Record<string, string | boolean>> } };
  steps: Step[];
}

let repo = '';
let text = '';
let workflow: { jobs: Record<string, Job> } & Record<string, unknown>;
let first: { code: number; stdout: string; stderr: string };

beforeAll(async () => {
  repo = repository();
  first = await kspec(repo, 'workflow', 'specs', '-o', FILE);
  text = readFileSync(path.join(repo, FILE), 'utf8');
  workflow = parse(text);
}, 120_000);

describe('kspec workflow writes one valid workflow', () => {
  it('writes the file and warns (KS9023) where it leaves a step out, at the spec line', () => {
    expect(first.code).toBe(0);
    expect(first.stderr).toContain(`${FILE}: written (${CASES.length} specs)`);
    // bootc-minimal has no target.image: nothing to push or promote (the key `target:`, 16:1).
    expect(first.stderr).toContain(`specs/bootc-minimal.yaml:16:1: warning ${D.WorkflowOmits.code} ${D.WorkflowOmits.id}: kspec workflow leaves out the push of a candidate and promote.sh`);
    // kairos-fedora lists netboot: auroraboot.sh would serve until stopped (25:14).
    expect(first.stderr).toContain(`specs/kairos-fedora.yaml:25:14: warning ${D.WorkflowOmits.code} ${D.WorkflowOmits.id}: kspec workflow leaves out auroraboot.sh`);
  });

  it('is valid against SchemaStore github-workflow.json', () => {
    const schema = JSON.parse(readFileSync(path.join(ROOT, 'test', 'data', 'github-workflow.json'), 'utf8'));
    const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
    expect(validate(workflow), JSON.stringify(validate.errors)).toBe(true);
    // The check can fail: a job without runs-on or steps is refused.
    const broken = structuredClone(workflow);
    delete (broken.jobs.check as Partial<Job>)['runs-on'];
    expect(validate(broken)).toBe(false);
  });

  it("passes yamllint's default rules and prettier", async () => {
    const r = spawnSync('yamllint', ['-d', 'default', '-s', '-f', 'parsable', FILE], { cwd: repo, encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(await prettier.format(text, { filepath: FILE })).toBe(text);
  });

  it('every run: script parses and passes shellcheck', () => {
    const scripts: Array<[string, string]> = [];
    for (const [id, job] of Object.entries(workflow.jobs)) {
      for (const [i, s] of job.steps.entries()) {
        if (s.run === undefined) continue;
        // GitHub's bash runs with -e and pipefail (defaults.run.shell: bash).
        const script = `#!/usr/bin/env bash\nset -eo pipefail\n${s.run}`;
        scripts.push([`${id} step ${i + 1} (${s.name})`, script]);
      }
    }
    expect(scripts.length).toBeGreaterThan(20);
    // One bash -n and one shellcheck run over all of them; each step's findings are reported under its name.
    expect([...bashSyntaxAll(scripts)].filter(([, e]) => e !== '')).toEqual([]);
    const findings = shellcheckAll(scripts);
    expect([...findings.values()].join('')).toBe('');
  });

  it('is deterministic and the same from any working folder', async () => {
    const other = path.join(repo, 'specs');
    const r = await kspec(other, 'workflow', '.', '-o', `../${FILE}`, '--out-dir', '../out', '--check');
    expect(r.stdout).toBe('');
    expect(r.code).toBe(0);
  });

  it('pins every action to a commit and grants the least permissions', () => {
    const uses = Object.values(workflow.jobs).flatMap((j) => j.steps.map((s) => s.uses).filter((u): u is string => u !== undefined));
    expect(uses.length).toBeGreaterThan(5);
    for (const u of uses) expect(u).toMatch(/^actions\/[a-z-]+@[0-9a-f]{40}$/);
    expect(workflow.permissions).toEqual({ contents: 'read' });
    expect(workflow.jobs.check!.permissions).toEqual({ contents: 'read' });
    // Only the jobs that push to ghcr.io write packages.
    const writers = Object.entries(workflow.jobs).filter(([, j]) => j.permissions.packages === 'write').map(([id]) => id);
    expect(writers.sort()).toEqual(['bootc', 'bootc-promote', 'krata']);
  });
});

describe('the jobs follow the compiled output', () => {
  /** Files a step's script runs from "$DIR/…". */
  const scriptsOf = (job: Job): string[] => job.steps.flatMap((s) => [...(s.run ?? '').matchAll(/"\$DIR\/([\w.-]+)"/g)].map((m) => m[1]!));

  it('the check job runs compile --check and this workflow --check; outdated is scheduled', () => {
    const runs = workflow.jobs.check!.steps.map((s) => s.run ?? '').join('').replace(/ \\\n  /g, ' ');
    expect(runs).toContain("npx --no-install kspec compile 'specs' -o 'out' --check");
    expect(runs).toContain(`npx --no-install kspec workflow 'specs' -o '${FILE}' --check`);
    expect(workflow.on).toMatchObject({ schedule: [{ cron: '17 5 * * *' }] });
    expect(workflow.jobs.outdated!.if).toBe("github.event_name != 'push' && github.event_name != 'pull_request'");
    expect(workflow.jobs.outdated!.steps.at(-1)!.run).toContain("kspec outdated 'specs' --format github");
  });

  it('bootc: build with the secrets, relabel, verify, boot test, push; promote on pushes only', () => {
    const job = workflow.jobs.bootc!;
    expect(scriptsOf(job)).toEqual(['Containerfile', 'relabel.sh', 'verify-and-record.sh', 'boot-test.sh']);
    const names = job.steps.map((s) => s.name);
    expect(names.indexOf('Push the candidate')).toBeGreaterThan(names.indexOf('Boot test (QEMU, OVMF, swtpm; recorded)'));
    const entries = job.strategy!.matrix.include;
    // spec x arch, native arm64 runners for aarch64
    expect(entries.map((e) => `${e.name}/${e.arch}/${e.runner}`)).toEqual([
      'margine-cachyos/x86_64/ubuntu-24.04',
      'demo/x86_64/ubuntu-24.04',
      'cachyos-multiarch/x86_64/ubuntu-24.04',
      'cachyos-multiarch/aarch64/ubuntu-24.04-arm',
    ]);
    const signed = entries.find((e) => e.name === 'margine-cachyos')!;
    expect(signed).toMatchObject({ key_secret: 'mok-key', key_env: 'KSPEC_MOK_KEY', cert_env: 'KSPEC_MOK_CERT', image: 'ghcr.io/margine/margine' });
    expect(job.steps.find((s) => s.name?.startsWith('Build'))!.env).toMatchObject({ KSPEC_MOK_KEY: '${{ secrets.KSPEC_MOK_KEY }}' });
    const promote = workflow.jobs['bootc-promote']!;
    expect(promote.if).toContain("github.event_name == 'push'");
    expect(promote.strategy!.matrix.include.map((e) => `${e.name}:${e.arches}`)).toEqual(['margine-cachyos:x86_64', 'cachyos-multiarch:x86_64 aarch64']);
    expect(scriptsOf(promote)).toEqual(['promote.sh']);
    // On: push to the default branch (promotion), pull requests (everything before it).
    expect(workflow.on).toMatchObject({ push: { branches: ['main'] } });
  });

  it('kairos: build, verify, artifacts, boot test; krata: build.sh, check.sh', () => {
    expect(scriptsOf(workflow.jobs.kairos!)).toEqual(['Containerfile', 'auroraboot.sh', 'boot-test.sh']);
    const kairos = workflow.jobs.kairos!.strategy!.matrix.include;
    expect(kairos.map((e) => `${e.name}:${e.artifacts}`)).toEqual(['kairos-cachyos-uki:true', 'kairos-fedora38:false', 'kairos-ubuntu-hwe:false', 'kairos-ubuntu-hwe:false']);
    expect(workflow.jobs.kairos!.steps.map((s) => s.name).filter((n) => /^(Build|Verify|Artifacts|Boot)/.test(n!))).toEqual([
      'Build (into the Docker daemon AuroraBoot reads)',
      'Verify (build-kernel.sh check in the image)',
      'Artifacts (auroraboot.sh)',
      'Boot test (QEMU, OVMF, swtpm)',
    ]);
    // bootloader: trustedboot: build-uki's keys come from secrets through KSPEC_UKI_KEYS.
    expect(kairos.find((e) => e.name === 'kairos-cachyos-uki')).toMatchObject({ uki: true });
    expect(kairos.find((e) => e.name === 'kairos-fedora38')).toMatchObject({ uki: false });
    const artifacts = workflow.jobs.kairos!.steps.find((s) => s.name === 'Artifacts (auroraboot.sh)')!;
    expect(artifacts.env).toMatchObject({ UKI: '${{ matrix.uki }}', UKI_DB_KEY: '${{ secrets.KSPEC_UKI_DB_KEY }}' });
    expect(artifacts.run).toContain('export KSPEC_UKI_KEYS="$RUNNER_TEMP/uki-keys"');
    expect(scriptsOf(workflow.jobs.krata!)).toEqual(['build.sh', 'check.sh']);
    // krata-oci plans no build.sh: its entry skips that step. krata-host (scope: host, built
    // here) plans neither build.sh nor check.sh (install-host.sh runs on the host): no entry.
    expect(workflow.jobs.krata!.strategy!.matrix.include.map((e) => `${e.name}:${e.build}`)).toEqual(['krata-oci-zone:false', 'krata-zone-6-8:true']);
  });

  it('liquidmetal: a server-side dry run of the manifests; rancheros: the tarball check per arch', () => {
    const lm = workflow.jobs.liquidmetal!;
    expect(lm.steps.map((s) => s.run ?? '').join('')).toContain('kubectl apply --dry-run=server -f "$DIR/$f"');
    expect(lm.strategy!.matrix.include[0]).toMatchObject({ capmvm: expect.stringMatching(/^v\d/), manifests: 'microvmmachinetemplate.yaml' });
    const ros = workflow.jobs.rancheros!;
    expect(scriptsOf(ros)).toEqual(['check-kernel-tarball.sh']);
    expect(ros.strategy!.matrix.include.map((e) => e.arch)).toEqual(['x86_64', 'aarch64']);
  });

  it('every file a step runs is one the spec compiles to', async () => {
    const r = await kspec(repo, 'compile', 'specs', '-o', 'out');
    expect(r.code).toBe(0);
    for (const [id, job] of Object.entries(workflow.jobs)) {
      for (const e of job.strategy?.matrix.include ?? []) {
        for (const f of scriptsOf(job)) {
          const gated = (f === 'relabel.sh' && e.relabel === false) || (f === 'auroraboot.sh' && e.artifacts === false) || (f === 'build.sh' && e.build === false);
          if (!gated) expect(existsSync(path.join(repo, String(e.dir), f)), `${id} ${e.name}: ${f}`).toBe(true);
        }
      }
    }
  });
});

describe('--check and the file', () => {
  it('exits 1 with a diff when the file differs or is missing, 0 when equal', async () => {
    const dir = repository();
    let r = await kspec(dir, 'workflow', 'specs', '-o', FILE, '--check');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`+++ b/${FILE}`);
    expect(existsSync(path.join(dir, FILE))).toBe(false);
    r = await kspec(dir, 'workflow', 'specs', '-o', FILE);
    expect(r.code).toBe(0);
    r = await kspec(dir, 'workflow', 'specs', '-o', FILE, '--check');
    expect([r.code, r.stdout]).toEqual([0, '']);
    writeFileSync(path.join(dir, FILE), readFileSync(path.join(dir, FILE), 'utf8').replace('timeout-minutes: 20', 'timeout-minutes: 99'));
    r = await kspec(dir, 'workflow', 'specs', '-o', FILE, '--check');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('-    timeout-minutes: 99');
    expect(r.stderr).toContain(`run kspec workflow specs -o ${FILE}`);
    // --strict makes the KS9023 warnings errors: nothing written.
    r = await kspec(dir, 'workflow', 'specs', '-o', 'other.yml', '--strict');
    expect(r.code).toBe(1);
    expect(existsSync(path.join(dir, 'other.yml'))).toBe(false);
  }, 120_000);

  it('never writes through a symlink or outside the repository', async () => {
    const dir = repository();
    const outside = tempDir('kspec-outside-');
    symlinkSync(outside, path.join(dir, '.github'));
    let r = await kspec(dir, 'workflow', 'specs', '-o', FILE);
    expect(r.code).toBe(2);
    // Refused as outside (the link resolves there), or as a symlink on the way.
    expect(r.stderr).toMatch(/is outside the repository|'\.github' is a symlink/);
    expect(existsSync(path.join(outside, 'workflows'))).toBe(false);
    r = await kspec(dir, 'workflow', 'specs', '-o', path.join(outside, 'w.yml'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is outside the repository');
  }, 60_000);

  it('quotes hostile spec paths for the shell and refuses what GitHub would evaluate', async () => {
    const dir = repository();
    const hostile = "specs/a'$(touch pwned) `x`.yaml";
    cpSync(path.join(goldenDir('bootc-minimal'), 'spec.yaml'), path.join(dir, hostile));
    writeFileSync(path.join(dir, hostile), readFileSync(path.join(dir, hostile), 'utf8').replace('name: ', 'name: x'));
    let r = await kspec(dir, 'workflow', hostile, '-o', FILE);
    expect(r.code, r.stderr).toBe(0);
    const wf = parse(readFileSync(path.join(dir, FILE), 'utf8'));
    const line = wf.jobs.check.steps.find((s: Step) => s.name === 'The committed output matches the specs').run as string;
    expect(line).toContain(`'specs/a'\\''$(touch pwned) \`x\`.yaml'`);
    expect(bashSyntax(line)).toBe('');
    expect(wf.jobs.bootc.strategy.matrix.include[0].spec).toBe(hostile);
    const evaluated = 'specs/${{ secrets.X }}.yaml';
    cpSync(path.join(dir, hostile), path.join(dir, evaluated));
    r = await kspec(dir, 'workflow', evaluated, '-o', 'w.yml');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('GitHub evaluates');
    expect(existsSync(path.join(dir, 'pwned'))).toBe(false);
  }, 60_000);

  it('yamlScalar: bare only for words YAML reads back unchanged', () => {
    for (const s of ['main', 'x86_64', 'ghcr.io/a/b', 'on', 'yes', 'null', '1.0', '', 'a: b', '#x', "a'b", 'a"b', '-x', '* * *', 'é']) {
      expect(parse(`k: ${yamlScalar(s)}\n`).k).toBe(s);
    }
    expect(yamlScalar('on')).toBe('"on"');
    expect(() => yamlScalar('${{ github.token }}')).toThrow(/GitHub evaluates/);
  });
});
