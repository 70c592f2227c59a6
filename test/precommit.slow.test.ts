/**
 * The `kspec-check` hook (.pre-commit-hooks.yaml) under the real pre-commit (Debian's
 * 3.0.4 here; `.ci/run` installs it), with this repository, as a git repository at a
 * commit (test/snapshot.ts), as the hook repository: pre-commit clones it, installs it
 * with `language: node` (nodeenv on the system's Node, `npm install` in the clone, which
 * builds through prepare, then `npm pack` and `npm install -g` of the tarball), and runs
 * it. npm runs offline on the local cache; PRE_COMMIT_HOME is a temp folder.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, git, ROOT, tempDir } from './helpers.js';
import { offlineNpmEnv, runAsync, snapshotRepository } from './snapshot.js';

const hasPreCommit = spawnSync('pre-commit', ['--version']).status === 0;

describe.skipIf(!hasPreCommit && process.env.CI !== 'true')('pre-commit hook kspec-check', async () => {
  let repo: string;
  let env: NodeJS.ProcessEnv;
  const preCommit = async (...args: string[]) => {
    const r = await runAsync('pre-commit', args, { cwd: repo, env });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  };
  const commitAll = () => {
    git(repo, 'add', '-A');
    git(repo, '-c', 'user.name=t', '-c', 'user.email=t@kspec.invalid', 'commit', '-q', '--allow-empty', '-m', 'x');
  };

  beforeAll(async () => {
    const snap = snapshotRepository();
    env = offlineNpmEnv({ PRE_COMMIT_HOME: tempDir('kspec-pre-commit-home-') });
    repo = tempDir('kspec-hooked-');
    git(repo, 'init', '-q', '-b', 'main');
    mkdirSync(path.join(repo, 'specs'));
    writeFileSync(path.join(repo, 'specs', 'k.yaml'), readFileSync(path.join(ROOT, 'specs', 'bootc-cachyos.yaml')));
    // The committed output, as the CLI under test writes it.
    const c = spawnSync(process.execPath, [BIN, 'compile', 'specs', '-o', 'out'], { cwd: repo, encoding: 'utf8' });
    expect(c.status, c.stderr).toBe(0);
    writeFileSync(
      path.join(repo, '.pre-commit-config.yaml'),
      `repos:\n  - repo: ${snap.dir}\n    rev: ${snap.sha}\n    hooks:\n      - id: kspec-check\n`,
    );
    commitAll();
    const install = await preCommit('install-hooks');
    expect(install.out).not.toMatch(/error|failed/i);
    expect(install.status).toBe(0);
  }, 900_000);

  it('passes when the specs and the committed output agree', async () => {
    const r = await preCommit('run', '--all-files');
    expect(r.out).toMatch(/kspec compile --check\.+Passed/);
    expect(r.status).toBe(0);
  });

  /** The hook run on the repository with `file` (relative) changed by `edit` and committed; put back after. */
  async function runEdited(file: string, edit: (text: string) => string): ReturnType<typeof preCommit> {
    const p = path.join(repo, file);
    const before = readFileSync(p, 'utf8');
    writeFileSync(p, edit(before));
    commitAll();
    try {
      return await preCommit('run', '--all-files');
    } finally {
      writeFileSync(p, before);
      commitAll();
    }
  }

  it('fails on drift and shows the diff', async () => {
    const r = await runEdited('out/margine-cachyos/install.sh', (t) => t.replace('set -euo pipefail', 'set -eu'));
    expect(r.out).toMatch(/kspec compile --check\.+Failed/);
    expect(r.out).toContain('-set -eu\n');
    expect(r.out).toContain('+set -euo pipefail\n');
    expect(r.out).toContain('drift: specs/k.yaml -> out/margine-cachyos');
    expect(r.status).toBe(1);
  });

  it('fails on an invalid spec with its diagnostic', async () => {
    const r = await runEdited('specs/k.yaml', (t) => t.replace('arch: [x86_64]', 'archs: [x86_64]'));
    expect(r.out).toMatch(/kspec compile --check\.+Failed/);
    expect(r.out).toMatch(/specs\/k\.yaml:\d+:\d+.*KS2001/);
    expect(r.status).toBe(1);
  });
});
