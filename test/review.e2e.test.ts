/**
 * End-to-end tests of the code-review workflow: extends, --format github, kspec diff,
 * kspec explain and kspec init. The command line runs (in-process, test/cli-run.ts) with
 * NO_COLOR in temp git repositories and whole outputs are compared.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { validate as validateSpec } from '../src/api.js';
import { compileFile } from '../src/compile.js';
import { D, fix, message } from '../src/diagnostics/catalogue.js';
import { escapeData, escapeProperty, formatGithub } from '../src/diagnostics/github.js';
import { mergeSpec } from '../src/extends.js';
import { PLATFORMS, starter } from '../src/init.js';
import { targets } from '../src/targets/index.js';
import { Reporter } from '../src/diagnostics/diagnostic.js';
import { parseSpec } from '../src/parse.js';
import { validate } from '../src/validate.js';
import { BASE } from './fixtures.js';
import { kspecInProcess } from './cli-run.js';
import { expectDiagnostic, git, KERNEL_KEYS, ROOT, tempDir, withoutClosingLine } from './helpers.js';


async function kspec(cwd: string, ...args: string[]) {
  const r = await kspecInProcess(cwd, args, { env: { NO_COLOR: '1' } });
  return { ...r, stderr: withoutClosingLine(r.stderr) };
}

/** The BASE spec split in two: the kernel and provider in a base file. */
const KERNEL_BASE = `apiVersion: kspec.dev/v1alpha1
kind: KernelSpec
kernel:
  package: kernel-cachyos
  arch: [x86_64]
provider:
  type: copr
  repo: bieszczaders/kernel-cachyos
  packages: [kernel-cachyos, kernel-cachyos-devel-matched]
`;
const CHILD = `extends: ../base/kernel.yaml
metadata:
  name: demo
target:
  platform: bootc
  base: ghcr.io/ublue-os/bluefin-dx:stable
`;

let work: string;
function write(rel: string, text: string): void {
  mkdirSync(path.dirname(path.join(work, rel)), { recursive: true });
  writeFileSync(path.join(work, rel), text);
}
function commit(msg = 'specs'): void {
  git(work, 'add', '-A');
  git(work, '-c', 'user.email=t@example.org', '-c', 'user.name=t', 'commit', '-q', '-m', msg);
}
beforeEach(() => {
  work = tempDir('kspec-review-');
  git(work, 'init', '-q');
});

/** The unknown key `archs` under kernel, as KS2001's arguments. */
const ARCHS = { key: 'archs', suggestion: 'arch', allowed: KERNEL_KEYS };

describe('extends', () => {
  it('merges maps key by key, replaces lists, and compiles', async () => {
    write('base/kernel.yaml', KERNEL_BASE);
    write('specs/demo.yaml', CHILD.replace('metadata:', 'kernel:\n  version: 6.9.1-cachyos.fc44.x86_64\nmetadata:'));
    const r = await compileFile('specs/demo.yaml', { outDir: 'out', cwd: work });
    expect(r.diagnostics).toEqual([]);
    expect(r.spec?.kernel).toMatchObject({ package: 'kernel-cachyos', version: '6.9.1-cachyos.fc44.x86_64', arch: ['x86_64'] });
    expect(r.files.find((f) => f.path === 'Containerfile')?.content).toContain('LABEL ostree.linux="6.9.1-cachyos.fc44.x86_64"');
    expect(mergeSpec({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, e: 2 })).toEqual({ a: { b: 1, c: [3] }, d: 1, e: 2 });
  });

  it('a diagnostic about a value from the base names the base file, with a code frame', async () => {
    write('base/kernel.yaml', KERNEL_BASE.replace('  arch:', '  archs:'));
    write('specs/demo.yaml', CHILD);
    const r = await kspec(work, 'validate', 'specs');
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr: [
        `base/kernel.yaml:5:3: error ${D.UnknownKey.code} ${D.UnknownKey.id}: ${message(D.UnknownKey, ARCHS)}`,
        '  5 |   archs: [x86_64]',
        '    |   ^',
        `  fix: ${fix(D.UnknownKey, ARCHS)}`,
        '  at /kernel/archs',
        '',
      ].join('\n'),
    });
  });

  it('KS1010: a cycle is reported at the extends that closes it', async () => {
    write('base/kernel.yaml', KERNEL_BASE + 'extends: ../specs/demo.yaml\n');
    write('specs/demo.yaml', CHILD);
    const r = await compileFile('specs/demo.yaml', { outDir: 'out', cwd: work });
    const d = expectDiagnostic(r, D.ExtendsCycle, 10, 10);
    expect(d.file).toBe('base/kernel.yaml');
    expect(d.message).toContain('specs/demo.yaml -> base/kernel.yaml -> specs/demo.yaml');
    const cli = await kspec(work, 'validate', 'specs');
    expect(cli.code).toBe(1);
    expect(cli.stderr).toBe(
      [
        `base/kernel.yaml:10:10: error ${D.ExtendsCycle.code} ${D.ExtendsCycle.id}: ${d.message}`,
        '  10 | extends: ../specs/demo.yaml',
        '     |          ^',
        `  fix: ${D.ExtendsCycle.fix}`,
        '  at /extends',
        '',
      ].join('\n'),
    );
  });

  it('KS1012: a missing base is located on the extends line', async () => {
    write('specs/demo.yaml', CHILD);
    const r = await compileFile('specs/demo.yaml', { outDir: 'out', cwd: work });
    const d = expectDiagnostic(r, D.ExtendsMissing, 1, 10);
    expect(d).toMatchObject({ file: 'specs/demo.yaml', path: '/extends' });
    expect((await kspec(work, 'compile', 'specs')).stderr).toBe(
      [
        `specs/demo.yaml:1:10: error ${D.ExtendsMissing.code} ${D.ExtendsMissing.id}: ${message(D.ExtendsMissing, { ref: '../base/kernel.yaml', path: 'base/kernel.yaml' })}`,
        '  1 | extends: ../base/kernel.yaml',
        '    |          ^',
        `  fix: ${D.ExtendsMissing.fix}`,
        '  at /extends',
        '',
      ].join('\n'),
    );
  });

  it('KS1011: a base outside the repository is refused without being read', async () => {
    const repo = path.join(work, 'repo');
    mkdirSync(repo);
    git(repo, 'init', '-q');
    write('base.yaml', KERNEL_BASE);
    write('repo/specs/demo.yaml', CHILD.replace('../base/kernel.yaml', '../../base.yaml'));
    const r = await compileFile('specs/demo.yaml', { outDir: 'out', cwd: repo });
    const d = expectDiagnostic(r, D.ExtendsOutsideRepo, 1, 10);
    expect(d.message).toContain("'../../base.yaml' resolves to ");
    expect(d.message).toContain('base.yaml, outside the repository');
  });
});

describe('--format github', () => {
  it('prints workflow commands with GitHub escaping', async () => {
    write('specs/demo.yaml', BASE.replace('  arch: [x86_64]', '  archs: [x86_64]'));
    write('specs/other.yaml', BASE.replace('name: demo', 'name: other').replace('bluefin-dx:stable', 'bluefin-dx'));
    const r = await kspec(work, 'validate', 'specs', '--format', 'github');
    expect(r.code).toBe(1);
    const untagged = { ref: 'ghcr.io/ublue-os/bluefin-dx' };
    const warning = `${message(D.UntaggedOciRef, untagged)} ${fix(D.UntaggedOciRef, untagged)}`;
    expect(r.stdout).toBe(
      [
        `::error file=specs/demo.yaml,line=7,endLine=7,col=3,endColumn=7,title=${D.UnknownKey.code} ${D.UnknownKey.id}::${message(D.UnknownKey, ARCHS)} ${fix(D.UnknownKey, ARCHS)}`,
        `::warning file=specs/other.yaml,line=18,endLine=18,col=9,endColumn=35,title=${D.UntaggedOciRef.code} ${D.UntaggedOciRef.id}::${escapeData(warning)}`,
        '',
      ].join('\n'),
    );
    expect(r.stderr).toBe(''); // the closing line (1 error, 1 warning) is stripped by await kspec()
    expect(escapeProperty('a:b,c%d\r\ne')).toBe('a%3Ab%2Cc%25d%0D%0Ae');
    expect(escapeData('a:b,c%d\n')).toBe('a:b,c%25d%0A');
    // A line break in a message or file name is shown escaped: it can never start a command.
    expect(formatGithub({ code: 'KS1', id: 'x', severity: 'error', message: '50%\nx', fix: 'y', path: '', file: 'a,b:c\n::x.yaml', line: 1, column: 2 })).toBe(
      '::error file=a%2Cb%3Ac\\n%3A%3Ax.yaml,line=1,col=2,title=KS1 x::50%25\\nx y',
    );
  });

  it('annotates drift on compile --check', async () => {
    write('specs/demo.yaml', BASE);
    expect((await kspec(work, 'compile', 'specs')).code).toBe(0);
    const file = path.join(work, 'out/demo/install.sh');
    writeFileSync(file, readFileSync(file, 'utf8').replace('set -euo pipefail', 'set -e'));
    const r = await kspec(work, 'compile', 'specs', '--check', '--format', 'github');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('-set -e\n+set -euo pipefail\n');
    expect(r.stdout.endsWith('::error file=specs/demo.yaml,title=kspec drift::The files generated from specs/demo.yaml differ from out/demo: run kspec compile and commit the result.\n')).toBe(true);
  });
});

describe('kspec diff', () => {
  it('no changes: exit 0', async () => {
    write('specs/demo.yaml', BASE);
    commit();
    expect(await kspec(work, 'diff', 'specs')).toEqual({ code: 0, stdout: 'specs/demo.yaml (demo): unchanged\n', stderr: '' });
  });

  it('added, changed (also through a base read at the ref) and removed specs', async () => {
    write('base/kernel.yaml', KERNEL_BASE);
    write('specs/demo.yaml', CHILD);
    write('specs/gone.yaml', BASE.replace('name: demo', 'name: gone'));
    commit();
    // The base changes: the kernel version is pinned. Also the working tree is dirty on purpose.
    write('base/kernel.yaml', KERNEL_BASE.replace('  arch:', '  version: 6.9.1-cachyos.fc44.x86_64\n  arch:'));
    rmSync(path.join(work, 'specs/gone.yaml'));
    write('specs/new.yaml', BASE.replace('name: demo', 'name: new'));
    const r = await kspec(work, 'diff', 'specs');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const [summary, diff] = [r.stdout.slice(0, r.stdout.indexOf('\n\n')), r.stdout.slice(r.stdout.indexOf('\n\n') + 2)];
    expect(summary).toBe(
      [
        'specs/demo.yaml (demo): changed',
        '  kernel version: (none) -> 6.9.1-cachyos.fc44.x86_64',
        '  generated files: 2 changed, 0 added, 0 removed',
        'specs/gone.yaml (gone): removed',
        '  spec removed: bootc, its output folder is no longer generated',
        'specs/new.yaml (new): added',
        '  new spec: bootc, copr bieszczaders/kernel-cachyos [kernel-cachyos, kernel-cachyos-devel-matched]',
      ].join('\n'),
    );
    const headers = diff.split('\n').filter((l) => l.startsWith('--- ') || l.startsWith('+++ '));
    expect(headers).toEqual([
      '--- a/out/demo/Containerfile', '+++ b/out/demo/Containerfile',
      '--- a/out/demo/install.sh', '+++ b/out/demo/install.sh',
      '--- a/out/gone/Containerfile', '+++ /dev/null',
      '--- a/out/gone/boot-test.sh', '+++ /dev/null',
      '--- a/out/gone/dracut.conf.d/90-kspec.conf', '+++ /dev/null',
      '--- a/out/gone/install.sh', '+++ /dev/null',
      '--- a/out/gone/kspec-validate-kernel', '+++ /dev/null',
      '--- a/out/gone/promote.sh', '+++ /dev/null',
      '--- a/out/gone/relabel.sh', '+++ /dev/null',
      '--- a/out/gone/verify-and-record.sh', '+++ /dev/null',
      '--- a/out/gone/verify-image.sh', '+++ /dev/null',
      '--- /dev/null', '+++ b/out/new/Containerfile',
      '--- /dev/null', '+++ b/out/new/boot-test.sh',
      '--- /dev/null', '+++ b/out/new/dracut.conf.d/90-kspec.conf',
      '--- /dev/null', '+++ b/out/new/install.sh',
      '--- /dev/null', '+++ b/out/new/kspec-validate-kernel',
      '--- /dev/null', '+++ b/out/new/promote.sh',
      '--- /dev/null', '+++ b/out/new/relabel.sh',
      '--- /dev/null', '+++ b/out/new/verify-and-record.sh',
      '--- /dev/null', '+++ b/out/new/verify-image.sh',
    ]);
    expect(diff).toContain('+LABEL ostree.linux="6.9.1-cachyos.fc44.x86_64"\n');
    expect(diff).toContain("-KVER=\"$(query_kernel_package 'kernel-cachyos')\"\n+KVER='6.9.1-cachyos.fc44.x86_64'\n");
  });

  it('a signing change in words; --base names the ref', async () => {
    write('specs/demo.yaml', BASE);
    commit('one');
    git(work, 'tag', 'v1');
    write('specs/demo.yaml', BASE.replace('modules:', 'signing: {keySecret: mok-key, certSecret: mok-cert}\nmodules:'));
    commit('two');
    const r = await kspec(work, 'diff', '--base', 'v1', 'specs');
    expect(r.code).toBe(1);
    expect(r.stdout.slice(0, r.stdout.indexOf('\n\n'))).toBe(
      [
        'specs/demo.yaml (demo): changed',
        '  signing: unsigned -> signed with secrets mok-key/mok-cert, modules signed, enroll none',
        '  generated files: 4 changed, 0 added, 0 removed',
      ].join('\n'),
    );
  });

  it('errors exit 2 and name the side they come from', async () => {
    write('specs/demo.yaml', BASE.replace('type: copr', 'type: cop'));
    commit();
    write('specs/demo.yaml', BASE);
    const r = await kspec(work, 'diff', 'specs');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`HEAD:specs/demo.yaml:9:9: error ${D.UnknownVariant.code} ${D.UnknownVariant.id}:`);
    expect(await kspec(work, 'diff', '--base', 'no-such-ref', 'specs')).toMatchObject({ code: 2 });
  });

  it('--format github annotates diagnostics', async () => {
    write('specs/demo.yaml', BASE);
    commit();
    write('specs/demo.yaml', BASE.replace('  arch: [x86_64]', '  archs: [x86_64]'));
    const r = await kspec(work, 'diff', 'specs', '--format', 'github');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe(`::error file=specs/demo.yaml,line=7,endLine=7,col=3,endColumn=7,title=${D.UnknownKey.code} ${D.UnknownKey.id}::${message(D.UnknownKey, ARCHS)} ${fix(D.UnknownKey, ARCHS)}\n`);
  });
});

describe('kspec explain', () => {
  // One compiled repository for these tests: explain only reads it.
  let repo = '';
  beforeAll(async () => {
    work = repo = tempDir('kspec-review-');
    git(work, 'init', '-q');
    write('base/kernel.yaml', KERNEL_BASE);
    write('specs/demo.yaml', CHILD);
    expect((await kspec(repo, 'compile', 'specs')).code).toBe(0);
  });
  beforeEach(() => {
    work = repo;
  });
  const lineOf = (file: string, text: string): number => readFileSync(path.join(work, file), 'utf8').split('\n').indexOf(text) + 1;

  it('names the spec fields of a line that comes from values, in the file that supplied them', async () => {
    const n = lineOf('out/demo/install.sh', "dnf -y copr enable 'bieszczaders/kernel-cachyos'");
    expect(n).toBeGreaterThan(0);
    expect(await kspec(work, 'explain', `out/demo/install.sh:${n}`)).toEqual({
      code: 0,
      stdout: [
        `out/demo/install.sh:${n}: dnf -y copr enable 'bieszczaders/kernel-cachyos'`,
        '  from base/kernel.yaml:7:9 /provider/type = "copr"',
        '  from base/kernel.yaml:8:9 /provider/repo = "bieszczaders/kernel-cachyos"',
        '',
      ].join('\n'),
      stderr: '',
    });
    const from = lineOf('out/demo/Containerfile', 'FROM ghcr.io/ublue-os/bluefin-dx:stable');
    expect((await kspec(work, 'explain', `out/demo/Containerfile:${from}`)).stdout).toBe(
      `out/demo/Containerfile:${from}: FROM ghcr.io/ublue-os/bluefin-dx:stable\n  from specs/demo.yaml:6:9 /target/base = "ghcr.io/ublue-os/bluefin-dx:stable"\n`,
    );
  });

  it('says template text for lines no value produces', async () => {
    const n = lineOf('out/demo/install.sh', 'set -euo pipefail');
    expect(await kspec(work, 'explain', `out/demo/install.sh:${n}`)).toEqual({
      code: 0,
      stdout: `out/demo/install.sh:${n}: set -euo pipefail\n  template text: no spec value produces this line\n`,
      stderr: '',
    });
  });

  it('refuses what it cannot explain with exit 2', async () => {
    expect((await kspec(work, 'explain', 'out/demo/install.sh:100000')).code).toBe(2);
    expect((await kspec(work, 'explain', 'out/demo/install.sh')).code).toBe(2);
    expect((await kspec(work, 'explain', 'specs/demo.yaml:1')).code).toBe(2);
  });
});

describe('kspec init', () => {
  for (const t of targets()) {
    it(`writes a ${t.platform} starter that validates clean`, async () => {
      rmSync(path.join(work, 'kspec.schema.json'), { force: true });
      const r = await kspec(work, 'init', '--platform', t.platform, '--name', 'starter', '-o', 'specs/starter.yaml');
      // No node_modules/kspec in the repository: the schema is copied to its top, and
      // the modeline names that copy, relatively (never the running kspec's own path).
      expect(r).toEqual({
        code: 0,
        stdout: `wrote specs/starter.yaml: a starter ${t.platform} spec; check it with: kspec validate specs/starter.yaml; wrote kspec.schema.json, the schema its modeline names (commit it)\n`,
        stderr: '',
      });
      const text = readFileSync(path.join(work, 'specs/starter.yaml'), 'utf8');
      expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=../kspec.schema.json');
      expect(readFileSync(path.join(work, 'kspec.schema.json'), 'utf8')).toBe(readFileSync(path.join(ROOT, 'schema/kspec.schema.json'), 'utf8'));
      // Clean, warnings included (through the API: `kspec validate`'s own output is cli.test.ts's).
      expect(await validateSpec({ path: 'specs/starter.yaml' }, { cwd: work })).toEqual({ specPath: 'specs/starter.yaml', name: 'starter', diagnostics: [], ok: true });
      expect((await kspec(work, 'init', '--platform', t.platform, '--name', 'starter', '-o', 'specs/starter.yaml')).code).toBe(2);
      rmSync(path.join(work, 'specs/starter.yaml'));
    });
  }

  it('names the schema in the repository node_modules/kspec when kspec is installed there, and writes no copy', async () => {
    const repo = tempDir('kspec-init-');
    git(repo, 'init', '-q');
    mkdirSync(path.join(repo, 'node_modules', 'kspec', 'schema'), { recursive: true });
    writeFileSync(path.join(repo, 'node_modules', 'kspec', 'schema', 'kspec.schema.json'), '{}');
    expect((await kspec(repo, 'init', '--platform', 'krata', '-o', 'a/b/k.yaml')).code).toBe(0);
    // (second, after a yamllint directive, when the line is long)
    expect(readFileSync(path.join(repo, 'a/b/k.yaml'), 'utf8').split('\n').slice(0, 2)).toEqual([
      '# yamllint disable-line rule:line-length',
      '# yaml-language-server: $schema=../../node_modules/kspec/schema/kspec.schema.json',
    ]);
    expect(existsSync(path.join(repo, 'kspec.schema.json'))).toBe(false);
  });

  it('refuses to write the schema copy through a symbolic link', async () => {
    const repo = tempDir('kspec-init-');
    git(repo, 'init', '-q');
    symlinkSync('/etc/passwd', path.join(repo, 'kspec.schema.json'));
    const r = await kspec(repo, 'init', '--platform', 'krata', '-o', 'k.yaml');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("kspec: cannot write 'kspec.schema.json' (the schema the modeline names): it is a symbolic link\n");
  });

  it('has a starter for every platform that fits the schema', async () => {
    for (const p of PLATFORMS) {
      const parsed = parseSpec(`${p}.yaml`, new TextEncoder().encode(starter(p, 'x', 'kspec.schema.json')));
      const rep = new Reporter(parsed.source!);
      await validate(parsed.raw!.data, rep);
      expect(rep.diagnostics, p).toEqual([]);
    }
  });

  it('refuses a name that is not a DNS-1123 label', async () => {
    expect((await kspec(work, 'init', '--platform', 'bootc', '--name', 'Bad_Name')).code).toBe(2);
  });
});
