/**
 * Writing under faults: an interrupted compile (a write or a rename that fails part-way,
 * a compile killed with its lock and journal left behind) leaves the previous output or
 * completes the killed one, never a mix; --check writes nothing; concurrent compiles into
 * one folder do not interleave.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { journalPath, lockPath, STAGE_PREFIX } from '../src/lock.js';
import { MANIFEST, writeUnit, type OutputUnit } from '../src/write.js';
import { BASE } from './fixtures.js';
import { compileText, ROOT, tempDir } from './helpers.js';

const CLI = path.join(ROOT, 'dist', 'cli.js');

async function unitFor(yaml: string, specPath = 'spec.yaml'): Promise<OutputUnit> {
  const r = await compileText(yaml, specPath);
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return { name: r.name!, specPath, files: r.files, source: r.source! };
}

/**
 * Every entry under `dir` (files, folders, links) with its bytes, mode and mtime. A
 * folder's mtime changes whenever a temp file comes and goes in it: `dirTimes: false`
 * leaves it out where only the files' state matters.
 */
function snapshot(dir: string, dirTimes = true): Record<string, string> {
  if (!existsSync(dir)) return {};
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const p = path.join(e.parentPath, e.name);
    const st = statSync(p);
    const body = e.isFile() ? createHash('sha256').update(readFileSync(p)).digest('hex') : e.isDirectory() ? 'dir' : 'other';
    const time = e.isDirectory() && !dirTimes ? '' : ` ${st.mtimeMs}`;
    out[path.relative(dir, p)] = `${body} ${(st.mode & 0o777).toString(8)}${time}`;
  }
  return out;
}

const changed = BASE.replace('  name: demo\n', '  name: demo\n  description: second version\n').replace(
  'kernel-cachyos-devel-matched]',
  'kernel-cachyos-devel-matched, second-pkg]',
);

describe('an interrupted write', () => {
  it('a write that fails part-way leaves the previous output byte for byte, and no temp files', async () => {
    const out = tempDir('kspec-write-');
    await writeUnit(out, await unitFor(BASE));
    const before = snapshot(out, false);
    const next = await unitFor(changed);
    let n = 0;
    const failing = async (file: string, content: string, o: { mode: number }): Promise<void> => {
      if (++n === 2) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      writeFileSync(file, content, o);
    };
    await expect(writeUnit(out, next, { io: { writeFile: failing } })).rejects.toThrow(/ENOSPC/);
    expect(n).toBe(2);
    expect(snapshot(out, false)).toEqual(before);
    // and the next compile goes through
    const ok = await writeUnit(out, next);
    expect(ok.written).toEqual(['Containerfile', 'install.sh', 'kspec.lock.json']);
    expect(readFileSync(path.join(out, 'demo/Containerfile'), 'utf8')).toContain('second version');
  });

  it('a first compile that fails leaves no folder behind', async () => {
    const out = tempDir('kspec-write-');
    const failing = async (): Promise<void> => {
      throw Object.assign(new Error('EIO'), { code: 'EIO' });
    };
    await expect(writeUnit(out, await unitFor(BASE), { io: { writeFile: failing } })).rejects.toThrow(/EIO/);
    expect(readdirSync(out)).toEqual([]);
  });

  it('a commit cut short (a rename fails) is rolled forward by the next writer', async () => {
    const out = tempDir('kspec-write-');
    await writeUnit(out, await unitFor(BASE));
    const next = await unitFor(changed);
    let n = 0;
    const { rename } = await import('node:fs/promises');
    const cut = async (a: string, b: string): Promise<void> => {
      if (++n === 2) throw Object.assign(new Error('killed'), { code: 'EINTR' });
      await rename(a, b);
    };
    await expect(writeUnit(out, next, { io: { rename: cut } })).rejects.toThrow(/killed/);
    expect(existsSync(journalPath(out, 'demo'))).toBe(true);
    expect(existsSync(lockPath(out, 'demo'))).toBe(false);
    // the staged files the journal names are kept for it
    expect(readdirSync(out).filter((e) => e.startsWith(STAGE_PREFIX))).toHaveLength(1);

    // The killed compile's journal is completed first: its files all land, then this
    // compile (the original spec) runs against a consistent folder.
    const again = await writeUnit(out, await unitFor(BASE));
    expect(existsSync(journalPath(out, 'demo'))).toBe(false);
    expectConsistent(path.join(out, 'demo'));
    expect(again.written.length).toBeGreaterThan(0);
    expect(readFileSync(path.join(out, 'demo/Containerfile'), 'utf8')).not.toContain('second version');
    expect(readdirSync(path.join(out, 'demo')).filter((f) => f.startsWith('.'))).toEqual([]);
    // the killed compile's staged copy went with its journal; nothing else is left
    expect(readdirSync(out)).toEqual(['demo']);
  });

  it('a staging folder a killed compile left behind is removed by the next run; a live run\'s is not', async () => {
    const out = tempDir('kspec-write-');
    await writeUnit(out, await unitFor(BASE));
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    const litter = path.join(out, `${STAGE_PREFIX}${dead}-abc123`);
    mkdirSync(path.join(litter, 'demo'), { recursive: true });
    writeFileSync(path.join(litter, 'demo/install.sh'), 'half a file');
    const live = path.join(out, `${STAGE_PREFIX}${process.pid}-0a1b`);
    mkdirSync(live);
    await writeUnit(out, await unitFor(changed));
    expect(existsSync(litter)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(readdirSync(out).sort()).toEqual([path.basename(live), 'demo']);
    expectConsistent(path.join(out, 'demo'));
  });

  it('a lock left by a killed compile is taken over; a live one is waited for, then reported', async () => {
    const out = tempDir('kspec-write-');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    const host = (await import('node:os')).hostname();
    writeFileSync(lockPath(out, 'demo'), `${dead} ${host}\n`);
    await writeUnit(out, await unitFor(BASE));
    expect(existsSync(lockPath(out, 'demo'))).toBe(false);

    writeFileSync(lockPath(out, 'demo'), `${process.pid} ${host}\n`);
    await expect(writeUnit(out, await unitFor(changed), { lockWaitMs: 0 })).rejects.toThrow(/is being written by process \d+/);
    expect(readFileSync(path.join(out, 'demo/Containerfile'), 'utf8')).not.toContain('second version');
  });
});

/** Every file the manifest lists has its sha256 and mode, and nothing generated is missing. */
function expectConsistent(dir: string): { spec: string } {
  const m = JSON.parse(readFileSync(path.join(dir, MANIFEST), 'utf8')) as { spec: string; files: Record<string, { sha256: string; mode: string }> };
  for (const [rel, { sha256, mode }] of Object.entries(m.files)) {
    const p = path.join(dir, rel);
    expect(createHash('sha256').update(readFileSync(p)).digest('hex'), rel).toBe(sha256);
    expect('0' + (statSync(p).mode & 0o777).toString(8), rel).toBe(mode);
    // each text file names the spec it came from in its header
    if (!rel.endsWith('.json')) expect(readFileSync(p, 'utf8'), rel).toContain(m.spec);
  }
  return m;
}

function kspec(cwd: string, ...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('--check', () => {
  it('never writes: bytes, modes and mtimes are the same after, with drift and without', () => {
    const work = tempDir('kspec-check-');
    mkdirSync(path.join(work, 'specs'));
    writeFileSync(path.join(work, 'specs/demo.yaml'), BASE);
    // no output yet: --check creates nothing
    expect(kspec(work, 'compile', 'specs', '-o', 'out', '--check').code).toBe(1);
    expect(existsSync(path.join(work, 'out'))).toBe(false);

    expect(kspec(work, 'compile', 'specs', '-o', 'out').code).toBe(0);
    writeFileSync(path.join(work, 'out/demo/NOTES.md'), 'mine\n');
    const before = snapshot(path.join(work, 'out'));
    expect(kspec(work, 'compile', 'specs', '-o', 'out', '--check').code).toBe(0);
    writeFileSync(path.join(work, 'specs/demo.yaml'), changed);
    const drift = kspec(work, 'compile', 'specs', '-o', 'out', '--check');
    expect(drift.code).toBe(1);
    expect(drift.stdout).toContain('+LABEL org.opencontainers.image.description="second version"');
    expect(snapshot(path.join(work, 'out'))).toEqual(before);
  });
});

describe('concurrent compiles into one folder', () => {
  it('a second writer waits while the first is paused mid-commit, then writes a whole folder', async () => {
    const out = tempDir('kspec-write-');
    await writeUnit(out, await unitFor(BASE));
    const { rename } = await import('node:fs/promises');
    let paused!: () => void;
    const reached = new Promise<void>((r) => (paused = r));
    let resume!: () => void;
    const gate = new Promise<void>((r) => (resume = r));
    let first = true;
    // A pauses before its first rename: its other files are still only temp files.
    const slow = async (a: string, b: string): Promise<void> => {
      if (first) {
        first = false;
        paused();
        await gate;
      }
      await rename(a, b);
    };
    const a = writeUnit(out, await unitFor(changed, 'a.yaml'), { io: { rename: slow } });
    await reached;
    // The folder is locked: a writer that will not wait is refused, nothing changes.
    await expect(writeUnit(out, await unitFor(BASE, 'b.yaml'), { lockWaitMs: 0 })).rejects.toThrow(/is being written/);
    // One that waits goes after A. Without the lock it would finish while A is paused and
    // A's remaining renames would then land on top of it: a mixed folder.
    const b = writeUnit(out, await unitFor(BASE, 'b.yaml'));
    resume();
    await Promise.all([a, b]);
    expect(expectConsistent(path.join(out, 'demo')).spec).toBe('b.yaml');
    expect(readFileSync(path.join(out, 'demo/Containerfile'), 'utf8')).not.toContain('second version');
  });

  it('take turns: the folder ends up as exactly one compile wrote it, manifest included', async () => {
    const work = tempDir('kspec-race-');
    mkdirSync(path.join(work, 'specs'));
    const N = 6;
    // Same metadata.name, different content: an interleaving would mix headers and hashes.
    for (let i = 0; i < N; i++) {
      const spec = BASE.replace('  name: demo\n', `  name: demo\n  description: variant ${i}\n`).replace('kernel-cachyos-devel-matched]', `kernel-cachyos-devel-matched, extra-${i}]`);
      writeFileSync(path.join(work, `specs/v${i}.yaml`), spec);
    }
    for (let round = 0; round < 2; round++) {
      const runs = Array.from({ length: N }, (_, i) =>
        new Promise<{ code: number | null; err: string }>((resolve) => {
          const p = spawn(process.execPath, [CLI, 'compile', `specs/v${i}.yaml`, '-o', 'out'], { cwd: work, env: { ...process.env, NO_COLOR: '1' } });
          let err = '';
          p.stderr.on('data', (d: Buffer) => (err += d.toString()));
          p.on('close', (code) => resolve({ code, err }));
        }),
      );
      for (const r of await Promise.all(runs)) expect(r, r.err).toMatchObject({ code: 0, err: '' });
      const dir = path.join(work, 'out/demo');
      const m = expectConsistent(dir);
      const i = Number(/^specs\/v(\d)\.yaml$/.exec(m.spec)?.[1]);
      expect(readFileSync(path.join(dir, 'install.sh'), 'utf8')).toContain(`extra-${i}`);
      expect(readdirSync(work + '/out').sort()).toEqual(['demo']);
      expect(readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]);
    }
  });
});
