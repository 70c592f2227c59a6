/**
 * krata: the generated files. Every script passes bash -n (and shellcheck in the deep run:
 * SHELLCHECK_VARIANTS in test/helpers.ts), the Containerfile
 * parses with dockerfile-ast, and package.sh runs in a fake kernel tree (a stand-in
 * mksquashfs on PATH) to show the behaviours: the four /kernel files, the metadata, the
 * dropped build link, and the failures (size limit, missing option, wrong image format).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DockerfileParser } from 'dockerfile-ast';
import { beforeAll, describe, expect, it } from 'vitest';
import { KRATA } from '../../../../test/fixtures.js';
import { andShellcheck, bashSyntax, compileText, lazily, SHELLCHECK_VARIANTS, shellcheckAll, tempDir } from '../../../../test/helpers.js';


async function files(yaml: string): Promise<Map<string, string>> {
  const r = await compileText(yaml);
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return new Map(r.files.map((f) => [f.path, f.content]));
}

const MULTI = KRATA.replace('arch: [x86_64]', 'arch: [x86_64, aarch64]').replace('build/arch/x86/boot/bzImage', 'build/kernel');
const HOST = KRATA.replace('scope: zone', 'scope: host');
// A tag may start with '_' (OCI); the tags only reach a comment line as prose.
const TAGS = `${KRATA}  tags: [_nightly, v1]\n`;
const OCI = KRATA.replace(/provider:\n(  .*\n)+/, 'provider:\n  type: oci\n  kernel: {image: ghcr.io/edera-dev/zone-kernel:6.8.9}\n').replace('  image: ghcr.io/example/zone-kernel:6.8.9\n', '');

describe('krata outputs', () => {
  const HOST_MULTI = MULTI.replace('scope: zone', 'scope: host');
  const CMDLINE = OCI.replace('  arch: [x86_64]\n', '  arch: [x86_64]\n  cmdline: [quiet, loglevel=7]\n') + 'fallback: {kernel: system-default, via: default}\n';
  const variants = [['zone', KRATA], ['two arches', MULTI], ['host', HOST], ['host, two arches', HOST_MULTI], ['oci', OCI], ['oci with cmdline and fallback', CMDLINE], ['tags', TAGS]] as const;
  const scriptsOf = async (spec: string): Promise<Array<[string, string]>> => [...(await files(spec))].filter(([p]) => p.endsWith('.sh'));
  // One shellcheck run over every variant's scripts (a script several variants render alike is checked once).
  const findings = lazily(async () => shellcheckAll((await Promise.all(variants.map(async ([name, spec]) => (await scriptsOf(spec)).map(([p, text]) => [`${name}/${p}`, text] as const)))).flat()));
  // The whole run before the variants' tests: it takes a while on a loaded machine.
  beforeAll(async () => {
    if (SHELLCHECK_VARIANTS) await findings();
  }, 300_000);
  for (const [name, spec] of variants) {
    it(`${name}: scripts pass bash -n${andShellcheck}`, async () => {
      const scripts = await scriptsOf(spec);
      expect(scripts.length).toBeGreaterThan(0);
      for (const [p, text] of scripts) {
        expect(bashSyntax(text), p).toBe('');
        if (SHELLCHECK_VARIANTS) expect((await findings()).get(`${name}/${p}`), p).toBe('');
      }
    });
  }

  it('the Containerfile: a native packaging stage, then FROM scratch with /kernel', async () => {
    const cf = (await files(KRATA)).get('Containerfile')!;
    const ins = DockerfileParser.parse(cf).getInstructions();
    const froms = ins.filter((i) => i.getKeyword() === 'FROM').map((i) => i.getArgumentsContent());
    expect(froms).toEqual(['docker.io/library/debian:bookworm-slim AS package', 'scratch']);
    expect(ins.at(-1)!.getKeyword()).toBe('COPY');
  });

  it("build.sh holds the spec's arches and tags (run.test.ts runs it: pushes by digest, annotated index)", async () => {
    const b = (await files(MULTI)).get('build.sh')!;
    expect(b).toContain("['aarch64']='linux/arm64'");
    expect(b).toContain("TAGS=('6.8.9')");
  });

  it('two arches: one fragment per arch, the arm64 one without the x86-only options', async () => {
    const f = await files(MULTI);
    expect([...f.keys()].filter((p) => p.endsWith('.config'))).toEqual(['required-aarch64.config', 'required-x86_64.config']);
    expect(f.get('required-aarch64.config')).not.toContain('CONFIG_XEN_PV=y');
    expect(f.get('required-x86_64.config')).toContain('CONFIG_XEN_PV=y');
    // files that do not differ per arch are emitted once
    expect([...f.keys()].filter((p) => p.includes('Containerfile'))).toEqual(['Containerfile']);
  });

  it('the host fragment is the zone set plus the dom0 set', async () => {
    const f = (await files(HOST)).get('required.config')!;
    expect(f).toContain('CONFIG_XEN_PVH=y');
    expect(f).toContain('CONFIG_XEN_DOM0=y');
    expect(f).toContain('CONFIG_TCG_XEN=m');
    expect(f).toContain('CONFIG_SCHED_BORE=y');
  });
});

describe('package.sh in a fake kernel tree', () => {
  const STUB = `#!/usr/bin/env bash
# stand-in mksquashfs: records the tree, writes FAKE_SIZE bytes
set -euo pipefail
[[ "$3" == -all-root && $# == 3 ]] || { echo "unexpected flags: $*" >&2; exit 9; }
(cd "$1" && find . | LC_ALL=C sort) >"$STUB_LOG"
truncate -s "\${FAKE_SIZE:-4096}" "$2"
`;

  const STRIP = `#!/usr/bin/env bash
# stand-in strip: records what it strips
set -euo pipefail
[[ "$1" == --strip-debug && "$2" == -- ]] || { echo "unexpected strip flags: $*" >&2; exit 9; }
printf '%s\\n' "\${3##*/}" >>"$STRIP_LOG"
`;

  /** A bzImage: "HdrS" at 0x202, and the setup header's kernel_version (0x20e) pointing at the version string. */
  function bzImage(version: string | null): Buffer {
    const img = Buffer.alloc(1024);
    img.write('HdrS', 0x202, 'latin1');
    if (version !== null) {
      img.writeUInt16LE(0x100, 0x20e);
      img.write(`${version} (builder@host) #1 SMP PREEMPT_DYNAMIC\0`, 0x300, 'latin1');
    }
    return img;
  }

  async function setup(opts: { config?: (c: string) => string; image?: Buffer; release?: string } = {}) {
    const dir = tempDir('kspec-krata-');
    const ctx = path.join(dir, 'ctx');
    const tree = path.join(dir, 'tree');
    const bin = path.join(dir, 'bin');
    mkdirSync(ctx);
    mkdirSync(bin);
    const out = await files(KRATA);
    for (const [p, text] of out) writeFileSync(path.join(ctx, p), text, { mode: p.endsWith('.sh') ? 0o755 : 0o644 });
    writeFileSync(path.join(bin, 'mksquashfs'), STUB);
    chmodSync(path.join(bin, 'mksquashfs'), 0o755);
    writeFileSync(path.join(bin, 'strip'), STRIP);
    chmodSync(path.join(bin, 'strip'), 0o755);
    mkdirSync(path.join(tree, 'build/arch/x86/boot'), { recursive: true });
    writeFileSync(path.join(tree, 'build/arch/x86/boot/bzImage'), opts.image ?? bzImage('6.8.9-kz'));
    const config = out.get('required.config')!.split('\n').filter((l) => l.startsWith('CONFIG_')).join('\n') + '\n';
    writeFileSync(path.join(tree, 'build/.config'), (opts.config ?? ((c) => c))(config));
    const rel = path.join(tree, 'build/modules/lib/modules', opts.release ?? '6.8.9-kz');
    mkdirSync(path.join(rel, 'kernel'), { recursive: true });
    writeFileSync(path.join(rel, 'modules.dep'), '');
    writeFileSync(path.join(rel, 'kernel/xen-fbfront.ko'), 'ELF\n');
    writeFileSync(path.join(rel, 'kernel/zstd.ko.zst'), 'compressed\n');
    writeFileSync(path.join(rel, 'kernel/signed.ko'), 'ELF\n~Module signature appended~\n');
    symlinkSync('/usr/src/linux-6.8.9', path.join(rel, 'build'));
    return { dir, ctx, tree, bin, config };
  }

  function run(s: { dir: string; ctx: string; tree: string; bin: string }, env: Record<string, string> = {}) {
    const outDir = path.join(s.dir, 'out');
    const r = spawnSync('bash', [path.join(s.ctx, 'package.sh'), 'x86_64', s.tree, outDir], {
      encoding: 'utf8',
      env: { ...process.env, PATH: `${s.bin}:${process.env.PATH}`, STUB_LOG: path.join(s.dir, 'squash.list'), STRIP_LOG: path.join(s.dir, 'strip.log'), ...env },
    });
    return { ...r, outDir };
  }

  it('writes exactly the four /kernel files, the metadata with KERNEL_UNAME_R, and drops the build link', async () => {
    const s = await setup();
    const r = run(s);
    expect(r.stderr).toContain('packaged 6.8.9 (6.8.9-kz, zone)');
    expect(r.status).toBe(0);
    expect(readdirSync(r.outDir).sort()).toEqual(['addons.squashfs', 'config.gz', 'image', 'metadata']);
    const sha = createHash('sha256').update(s.config).digest('hex');
    expect(readFileSync(path.join(r.outDir, 'metadata'), 'utf8')).toBe(
      `KERNEL_ARCH=x86_64\nKERNEL_VERSION=6.8.9\nKERNEL_UNAME_R=6.8.9-kz\nKERNEL_FLAVOR=zone\nKERNEL_CONFIG=sha256:${sha}\nKERNEL_TAGS=6.8.9\n`,
    );
    expect(gunzipSync(readFileSync(path.join(r.outDir, 'config.gz'))).toString()).toBe(s.config);
    const list = readFileSync(path.join(s.dir, 'squash.list'), 'utf8').split('\n');
    expect(list).toContain('./modules/modules.dep');
    expect(list).toContain('./modules/kernel/xen-fbfront.ko');
    expect(list).not.toContain('./modules/build');
  });

  it('strips the modules of debug information as INSTALL_MOD_STRIP=1 does, keeping compressed and signed ones as built', async () => {
    const s = await setup();
    const r = run(s);
    expect(r.status).toBe(0);
    expect(readFileSync(path.join(s.dir, 'strip.log'), 'utf8')).toBe('xen-fbfront.ko\n');
    expect(r.stderr).toContain('modules: 1 stripped of debug information, 2 compressed or signed kept as built');
  });

  it('fails when strip fails', async () => {
    const s = await setup();
    writeFileSync(path.join(s.bin, 'strip'), '#!/bin/sh\necho "strip: file format not recognized" >&2\nexit 1\n');
    const r = run(s);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('strip --strip-debug failed on modules/kernel/xen-fbfront.ko');
  });

  it('refuses modules of another release than the kernel image, and an image of another kernel.version', async () => {
    const mods = run(await setup({ release: '6.8.9-other' }));
    expect(mods.status).not.toBe(0);
    expect(mods.stderr).toContain('the modules are for 6.8.9-other, the kernel image is 6.8.9-kz');
    const img = run(await setup({ image: bzImage('6.9.1-kz') }));
    expect(img.status).not.toBe(0);
    expect(img.stderr).toContain('is release 6.9.1-kz, not kernel.version 6.8.9');
    const none = run(await setup({ image: bzImage(null) }));
    expect(none.status).not.toBe(0);
    expect(none.stderr).toContain('carries no kernel version string');
  });

  it('fails the build when addons.squashfs is over the zone limit', async () => {
    // linux-kernel-oci's limit, exactly: 52,428,800 bytes pass, one more fails
    expect(run(await setup(), { FAKE_SIZE: '52428800' }).status).toBe(0);
    const r = run(await setup(), { FAKE_SIZE: '52428801' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('over the 50 MiB (52428800 bytes) limit of linux-kernel-oci for a zone kernel');
  });

  it('fails when the final .config lost a required option', async () => {
    const r = run(await setup({ config: (c) => c.replace('CONFIG_XEN_PVH=y', '# CONFIG_XEN_PVH is not set') }));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('CONFIG_XEN_PVH=y (the config has it unset)');
  });

  it('refuses a kernel image that is not a bzImage on x86_64', async () => {
    const r = run(await setup({ image: Buffer.alloc(1024) }));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('is not a bzImage');
  });
});
