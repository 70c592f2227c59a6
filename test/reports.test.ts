/**
 * Reports for CI (issue 12, must-have 5): --format sarif validated against the official
 * SARIF 2.1.0 schema (test/data/sarif/, see its README for the source), --format github
 * titles, end positions and the closing notice, kspec diff --format markdown; and a closed
 * stdout or stderr (issue 11, must-have 9): the built CLI spawned with its pipe closed.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Ajv04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { allEntries } from '../src/diagnostics/all.js';
import { D, fix, message } from '../src/diagnostics/catalogue.js';
import { formatDiagnostics, MAX_PRINTED_PER_FILE } from '../src/diagnostics/format.js';
import { GITHUB_ANNOTATIONS_PER_TYPE } from '../src/diagnostics/github.js';
import { helpText } from '../src/diagnostics/sarif.js';
import { markdownReport, type SpecChange } from '../src/diffsummary.js';
import { BASE } from './fixtures.js';
import { kspecInProcess } from './cli-run.js';
import { BIN, compileText, git, KERNEL_KEYS, lazily, replaceLine, ROOT, tempDir, withoutClosingLine } from './helpers.js';

const CLI = BIN;

async function kspec(cwd: string, ...args: string[]) {
  const r = await kspecInProcess(cwd, args, { env: { NO_COLOR: '1' } });
  return { ...r, status: r.code, stderr: withoutClosingLine(r.stderr) };
}

const schema = JSON.parse(readFileSync(path.join(ROOT, 'test/data/sarif/sarif-schema-2.1.0.json'), 'utf8')) as Record<string, unknown>;
// Both are CommonJS with a default export: under ESM the class may sit on .default.
type Ajv04Class = typeof Ajv04.default;
const Ajv = ((Ajv04 as unknown as { default?: Ajv04Class }).default ?? Ajv04) as Ajv04Class;
const formats = ((addFormats as unknown as { default?: typeof addFormats.default }).default ?? addFormats) as typeof addFormats.default;
const ajv = new Ajv({ allErrors: true, strict: false });
formats(ajv as never);
const validateSarif = ajv.compile(schema);

/** The SARIF log, after asserting it is valid against the official schema. */
function sarif(text: string): any {
  const log = JSON.parse(text);
  const ok = validateSarif(log);
  expect(validateSarif.errors ?? [], 'SARIF schema errors').toEqual([]);
  expect(ok).toBe(true);
  return log;
}

/** The unknown key `archs` under kernel, as KS2001's arguments. */
const ARCHS = { key: 'archs', suggestion: 'arch', allowed: KERNEL_KEYS };

describe('--format sarif', () => {
  it('the schema validator rejects what is not SARIF (so the checks below can fail)', async () => {
    expect(validateSarif({ version: '2.1.0', runs: [{ tool: { driver: {} } }] })).toBe(false);
    expect(validateSarif({ version: '2.0.0', runs: [] })).toBe(false);
  });

  it('one rule per catalogue entry with its help text; results with rule, level and region', async () => {
    const r = await compileText(replaceLine(BASE, 7, '  archs: [x86_64]'), 'specs/my spec.yaml');
    const log = sarif(formatDiagnostics(r.diagnostics, 'sarif', () => r.source));
    const run = log.runs[0];
    const entries = allEntries();
    expect(run.tool.driver.name).toBe('kspec');
    expect(run.tool.driver.rules.map((x: any) => x.id)).toEqual(entries.map((e) => e.code));
    const unknown = run.tool.driver.rules.find((x: any) => x.id === D.UnknownKey.code);
    expect(unknown).toMatchObject({
      name: D.UnknownKey.id,
      shortDescription: { text: "Unknown key '<key>'. [Did you mean '<suggestion>'?]" },
      help: { text: 'Remove it, or rename it to a key allowed here: <allowed>.' },
      defaultConfiguration: { level: 'error' },
    });
    for (const rule of run.tool.driver.rules) expect(rule.help.text.length, rule.id).toBeGreaterThan(rule.id === D.WorkflowOmits.code ? 4 : 10);
    expect(run.columnKind).toBe('utf16CodeUnits');
    const byRule = new Map(run.results.map((x: any) => [x.ruleId, x]));
    expect(byRule.get(D.UnknownKey.code)).toEqual({
      ruleId: D.UnknownKey.code,
      ruleIndex: entries.indexOf(D.UnknownKey as never),
      level: 'error',
      message: { text: `${message(D.UnknownKey, ARCHS)} ${fix(D.UnknownKey, ARCHS)}` },
      locations: [
        {
          physicalLocation: { artifactLocation: { uri: 'specs/my%20spec.yaml' }, region: { startLine: 7, startColumn: 3, endLine: 7, endColumn: 8 } },
          logicalLocations: [{ fullyQualifiedName: '/kernel/archs', kind: 'object' }],
        },
      ],
    });
    // A warning: the untagged image, to the end of the value.
    const w = await compileText(BASE.replace('bluefin-dx:stable', 'bluefin-dx'));
    const warned = sarif(formatDiagnostics(w.diagnostics, 'sarif', () => w.source)).runs[0].results;
    expect(warned.map((x: any) => [x.ruleId, x.level, x.locations[0].physicalLocation.region])).toEqual([
      [D.UntaggedOciRef.code, 'warning', { startLine: 18, startColumn: 9, endLine: 18, endColumn: 36 }],
    ]);
  });

  it('help text of every entry has no unresolved argument', async () => {
    for (const e of allEntries()) expect(helpText(e), e.code).not.toMatch(/undefined|\[object/);
  });

  it('bounded per file: what is left out is a notification of the invocation', async () => {
    const keys = Array.from({ length: 80 }, (_, i) => `  u${i}: 1`).join('\n');
    const r = await compileText(replaceLine(BASE, 7, `  arch: [x86_64]\n${keys}`));
    const log = sarif(formatDiagnostics(r.diagnostics, 'sarif', () => r.source));
    expect(log.runs[0].results).toHaveLength(MAX_PRINTED_PER_FILE);
    expect(log.runs[0].invocations[0].toolExecutionNotifications[0].message.text).toBe('30 more diagnostics in spec.yaml not shown (30 errors, 0 warnings). Fix the ones shown and run kspec again.');
  });

  it('kspec validate --format sarif: stdout is the SARIF log only, valid also with no results', async () => {
    const work = tempDir('kspec-sarif-');
    mkdirSync(path.join(work, 'specs'));
    writeFileSync(path.join(work, 'specs/demo.yaml'), replaceLine(BASE, 7, '  archs: [x86_64]'));
    writeFileSync(path.join(work, 'specs/ok.yaml'), BASE.replace('name: demo', 'name: ok'));
    const bad = await kspec(work, 'validate', 'specs', '--format', 'sarif');
    expect(bad.status).toBe(1);
    const log = sarif(bad.stdout);
    expect(log.runs[0].results.map((x: any) => [x.ruleId, x.locations[0].physicalLocation.artifactLocation.uri])).toEqual([[D.UnknownKey.code, 'specs/demo.yaml']]);
    const good = await kspec(work, 'validate', 'specs/ok.yaml', '--format', 'sarif');
    expect(good.status).toBe(0);
    expect(sarif(good.stdout).runs[0].results).toEqual([]);
    expect(good.stderr).toBe('specs/ok.yaml: valid\n');
  });
});

describe('--format github', () => {
  it('titled with the code and the id, the message followed by the fix, with endLine/endColumn where the value ends on its line', async () => {
    const r = await compileText(replaceLine(BASE, 7, '  archs: [x86_64]'));
    expect(formatDiagnostics(r.diagnostics, 'github', () => r.source)).toBe(
      `::error file=spec.yaml,line=7,endLine=7,col=3,endColumn=7,title=KS2001 unknown-key::${message(D.UnknownKey, ARCHS)} ${fix(D.UnknownKey, ARCHS)}\n`,
    );
  });

  it(`one closing notice when a type has more than ${GITHUB_ANNOTATIONS_PER_TYPE} annotations`, async () => {
    const keys = (n: number) => Array.from({ length: n }, (_, i) => `  u${i}: 1`).join('\n');
    const ten = await compileText(replaceLine(BASE, 7, `  arch: [x86_64]\n${keys(10)}`));
    expect(formatDiagnostics(ten.diagnostics, 'github', () => ten.source)).not.toContain('::notice');
    const eleven = await compileText(replaceLine(BASE, 7, `  arch: [x86_64]\n${keys(11)}`));
    const out = formatDiagnostics(eleven.diagnostics, 'github', () => eleven.source).trimEnd().split('\n');
    expect(out).toHaveLength(12);
    expect(out.filter((l) => l.startsWith('::notice'))).toEqual([
      '::notice title=kspec%3A more annotations than GitHub shows::kspec reported 11 errors and 0 warnings; GitHub shows 10 annotations of each type per step, so the rest are only in this log. Run kspec validate locally, or upload --format sarif to code scanning, to see them all.',
    ]);
    expect(out.at(-1)!.startsWith('::notice')).toBe(true);
  });
});

describe('kspec diff --format markdown', () => {
  const change = (spec: string, over: Partial<SpecChange> = {}): SpecChange => ({ spec, name: 'demo', status: 'changed', summary: ['kernel version: 6.8 -> 6.9'], before: [], after: [], ...over });

  it('a summary table and a collapsed diff per changed spec; nothing in a value is read as Markdown or HTML', async () => {
    const diff = '--- a/out/demo/install.sh\n+++ b/out/demo/install.sh\n@@ -1 +1 @@\n-echo ```old```\n+echo </details> \x1b[2J\n';
    const md = markdownReport({
      base: 'origin/main',
      changes: [change('specs/a|b.yaml', { summary: ['provider: copr <x> -> repo'] }), change('specs/same.yaml', { status: 'unchanged', summary: [], name: 'same' })],
      diffs: [diff, ''],
      diagnostics: '',
      summary: '0 errors, 0 warnings',
    });
    expect(md).toBe(
      [
        '## kspec diff against <code>origin/main</code>',
        '',
        '2 specs, 1 with changes to the generated files.',
        '',
        '| Spec | Name | Status | What changed |',
        '|---|---|---|---|',
        '| <code>specs/a\\|b.yaml</code> | <code>demo</code> | changed | provider: copr &lt;x&gt; -&gt; repo |',
        '| <code>specs/same.yaml</code> | <code>same</code> | unchanged | — |',
        '',
        '<details>',
        '<summary><code>specs/a\\|b.yaml</code> (demo): changed, 1 file</summary>',
        '',
        '````diff',
        '--- a/out/demo/install.sh\n+++ b/out/demo/install.sh\n@@ -1 +1 @@\n-echo ```old```\n+echo </details> \\x1b[2J',
        '````',
        '',
        '</details>',
        '',
      ].join('\n'),
    );
  });

  it('kspec diff --format markdown in a repository: exit 1 with changes, the table and the diff', async () => {
    const work = tempDir('kspec-md-');
    mkdirSync(path.join(work, 'specs'));
    writeFileSync(path.join(work, 'specs/demo.yaml'), BASE);
    git(work, 'init', '-q');
    git(work, 'add', '.');
    git(work, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'base');
    writeFileSync(path.join(work, 'specs/demo.yaml'), BASE.replace('kernel-cachyos\n  arch', 'kernel-cachyos\n  version: 6.9.1\n  arch'));
    const r = await kspec(work, 'diff', 'specs', '--format', 'markdown');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('| <code>specs/demo.yaml</code> | <code>demo</code> | changed | kernel version: (none) -&gt; 6.9.1<br>generated files: ');
    expect(r.stdout).toMatch(/<details>\n<summary><code>specs\/demo\.yaml<\/code> \(demo\): changed, \d+ files?<\/summary>\n\n```diff\n--- a\/out\/demo\//);
  });
});

describe('a closed stdout or stderr (kspec … | head -1)', () => {
  /** Spawns the built CLI with `closed` closed before it writes anything; resolves its exit code and stderr. */
  function runClosed(cwd: string, closed: 'stdout' | 'stderr', args: string[]): Promise<{ code: number | null; stderr: string; stdout: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
      child[closed].destroy();
      let stderr = '';
      let stdout = '';
      const other = closed === 'stdout' ? child.stderr : child.stdout;
      other.on('data', (b: Buffer) => (closed === 'stdout' ? (stderr += b) : (stdout += b)));
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stderr, stdout });
      });
    });
  }

  /** out/ as kspec compiles specs/demo.yaml (BASE), once; drifted() copies it (modes kept). */
  const compiledOnce = lazily(async () => {
    const work = tempDir('kspec-pipe-');
    mkdirSync(path.join(work, 'specs'));
    writeFileSync(path.join(work, 'specs/demo.yaml'), BASE);
    expect((await kspec(work, 'compile', 'specs', '-o', 'out')).status).toBe(0);
    return path.join(work, 'out');
  });

  /** A repository where `compile --check` has drift in every file (a long diff on stdout). */
  async function drifted(): Promise<string> {
    const work = tempDir('kspec-pipe-');
    mkdirSync(path.join(work, 'specs'));
    cpSync(await compiledOnce(), path.join(work, 'out'), { recursive: true });
    writeFileSync(path.join(work, 'specs/demo.yaml'), BASE.replace('kernel-cachyos\n  arch', 'kernel-cachyos\n  version: 6.9.1\n  arch'));
    return work;
  }

  it('compile --check with stdout closed: no stack trace, exit 1 (drift), as with stdout open', async () => {
    const work = await drifted();
    expect((await kspec(work, 'compile', 'specs', '-o', 'out', '--check')).status).toBe(1);
    const r = await runClosed(work, 'stdout', ['compile', 'specs', '-o', 'out', '--check']);
    expect(withoutClosingLine(r.stderr)).toBe('generated files differ from the specs: run kspec compile to update them\n');
    expect(r.code).toBe(1);
  });

  it('compile --check with stdout closed and nothing to report: exit 0', async () => {
    const work = await drifted();
    expect((await kspec(work, 'compile', 'specs', '-o', 'out')).status).toBe(0);
    const r = await runClosed(work, 'stdout', ['compile', 'specs', '-o', 'out', '--check']);
    expect({ ...r, stderr: withoutClosingLine(r.stderr) }).toEqual({ code: 0, stderr: '', stdout: '' });
  });

  it('kspec diff with stdout closed: exit 1 (changes), quietly', async () => {
    const work = await drifted();
    git(work, 'init', '-q');
    git(work, 'add', 'specs');
    git(work, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'base');
    writeFileSync(path.join(work, 'specs/demo.yaml'), BASE);
    const r = await runClosed(work, 'stdout', ['diff', 'specs']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
  });

  it('validate with stderr closed: a warning (on stderr) still exits 0, and stdout is untouched', async () => {
    const work = await drifted();
    writeFileSync(path.join(work, 'specs/demo.yaml'), BASE.replace('bluefin-dx:stable', 'bluefin-dx'));
    expect((await kspec(work, 'validate', 'specs')).stderr).toContain(D.UntaggedOciRef.code);
    const r = await runClosed(work, 'stderr', ['validate', 'specs']);
    expect(r).toEqual({ code: 0, stderr: '', stdout: 'specs/demo.yaml: valid\n' });
  });
});
