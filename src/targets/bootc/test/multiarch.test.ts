/**
 * bootc with several arches: what the planned files say for kernel.arch [x86_64, aarch64]
 * (lint, labels, the per-arch release), and verify-image.sh --arch and verify-arches.sh run
 * for real in a fake root with shims for uname, lsinitrd, rpm, skopeo and podman.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderFile } from '../../../render.js';
import { bootc } from '../../../targets/bootc/index.js';
import { bootcView, releaseArch } from '../../../targets/bootc/view.js';
import { bootcSpec, type BootcSpec } from './fixtures.js';
import { BOOTC } from '../diagnostics.js';
import { BASE } from '../../../../test/fixtures.js';
import { andShellcheck, bashSyntax, compileText, lazily, ROOT, SHELLCHECK_VARIANTS, shellcheckAll, tempDir } from '../../../../test/helpers.js';

const HEADER = { specPath: 'spec.yaml', command: 'kspec compile spec.yaml -o out' };
const CTX = { specPath: 'spec.yaml', specDir: join(ROOT, 'specs') };
const STEM = '7.0.8-cachyos1.fc44';
const both = (over: Parameters<typeof bootcSpec>[0] = {}): BootcSpec =>
  bootcSpec({ ...over, kernel: { arch: ['x86_64', 'aarch64'], ...over.kernel } });

function renderAll(spec: BootcSpec): Map<string, string> {
  const files = new Map<string, string>();
  for (const f of bootc.plan(spec, CTX)) files.set(f.path, renderFile(f, HEADER).content);
  return files;
}
/** Lines that are not comments: assertions about commands must not match prose. */
const code = (s: string): string => s.split('\n').filter((l) => !/^\s*#/.test(l)).join('\n');
const labels = (containerfile: string): string[] =>
  DockerfileParser.parse(containerfile)
    .getInstructions()
    .filter((i) => i.getKeyword() === 'LABEL')
    .map((i) => i.getArgumentsContent() ?? '');

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const VARIANTS: Record<string, BootcSpec> = {
  'version with arch suffix': both({ kernel: { version: `${STEM}.x86_64` } }),
  'version with the other arch suffix': both({ kernel: { version: `${STEM}.aarch64` } }),
  'version without suffix': both({ kernel: { version: '6.8.9', package: undefined } }),
  // '~' is valid in an RPM version; the stem only reaches a comment line as prose
  'version with a tilde': both({ kernel: { version: '7.0.8~rc1.fc44.x86_64' } }),
  'no version': both(),
  'no target.image, unsigned': both({ target: { image: undefined }, signing: undefined }),
};

const scriptsOf = (files: Map<string, string>): string[] => [...files.keys()].filter((p) => p.endsWith('.sh')).sort();

describe('bootc multi-arch render', () => {
  // One shellcheck run over every variant's scripts (a script several variants render alike is checked once).
  const findings = lazily(() =>
    shellcheckAll(Object.entries(VARIANTS).flatMap(([name, spec]) => {
      const files = renderAll(spec);
      return scriptsOf(files).map((s) => [`${name}/${s}`, files.get(s)!] as const);
    })),
  );
  // The whole run before the variants' tests: it takes a while on a loaded machine.
  beforeAll(async () => {
    if (SHELLCHECK_VARIANTS) await findings();
  }, 300_000);
  for (const [name, spec] of Object.entries(VARIANTS)) {
    it(`${name}: every script passes bash -n${andShellcheck}, the Containerfile parses`, () => {
      const files = renderAll(spec);
      const scripts = scriptsOf(files);
      expect(scripts).toEqual(['boot-test.sh', 'install.sh', 'promote.sh', 'relabel.sh', 'verify-and-record.sh', 'verify-arches.sh', 'verify-image.sh']);
      for (const s of scripts) {
        expect(bashSyntax(files.get(s)!), `bash -n ${s}`).toBe('');
        if (SHELLCHECK_VARIANTS) expect(findings().get(`${name}/${s}`), `shellcheck ${s}`).toBe('');
      }
      const cf = files.get('Containerfile')!;
      expect(DockerfileParser.parse(cf).getInstructions().map((i) => i.getKeyword())[0]).toBe('FROM');
      // one multi-arch build command, and the caches taken one build at a time
      expect(cf).toContain('#   podman build --platform linux/amd64,linux/arm64 --manifest ');
      expect(code(cf)).toContain('--mount=type=cache,dst=/var/cache,sharing=locked');
    });
  }

  it('a release naming the arch: install.sh expects <stem>.$(uname -m), and no ostree.linux LABEL', () => {
    for (const suffix of ['x86_64', 'aarch64']) {
      const spec = both({ kernel: { version: `${STEM}.${suffix}` } });
      const view = bootcView(spec);
      expect(view.kver).toBeNull();
      expect(view.kverStem).toBe(STEM);
      const files = renderAll(spec);
      expect(code(files.get('install.sh')!)).toContain(`KVER='${STEM}'".$build_arch"`);
      expect(code(files.get('install.sh')!)).toContain(`'x86_64'|'aarch64') ;;`);
      expect(files.get('install.sh')!).not.toContain(`${STEM}.${suffix}`);
      expect(labels(files.get('Containerfile')!).filter((l) => l.startsWith('ostree.linux'))).toEqual([]);
      expect(files.get('Containerfile')!).toContain('run ./relabel.sh on the\n# built manifest list');
    }
  });

  it('a release without an arch is the same on every arch: one LABEL, no uname', () => {
    const files = renderAll(VARIANTS['version without suffix']!);
    expect(labels(files.get('Containerfile')!)).toContain('ostree.linux="6.8.9"');
    expect(code(files.get('install.sh')!)).toContain("KVER='6.8.9'");
    expect(code(files.get('install.sh')!)).not.toContain('uname');
  });

  it('one arch keeps the single-image files: no verify-arches.sh, no manifest list', () => {
    const single = renderAll(bootcSpec({ kernel: { version: `${STEM}.x86_64` } }));
    expect([...single.keys()]).not.toContain('verify-arches.sh');
    expect(labels(single.get('Containerfile')!)).toContain(`ostree.linux="${STEM}.x86_64"`);
    expect(single.get('relabel.sh')!).not.toContain('manifest');
    expect(code(single.get('Containerfile')!)).not.toContain('sharing=locked');
  });

  it('relabel.sh relabels each arch image of the manifest list; verify-arches.sh comes with it', () => {
    const files = renderAll(VARIANTS['version with arch suffix']!);
    const relabel = code(files.get('relabel.sh')!);
    expect(relabel).toContain("ARCHES=('x86_64' 'aarch64')");
    expect(relabel).toContain("GOARCHES=('amd64' 'arm64')");
    expect(relabel).toContain('podman run --rm --platform "$platform" --entrypoint ls "$IMAGE" /usr/lib/modules');
    expect(relabel).toContain('buildah from --pull=never --platform "$platform" "$IMAGE"');
    expect(relabel).toContain('podman manifest create "$IMAGE" "${images[@]}"');
    // verify-arches.sh runs below, in a fake root
    expect(files.has('verify-arches.sh')).toBe(true);
  });

  it('releaseArch reads only RPM arch suffixes', () => {
    expect(releaseArch(`${STEM}.x86_64`)).toBe('x86_64');
    expect(releaseArch(`${STEM}.aarch64`)).toBe('aarch64');
    expect(releaseArch('6.5.0-1.el9.ppc64le')).toBe('ppc64le');
    expect(releaseArch('6.8.9')).toBeUndefined();
    expect(releaseArch('6.1.0-18-amd64')).toBeUndefined();
  });
});

// ---- running the scripts -------------------------------------------------------------------

function write(path: string, content: string, mode = 0o644): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  chmodSync(path, mode);
}

const SHIMS: Record<string, string> = {
  uname: `[[ "$1" == -m ]] && printf '%s\\n' "$SHIM_MACHINE"`,
  rpm: 'exit 1',
  lsinitrd: `if [[ $1 == -m ]]; then printf 'dracut modules:\\nsystemd\\nostree\\n'; exit 0; fi
printf 'usr/lib/modules/k/kernel/x/%s\\n' dm-crypt.ko.xz dm-mod.ko btrfs.ko.zst virtio_blk.ko.gz`,
  // the labels of each arch's image, from $SHIM_LABELS ("amd64=<label> arm64=<label>")
  skopeo: `printf '%s\\n' "$*" >>"$SHIM_LOG.skopeo"
for a in "$@"; do prev=\${cur:-}; cur=$a; [[ $prev == --override-arch ]] && goarch=$a; done
for kv in $SHIM_LABELS; do [[ \${kv%%=*} == "$goarch" ]] && printf '%s\\n' "\${kv#*=}"; done
exit 0`,
  // runs /v.sh (the mounted verify-image.sh) as the image of that platform would
  podman: `printf '%s\\n' "$*" >>"$SHIM_LOG.podman"
args=("$@"); src=""; platform=""
for (( i = 0; i < \${#args[@]}; i++ )); do
  case \${args[i]} in -v) src=\${args[i + 1]%%:*} ;; --platform) platform=\${args[i + 1]} ;; /v.sh) break ;; esac
done
case $platform in linux/amd64) m=x86_64 ;; linux/arm64) m=aarch64 ;; esac
SHIM_MACHINE=$m KSPEC_ROOT="$KSPEC_ROOT_PREFIX-$m" exec bash "$src" "\${args[@]:i+1}"`,
};

interface Box {
  dir: string;
  bin: string;
  env: NodeJS.ProcessEnv;
}

/** A fake image root at `root` holding one kernel `kver` with a generic-sized initramfs. */
function fakeImage(root: string, kver: string): void {
  const k = join(root, 'usr/lib/modules', kver);
  write(join(k, 'vmlinuz'), 'kernel\n');
  write(join(k, 'initramfs.img'), '');
  truncateSync(join(k, 'initramfs.img'), 51 * 1024 * 1024); // sparse: size without the bytes
  mkdirSync(join(root, 'boot'), { recursive: true });
  mkdirSync(join(root, 'tmp'), { recursive: true });
  chmodSync(join(root, 'tmp'), 0o1777); // what the Containerfile's last RUN leaves
}

function setup(spec: BootcSpec): Box {
  const dir = tempDir('kspec-bootc-multi-');
  dirs.push(dir);
  const bin = join(dir, 'bin');
  for (const f of bootc.plan(spec, CTX)) {
    const r = renderFile(f, HEADER);
    write(join(dir, 'ctx', r.path), r.content, r.mode);
  }
  for (const [name, body] of Object.entries(SHIMS)) write(join(bin, name), `#!/bin/bash\nset -euo pipefail\n${body}\n`, 0o755);
  return { dir, bin, env: { PATH: `${bin}:${process.env.PATH}`, HOME: dir, LC_ALL: 'C', SHIM_LOG: join(dir, 'calls') } };
}

function run(box: Box, script: string, args: string[], env: NodeJS.ProcessEnv): { status: number | null; out: string } {
  const r = spawnSync('bash', [join(box.dir, 'ctx', script), ...args], { env: { ...box.env, ...env }, encoding: 'utf8', cwd: box.dir, timeout: 60_000 });
  if (r.error) throw r.error;
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const SPEC = both({ kernel: { version: `${STEM}.x86_64` }, signing: undefined, modules: [] });

describe('verify-image.sh --arch in a fake root', () => {
  it('passes when uname -m and the release suffix agree with --arch', () => {
    const box = setup(SPEC);
    const root = join(box.dir, 'root');
    fakeImage(root, `${STEM}.aarch64`);
    const r = run(box, 'verify-image.sh', ['--label', `${STEM}.aarch64`, '--arch', 'aarch64'], { KSPEC_ROOT: root, SHIM_MACHINE: 'aarch64' });
    expect(r.out).toContain('ok    uname -m is aarch64');
    expect(r.out).toContain(`ok    kernel ${STEM}.aarch64 is built for aarch64`);
    expect(r.out).toContain('all checks passed');
    expect(r.status, r.out).toBe(0);
  });

  it('fails when the image is of another arch, by uname -m and by the release suffix', () => {
    const box = setup(SPEC);
    const root = join(box.dir, 'root');
    fakeImage(root, `${STEM}.x86_64`);
    const r = run(box, 'verify-image.sh', ['--label', `${STEM}.x86_64`, '--arch', 'aarch64'], { KSPEC_ROOT: root, SHIM_MACHINE: 'x86_64' });
    expect(r.out).toContain("FAIL  uname -m is 'x86_64', not aarch64");
    expect(r.out).toContain(`FAIL  kernel ${STEM}.x86_64 is built for x86_64, not aarch64`);
    expect(r.out).toContain('2 check(s) failed');
    expect(r.status).toBe(1);
  });

  it('a release without an arch suffix is checked by uname -m only', () => {
    const box = setup(SPEC);
    const root = join(box.dir, 'root');
    fakeImage(root, '6.8.9');
    const r = run(box, 'verify-image.sh', ['--label', '6.8.9', '--arch=x86_64'], { KSPEC_ROOT: root, SHIM_MACHINE: 'x86_64' });
    expect(r.out).not.toContain('is built for');
    expect(r.status, r.out).toBe(0);
  });

  it('refuses an --arch it does not know (exit 2)', () => {
    const box = setup(SPEC);
    const r = run(box, 'verify-image.sh', ['--label', 'x', '--arch', 'amd64'], { KSPEC_ROOT: join(box.dir, 'root'), SHIM_MACHINE: 'x86_64' });
    expect(r.out).toContain('--arch is x86_64 or aarch64, not: amd64');
    expect(r.status).toBe(2);
  });
});

describe('verify-arches.sh with skopeo and podman shims', () => {
  function twoArchBox(): Box {
    const box = setup(SPEC);
    fakeImage(join(box.dir, 'img-x86_64'), `${STEM}.x86_64`);
    fakeImage(join(box.dir, 'img-aarch64'), `${STEM}.aarch64`);
    box.env.KSPEC_ROOT_PREFIX = join(box.dir, 'img');
    return box;
  }

  it('runs verify-image.sh in each arch image with that arch label and --arch', () => {
    const box = twoArchBox();
    const r = run(box, 'verify-arches.sh', ['localhost/k:1'], { SHIM_LABELS: `amd64=${STEM}.x86_64 arm64=${STEM}.aarch64` });
    expect(r.out).toContain('verify-arches: every arch passed (x86_64 aarch64)');
    expect(r.status, r.out).toBe(0);
    const skopeo = readFileSync(join(box.dir, 'calls.skopeo'), 'utf8').trim().split('\n');
    expect(skopeo).toEqual([
      'inspect --override-os linux --override-arch amd64 --format {{index .Labels "ostree.linux"}} containers-storage:localhost/k:1',
      'inspect --override-os linux --override-arch arm64 --format {{index .Labels "ostree.linux"}} containers-storage:localhost/k:1',
    ]);
    const podman = readFileSync(join(box.dir, 'calls.podman'), 'utf8').trim().split('\n');
    expect(podman).toEqual([
      `run --rm --platform linux/amd64 -v ${box.dir}/ctx/verify-image.sh:/v.sh:ro,z localhost/k:1 /v.sh --label ${STEM}.x86_64 --arch x86_64`,
      `run --rm --platform linux/arm64 -v ${box.dir}/ctx/verify-image.sh:/v.sh:ro,z localhost/k:1 /v.sh --label ${STEM}.aarch64 --arch aarch64`,
    ]);
  });

  it('fails (exit 1) naming the arch whose image carries the other arch label', () => {
    const box = twoArchBox();
    const r = run(box, 'verify-arches.sh', ['localhost/k:1'], { SHIM_LABELS: `amd64=${STEM}.x86_64 arm64=${STEM}.x86_64` });
    expect(r.out).toContain(`ostree.linux label is '${STEM}.x86_64' but the installed kernel is '${STEM}.aarch64'`);
    expect(r.out).toContain('verify-arches: failed for aarch64');
    expect(r.status).toBe(1);
  });
});

describe('bootc multi-arch checks', () => {
  it('a release suffixed with a listed arch is accepted with several arches', async () => {
    const yaml = BASE.replace('  arch: [x86_64]', '  version: 7.0.8-cachyos1.fc44.aarch64\n  arch: [x86_64, aarch64]');
    const r = await compileText(yaml);
    expect(r.diagnostics.filter((d) => d.code === BOOTC.BootcVersionArch.code || d.severity === 'error')).toEqual([]);
  });
});
