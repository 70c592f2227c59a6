/**
 * Hostile repositories (issue 11, must-have 10): golden folders under
 * test/hostile/tree/<case>/, one per class of attack (output folders, spec file names,
 * YAML, diagnostics floods, files read on a spec's behalf, values refused by validate and
 * compile alike), each a whole repository a pull request could hold, the command run on
 * it, and everything that must hold afterwards.
 *
 *   repo/        the input tree (plain files), copied to <tmp>/repo, the working folder
 *   links.txt    what git can commit but a plain copy cannot hold: `path -> target`
 *                (a symlink), `fifo path`, `move path "json string"` (a name with a
 *                newline or another control character) and `sparse path bytes` (a file
 *                of that size that takes no disk); paths are relative to <tmp>
 *   args.txt     the kspec arguments, one per line
 *   expected/    exit, stdout, stderr (exact) and tree.txt: every entry under <tmp>
 *                afterwards, including the fake repository's .git/hooks and
 *                outside/secret.txt, a file outside the repository
 *
 * `@ROOT@` in an input file is replaced by <tmp> (journals named absolute paths).
 * The command runs in-process (test/cli-run.ts), or as the bin in a process of its own with
 * a timeout where the case holds a FIFO, a device or a huge file.
 * KSPEC_UPDATE_GOLDEN=1 rewrites expected/; read the diff before committing it.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kspecInProcess } from './cli-run.js';
import { BIN, ROOT, tempDir } from './helpers.js';

const CLI = BIN;
const CASES = path.join(ROOT, 'test', 'hostile', 'tree');
const UPDATE = process.env.KSPEC_UPDATE_GOLDEN === '1';

/**
 * Every entry under `dir`: path, kind, and its sha256 (files) or target (links). Never
 * follows a link. A unit folder's files that its kspec.lock.json lists with their sha256
 * are one line, so that a template change elsewhere does not rewrite these goldens.
 */
function listTree(dir: string): string {
  const lines: string[] = [];
  const walk = (rel: string, generated = new Set<string>()): void => {
    const lock = path.join(dir, rel, 'kspec.lock.json');
    if (rel !== '' && lstatSync(lock, { throwIfNoEntry: false })?.isFile()) {
      try {
        const files = (JSON.parse(readFileSync(lock, 'utf8')) as { files: Record<string, { sha256: string }> }).files;
        for (const [f, { sha256 }] of Object.entries(files)) {
          const p = path.join(dir, rel, f);
          if (lstatSync(p, { throwIfNoEntry: false })?.isFile() && createHash('sha256').update(readFileSync(p)).digest('hex') === sha256) generated.add(`${rel}/${f}`);
        }
        if (generated.size > 0) lines.push(`${rel}/* every file kspec.lock.json lists, as it lists it`);
      } catch {
        // not a manifest: every entry is listed below
      }
    }
    for (const name of readdirSync(path.join(dir, rel)).sort()) {
      const p = rel === '' ? name : `${rel}/${name}`;
      // A name with a control character is shown as a JSON string, one entry per line.
      const shown = /[\u0000-\u001f\u007f]/.test(p) ? JSON.stringify(p) : p;
      if (generated.has(p)) continue;
      const st = lstatSync(path.join(dir, p));
      if (st.isSymbolicLink()) lines.push(`${shown} -> ${readlinkSync(path.join(dir, p)).replace(dir, '@ROOT@')}`);
      else if (st.isDirectory()) {
        lines.push(`${shown}/`);
        walk(p, generated);
      } else if (st.isFile()) {
        // Hashed as committed: the temp folder's path back to @ROOT@.
        const sha = st.size > 1 << 20 ? '' : createHash('sha256').update(readFileSync(path.join(dir, p), 'latin1').replaceAll(dir, '@ROOT@'), 'latin1').digest('hex').slice(0, 16);
        lines.push(p.endsWith('/kspec.lock.json') ? `${shown} (a lock)` : st.size > 1 << 20 ? `${shown} ${(st.mode & 0o777).toString(8)} ${st.size} bytes` : `${shown} ${(st.mode & 0o777).toString(8)} ${sha}`);
      } else lines.push(`${shown} (${st.isFIFO() ? 'fifo' : 'special'})`);
    }
  };
  walk('');
  return lines.join('\n') + '\n';
}

function copyWithRoot(from: string, to: string, root: string): void {
  cpSync(from, to, { recursive: true });
  const fix = (rel: string): void => {
    for (const e of readdirSync(path.join(to, rel), { withFileTypes: true })) {
      const p = path.join(to, rel, e.name);
      if (e.isDirectory()) fix(path.join(rel, e.name));
      else if (e.isFile()) {
        const text = readFileSync(p, 'utf8');
        if (text.includes('@ROOT@')) writeFileSync(p, text.replaceAll('@ROOT@', root));
      }
    }
  };
  fix('');
}

const cases = existsSync(CASES) ? readdirSync(CASES).sort() : [];

describe('hostile repositories (test/hostile/tree/)', () => {
  it('has cases', () => expect(cases.length).toBeGreaterThanOrEqual(25));

  for (const name of cases) {
    it(name, async () => {
      const dir = path.join(CASES, name);
      const root = tempDir('kspec-tree-');
      copyWithRoot(path.join(dir, 'repo'), path.join(root, 'repo'), root);
      // The fake repository and the file outside it that nothing may touch.
      mkdirSync(path.join(root, 'repo/.git/hooks'), { recursive: true });
      writeFileSync(path.join(root, 'repo/.git/HEAD'), 'ref: refs/heads/main\n');
      writeFileSync(path.join(root, 'repo/.git/hooks/pre-commit'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
      mkdirSync(path.join(root, 'outside'));
      writeFileSync(path.join(root, 'outside/secret.txt'), 'secret\n');
      const links = existsSync(path.join(dir, 'links.txt')) ? readFileSync(path.join(dir, 'links.txt'), 'utf8').split('\n').filter(Boolean) : [];
      for (const l of links) {
        const fifo = /^fifo (.+)$/.exec(l);
        if (fifo) {
          spawnSync('mkfifo', [path.join(root, fifo[1]!)]);
          continue;
        }
        const move = /^move (\S+) (".*")$/.exec(l);
        if (move) {
          renameSync(path.join(root, move[1]!), path.join(root, JSON.parse(move[2]!) as string));
          continue;
        }
        const sparse = /^sparse (\S+) (\d+)$/.exec(l);
        if (sparse) {
          writeFileSync(path.join(root, sparse[1]!), '');
          truncateSync(path.join(root, sparse[1]!), Number(sparse[2]));
          continue;
        }
        const [from, target] = l.split(' -> ') as [string, string];
        symlinkSync(target.replaceAll('@ROOT@', root), path.join(root, from));
      }
      const args = readFileSync(path.join(dir, 'args.txt'), 'utf8').split('\n').filter(Boolean);
      const env = { NO_COLOR: '1', FORCE_COLOR: undefined, CI: '' };
      let r: { status: number | null; stdout: string; stderr: string };
      if (links.some((l) => /^(fifo|sparse) |-> \/dev\//.test(l))) {
        // A FIFO, a device or a huge file: a regression could block or fill memory, so the
        // bin runs in a process of its own, bounded by a timeout.
        const p = spawnSync(process.execPath, [CLI, ...args], { cwd: path.join(root, 'repo'), encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000, maxBuffer: 16 << 20 });
        expect(p.error).toBeUndefined();
        r = p;
      } else {
        const p = await kspecInProcess(path.join(root, 'repo'), args, { env });
        r = { status: p.code, stdout: p.stdout, stderr: p.stderr };
      }
      const actual = { exit: `${r.status}\n`, stdout: r.stdout.replaceAll(root, '@ROOT@').replace(/: \d+ written, \d+ unchanged, \d+ removed$/gm, ': <n> written, <n> unchanged, <n> removed'), stderr: r.stderr.replaceAll(root, '@ROOT@').replace(/ in \d+(\.\d+)? ?m?s\b/g, ' in <time>'), 'tree.txt': listTree(root) };
      const expectedDir = path.join(dir, 'expected');
      if (UPDATE) {
        mkdirSync(expectedDir, { recursive: true });
        for (const [f, text] of Object.entries(actual)) writeFileSync(path.join(expectedDir, f), text);
      }
      for (const [f, text] of Object.entries(actual)) expect(text, `${name}/expected/${f}`).toBe(readFileSync(path.join(expectedDir, f), 'utf8'));
      // Whatever the case, nothing outside the output folder changed.
      expect(readFileSync(path.join(root, 'repo/.git/hooks/pre-commit'), 'utf8')).toBe('#!/bin/sh\nexit 0\n');
      expect(readFileSync(path.join(root, 'outside/secret.txt'), 'utf8')).toBe('secret\n');
      // Nothing a value or a name tried to run ran, and the secret is never quoted back.
      expect(existsSync(path.join(root, 'repo/PWNED')) || existsSync(path.join(root, 'PWNED'))).toBe(false);
      expect(r.stdout + r.stderr).not.toMatch(/(^|\| )secret$/m);
      // No stack trace (a diagnostic's `  at /metadata/name` line is not one).
      expect(r.stderr).not.toMatch(/internal error|\n\s+at .*:\d+:\d+\)?\n/);
    });
  }
});
