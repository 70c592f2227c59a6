/**
 * Discovery (src/discover.ts): which files a folder search compiles. The API for the
 * rules, the command line (in-process, test/cli-run.ts) for the runs the issue names
 * (kspec's own output searched again, `kspec diff` beside a .pre-commit-config.yaml, a
 * base under specs/).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { discoverSpecs, sniff, type Discovery } from '../src/discover.js';
import { MAX_FULL_PARSE_BYTES } from '../src/parse.js';
import { D } from '../src/diagnostics/catalogue.js';
import { BASE } from './fixtures.js';
import { kspecInProcess } from './cli-run.js';
import { git, tempDir, withoutClosingLine } from './helpers.js';


async function kspec(cwd: string, ...args: string[]) {
  const r = await kspecInProcess(cwd, args, { env: { NO_COLOR: '1' } });
  return { ...r, stderr: withoutClosingLine(r.stderr) };
}

/** The BASE spec split in two: a base with the kernel and provider, a child with the rest. */
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
const CHILD = `extends: base.yaml
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
beforeEach(() => {
  work = tempDir('kspec-discover-');
});

const find = (inputs: string[], opts: { out?: string; exclude?: string[] } = {}): Promise<Discovery> => discoverSpecs(inputs, { cwd: work, ...opts });
const rel = (d: Discovery): string[] => d.specs.map((f) => path.relative(work, f));
const why = (d: Discovery): Record<string, string> => Object.fromEntries(d.skipped.map((s) => [s.path, s.reason]));

describe('sniff', () => {
  it('reads the top-level apiVersion, kind and extends of a block mapping', async () => {
    expect(sniff(BASE)).toEqual({ apiVersion: 'kspec.dev/v1alpha1', kind: 'KernelSpec' });
    expect(sniff(`# c\n---\napiVersion: "kspec.dev/v1alpha1"  # x\nkind: 'KernelSpec'\nextends: ../b.yaml # base\n`)).toEqual({
      apiVersion: 'kspec.dev/v1alpha1',
      kind: 'KernelSpec',
      extends: '../b.yaml',
    });
  });

  it('ignores nested keys, block scalars and later documents', async () => {
    expect(sniff('metadata:\n  kind: KernelSpec\nnote: |\n  apiVersion: kspec.dev/v1\n')).toEqual({});
    expect(sniff('apiVersion: v1\n---\napiVersion: kspec.dev/v1alpha1\nkind: KernelSpec\n')).toEqual({ apiVersion: 'v1' });
  });

  it('reads a text of key lines in the RegExp engine and anything else line by line, alike', async () => {
    // Every top-level line a key line: the first value of each key that is a scalar wins.
    expect(sniff('apiVersion: kspec.dev/v1alpha1\nkind: KernelSpec\nextends: b.yaml\nkind: Other\n')).toEqual({ apiVersion: 'kspec.dev/v1alpha1', kind: 'KernelSpec', extends: 'b.yaml' });
    expect(sniff("kind:\n  x: 1\napiVersion: v # c\nkind: 'K'\n")).toEqual({ apiVersion: 'v', kind: 'K' });
    expect(sniff('kinds: a\nkind-x: b\nkind\t: c\n')).toEqual({ kind: 'c' });
    expect(sniff('kind: [a]\napiVersion: "kspec.dev/v1"\n')).toEqual({ apiVersion: 'kspec.dev/v1' });
    // CR, U+2028, document markers and other top-level lines go to the line scan.
    expect(sniff('apiVersion: x\r\nkind: y\r\n')).toEqual({ apiVersion: 'x', kind: 'y' });
    expect(sniff('kind: "a\u2028b"\napiVersion: v\n')).toEqual({ apiVersion: 'v' });
    expect(sniff('a: 1\n---\nkind: K\n')).toEqual({});
    expect(sniff('a: 1\n...\nkind: K\n')).toEqual({});
    expect(sniff('# c\n\n  \n')).toEqual({ notMapping: 'empty, or only comments' });
  });

  it('parses flow style and quoted keys with the YAML parser, aliases unexpanded', async () => {
    expect(sniff('{"apiVersion": "kspec.dev/v1alpha1", "kind": "KernelSpec"}\n')).toEqual({ apiVersion: 'kspec.dev/v1alpha1', kind: 'KernelSpec' });
    expect(sniff('"kind": KernelSpec\napiVersion: kspec.dev/v1alpha1\n')).toEqual({ apiVersion: 'kspec.dev/v1alpha1', kind: 'KernelSpec' });
    expect(sniff('- a\n- b\n')).toEqual({ notMapping: 'not a YAML mapping' });
    expect(sniff('# only a comment\n')).toEqual({ notMapping: 'empty, or only comments' });
    // An alias bomb in flow style: sniffed without expanding it.
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++) levels.push(`l${i}: &l${i} [${Array(10).fill(i === 1 ? '*a' : `*l${i - 1}`).join(', ')}]`);
    expect(sniff(`{${levels.join(', ')}, apiVersion: kspec.dev/v1alpha1}\n`)).toEqual({ apiVersion: 'kspec.dev/v1alpha1' });
  });

  it('reads syntax the line scan cannot with the fast reader or yaml, and refuses more values than a spec may hold', async () => {
    const head = 'apiVersion: kspec.dev/v1alpha1\nkind: KernelSpec\n';
    // Read fast (explicit key, tags), and by yaml (an explicit key with no value).
    expect(sniff(`${head}? a\n: 1\n!!str extends: ../b.yaml\n`)).toEqual({ apiVersion: 'kspec.dev/v1alpha1', kind: 'KernelSpec', extends: '../b.yaml' });
    expect(sniff(`${head}? a\n? b\n: c\n`)).toEqual({ apiVersion: 'kspec.dev/v1alpha1', kind: 'KernelSpec' });
    // Past MAX_VALUES (100,000) when read fast: not a spec, without building a yaml Document.
    const many = `extra: [${'1,'.repeat(100_000)}1]\n`;
    expect(sniff(`${head}? a\n: 1\n${many}`)).toEqual({ notMapping: 'more than 100,000 values (a spec holds at most that many)' });
    // Up to MAX_FULL_PARSE_BYTES, what the fast reader gives up on is read by yaml, its
    // values counted first.
    const some = `extra: [${'1,'.repeat(1000)}1]\n`;
    expect(sniff(`${head}? a\n? b\n: c\n${some}`)).toEqual({ apiVersion: 'kspec.dev/v1alpha1', kind: 'KernelSpec' });
  });

  it('judges a text over MAX_FULL_PARSE_BYTES that the fast reader gives up on by its top-level key lines: yaml never reads it', async () => {
    const head = 'apiVersion: kspec.dev/v1alpha1\nkind: KernelSpec\n';
    const many = `extra: [${'1,'.repeat(100_000)}1]\n`;
    // A spec, then, which parse refuses (KS1018) without yaml's seconds a MiB.
    expect(sniff(`${head}? a\n? b\n: c\n${many}`)).toEqual({ apiVersion: 'kspec.dev/v1alpha1', kind: 'KernelSpec' });
    expect(sniff(`? a\n${'? b\n'.repeat(MAX_FULL_PARSE_BYTES / 4)}extends: ../base.yaml\n`)).toEqual({ extends: '../base.yaml' });
    expect(sniff(`? a\n${'? b\n'.repeat(MAX_FULL_PARSE_BYTES / 4)}`)).toEqual({ notMapping: 'no `key: value` line at its top level' });
  });
});

describe('a folder search', () => {
  it('takes kspec specs only, and --verbose reasons name what it skipped', async () => {
    write('specs/demo.yaml', BASE);
    write('specs/ci.yml', 'on: push\njobs: {}\n');
    write('specs/k8s.yaml', 'apiVersion: v1\nkind: ConfigMap\n');
    write('specs/other.yaml', 'apiVersion: kspec.dev/v1alpha1\nkind: KernelSpecList\n');
    write('specs/notes.txt', 'apiVersion: kspec.dev/v1alpha1\nkind: KernelSpec\n');
    write('.pre-commit-config.yaml', 'repos: []\n');
    write('node_modules/x/spec.yaml', BASE);
    write('.hidden/spec.yaml', BASE);
    const d = await find(['.']);
    expect(rel(d)).toEqual(['specs/demo.yaml']);
    expect(why(d)).toEqual({
      '.hidden/': 'hidden folders are not searched',
      'node_modules/': 'node_modules is not searched',
      '.pre-commit-config.yaml': 'no apiVersion (a spec has apiVersion: kspec.dev/v1alpha1)',
      'specs/ci.yml': 'no apiVersion (a spec has apiVersion: kspec.dev/v1alpha1)',
      'specs/k8s.yaml': "apiVersion is 'v1', not kspec.dev/*",
      'specs/other.yaml': "kind is 'KernelSpecList', not KernelSpec",
    });
  });

  it('never searches the output folder, however it is named', async () => {
    write('specs/demo.yaml', BASE);
    write('gen/demo/copy.yaml', BASE);
    expect(rel(await find(['.'], { out: 'gen' }))).toEqual(['specs/demo.yaml']);
    expect(rel(await find(['.'], { out: './gen/' }))).toEqual(['specs/demo.yaml']);
    expect(why(await find(['gen'], { out: 'gen' }))).toEqual({ 'gen/': 'the output folder is not searched' });
    expect(rel(await find(['.'], { out: 'elsewhere' }))).toEqual(['gen/demo/copy.yaml', 'specs/demo.yaml']);
  });

  it('takes a file named on the command line as it is', async () => {
    write('notes.yaml', 'a: 1\n');
    expect(rel(await find(['notes.yaml']))).toEqual(['notes.yaml']);
    await expect(find(['missing.yaml'])).rejects.toThrow("cannot read 'missing.yaml': no such file or folder");
  });

  it('does not follow symbolic links, nor read FIFOs', async () => {
    const outside = tempDir('kspec-outside-');
    writeFileSync(path.join(outside, 'spec.yaml'), BASE);
    write('specs/demo.yaml', BASE);
    symlinkSync(path.join(outside, 'spec.yaml'), path.join(work, 'specs/link.yaml'));
    symlinkSync(outside, path.join(work, 'specs/linked-folder'));
    execFileSync('mkfifo', [path.join(work, 'specs/fifo.yaml')]);
    const d = await find(['specs']);
    expect(rel(d)).toEqual(['specs/demo.yaml']);
    expect(why(d)).toEqual({ 'specs/fifo.yaml': 'not a regular file', 'specs/link.yaml': 'a symbolic link, not followed' });
  });

  it('reads at most 1 MiB of a file', async () => {
    write('big.yaml', `# ${'x'.repeat(1024 * 1024)}\napiVersion: kspec.dev/v1alpha1\nkind: KernelSpec\n`);
    expect(why(await find(['.']))).toEqual({ 'big.yaml': 'empty, or only comments' });
  });

  it('a spec over MAX_FULL_PARSE_BYTES in YAML the fast reader leaves to yaml is found, and refused with KS1018 at its line', async () => {
    write('specs/demo.yaml', BASE + Array.from({ length: 20_000 }, (_, i) => `? u${i}\n`).join(''));
    expect(rel(await find(['specs']))).toEqual(['specs/demo.yaml']);
    const r = await kspec(work, 'validate', 'specs', '--format', 'json');
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout) as { diagnostics: Array<{ code: string; line: number }> }).diagnostics.map((d) => [d.code, d.line])).toEqual([['KS1018', 20]]);
  });
});

describe('extends', () => {
  it('a base is not compiled on its own; a child without apiVersion and kind is a spec through its base', async () => {
    write('specs/base.yaml', KERNEL_BASE);
    write('specs/demo.yaml', CHILD);
    const d = await find(['specs']);
    expect(rel(d)).toEqual(['specs/demo.yaml']);
    expect(why(d)).toEqual({ 'specs/base.yaml': 'a base of specs/demo.yaml (extends): checked in that merge, not compiled on its own' });
    // also when the base is named on the command line beside its child (a shell glob)
    expect(rel(await find(['specs/base.yaml', 'specs/demo.yaml']))).toEqual(['specs/demo.yaml']);
  });

  it('a chain of bases: every base is left out', async () => {
    write('specs/base.yaml', KERNEL_BASE.replace('apiVersion: kspec.dev/v1alpha1\nkind: KernelSpec\n', 'extends: common/root.yaml\n'));
    write('specs/common/root.yaml', 'apiVersion: kspec.dev/v1alpha1\nkind: KernelSpec\n');
    write('specs/demo.yaml', CHILD);
    const d = await find(['specs']);
    expect(rel(d)).toEqual(['specs/demo.yaml']);
    expect(Object.keys(why(d)).sort()).toEqual(['specs/base.yaml', 'specs/common/root.yaml']);
  });

  it('a broken extends keeps the spec, so that the compiler reports it; an extends of something else does not', async () => {
    write('specs/demo.yaml', CHILD.replace('base.yaml', 'missing.yaml'));
    write('specs/.yamllint.yaml', 'extends: default\n');
    write('specs/lint.yaml', 'extends: default\nrules: {}\n');
    const d = await find(['specs']);
    expect(rel(d)).toEqual(['specs/demo.yaml']);
    expect(why(d)['specs/lint.yaml']).toBe('no apiVersion (a spec has apiVersion: kspec.dev/v1alpha1), with its bases (extends)');
  });

  it('kspec validate and compile: the base is checked in the merge (its line), never alone (no KS2002)', async () => {
    git(work, 'init', '-q');
    write('specs/base.yaml', KERNEL_BASE.replace('  arch:', '  archs:'));
    write('specs/demo.yaml', CHILD);
    for (const cmd of [['validate', 'specs'], ['compile', 'specs', '-o', 'out']]) {
      const r = await kspec(work, ...cmd);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(`specs/base.yaml:5:3: error ${D.UnknownKey.code} ${D.UnknownKey.id}: Unknown key 'archs'`);
      expect(r.stderr).not.toContain(D.MissingKey.code);
    }
    write('specs/base.yaml', KERNEL_BASE);
    const v = await kspec(work, 'validate', 'specs', '--verbose');
    expect(v).toEqual({
      code: 0,
      stdout: 'specs/demo.yaml: valid\n',
      stderr: 'kspec: skipped specs/base.yaml: a base of specs/demo.yaml (extends): checked in that merge, not compiled on its own\n',
    });
  });
});

describe('--exclude and .kspecignore', () => {
  beforeEach(() => {
    write('specs/a.yaml', BASE);
    write('specs/drafts/b.yaml', BASE);
    write('specs/c.draft.yaml', BASE);
    write('specs/keep.draft.yaml', BASE);
  });

  it('--exclude takes gitignore patterns, relative to the working folder; an excluded folder is not entered', async () => {
    const d = await find(['specs'], { exclude: ['*.draft.yaml', '!keep.draft.yaml', 'specs/drafts/'] });
    expect(rel(d)).toEqual(['specs/a.yaml', 'specs/keep.draft.yaml']);
    expect(why(d)).toEqual({ 'specs/c.draft.yaml': "excluded by --exclude '*.draft.yaml'", 'specs/drafts/': "excluded by --exclude 'specs/drafts/'" });
  });

  it('.kspecignore at the repository root, with its line', async () => {
    git(work, 'init', '-q');
    write('.kspecignore', '# drafts\n*.draft.yaml\n!keep.draft.yaml\n/specs/drafts\n');
    mkdirSync(path.join(work, 'sub'));
    const d = await discoverSpecs(['../specs'], { cwd: path.join(work, 'sub') });
    expect(d.specs.map((f) => path.relative(work, f))).toEqual(['specs/a.yaml', 'specs/keep.draft.yaml']);
    expect(Object.fromEntries(d.skipped.map((s) => [s.path, s.reason]))).toEqual({
      '../specs/c.draft.yaml': "excluded by ../.kspecignore:2 '*.draft.yaml'",
      '../specs/drafts/': "excluded by ../.kspecignore:4 '/specs/drafts'",
    });
  });

  it('kspec validate --exclude (repeatable) --verbose', async () => {
    const r = await kspec(work, 'validate', 'specs', '--exclude', 'drafts', '--exclude', '*.draft.yaml', '--verbose');
    expect(r).toEqual({
      code: 0,
      stdout: 'specs/a.yaml: valid\n',
      stderr: "kspec: skipped specs/c.draft.yaml: excluded by --exclude '*.draft.yaml'\nkspec: skipped specs/drafts/: excluded by --exclude 'drafts'\nkspec: skipped specs/keep.draft.yaml: excluded by --exclude '*.draft.yaml'\n",
    });
  });
});

describe('the runs of issue 12', () => {
  it('kspec init --platform liquidmetal && kspec compile . && kspec compile . (kspec does not read its own output)', async () => {
    expect((await kspec(work, 'init', '--platform', 'liquidmetal')).code).toBe(0);
    const first = await kspec(work, 'compile', '.');
    expect(first, first.stderr).toMatchObject({ code: 0, stderr: '' });
    const second = await kspec(work, 'compile', '.');
    expect(second).toEqual({ code: 0, stdout: 'my-liquidmetal.yaml -> out/my-liquidmetal: 0 written, 4 unchanged, 0 removed\n', stderr: '' });
    expect(await kspec(work, 'compile', '.', '--check')).toMatchObject({ code: 0, stderr: '' });
    expect(await kspec(work, 'validate', '.')).toEqual({ code: 0, stdout: 'my-liquidmetal.yaml: valid\n', stderr: '' });
  });

  it('kspec diff (default folder .) beside a .pre-commit-config.yaml and other YAML', async () => {
    git(work, 'init', '-q');
    write('.pre-commit-config.yaml', 'repos:\n  - repo: local\n    hooks: []\n');
    write('.github/workflows/ci.yml', 'on: push\n');
    write('mkdocs.yml', 'site_name: x\n');
    write('specs/demo.yaml', BASE);
    git(work, 'add', '-A');
    git(work, '-c', 'user.email=t@example.org', '-c', 'user.name=t', 'commit', '-q', '-m', 'specs');
    expect(await kspec(work, 'diff')).toEqual({ code: 0, stdout: 'specs/demo.yaml (demo): unchanged\n', stderr: '' });
    write('specs/demo.yaml', BASE.replace('name: demo', 'name: demo2'));
    const r = await kspec(work, 'diff', '--verbose');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toBe([
      'kspec: skipped .git/: hidden folders are not searched',
      'kspec: skipped .github/: hidden folders are not searched',
      'kspec: skipped .pre-commit-config.yaml: no apiVersion (a spec has apiVersion: kspec.dev/v1alpha1)',
      'kspec: skipped mkdocs.yml: no apiVersion (a spec has apiVersion: kspec.dev/v1alpha1)',
      '',
    ].join('\n'));
  });

  it('a folder with no spec is a usage error that says how to see why', async () => {
    write('ci.yaml', 'on: push\n');
    expect(await kspec(work, 'validate', '.')).toEqual({
      code: 2,
      stdout: '',
      stderr: 'kspec: no specs (YAML with apiVersion: kspec.dev/v1alpha1 and kind: KernelSpec) in . (1 skipped: --verbose lists them)\n',
    });
  });
});
