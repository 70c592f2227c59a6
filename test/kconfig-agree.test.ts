/**
 * One rule for "does this .config satisfy that option" (issue 13, must-have 4): satisfies()
 * (krata's KS7001, KS7002) and the shell's config_unmet, rendered into every build-time
 * script that checks a .config from the same table (src/targets/kconfig.ts ALSO_MEETS),
 * agree on every pair of a matrix of wanted and present values, `=n`, unset, absent, quotes
 * and a later assignment included. The shell is the function as compiled into each script:
 * bootc install.sh and kairos build-kernel.sh (kernel.config), krata package.sh, check.sh and
 * install-host.sh (the required fragment, through missing_options).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { satisfies } from '../src/targets/kconfig.js';
import { KRATA } from './fixtures.js';
import { compileText, replaceLine, ROOT, tempDir } from './helpers.js';

/** Values an option may be wanted with (as kernel.config or the fragment writes them). */
const WANTS = ['y', 'm', 'n', '512', '"text"', 'text'];
/** What a .config may say of it: absent, not set, a value, or two assignments (the last wins). */
const HAVES: Array<{ label: string; lines: string[]; ts: string | undefined }> = [
  { label: 'absent', lines: [], ts: undefined },
  { label: 'is not set', lines: ['# CONFIG_T is not set'], ts: undefined },
  ...['y', 'm', 'n', '512', '"512"', '"text"', 'text', '""', '"'].map((v) => ({ label: `=${v}`, lines: [`CONFIG_T=${v}`], ts: v })),
  { label: '=y then not set', lines: ['CONFIG_T=y', '# CONFIG_T is not set'], ts: undefined },
  { label: 'not set then =m', lines: ['# CONFIG_T is not set', 'CONFIG_T=m'], ts: 'm' },
];

/** A shell function as a script carries it: from its line to the closing brace. */
function shellFunction(script: string, name: string): string {
  const start = script.indexOf(`${name}() {`);
  expect(start, `${name} in the script`).toBeGreaterThanOrEqual(0);
  return script.slice(start, script.indexOf('\n}\n', start) + 3);
}

type Case = { want: string; have: string[] };

/** For each case, whether the script's function finds the one option unmet. */
function shellVerdicts(script: string, via: 'pairs' | 'fragment', cases: Case[]): boolean[] {
  const dir = tempDir('kspec-kconfig-agree-');
  cases.forEach((c, i) => {
    writeFileSync(path.join(dir, `${i}.fragment`), `# required\nCONFIG_T=${c.want}\n`);
    writeFileSync(path.join(dir, `${i}.want`), c.want);
    writeFileSync(path.join(dir, `${i}.config`), ['CONFIG_OTHER=y', ...c.have].join('\n') + '\n');
  });
  const fns = shellFunction(script, 'config_unmet') + (via === 'fragment' ? shellFunction(script, 'missing_options') : '');
  const call =
    via === 'fragment'
      ? 'missing_options "$1/$i.config" "$1/$i.fragment"; echo "${#MISSING[@]}"'
      : 'config_unmet "$1/$i.config" CONFIG_T "$(cat "$1/$i.want")"; echo "${#UNMET[@]}"';
  const driver = `set -euo pipefail\n${fns}\nfor ((i = 0; i < ${cases.length}; i++)); do\n  ${call}\ndone\n`;
  const r = spawnSync('bash', ['-c', driver, 'agree', dir], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim().split('\n').map((n) => n !== '0');
}

const KAIROS = readFileSync(path.join(ROOT, 'specs', 'kairos-fedora.yaml'), 'utf8').replace('  arch: [x86_64]\n', '  arch: [x86_64]\n  config: {CONFIG_T: y}\n');
const BOOTC = readFileSync(path.join(ROOT, 'specs', 'bootc-cachyos.yaml'), 'utf8');
const HOST = replaceLine(KRATA, KRATA.split('\n').indexOf('  scope: zone') + 1, '  scope: host');

describe('satisfies() and the scripts\' config_unmet agree', () => {
  const cases = WANTS.flatMap((want) => HAVES.map((have) => ({ want, have })));

  it.each([
    ['bootc install.sh (kernel.config)', BOOTC, 'install.sh', 'pairs'],
    ['kairos build-kernel.sh (kernel.config)', KAIROS, 'build-kernel.sh', 'pairs'],
    ['krata package.sh (zone, build)', KRATA, 'package.sh', 'fragment'],
    ['krata check.sh (zone, build)', KRATA, 'check.sh', 'fragment'],
    ['krata install-host.sh (host)', HOST, 'install-host.sh', 'fragment'],
  ] as const)('%s', async (_name, spec, file, via) => {
    const r = await compileText(spec);
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const script = r.files.find((f) => f.path === file);
    expect(script, `${file} among ${r.files.map((f) => f.path).join(', ')}`).toBeDefined();
    const shell = shellVerdicts(script!.content, via, cases.map((c) => ({ want: c.want, have: c.have.lines })));
    const table = cases.map((c, i) => ({ want: c.want, have: c.have.label, ts: !satisfies(c.want, c.have.ts), shell: shell[i] }));
    expect(table.filter((row) => row.ts !== row.shell)).toEqual([]);
    // The decisions themselves (so that both being wrong alike also fails).
    const unmet = (want: string, have: string): boolean => table.find((row) => row.want === want && row.have === have)!.ts;
    expect(unmet('n', 'absent')).toBe(false);
    expect(unmet('n', 'is not set')).toBe(false);
    expect(unmet('n', '=n')).toBe(false);
    expect(unmet('n', '=y')).toBe(true);
    expect(unmet('n', '=m')).toBe(true);
    expect(unmet('m', '=y')).toBe(false);
    expect(unmet('m', '=m')).toBe(false);
    expect(unmet('m', 'is not set')).toBe(true);
    expect(unmet('y', '=m')).toBe(true);
    expect(unmet('y', 'absent')).toBe(true);
    expect(unmet('y', '=n')).toBe(true);
    expect(unmet('y', '=y then not set')).toBe(true);
    expect(unmet('m', 'not set then =m')).toBe(false);
    expect(unmet('512', '="512"')).toBe(false);
    expect(unmet('"text"', '="text"')).toBe(false);
    expect(unmet('text', '="text"')).toBe(false);
    expect(unmet('"text"', '=""')).toBe(true);
    expect(unmet('"text"', '="')).toBe(true);
  });
});
