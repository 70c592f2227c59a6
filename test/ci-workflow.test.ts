/**
 * The GitHub Actions workflow in docs/ci.md and the README's CI section work as written:
 * their fenced blocks are read with the Markdown lexer (marked), and the commands run in
 * a temporary git repository cloned from a bare "origin", as actions/checkout with
 * fetch-depth 0 leaves it. The install step is the one thing replaced: `kspec` (and `npx
 * kspec`) run the built CLI through a shim on PATH. Steps run with `bash -e`, GitHub's default shell on Linux;
 * `${{ }}` expressions are those of a pull request into main.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { marked, type Token, type Tokens } from 'marked';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BASE } from './fixtures.js';
import { BIN, git, ROOT, tempDir } from './helpers.js';

const CLI = BIN;

function codeBlocks(markdown: string): Tokens.Code[] {
  const out: Tokens.Code[] = [];
  marked.walkTokens(marked.lexer(markdown), (t: Token) => {
    if (t.type === 'code') out.push(t as Tokens.Code);
  });
  return out;
}

/** The text of a document between a heading and the next heading of the same or a higher level. */
function section(markdown: string, heading: string): string {
  const tokens = marked.lexer(markdown);
  const start = tokens.findIndex((t) => t.type === 'heading' && (t as Tokens.Heading).text === heading);
  if (start < 0) throw new Error(`no heading '${heading}'`);
  const depth = (tokens[start] as Tokens.Heading).depth;
  const end = tokens.findIndex((t, i) => i > start && t.type === 'heading' && (t as Tokens.Heading).depth <= depth);
  return tokens.slice(start, end < 0 ? undefined : end).map((t) => t.raw).join('');
}

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
}

/** The pull-request context the expressions see. */
const CONTEXT: Record<string, string> = { 'github.base_ref': 'main', 'github.event_name': 'pull_request' };

function expand(text: string): string {
  return text.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expr: string) => {
    if (!(expr in CONTEXT)) throw new Error(`the test does not know the expression \${{ ${expr} }}: add it to CONTEXT`);
    return CONTEXT[expr]!;
  });
}

/** `if:` conditions of the form `a == 'b'` (or `!=`), as GitHub evaluates them. */
function condition(expr: string | undefined): boolean {
  if (expr === undefined) return true;
  const m = /^\s*(?:\$\{\{\s*)?([\w.]+)\s*(==|!=)\s*'([^']*)'\s*(?:\}\})?\s*$/.exec(expr);
  if (!m || !(m[1]! in CONTEXT)) throw new Error(`the test cannot evaluate the condition '${expr}'`);
  return (CONTEXT[m[1]!] === m[3]) === (m[2] === '==');
}

/** A run step as the test runs it: `npx kspec` is `kspec`, which a shim on PATH makes the built CLI. */
const withBuiltCli = (run: string): string => run.replace(/\bnpx (--no-install )?kspec\b/g, 'kspec');

/** A folder holding a `kspec` that runs the built CLI, put first on PATH. */
const SHIM = (() => {
  const dir = tempDir('kspec-ci-bin-');
  writeFileSync(path.join(dir, 'kspec'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`, { mode: 0o755 });
  return dir;
})();

/** The install step: from the registry or a git URL; the shim stands in for it. */
const INSTALL = /^npm (install|i|ci)\b.*\bkspec\b/;

function bash(cwd: string, script: string, env: Record<string, string> = {}): { code: number | null; out: string } {
  const r = spawnSync('bash', ['--noprofile', '--norc', '-e', '-c', script], {
    cwd,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, NO_COLOR: '1', CI: 'true', PATH: `${SHIM}${path.delimiter}${process.env.PATH ?? ''}`, ...env },
  });
  return { code: r.status, out: r.stdout + r.stderr };
}

const ciDoc = readFileSync(path.join(ROOT, 'docs', 'ci.md'), 'utf8');
const workflows = codeBlocks(section(ciDoc, 'GitHub Actions'))
  .filter((b) => /^ya?ml$/.test(b.lang ?? '') && /^jobs:/m.test(b.text))
  .map((b) => parse(b.text) as { on: unknown; jobs: Record<string, { steps: Step[] }> });
const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const readmeCommands = codeBlocks(section(readme, 'Using kspec in CI and code review'))
  .filter((b) => b.lang === 'sh')
  .flatMap((b) => b.text.split('\n'))
  .filter((l) => /\bkspec\b/.test(l));

let origin: string;
let checkout: string;

/**
 * A repository with specs and their committed output on main (the origin, made once: no test
 * writes to it), and for each test a fresh clone on a pull-request branch.
 */
beforeAll(() => {
  const seed = tempDir('kspec-ci-seed-');
  git(seed, 'init', '-q', '-b', 'main');
  mkdirSync(path.join(seed, 'specs'));
  writeFileSync(path.join(seed, 'specs', 'demo.yaml'), BASE);
  writeFileSync(path.join(seed, '.pre-commit-config.yaml'), 'repos: []\n');
  expect(spawnSync(process.execPath, [CLI, 'compile', 'specs', '-o', 'out'], { cwd: seed }).status).toBe(0);
  commit(seed, 'specs and output');
  origin = path.join(tempDir('kspec-ci-origin-'), 'origin.git');
  git(seed, 'clone', '-q', '--bare', seed, origin);
});
beforeEach(() => {
  checkout = path.join(tempDir('kspec-ci-'), 'repo');
  git(path.dirname(checkout), 'clone', '-q', origin, checkout);
  git(checkout, 'checkout', '-q', '-b', 'feature');
});

function commit(dir: string, msg: string): void {
  git(dir, 'add', '-A');
  git(dir, '-c', 'user.email=t@example.org', '-c', 'user.name=t', 'commit', '-q', '-m', msg);
}

/** Runs every step of every job; returns the first failing step's output, or undefined. */
function runWorkflow(cwd: string): { failed?: string; ran: string[] } {
  const ran: string[] = [];
  const summary = path.join(tempDir('kspec-ci-summary-'), 'summary.md');
  writeFileSync(summary, '');
  for (const wf of workflows) {
    for (const job of Object.values(wf.jobs)) {
      for (const step of job.steps) {
        if (step.uses !== undefined || step.run === undefined || !condition(step.if)) continue;
        const run = expand(step.run);
        if (INSTALL.test(run.trim())) continue; // the install: the shim stands in
        ran.push(run.trim());
        const r = bash(cwd, withBuiltCli(run), { GITHUB_STEP_SUMMARY: summary, GITHUB_BASE_REF: 'main', GITHUB_EVENT_NAME: 'pull_request' });
        if (r.code !== 0) return { failed: `step '${run.trim()}' exited ${r.code}:\n${r.out}`, ran };
      }
    }
  }
  return { ran };
}

describe('docs/ci.md: the GitHub Actions workflow', () => {
  it('is found, checks out the whole history, and installs kspec', () => {
    expect(workflows.length).toBeGreaterThan(0);
    const steps = workflows.flatMap((w) => Object.values(w.jobs).flatMap((j) => j.steps));
    expect(steps.find((s) => s.uses?.startsWith('actions/checkout@'))?.with?.['fetch-depth']).toBe(0);
    expect(steps.some((s) => s.run !== undefined && INSTALL.test(s.run.trim()))).toBe(true);
    expect(steps.filter((s) => s.run !== undefined && /\bkspec\b/.test(s.run) && !/^npm /.test(s.run.trim())).length).toBeGreaterThan(0);
  });

  it('passes on a pull request that changes a spec and commits the regenerated output', () => {
    writeFileSync(path.join(checkout, 'specs', 'demo.yaml'), BASE.replace('name: demo', 'name: demo\n  description: changed'));
    expect(spawnSync(process.execPath, [CLI, 'compile', 'specs', '-o', 'out'], { cwd: checkout }).status).toBe(0);
    commit(checkout, 'change');
    const r = runWorkflow(checkout);
    expect(r.failed).toBeUndefined();
    expect(r.ran.some((c) => /\bkspec diff\b/.test(c))).toBe(true);
  });

  it('fails on a pull request that changes a spec without regenerating', () => {
    writeFileSync(path.join(checkout, 'specs', 'demo.yaml'), BASE.replace('name: demo', 'name: demo\n  description: changed'));
    commit(checkout, 'change without output');
    const r = runWorkflow(checkout);
    expect(r.failed).toMatch(/exited 1/);
    expect(r.failed).toContain('specs/demo.yaml');
  });
});

describe("the README's CI section", () => {
  it('its commands pass on a clean checkout and fail on drift', () => {
    expect(readmeCommands.length).toBeGreaterThan(0);
    for (const c of readmeCommands) expect(bash(checkout, withBuiltCli(c)), c).toMatchObject({ code: 0 });
    writeFileSync(path.join(checkout, 'out', 'demo', 'Containerfile'), 'edited by hand\n');
    for (const c of readmeCommands.filter((x) => /--check\b/.test(x))) expect(bash(checkout, withBuiltCli(c)).code, c).toBe(1);
  });
});
