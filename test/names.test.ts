/**
 * Names that would break generated files or CI logs (issue 11, must-have 3): a spec or
 * output path holding a control character is refused before anything is read or written
 * (exit 2), and printed escaped.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { refusedPath, showControls } from '../src/paths.js';
import { BASE } from './fixtures.js';
import { kspecInProcess } from './cli-run.js';
import { tempDir } from './helpers.js';


function kspec(cwd: string, ...args: string[]) {
  return kspecInProcess(cwd, args, { env: { NO_COLOR: '1' } });
}

const EVIL = 'evil\ntouch PWNED\n.yaml';

function evilRepo(): string {
  const dir = tempDir('kspec-names-');
  mkdirSync(path.join(dir, 'specs'));
  writeFileSync(path.join(dir, 'specs', 'good.yaml'), BASE);
  writeFileSync(path.join(dir, 'specs', EVIL), BASE.replace('name: demo', 'name: evil'));
  return dir;
}

describe('a spec path with a control character', () => {
  for (const format of ['text', 'github', 'json']) {
    it(`is refused by compile with exit 2, nothing written (--format ${format})`, async () => {
      const dir = evilRepo();
      const r = await kspec(dir, 'compile', 'specs', '-o', 'out', '--format', format);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        "kspec: refusing spec 'specs/evil\\ntouch PWNED\\n.yaml': its name holds a control character (\\n), which would break the lines of generated files and CI logs; rename it\n",
      );
      // No line of either stream starts with the injected text or a workflow command.
      for (const line of (r.stdout + r.stderr).split('\n')) {
        expect(line.startsWith('touch')).toBe(false);
        expect(line.startsWith('::')).toBe(false);
      }
      expect(existsSync(path.join(dir, 'out'))).toBe(false);
      expect(readdirSync(dir).sort()).toEqual(['specs']);
      expect(existsSync(path.join(dir, 'PWNED'))).toBe(false);
    });
  }

  it('is refused by --check and validate too, named directly or found in a folder', async () => {
    const dir = evilRepo();
    for (const args of [
      ['compile', 'specs', '--check'],
      ['compile', path.join('specs', EVIL), '-o', 'out'],
      ['validate', 'specs'],
      ['validate', path.join('specs', EVIL), '--format', 'github'],
    ]) {
      const r = await kspec(dir, ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^kspec: refusing spec 'specs\/evil\\ntouch PWNED\\n\.yaml'/);
      expect(r.stdout).toBe('');
    }
    expect(readdirSync(dir)).toEqual(['specs']);
  });

  it('refuses an output folder with a control character', async () => {
    const dir = tempDir('kspec-names-');
    writeFileSync(path.join(dir, 'demo.yaml'), BASE);
    const r = await kspec(dir, 'compile', 'demo.yaml', '-o', 'out\x1b[31m');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "kspec: refusing output folder 'out\\x1b[31m': its name holds a control character (\\x1b), which would break the lines of generated files and CI logs; rename it\n",
    );
    expect(readdirSync(dir)).toEqual(['demo.yaml']);
  });

  it('a missing input with a control character is named escaped', async () => {
    const r = await kspec(tempDir(), 'validate', 'no\x07such.yaml');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("kspec: cannot read 'no\\x07such.yaml': no such file or folder\n");
  });
});

describe('refusedPath and showControls', () => {
  it('accept plain names, spaces and non-ASCII letters; refuse C0, DEL and C1', async () => {
    expect(refusedPath('spec', 'specs/my kernel ü.yaml')).toBeUndefined();
    for (const c of ['\t', '\r', '\0', '\x7f', '\x9b']) expect(refusedPath('spec', `a${c}b.yaml`), JSON.stringify(c)).toMatch(/control character/);
    // Either the printed or the written name is enough.
    expect(refusedPath('spec', 'a.yaml', '../x\ny/a.yaml')).toMatch(/'\.\.\/x\\ny\/a\.yaml'/);
    expect(showControls('a\tb\x9bc')).toBe('a\\tb\\x9bc');
  });
});
