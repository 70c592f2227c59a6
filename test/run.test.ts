/**
 * What a run prints besides diagnostics (issue 12, must-have 6): a progress line on a
 * terminal, a closing line starting with the spec count, --quiet, and FORCE_COLOR.
 * The closing line's seconds are the one part that varies: tests match them by shape.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { closingLine } from '../src/commands.js';
import type { Diagnostic } from '../src/diagnostics/diagnostic.js';
import { colourWanted, Progress } from '../src/tty.js';
import { BASE } from './fixtures.js';
import { kspecInProcess } from './cli-run.js';
import { tempDir } from './helpers.js';


function kspec(cwd: string, env: Record<string, string | undefined>, ...args: string[]) {
  return kspecInProcess(cwd, args, { env: { NO_COLOR: '1', FORCE_COLOR: undefined, ...env } });
}

const TIME = / in \d+\.\d\d s(?=\n$)/;
const d = (severity: 'error' | 'warning'): Diagnostic => ({ code: 'KS0000', id: 'test', severity, message: 'm', fix: 'f', file: 'f', line: 1, column: 1, path: '' });

describe('closingLine', () => {
  it('starts with the spec count and says what the run did', async () => {
    const tally = { written: 12, unchanged: 3, removed: 1 };
    expect(closingLine('write', 3, false, [], tally, [d('warning')], '0.42 s')).toBe('3 specs: 12 files written, 3 unchanged, 1 removed, 0 errors, 1 warning in 0.42 s');
    expect(closingLine('write', 1, false, [], { written: 1, unchanged: 0, removed: 0 }, [], '0.10 s')).toBe('1 spec: 1 file written, 0 unchanged, 0 removed, 0 errors, 0 warnings in 0.10 s');
    expect(closingLine('write', 2, true, [], { written: 0, unchanged: 0, removed: 0 }, [d('error'), d('error')], '0.10 s')).toBe('2 specs: nothing written, 2 errors, 0 warnings in 0.10 s');
    expect(closingLine('check', 3, false, [{ status: 'drift' }, { status: 'up-to-date' }, { status: 'up-to-date' }], tally, [], '1.00 s')).toBe('3 specs: 1 drifted, 2 up to date, 0 errors, 0 warnings in 1.00 s');
    expect(closingLine('validate', 2, false, [], tally, [], '0.01 s')).toBe('2 specs: 2 valid, 0 errors, 0 warnings in 0.01 s');
    expect(closingLine('validate', 2, true, [], tally, [d('error')])).toMatch(/^2 specs: 0 valid, 1 error, 0 warnings in \d+\.\d\d s$/);
  });
});

describe('Progress', () => {
  function fakeStream(isTTY: boolean, columns = 40) {
    const out: string[] = [];
    return { out, stream: { isTTY, columns, write: (s: string) => out.push(s) } as unknown as NodeJS.WriteStream };
  }

  it('redraws one line in place on a terminal, cut to its width, and clears it', async () => {
    const { out, stream } = fakeStream(true, 24);
    const p = new Progress(3, stream);
    p.update(1, 'specs/a.yaml');
    p.update(3, 'specs/a-very-long-name-that-does-not-fit.yaml');
    p.clear();
    expect(out).toEqual(['\r\x1b[K[1/3] specs/a.yaml', '\r\x1b[K[3/3] specs/a-very-lon…', '\r\x1b[K']);
    expect(out[1]!.length - 4).toBe(23); // the terminal's width less one column
  });

  it('prints nothing when the stream is not a terminal, or for one spec', async () => {
    for (const [tty, total] of [[false, 5], [true, 1]] as const) {
      const { out, stream } = fakeStream(tty);
      const p = new Progress(total, stream);
      p.update(1, 'a');
      p.clear();
      expect(out).toEqual([]);
    }
  });
});

describe('colourWanted', () => {
  const tty = { isTTY: true };
  const pipe = { isTTY: false };
  it('follows FORCE_COLOR first, then NO_COLOR, then the terminal', async () => {
    expect(colourWanted(tty, {})).toBe(true);
    expect(colourWanted(tty, { TERM: 'dumb' })).toBe(false);
    expect(colourWanted(pipe, {})).toBe(false);
    expect(colourWanted(tty, { NO_COLOR: '1' })).toBe(false);
    expect(colourWanted(tty, { NO_COLOR: '' })).toBe(true);
    for (const v of ['', '1', '2', '3', 'true']) expect(colourWanted(pipe, { FORCE_COLOR: v, NO_COLOR: '1' }), v).toBe(true);
    for (const v of ['0', 'false']) expect(colourWanted(tty, { FORCE_COLOR: v }), v).toBe(false);
    expect(colourWanted(pipe, { FORCE_COLOR: 'yes' })).toBe(false);
    expect(colourWanted(tty, { FORCE_COLOR: 'yes' })).toBe(true);
  });
});

describe('the CLI', () => {
  it('ends every run with the closing line on stderr; a recompile writes nothing', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'demo.yaml'), BASE);
    const first = await kspec(dir, {}, 'compile', 'demo.yaml', '-o', 'out');
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/^1 spec: (\d+) files written, 0 unchanged, 0 removed, 0 errors, 0 warnings in \d+\.\d\d s\n$/);
    const files = /(\d+) files written/.exec(first.stderr)![1];
    const again = await kspec(dir, {}, 'compile', 'demo.yaml', '-o', 'out');
    expect(again.stderr.replace(TIME, '')).toBe(`1 spec: 0 files written, ${files} unchanged, 0 removed, 0 errors, 0 warnings\n`);
    const check = await kspec(dir, {}, 'compile', 'demo.yaml', '-o', 'out', '--check');
    expect(check.stderr).toMatch(/^1 spec: 0 drifted, 1 up to date, 0 errors, 0 warnings in \d+\.\d\d s\n$/);
    // Not a terminal: no progress line, no escape sequences.
    expect(first.stderr + again.stderr + check.stderr).not.toContain('\x1b');
  });

  it('--quiet prints only diagnostics and drift', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'demo.yaml'), BASE);
    expect(await kspec(dir, {}, 'compile', 'demo.yaml', '-o', 'out', '--quiet')).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await kspec(dir, {}, 'compile', 'demo.yaml', '-o', 'out', '--check', '-q')).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await kspec(dir, {}, 'validate', 'demo.yaml', '-q')).toEqual({ code: 0, stdout: '', stderr: '' });
    writeFileSync(path.join(dir, 'demo.yaml'), BASE.replace('rpmfusion-free', 'rpmfusion-nonfree'));
    const drift = await kspec(dir, {}, 'compile', 'demo.yaml', '-o', 'out', '--check', '--quiet');
    expect(drift.code).toBe(1);
    expect(drift.stdout).toContain('drift: demo.yaml -> out/demo\n');
    expect(drift.stdout).toContain('+');
    expect(drift.stderr).not.toMatch(/spec: /);
    writeFileSync(path.join(dir, 'demo.yaml'), BASE.replace('  arch:', '  archs:'));
    const bad = await kspec(dir, {}, 'validate', 'demo.yaml', '--quiet');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("demo.yaml:7:3: error KS2001 unknown-key: Unknown key 'archs'.");
    expect(bad.stderr).not.toMatch(/\d+ specs?: /);
  });

  it('FORCE_COLOR=1 colours diagnostics in a pipe, even with NO_COLOR; FORCE_COLOR=0 never', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'demo.yaml'), BASE.replace('  arch:', '  archs:'));
    expect((await kspec(dir, { FORCE_COLOR: '1' }, 'validate', 'demo.yaml')).stderr).toContain('\x1b[31m');
    expect((await kspec(dir, { FORCE_COLOR: '0', NO_COLOR: undefined }, 'validate', 'demo.yaml')).stderr).not.toContain('\x1b[');
    expect((await kspec(dir, {}, 'validate', 'demo.yaml')).stderr).not.toContain('\x1b[');
  });
});
