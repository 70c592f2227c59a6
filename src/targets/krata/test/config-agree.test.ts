/**
 * One rule for "does this .config satisfy that option": satisfies() (KS7001, KS7002) and the
 * shell's missing_options (package.sh, install-host.sh, check.sh), rendered from the same
 * table (options.ts ALSO_MEETS), agree on every pair of a matrix of wanted and present values,
 * `=n`, unset and absent included. The shell is the function as compiled into the scripts.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { satisfies } from '../../../targets/krata/options.js';
import { KRATA } from '../../../../test/fixtures.js';
import { compileText, replaceLine, tempDir } from '../../../../test/helpers.js';

/** Values an option may be required to have (as the fragment writes them). */
const WANTS = ['y', 'm', 'n', '512', '"text"'];
/** What a .config may say of it: absent, not set, or a value. */
const HAVES: Array<{ label: string; line: string | null; ts: string | undefined }> = [
  { label: 'absent', line: null, ts: undefined },
  { label: 'is not set', line: '# CONFIG_T is not set', ts: undefined },
  ...['y', 'm', 'n', '512', '"512"', '"text"', '""'].map((v) => ({ label: `=${v}`, line: `CONFIG_T=${v}`, ts: v })),
];

/** missing_options as a script carries it: from its line to the closing brace. */
function missingOptions(script: string): string {
  const start = script.indexOf('missing_options() {');
  expect(start, 'missing_options in the script').toBeGreaterThanOrEqual(0);
  return script.slice(start, script.indexOf('\n}\n', start) + 3);
}

/** For each case, whether the shell finds the fragment's one option missing from the config. */
function shellVerdicts(fn: string, cases: Array<{ want: string; have: string | null }>): boolean[] {
  const dir = tempDir('kspec-krata-agree-');
  cases.forEach((c, i) => {
    writeFileSync(path.join(dir, `${i}.fragment`), `# required\nCONFIG_T=${c.want}\n`);
    writeFileSync(path.join(dir, `${i}.config`), `CONFIG_OTHER=y\n${c.have === null ? '' : c.have + '\n'}`);
  });
  const driver = `set -euo pipefail\n${fn}\nfor ((i = 0; i < ${cases.length}; i++)); do\n  missing_options "$1/$i.config" "$1/$i.fragment"\n  echo "\${#MISSING[@]}"\ndone\n`;
  const r = spawnSync('bash', ['-c', driver, 'agree', dir], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim().split('\n').map((n) => n !== '0');
}

describe('krata: satisfies() and the shell missing_options agree', () => {
  const cases = WANTS.flatMap((want) => HAVES.map((have) => ({ want, have })));

  it.each([
    ['package.sh (zone, build)', KRATA, 'package.sh'],
    ['check.sh (zone, build)', KRATA, 'check.sh'],
    ['install-host.sh (host)', replaceLine(KRATA, KRATA.split('\n').indexOf('  scope: zone') + 1, '  scope: host'), 'install-host.sh'],
  ])('%s', async (_name, spec, file) => {
    const r = await compileText(spec);
    const script = r.files.find((f) => f.path === file);
    expect(script, `${file} among ${r.files.map((f) => f.path).join(', ')}`).toBeDefined();
    const shell = shellVerdicts(missingOptions(script!.content), cases.map((c) => ({ want: c.want, have: c.have.line })));
    const table = cases.map((c, i) => ({ want: c.want, have: c.have.label, ts: !satisfies(c.want, c.have.ts), shell: shell[i] }));
    expect(table.filter((row) => row.ts !== row.shell)).toEqual([]);
    // The decisions themselves (so that both being wrong alike also fails).
    const missing = (want: string, have: string): boolean => table.find((row) => row.want === want && row.have === have)!.ts;
    expect(missing('n', 'absent')).toBe(false);
    expect(missing('n', 'is not set')).toBe(false);
    expect(missing('n', '=n')).toBe(false);
    expect(missing('n', '=y')).toBe(true);
    expect(missing('n', '=m')).toBe(true);
    expect(missing('m', '=y')).toBe(false);
    expect(missing('m', '=m')).toBe(false);
    expect(missing('m', 'is not set')).toBe(true);
    expect(missing('y', '=m')).toBe(true);
    expect(missing('y', 'absent')).toBe(true);
    expect(missing('y', '=n')).toBe(true);
    expect(missing('512', '="512"')).toBe(false);
    expect(missing('"text"', '="text"')).toBe(false);
    expect(missing('"text"', '=""')).toBe(true);
  });
});
