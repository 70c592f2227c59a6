/**
 * krata: launch.sh, install-system.sh and install-host.sh run for real in a fake root
 * (KSPEC_ROOT) with shims for crane, kratactl, unsquashfs, modinfo, uname, depmod, the
 * initramfs tools and grub-mkconfig/grub2-mkconfig, on a PATH that holds only the shims a
 * test asks for and the basic tools (so a missing tool is really missing). Each script is
 * shown succeeding and failing in each way its header documents.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, truncateSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KRATA } from '../../../../test/fixtures.js';
import { compileText, tempDir } from '../../../../test/helpers.js';
import { PRELUDE, shim, write } from '../../../../test/shims.js';

const BASIC = ['bash', 'env', 'sed', 'sort', 'mktemp', 'rm', 'mkdir', 'cat', 'dd', 'od', 'tr', 'stat', 'chmod', 'ln', 'mv', 'install', 'tar', 'sync', 'grep', 'gzip', 'dirname', 'cp', 'find', 'tail', 'head', 'basename', 'ls', 'touch', 'jq'];
const REAL = new Map(
  spawnSync('bash', ['-c', 'for t in "$@"; do printf "%s %s\\n" "$t" "$(command -v "$t")"; done', '_', ...BASIC], { encoding: 'utf8' })
    .stdout.trim()
    .split('\n')
    .map((l) => l.split(' ') as [string, string]),
);

const SHIMS: Record<string, string> = {
  crane: shim`
[[ $1 == export && $2 == --platform && $5 == - ]] || { echo "crane shim: unexpected $*" >&2; exit 2; }
f="$S/images/\${4//[\/:@]/_}.tar"
[[ -f "$f" ]] || { echo "GET https://registry/v2/...: MANIFEST_UNKNOWN: manifest unknown ($4)" >&2; exit 1; }
cat "$f"
`,
  kratactl: '',
  uname: shim`
[[ $1 == -m ]] && echo "\${SHIM_MACHINE:-x86_64}"
`,
  unsquashfs: shim`
if [[ $1 == -l ]]; then echo squashfs-root; sed 's|^|squashfs-root/|' "$2"; exit 0; fi
# a whole image (install-host.sh): the fake squashfs is a tar of the tree
if [[ $1 == -no-progress && $2 == -d && $# == 4 ]]; then mkdir -p "$3"; tar -x -C "$3" -f "$4" 2>/dev/null || { echo "FATAL ERROR: Can't find a valid SQUASHFS superblock on $4" >&2; exit 1; }; exit 0; fi
[[ $1 == -no-progress && $2 == -f && $3 == -d ]] || { echo "unsquashfs shim: unexpected $*" >&2; exit 2; }
grep -Fxq -- "$6" "$5" || { echo "unsquashfs: $6 not found" >&2; exit 1; }
mkdir -p "$4/\${6%/*}"
cat "$S/vermagic" >"$4/$6"
`,
  modinfo: shim`
[[ $1 == -F && $2 == vermagic ]] || exit 2
cat "$3"
`,
  depmod: shim`
[[ -f "$S/depmod-fail" ]] && { echo "depmod: ERROR: could not open directory" >&2; exit 1; }
exit 0
`,
  'update-initramfs': shim`
[[ $1 == -c && $2 == -k ]] || exit 2
touch "$KSPEC_ROOT/boot/initrd.img-$3"
`,
  dracut: shim`
[[ $1 == --force && $2 == --kver ]] || exit 2
touch "$4"
`,
  'grub-mkconfig': shim`
[[ -f "$S/grub-fail" ]] && { echo "grub-mkconfig: error: cannot find a GRUB drive" >&2; exit 1; }
[[ $1 == -o ]] || exit 2
mkdir -p "\${2%/*}"
echo menu >"$2"
`,
};
SHIMS['grub2-mkconfig'] = SHIMS['grub-mkconfig']!;
// docker buildx: `build` writes the metadata file BuildKit writes after a push (the digest
// from the platform, or none when SHIM_NO_DIGEST is set); `imagetools create` only logs.
SHIMS.docker = shim`
[[ $1 == buildx ]] || exit 2
if [[ $2 == build ]]; then
  platform='' meta=''
  while (($#)); do case $1 in --platform) platform=$2; shift ;; --metadata-file) meta=$2; shift ;; esac; shift; done
  [[ -n "\${SHIM_NO_DIGEST:-}" ]] && { echo '{}' >"$meta"; exit 0; }
  case $platform in */amd64) c=a ;; */arm64) c=b ;; *) c=f ;; esac
  d="$(printf '%064d' 0)"
  printf '{"containerimage.digest":"sha256:%s"}\n' "\${d//0/$c}" >"$meta"
fi
`;

interface KBox {
  dir: string;
  root: string;
  ctx: string;
  state: string;
  log: string;
  bin: string;
  env: NodeJS.ProcessEnv;
}

/** The spec's output in ctx/, a fake root, and a PATH of the basic tools plus `shims`. */
async function box(spec: string, shims: readonly string[]): Promise<KBox> {
  const r = await compileText(spec);
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const dir = tempDir('kspec-krata-run-');
  const root = path.join(dir, 'root');
  const ctx = path.join(dir, 'ctx');
  const bin = path.join(dir, 'bin');
  const state = path.join(root, '.shim');
  const log = path.join(dir, 'calls.log');
  for (const f of r.files) write(path.join(ctx, f.path), f.content, f.mode ?? 0o644);
  mkdirSync(bin, { recursive: true });
  for (const [t, p] of REAL) symlinkSync(p, path.join(bin, t));
  for (const s of shims) write(path.join(bin, s), PRELUDE + SHIMS[s]!, 0o755);
  mkdirSync(state, { recursive: true });
  write(log, '');
  return { dir, root, ctx, state, log, bin, env: { PATH: bin, HOME: dir, LC_ALL: 'C', KSPEC_ROOT: root, SHIM_LOG: log } };
}

function run(b: KBox, script: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): { status: number | null; out: string } {
  const r = spawnSync(path.join(b.bin, 'bash'), [path.join(b.ctx, script), ...args], { env: { ...b.env, ...env }, encoding: 'utf8', cwd: b.dir, timeout: 60_000 });
  if (r.error) throw r.error;
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const calls = (b: KBox, tool: string): string[][] =>
  readFileSync(b.log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\x1f'))
    .filter((c) => c[0] === tool);
const read = (p: string): string => readFileSync(p, 'utf8');

/** A bzImage: "HdrS" at 0x202 and the setup header's kernel_version pointing at the version string. */
function bzImage(release: string | null, tag = ''): Buffer {
  const img = Buffer.alloc(1024);
  img.write('HdrS', 0x202, 'latin1');
  if (release !== null) {
    img.writeUInt16LE(0x100, 0x20e);
    img.write(`${release} (builder@host) #1 SMP ${tag}\0`, 0x300, 'latin1');
  }
  return img;
}

// ---- launch.sh -------------------------------------------------------------------------------

const OCI = `apiVersion: kspec.dev/v1alpha1
kind: KernelSpec
metadata:
  name: kz
kernel:
  version: 6.12.8
  cmdline: [loglevel=7, quiet]
provider:
  type: oci
  kernel: {image: ghcr.io/edera-dev/zone-kernel:6.12.8}
fallback: {kernel: system-default, via: default}
target:
  platform: krata
  scope: zone
`;
const ADDONS_LIST = 'modules\nmodules/modules.dep\nmodules/kernel/fs/9p/9p.ko.xz\nmodules/kernel/drivers/xen/xen-fbfront.ko\n';

describe('launch.sh', () => {
  async function launchBox(opts: { vermagic?: string; list?: string; where?: 'store' | 'share' | 'none'; tools?: readonly string[]; spec?: string } = {}) {
    const b = await box(opts.spec ?? OCI, opts.tools ?? ['kratactl', 'unsquashfs', 'modinfo']);
    const where = opts.where ?? 'store';
    if (where !== 'none') write(path.join(b.root, where === 'store' ? 'var/lib/krata/zone' : 'usr/share/krata/zone', 'addons.squashfs'), opts.list ?? ADDONS_LIST);
    write(path.join(b.state, 'vermagic'), `${opts.vermagic ?? '6.12.8-edera-zone SMP preempt mod_unload'}\n`);
    return b;
  }

  it('checks the system addons, then launches with -k and kernel.cmdline as --kernel-cmdline-append', async () => {
    const b = await launchBox();
    const r = run(b, 'launch.sh', ['--name', 'web', '-t', '--attach', 'docker.io/library/nginx:stable', 'nginx', '-g', 'daemon off;']);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain('/var/lib/krata/zone/addons.squashfs holds modules for 6.12.8-edera-zone, this kernel\'s release');
    expect(calls(b, 'kratactl')).toEqual([
      ['kratactl', 'zone', 'launch', '-k', 'ghcr.io/edera-dev/zone-kernel:6.12.8', '--kernel-cmdline-append', 'loglevel=7 quiet', '--name', 'web', '-t', '--attach', 'docker.io/library/nginx:stable', 'nginx', '-g', 'daemon off;'],
    ]);
    // the module whose vermagic was read: the first one in sorted order
    expect(calls(b, 'unsquashfs').at(-1)!.at(-1)).toBe('modules/kernel/drivers/xen/xen-fbfront.ko');
  });

  it("appends the user's own --kernel-cmdline-append after kernel.cmdline (kratactl takes one)", async () => {
    const b = await launchBox();
    const r = run(b, 'launch.sh', ['--kernel-cmdline-append', 'debug', '--kernel-cmdline-append=init_on_free=1', 'alpine:latest', '--kernel-cmdline-append', 'x']);
    expect(r.status, r.out).toBe(0);
    // after the zone image, arguments are the zone's command, left alone
    expect(calls(b, 'kratactl')[0]!.slice(3)).toEqual(['-k', 'ghcr.io/edera-dev/zone-kernel:6.12.8', '--kernel-cmdline-append', 'loglevel=7 quiet debug init_on_free=1', 'alpine:latest', '--kernel-cmdline-append', 'x']);
  });

  it('without kernel.cmdline there is no --kernel-cmdline-append of its own', async () => {
    const b = await launchBox({ spec: OCI.replace('  cmdline: [loglevel=7, quiet]\n', ''), vermagic: '6.12.8 SMP' });
    const r = run(b, 'launch.sh', ['--kernel-cmdline-append', 'debug', 'alpine:latest']);
    expect(r.status, r.out).toBe(0);
    expect(calls(b, 'kratactl')[0]!.slice(3)).toEqual(['-k', 'ghcr.io/edera-dev/zone-kernel:6.12.8', '--kernel-cmdline-append', 'debug', 'alpine:latest']);
  });

  it('refuses when the system addons are for another release (krata -k replaces only the kernel image)', async () => {
    const b = await launchBox({ vermagic: '6.1.0-edera SMP mod_unload' });
    const r = run(b, 'launch.sh', ['alpine:latest']);
    expect(r.status).toBe(1);
    expect(r.out).toContain('holds modules for 6.1.0-edera, this kernel is 6.12.8');
    expect(r.out).toContain('./install-system.sh');
    expect(calls(b, 'kratactl')).toEqual([]);
    // --skip-release-check launches anyway, without reading the addons
    const s = run(b, 'launch.sh', ['--skip-release-check', 'alpine:latest']);
    expect(s.status, s.out).toBe(0);
    expect(calls(b, 'kratactl')).toHaveLength(1);
  });

  it('reads the addons kratad falls back to, /usr/share/krata/zone, when the store has none', async () => {
    const b = await launchBox({ where: 'share', vermagic: '6.1.0 SMP' });
    const r = run(b, 'launch.sh', ['alpine:latest']);
    expect(r.status).toBe(1);
    expect(r.out).toContain('/usr/share/krata/zone/addons.squashfs holds modules for 6.1.0');
  });

  it('KRATA_STORE names kratad\'s --store', async () => {
    const b = await launchBox({ where: 'none' });
    write(path.join(b.root, 'srv/krata/zone/addons.squashfs'), ADDONS_LIST);
    write(path.join(b.state, 'vermagic'), '6.0.1 SMP\n');
    const r = run(b, 'launch.sh', ['alpine:latest'], { KRATA_STORE: '/srv/krata' });
    expect(r.status).toBe(1);
    expect(r.out).toContain('/srv/krata/zone/addons.squashfs holds modules for 6.0.1');
  });

  it('says why it cannot check, and launches: no unsquashfs, no modinfo, no addons, no vermagic', async () => {
    for (const [opts, why] of [
      [{ tools: ['kratactl', 'modinfo'] }, 'unsquashfs (squashfs-tools) is not installed'],
      [{ tools: ['kratactl', 'unsquashfs'] }, 'modinfo (kmod) is not installed'],
      [{ where: 'none' as const }, 'no system-wide addons.squashfs in /var/lib/krata/zone or /usr/share/krata/zone'],
      [{ vermagic: '' }, 'no vermagic in modules/kernel/drivers/xen/xen-fbfront.ko'],
    ] as const) {
      const b = await launchBox(opts);
      const r = run(b, 'launch.sh', ['alpine:latest']);
      expect(r.status, r.out).toBe(0);
      expect(r.out).toContain(why);
      expect(calls(b, 'kratactl')).toHaveLength(1);
    }
  });

  it('addons without modules: nothing to mismatch', async () => {
    const b = await launchBox({ list: 'modules\nmodules/modules.dep\n' });
    const r = run(b, 'launch.sh', ['alpine:latest']);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain('holds no modules: the zone gets none');
  });

  it('refuses a -k of the user (it passes its own), and needs a zone image', async () => {
    const b = await launchBox();
    for (const args of [['-k', 'other:1', 'alpine'], ['--kernel=other:1', 'alpine']]) {
      const r = run(b, 'launch.sh', args);
      expect(r.status).toBe(1);
      expect(r.out).toContain('launch.sh passes -k ghcr.io/edera-dev/zone-kernel:6.12.8 itself');
    }
    expect(run(b, 'launch.sh').status).toBe(2);
    const r = run(b, 'launch.sh', ['--name', 'web']);
    expect(r.status).toBe(1);
    expect(r.out).toContain('no zone image');
    expect(run(b, 'launch.sh', ['--name']).out).toContain('--name needs a value');
    expect(calls(b, 'kratactl')).toEqual([]);
  });
});

// ---- install-system.sh -------------------------------------------------------------------------

const ZONE = KRATA + 'fallback: {kernel: system-default, via: default}\n';
const IMAGE = 'ghcr.io/example/zone-kernel:6.8.9';

describe('install-system.sh', () => {
  /** Publishes an image for crane's shim: /kernel/{image,addons.squashfs,metadata} (+ config.gz). */
  function publish(b: KBox, ref: string, opts: { tag?: string; metadata?: string; image?: Buffer; omit?: string; link?: boolean; addonsSize?: number } = {}) {
    const src = path.join(b.dir, 'img', ref.replace(/[/:@]/g, '_'));
    const k = path.join(src, 'kernel');
    mkdirSync(k, { recursive: true });
    write(path.join(k, 'image'), (opts.image ?? bzImage('6.8.9-kz', opts.tag ?? 'new')) as unknown as string);
    write(path.join(k, 'addons.squashfs'), opts.addonsSize ? '' : `addons ${opts.tag ?? 'new'}\n`);
    // A big addons file is sparse, and archived as sparse (tar -S): its size is the point, 50 MiB
    // of bytes written, archived, piped and extracted again took seconds.
    if (opts.addonsSize) truncateSync(path.join(k, 'addons.squashfs'), opts.addonsSize);
    write(path.join(k, 'metadata'), opts.metadata ?? 'KERNEL_ARCH=x86_64\nKERNEL_VERSION=6.8.9\nKERNEL_UNAME_R=6.8.9-kz\nKERNEL_FLAVOR=zone\n');
    write(path.join(k, 'config.gz'), 'gz');
    if (opts.omit) spawnSync('rm', ['-f', path.join(k, opts.omit)]);
    if (opts.link) {
      spawnSync('rm', ['-f', path.join(k, 'image')]);
      symlinkSync('/etc/passwd', path.join(k, 'image'));
    }
    mkdirSync(path.join(b.state, 'images'), { recursive: true });
    const r = spawnSync('tar', ['-c', ...(opts.addonsSize ? ['-S'] : []), '-f', path.join(b.state, 'images', `${ref.replace(/[/:@]/g, '_')}.tar`), '-C', src, 'kernel']);
    expect(r.status).toBe(0);
  }
  const zoneDir = (b: KBox) => path.join(b.root, 'var/lib/krata/zone');
  const zoneFiles = (b: KBox) => readdirSync(zoneDir(b)).sort();

  it('installs the pair by rename, and says to restart kratad when the store had none before', async () => {
    const b = await box(ZONE, ['crane', 'uname']);
    publish(b, IMAGE);
    const r = run(b, 'install-system.sh');
    expect(r.status, r.out).toBe(0);
    expect(read(path.join(zoneDir(b), 'addons.squashfs'))).toBe('addons new\n');
    expect(readFileSync(path.join(zoneDir(b), 'kernel')).subarray(0x202, 0x206).toString()).toBe('HdrS');
    // nothing staged is left behind, and there was no pair to keep
    expect(zoneFiles(b)).toEqual(['addons.squashfs', 'kernel']);
    expect(r.out).toContain('installed ghcr.io/example/zone-kernel:6.8.9 (6.8.9, 6.8.9-kz, zone)');
    expect(r.out).toContain('there was no previous pair');
    expect(r.out).toContain('restart it (systemctl restart kratad)');
    expect(calls(b, 'crane')).toEqual([['crane', 'export', '--platform', 'linux/amd64', IMAGE, '-']]);
  });

  it('keeps the previous pair (fallback.via: default); --restore swaps it back, and again', async () => {
    const b = await box(ZONE, ['crane', 'uname']);
    write(path.join(zoneDir(b), 'kernel'), 'old kernel\n');
    write(path.join(zoneDir(b), 'addons.squashfs'), 'old addons\n');
    publish(b, 'ghcr.io/example/zone-kernel:next');
    const r = run(b, 'install-system.sh', ['ghcr.io/example/zone-kernel:next']);
    expect(r.status, r.out).toBe(0);
    expect(r.out).not.toContain('restart');
    expect(r.out).toContain('kept the previous pair');
    expect(zoneFiles(b)).toEqual(['addons.squashfs', 'addons.squashfs.kspec-previous', 'kernel', 'kernel.kspec-previous']);
    expect(read(path.join(zoneDir(b), 'kernel.kspec-previous'))).toBe('old kernel\n');
    expect(read(path.join(zoneDir(b), 'addons.squashfs.kspec-previous'))).toBe('old addons\n');
    expect(read(path.join(zoneDir(b), 'addons.squashfs'))).toBe('addons new\n');

    const back = run(b, 'install-system.sh', ['--restore']);
    expect(back.status, back.out).toBe(0);
    expect(read(path.join(zoneDir(b), 'kernel'))).toBe('old kernel\n');
    expect(read(path.join(zoneDir(b), 'addons.squashfs'))).toBe('old addons\n');
    expect(read(path.join(zoneDir(b), 'addons.squashfs.kspec-previous'))).toBe('addons new\n');
    expect(zoneFiles(b)).toEqual(['addons.squashfs', 'addons.squashfs.kspec-previous', 'kernel', 'kernel.kspec-previous']);
    expect(run(b, 'install-system.sh', ['--restore']).status).toBe(0);
    expect(read(path.join(zoneDir(b), 'addons.squashfs'))).toBe('addons new\n');
  });

  it('--restore without a previous pair fails and changes nothing', async () => {
    const b = await box(ZONE, ['crane', 'uname']);
    write(path.join(zoneDir(b), 'kernel'), 'k\n');
    write(path.join(zoneDir(b), 'addons.squashfs'), 'a\n');
    const r = run(b, 'install-system.sh', ['--restore']);
    expect(r.status).toBe(1);
    expect(r.out).toContain('no previous pair to restore');
    expect(zoneFiles(b)).toEqual(['addons.squashfs', 'kernel']);
  });

  it('without fallback.via: default the pair is replaced, not kept, and there is no --restore', async () => {
    const b = await box(KRATA, ['crane', 'uname']);
    write(path.join(zoneDir(b), 'kernel'), 'old kernel\n');
    write(path.join(zoneDir(b), 'addons.squashfs'), 'old addons\n');
    publish(b, IMAGE);
    const r = run(b, 'install-system.sh');
    expect(r.status, r.out).toBe(0);
    expect(zoneFiles(b)).toEqual(['addons.squashfs', 'kernel']);
    expect(read(path.join(zoneDir(b), 'addons.squashfs'))).toBe('addons new\n');
    const rr = run(b, 'install-system.sh', ['--restore']);
    expect(rr.status).toBe(1);
    expect(rr.out).toContain('not an image reference: --restore');
  });

  it('fails, changing nothing, on each documented problem', async () => {
    const cases: Array<[string, (b: KBox) => void, string[], NodeJS.ProcessEnv, string]> = [
      ['no image', () => {}, [], {}, 'could not read /kernel/image, /kernel/addons.squashfs and /kernel/metadata'],
      ['a file missing', (b) => publish(b, IMAGE, { omit: 'addons.squashfs' }), [], {}, 'could not read /kernel/image'],
      ['a symlink for the kernel', (b) => publish(b, IMAGE, { link: true }), [], {}, 'has no regular file /kernel/image'],
      ['another version', (b) => publish(b, IMAGE, { metadata: 'KERNEL_ARCH=x86_64\nKERNEL_VERSION=6.9.0\n' }), [], {}, 'is KERNEL_VERSION=6.9.0, this spec is 6.8.9'],
      ['another arch', (b) => publish(b, IMAGE, { metadata: 'KERNEL_ARCH=aarch64\nKERNEL_VERSION=6.8.9\n' }), [], {}, "metadata says KERNEL_ARCH=aarch64, this machine is x86_64"],
      ['not a bzImage', (b) => publish(b, IMAGE, { image: Buffer.alloc(1024) }), [], {}, 'is not a bzImage'],
      ['a machine the spec does not build', (b) => publish(b, IMAGE), [], { SHIM_MACHINE: 'aarch64' }, 'this spec builds x86_64 only, and this machine is aarch64'],
      ['an unknown machine', (b) => publish(b, IMAGE), [], { SHIM_MACHINE: 'riscv64' }, 'this machine is riscv64'],
      ['a bad reference', (b) => publish(b, IMAGE), ['$(reboot)'], {}, 'not an image reference: $(reboot)'],
    ];
    for (const [name, prep, args, env, msg] of cases) {
      const b = await box(ZONE, ['crane', 'uname']);
      write(path.join(zoneDir(b), 'kernel'), 'old kernel\n');
      write(path.join(zoneDir(b), 'addons.squashfs'), 'old addons\n');
      prep(b);
      const r = run(b, 'install-system.sh', args, env);
      expect(r.status, name).toBe(1);
      expect(r.out, name).toContain(msg);
      expect(zoneFiles(b), name).toEqual(['addons.squashfs', 'kernel']);
      expect(read(path.join(zoneDir(b), 'kernel')), name).toBe('old kernel\n');
    }
    const b = await box(ZONE, ['uname']);
    const r = run(b, 'install-system.sh');
    expect(r.status).toBe(1);
    expect(r.out).toContain('crane is needed');
  });

  it('notes addons over the zone limit (every zone maps them) but installs', async () => {
    const b = await box(ZONE, ['crane', 'uname']);
    publish(b, IMAGE, { addonsSize: 52_428_801 });
    const r = run(b, 'install-system.sh');
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain("addons.squashfs is 52428801 bytes, over linux-kernel-oci's 50 MiB zone limit");
    expect(statSync(path.join(zoneDir(b), 'addons.squashfs')).size).toBe(52_428_801);
  });
});

// ---- install-host.sh ---------------------------------------------------------------------------

const HOST = KRATA.replace('scope: zone', 'scope: host').replace('  image: ghcr.io/example/zone-kernel:6.8.9\n', '');
const HOST_TOOLS = ['uname', 'depmod', 'update-initramfs', 'grub-mkconfig'];

describe('install-host.sh', () => {
  async function hostBox(opts: { tools?: string[]; release?: string; modulesRelease?: string; config?: (c: string) => string; xen?: boolean } = {}) {
    const b = await box(HOST, opts.tools ?? HOST_TOOLS);
    const tree = path.join(b.dir, 'tree');
    write(path.join(tree, 'build/arch/x86/boot/bzImage'), bzImage(opts.release ?? '6.8.9-host') as unknown as string);
    const fragment = read(path.join(b.ctx, 'required.config'));
    const config = fragment.split('\n').filter((l) => l.startsWith('CONFIG_')).join('\n') + '\n';
    write(path.join(tree, 'build/.config'), (opts.config ?? ((c) => c))(config));
    const rel = path.join(tree, 'build/modules/lib/modules', opts.modulesRelease ?? opts.release ?? '6.8.9-host');
    write(path.join(rel, 'modules.dep'), 'kernel/drivers/xen/xen-blkback.ko:\n');
    write(path.join(rel, 'kernel/drivers/xen/xen-blkback.ko'), 'ELF\n');
    mkdirSync(path.join(b.root, 'boot'), { recursive: true });
    if (opts.xen !== false) write(path.join(b.root, 'boot/xen-4.19.gz'), 'xen\n');
    return { b, tree };
  }

  it('installs modules, kernel and config, builds the initramfs, checks /boot/config-<kver>, runs grub-mkconfig', async () => {
    const { b, tree } = await hostBox();
    // an older copy of the same release is replaced whole
    write(path.join(b.root, 'lib/modules/6.8.9-host/stale.ko'), 'old\n');
    const r = run(b, 'install-host.sh', [tree]);
    expect(r.status, r.out).toBe(0);
    expect(existsSync(path.join(b.root, 'lib/modules/6.8.9-host/kernel/drivers/xen/xen-blkback.ko'))).toBe(true);
    expect(existsSync(path.join(b.root, 'lib/modules/6.8.9-host/stale.ko'))).toBe(false);
    expect(readdirSync(path.join(b.root, 'lib/modules'))).toEqual(['6.8.9-host']);
    expect(read(path.join(b.root, 'boot/config-6.8.9-host'))).toBe(read(path.join(tree, 'build/.config')));
    expect(readFileSync(path.join(b.root, 'boot/vmlinuz-6.8.9-host'))).toEqual(readFileSync(path.join(tree, 'build/arch/x86/boot/bzImage')));
    expect(existsSync(path.join(b.root, 'boot/initrd.img-6.8.9-host'))).toBe(true);
    expect(calls(b, 'depmod')).toEqual([['depmod', '-a', '-b', b.root, '6.8.9-host']]);
    expect(calls(b, 'update-initramfs')).toEqual([['update-initramfs', '-c', '-k', '6.8.9-host']]);
    expect(calls(b, 'grub-mkconfig')).toEqual([['grub-mkconfig', '-o', path.join(b.root, 'boot/grub/grub.cfg')]]);
    expect(r.out).toContain('/boot/config-6.8.9-host has every option of required.config');
    expect(r.out).not.toContain('WARNING');
    // nothing staged is left behind
    expect(readdirSync(path.join(b.root, 'boot')).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('grub2-mkconfig (Fedora) writes /boot/grub2/grub.cfg; dracut builds the initramfs where update-initramfs is absent', async () => {
    const { b, tree } = await hostBox({ tools: ['uname', 'depmod', 'dracut', 'grub2-mkconfig'] });
    const r = run(b, 'install-host.sh', [tree]);
    expect(r.status, r.out).toBe(0);
    expect(calls(b, 'grub2-mkconfig')).toEqual([['grub2-mkconfig', '-o', path.join(b.root, 'boot/grub2/grub.cfg')]]);
    expect(calls(b, 'dracut')).toEqual([['dracut', '--force', '--kver', '6.8.9-host', path.join(b.root, 'boot/initramfs-6.8.9-host.img')]]);
    // GRUB_CFG overrides the menu file
    const { b: b2, tree: t2 } = await hostBox();
    expect(run(b2, 'install-host.sh', [t2], { GRUB_CFG: '/boot/efi/EFI/debian/grub.cfg' }).status).toBe(0);
    expect(calls(b2, 'grub-mkconfig')[0]!.at(-1)).toBe(path.join(b2.root, 'boot/efi/EFI/debian/grub.cfg'));
  });

  it('warns without an initramfs tool or a Xen hypervisor in /boot', async () => {
    const { b, tree } = await hostBox({ tools: ['uname', 'depmod', 'grub-mkconfig'], xen: false });
    const r = run(b, 'install-host.sh', [tree]);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain('neither update-initramfs nor dracut: no initramfs was built');
    expect(r.out).toContain('no Xen hypervisor in /boot');
  });

  it('fails before installing anything: a config without the host set, a release that is not kernel.version, modules of another release', async () => {
    const cases: Array<[Parameters<typeof hostBox>[0], string]> = [
      [{ config: (c) => c.replace('CONFIG_XEN_DOM0=y', '# CONFIG_XEN_DOM0 is not set') }, 'CONFIG_XEN_DOM0=y (the config has it unset)'],
      [{ release: '6.9.0-host' }, 'is release 6.9.0-host, not kernel.version 6.8.9'],
      [{ modulesRelease: '6.8.9-other' }, 'no lib/modules/6.8.9-host under build/modules'],
      [{ release: '' }, 'carries no kernel version string'],
    ];
    for (const [opts, msg] of cases) {
      const { b, tree } = await hostBox(opts);
      const r = run(b, 'install-host.sh', [tree]);
      expect(r.status, msg).toBe(1);
      expect(r.out, msg).toContain(msg);
      expect(existsSync(path.join(b.root, 'lib/modules')), msg).toBe(false);
      expect(readdirSync(path.join(b.root, 'boot')).filter((f) => !f.startsWith('xen')), msg).toEqual([]);
    }
  });

  it('fails when depmod or grub-mkconfig fails, or neither grub tool exists, saying what is installed', async () => {
    const d = await hostBox();
    write(path.join(d.b.state, 'depmod-fail'), '');
    const rd = run(d.b, 'install-host.sh', [d.tree]);
    expect(rd.status).toBe(1);
    expect(rd.out).toContain('depmod failed for 6.8.9-host');

    const g = await hostBox();
    write(path.join(g.b.state, 'grub-fail'), '');
    const rg = run(g.b, 'install-host.sh', [g.tree]);
    expect(rg.status).toBe(1);
    expect(rg.out).toContain('grub-mkconfig -o /boot/grub/grub.cfg failed: /boot/vmlinuz-6.8.9-host is installed, the boot menu is not updated');

    const n = await hostBox({ tools: ['uname', 'depmod', 'update-initramfs'] });
    const rn = run(n.b, 'install-host.sh', [n.tree]);
    expect(rn.status).toBe(1);
    expect(rn.out).toContain('neither grub-mkconfig nor grub2-mkconfig');
    expect(existsSync(path.join(n.b.root, 'boot/vmlinuz-6.8.9-host'))).toBe(true);
  });

  it('from a published host image (oci): the image\'s kernel, config.gz and the modules of its addons.squashfs', async () => {
    const spec = HOST.replace(/provider:\n(  .*\n)+/, 'provider:\n  type: oci\n  kernel: {image: ghcr.io/edera-dev/host-kernel:6.8.9}\n');
    const ref = 'ghcr.io/edera-dev/host-kernel:6.8.9';
    async function hostImage(opts: { release?: string; config?: (c: string) => string; noModules?: boolean; notSquashfs?: boolean } = {}) {
      const b = await box(spec, [...HOST_TOOLS, 'crane', 'unsquashfs']);
      const src = path.join(b.dir, 'img');
      const k = path.join(src, 'kernel');
      write(path.join(k, 'image'), bzImage(opts.release ?? '6.8.9-host') as unknown as string);
      const config = read(path.join(b.ctx, 'required.config')).split('\n').filter((l) => l.startsWith('CONFIG_')).join('\n') + '\n';
      write(path.join(b.dir, 'config'), (opts.config ?? ((c) => c))(config));
      spawnSync('bash', ['-c', 'gzip -9 -n -c "$1" >"$2"', '_', path.join(b.dir, 'config'), path.join(k, 'config.gz')]);
      const addons = path.join(b.dir, 'addons');
      if (!opts.noModules) {
        write(path.join(addons, 'modules/modules.dep'), 'kernel/drivers/xen/xen-blkback.ko:\n');
        write(path.join(addons, 'modules/kernel/drivers/xen/xen-blkback.ko'), 'ELF\n');
      } else write(path.join(addons, 'firmware/x'), 'fw\n');
      if (opts.notSquashfs) write(path.join(k, 'addons.squashfs'), 'garbage\n');
      else expect(spawnSync('tar', ['-c', '-f', path.join(k, 'addons.squashfs'), '-C', addons, '.']).status).toBe(0);
      mkdirSync(path.join(b.state, 'images'), { recursive: true });
      expect(spawnSync('tar', ['-c', '-f', path.join(b.state, 'images', `${ref.replace(/[/:@]/g, '_')}.tar`), '-C', src, 'kernel']).status).toBe(0);
      mkdirSync(path.join(b.root, 'boot'), { recursive: true });
      write(path.join(b.root, 'boot/xen-4.19.gz'), 'xen\n');
      return b;
    }
    const b = await hostImage();
    const r = run(b, 'install-host.sh');
    expect(r.status, r.out).toBe(0);
    expect(calls(b, 'crane')).toEqual([['crane', 'export', '--platform', 'linux/amd64', ref, '-']]);
    expect(read(path.join(b.root, 'lib/modules/6.8.9-host/kernel/drivers/xen/xen-blkback.ko'))).toBe('ELF\n');
    expect(read(path.join(b.root, 'boot/config-6.8.9-host'))).toBe(read(path.join(b.dir, 'config')));
    expect(existsSync(path.join(b.root, 'boot/vmlinuz-6.8.9-host'))).toBe(true);
    expect(calls(b, 'grub-mkconfig')).toHaveLength(1);

    for (const [opts, msg] of [
      [{ config: (c: string) => c.replace('CONFIG_XEN_DOM0=y', '# CONFIG_XEN_DOM0 is not set') }, 'CONFIG_XEN_DOM0=y (the config has it unset)'],
      [{ release: '6.9.0' }, '/kernel/image of ghcr.io/edera-dev/host-kernel:6.8.9 is release 6.9.0, not kernel.version 6.8.9'],
      [{ noModules: true }, 'has no modules/'],
      [{ notSquashfs: true }, 'unsquashfs could not read /kernel/addons.squashfs'],
    ] as const) {
      const f = await hostImage(opts);
      const rf = run(f, 'install-host.sh');
      expect(rf.status, msg).toBe(1);
      expect(rf.out, msg).toContain(msg);
      expect(existsSync(path.join(f.root, 'lib/modules')), msg).toBe(false);
    }
    const missing = await box(spec, [...HOST_TOOLS, 'crane', 'unsquashfs']);
    const rm = run(missing, 'install-host.sh');
    expect(rm.status).toBe(1);
    expect(rm.out).toContain('could not read /kernel/image, /kernel/addons.squashfs and /kernel/config.gz');
    const nounsq = await box(spec, [...HOST_TOOLS, 'crane']);
    expect(run(nounsq, 'install-host.sh').out).toContain('unsquashfs is needed');
  });

  it('refuses a machine the spec does not build, and a missing tree', async () => {
    const { b, tree } = await hostBox();
    const r = run(b, 'install-host.sh', [tree], { SHIM_MACHINE: 'aarch64' });
    expect(r.status).toBe(1);
    expect(r.out).toContain('this spec builds x86_64 only, and this machine is aarch64');
    const m = run(b, 'install-host.sh', [path.join(b.dir, 'nowhere')]);
    expect(m.status).toBe(1);
    expect(m.out).toContain('no kernel build tree at');
    expect(calls(b, 'depmod')).toEqual([]);
  });
});

// ---- build.sh --------------------------------------------------------------------------------

describe('build.sh', () => {
  const MULTI = KRATA.replace('arch: [x86_64]', 'arch: [x86_64, aarch64]').replace('build/arch/x86/boot/bzImage', 'build/kernel');
  const REPO = 'ghcr.io/example/zone-kernel';
  const annotations = (level: string): string[] =>
    ['format=1', 'version=6.8.9', 'flavor=zone'].flatMap((a) => ['--annotation', `${level}:dev.edera.kernel.${a}`]);

  async function buildBox(): Promise<KBox> {
    const b = await box(MULTI, ['docker']);
    for (const a of ['x86', 'arm']) mkdirSync(path.join(b.dir, 'trees', a), { recursive: true });
    return b;
  }
  const trees = (b: KBox): string[] => [`x86_64=${path.join(b.dir, 'trees/x86')}`, `aarch64=${path.join(b.dir, 'trees/arm')}`];

  it('pushes each arch by digest with OCI media types and the manifest annotations, then one annotated index', async () => {
    const b = await buildBox();
    const r = run(b, 'build.sh', trees(b));
    expect(r.status, r.out).toBe(0);
    const docker = calls(b, 'docker');
    expect(docker).toHaveLength(3);
    const builds = docker.slice(0, 2);
    for (const [i, [arch, platform, tree]] of [['x86_64', 'linux/amd64', 'trees/x86'], ['aarch64', 'linux/arm64', 'trees/arm']].entries()) {
      const c = builds[i]!;
      const flag = (f: string): string | undefined => c[c.indexOf(f) + 1];
      expect(c.slice(1, 3)).toEqual(['buildx', 'build']);
      expect(flag('--platform')).toBe(platform);
      expect(flag('--build-context')).toBe(`kernel=${path.join(b.dir, tree!)}`);
      expect(flag('--build-arg')).toBe(`KERNEL_ARCH=${arch}`);
      // a Docker manifest list has no annotations field: OCI media types, pushed by digest, no attestation manifest
      expect(flag('--output')).toBe(`type=image,name=${REPO},oci-mediatypes=true,push-by-digest=true,name-canonical=true,push=true`);
      expect(c).toContain('--provenance=false');
      const at = c.indexOf('--annotation');
      expect(c.slice(at, at + 6)).toEqual(annotations('manifest'));
      expect(flag('-f')).toBe(path.join(b.ctx, 'Containerfile'));
    }
    const index = docker[2]!;
    expect(index.slice(1, 4)).toEqual(['buildx', 'imagetools', 'create']);
    expect(index.slice(4)).toEqual([
      ...annotations('index'),
      '-t',
      `${REPO}:6.8.9`,
      `${REPO}@sha256:${'a'.repeat(64)}`,
      `${REPO}@sha256:${'b'.repeat(64)}`,
    ]);
    expect(r.out).toContain(`build: pushed ${REPO}:6.8.9`);
  });

  it('fails without an index when a push leaves no digest, and before building without every tree', async () => {
    const b = await buildBox();
    const r = run(b, 'build.sh', trees(b), { SHIM_NO_DIGEST: '1' });
    expect(r.status).toBe(1);
    expect(r.out).toContain('no image digest for x86_64 in the build metadata');
    expect(calls(b, 'docker').map((c) => c[2])).toEqual(['build']);

    const c = await buildBox();
    const one = run(c, 'build.sh', [trees(c)[0]!]);
    expect(one.status).toBe(1);
    expect(one.out).toContain('no build tree for aarch64: pass aarch64=TREE');
    const other = run(c, 'build.sh', [...trees(c), 'riscv64=/x']);
    expect(other.status).toBe(1);
    expect(other.out).toContain("this spec builds x86_64 aarch64, not 'riscv64'");
    expect(calls(c, 'docker')).toEqual([]);
  });
});
