/**
 * Generated YAML and JSON keep their bytes under prettier's defaults, so a repository that
 * formats its YAML can commit kspec's output and still pass `kspec compile --check`; and
 * `kspec init`'s starters pass yamllint's default rules (and prettier's). Both with the
 * real tools: prettier from npm (its API, no config), yamllint from Debian (`-d default`).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as prettier from 'prettier';
import { describe, expect, it } from 'vitest';
import { compileFile } from '../src/compile.js';
import { PLATFORMS, starter } from '../src/init.js';
import { ROOT, tempDir, goldenCases, goldenDir } from './helpers.js';

const FORMATTED = /\.(ya?ml|json)$/;

/** The files prettier would change, each with the first line that differs. */
async function unformatted(files: Array<{ path: string; content: string }>): Promise<string[]> {
  const out: string[] = [];
  for (const f of files) {
    const formatted = await prettier.format(f.content, { filepath: f.path });
    if (formatted === f.content) continue;
    const [a, b] = [f.content.split('\n'), formatted.split('\n')];
    const i = a.findIndex((line, n) => line !== b[n]);
    out.push(`${f.path}:${i + 1}: ${JSON.stringify(a[i])} -> ${JSON.stringify(b[i])}`);
  }
  return out;
}

function yamllint(dir: string): { code: number | null; out: string } {
  const r = spawnSync('yamllint', ['-d', 'default', '-s', '-f', 'parsable', '.'], { cwd: dir, encoding: 'utf8' });
  if (r.error) throw r.error;
  return { code: r.status, out: r.stdout + r.stderr };
}

describe('prettier leaves generated files alone', () => {
  it('the helper sees what prettier would change', async () => {
    const bad = await unformatted([{ path: 'x.yaml', content: 'a:\n- 1\n' }, { path: 'y.json', content: '{"a":1}\n' }]);
    expect(bad).toEqual(['x.yaml:2: "- 1" -> "  - 1"', 'y.json:1: "{\\"a\\":1}" -> "{ \\"a\\": 1 }"']);
  });

  it('the outputs of the specs in specs/ (npm start)', async () => {
    const specs = readdirSync(path.join(ROOT, 'specs')).filter((f) => f.endsWith('.yaml'));
    const files: Array<{ path: string; content: string }> = [];
    for (const s of specs) {
      const r = await compileFile(path.join('specs', s), { outDir: 'out', cwd: ROOT });
      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      files.push(...r.files.filter((f) => FORMATTED.test(f.path)).map((f) => ({ path: `${r.name}/${f.path}`, content: f.content })));
    }
    expect(files.filter((f) => f.path.endsWith('.yaml')).length).toBeGreaterThan(0);
    expect(files.filter((f) => f.path.endsWith('.json')).length).toBeGreaterThan(0);
    expect(await unformatted(files)).toEqual([]);
  });

  it('every golden case output', async () => {
    const files: Array<{ path: string; content: string }> = [];
    for (const c of goldenCases()) {
      const dir = path.join(goldenDir(c), 'expected');
      let names: string[];
      try {
        names = readdirSync(dir, { recursive: true }) as string[];
      } catch {
        continue; // a case that expects diagnostics
      }
      for (const n of names.filter((x) => FORMATTED.test(x))) files.push({ path: `${c}/${n}`, content: readFileSync(path.join(dir, n), 'utf8') });
    }
    expect(files.some((f) => f.path.endsWith('microvmmachinetemplate.yaml'))).toBe(true);
    expect(await unformatted(files)).toEqual([]);
  });
});

describe('kspec init starters', () => {
  it('yamllint fails on a starter laid out the old way (the check can fail)', () => {
    const dir = tempDir('kspec-yamllint-');
    writeFileSync(path.join(dir, 'old.yaml'), 'apiVersion: kspec.dev/v1alpha1\nkind: KernelSpec\nretry: {attempts: 5}  # x\n');
    const r = yamllint(dir);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('(document-start)');
  });

  it('pass yamllint default rules and prettier, with a short and a long schema path', async () => {
    const dir = tempDir('kspec-yamllint-');
    const files: Array<{ path: string; content: string }> = [];
    for (const p of PLATFORMS) {
      for (const [tag, schema] of [['short', 'kspec.schema.json'], ['long', `../../node_modules/kspec/schema/${'x'.repeat(60)}/kspec.schema.json`]] as const) {
        // The longest name the schema allows.
        const content = starter(p, 'n'.repeat(63), schema);
        files.push({ path: `${p}-${tag}.yaml`, content });
        writeFileSync(path.join(dir, `${p}-${tag}.yaml`), content);
      }
    }
    expect(yamllint(dir)).toEqual({ code: 0, out: '' });
    expect(await unformatted(files)).toEqual([]);
  });
});
