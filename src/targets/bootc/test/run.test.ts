/**
 * bootc: the rendered scripts, run for real in a fake root (KSPEC_ROOT) with small shims on
 * PATH standing in for dnf, rpm, akmods, dracut, the signing tools and friends. Each shim
 * logs its arguments and creates what a real run would (the harness is test/shims.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DRACUT_CONF } from '../../../targets/shared.js';
import { lazily } from '../../../../test/helpers.js';
import { bootcSpec, calls, cloneBox, expectHooksRestored, indexOf, installedPkgs, KVER, line, PRELUDE, read, runScript, setup, shim, STOCK_KVER, write, type Box } from '../../../../test/shims.js';

/** install.sh of the example spec, run once in a fresh fake root: tests that change its result take a cloneBox. */
const exampleRun = lazily(() => {
  const box = setup(bootcSpec());
  return { box, r: runScript(box, 'install.sh') };
});

describe('bootc install.sh in a fake root', () => {
  it('swaps the kernel: success run of the example spec', () => {
    const { box, r } = exampleRun();
    expect(r.out).toContain(`kernel swap done: ${KVER}`);
    expect(r.status, r.out).toBe(0);
    const all = calls(box);

    // hooks were stubs while the kernel installed, and are the originals again
    expect(read(join(box.state, 'dracut-hook-during-install'))).toBe('#!/bin/sh\nexit 0\n');
    expectHooksRestored(box);

    // stock kernel: only the installed packages removed, its modules gone
    expect(line(calls(box, 'dnf').filter((c) => c[1] !== '--version')[0]!)).toBe('dnf -y remove --no-autoremove kernel kernel-core kernel-modules kernel-modules-core');
    expect(readdirSync(join(box.root, 'usr/lib/modules'))).toEqual([KVER]);

    // clean before the install, --refresh, one attempt
    const clean = indexOf(all, /^dnf -y clean packages metadata$/);
    const copr = indexOf(all, /^dnf -y copr enable bieszczaders\/kernel-cachyos$/);
    const inst = indexOf(all, /^dnf -y install --refresh kernel-cachyos kernel-cachyos-core kernel-cachyos-modules kernel-cachyos-devel-matched akmods sbsigntools$/);
    expect(clean).toBeGreaterThanOrEqual(0);
    expect(clean).toBeLessThan(inst);
    expect(copr).toBeLessThan(inst);
    expect(calls(box, 'sleep')).toEqual([]);
    expect(indexOf(all, /^rpm -q kernel-cachyos --queryformat %\{VERSION\}-%\{RELEASE\}\.%\{ARCH\}\\n$/)).toBeGreaterThan(inst);

    // the module: rpmfusion enabled, akmods against KVER with the guard patched, kmod installed, repo scrubbed
    expect(indexOf(all, /^dnf -y install https:\/\/mirrors\.rpmfusion\.org\/free\/fedora\/rpmfusion-free-release-44\.noarch\.rpm$/)).toBeGreaterThan(inst);
    expect(indexOf(all, /^dnf -y install --setopt=install_weak_deps=False --setopt=tsflags=noscripts akmod-v4l2loopback$/)).toBeGreaterThan(inst);
    expect(calls(box, 'akmods').map(line)).toEqual([`akmods --force --kernels ${KVER} --kmod v4l2loopback`]);
    expect(read(join(box.state, 'akmodsbuild-during-akmods'))).toBe('patched\n');
    expect(read(join(box.root, 'usr/sbin/akmodsbuild'))).toContain('if [[ -w /var ]] ; then');
    expect(existsSync(join(box.root, 'usr/sbin/akmodsbuild.kspec-orig'))).toBe(false);
    expect(indexOf(all, new RegExp(`^dnf -y install ${box.root}/var/cache/akmods/v4l2loopback/kmod-v4l2loopback-${KVER}-1\\.0-1\\.fc44\\.x86_64\\.rpm$`))).toBeGreaterThan(0);
    expect(existsSync(join(box.root, 'usr/lib/modules', KVER, 'extra/v4l2loopback/v4l2loopback.ko.xz'))).toBe(true);
    expect(indexOf(all, /^dnf -y remove --no-autoremove rpmfusion-free-release$/)).toBeGreaterThan(indexOf(all, /^akmods /));

    // third-party repositories scrubbed, the distribution's kept
    expect(readdirSync(join(box.root, 'etc/yum.repos.d'))).toEqual(['fedora.repo']);

    // signed kernel, every module signed and still in its compression, MOK as DER, unit enabled
    expect(read(join(box.root, 'usr/lib/modules', KVER, 'vmlinuz'))).toBe(`vmlinuz ${KVER}\nSIGNED\n`);
    expect(calls(box, 'sbverify').map(line)).toEqual([`sbverify --cert ${box.root}/run/secrets/kspec-mok.pem ${box.root}/usr/lib/modules/${KVER}/vmlinuz`]);
    const m = join(box.root, 'usr/lib/modules', KVER);
    const sig = '~Module signature appended~';
    expect(read(join(m, 'kernel/drivers/md/dm-mod.ko'))).toContain(sig);
    expect(spawnSync('xz', ['-dc', join(m, 'kernel/drivers/md/dm-crypt.ko.xz')], { encoding: 'utf8' }).stdout).toContain(sig);
    expect(spawnSync('zstd', ['-dc', join(m, 'kernel/fs/btrfs/btrfs.ko.zst')], { encoding: 'utf8' }).stdout).toContain(sig);
    expect(spawnSync('gzip', ['-dc', join(m, 'kernel/drivers/block/virtio_blk.ko.gz')], { encoding: 'utf8' }).stdout).toContain(sig);
    expect(spawnSync('xz', ['-dc', join(m, 'extra/v4l2loopback/v4l2loopback.ko.xz')], { encoding: 'utf8' }).stdout).toContain(sig);
    expect(calls(box, 'sign-file')).toHaveLength(5);
    expect(existsSync(join(m, 'kernel/drivers/md/dm-crypt.ko'))).toBe(false);
    expect(read(join(box.root, 'usr/share/kspec/MOK.der'))).toBe('certificate\n');
    expect(existsSync(join(box.root, 'usr/lib/systemd/system/mok-enroll.service'))).toBe(true);
    expect(lstatSync(join(box.root, 'etc/systemd/system/multi-user.target.wants/mok-enroll.service')).isSymbolicLink()).toBe(true);

    // dracut: after signing, generic, with ostree, at the canonical path, DRACUT_NO_XATTR, 0600
    const dracut = calls(box, 'dracut');
    expect(dracut.map(line)).toEqual([
      `dracut --force --no-hostonly --no-hostonly-cmdline --add ostree --kver ${KVER} --reproducible --zstd ${box.root}/usr/lib/modules/${KVER}/initramfs.img`,
    ]);
    // when dracut runs: the kernel is signed, /root exists (the ssh-client module probes it), the drop-in is in place
    expect(read(join(box.state, 'dracut-env'))).toBe('DRACUT_NO_XATTR=1\nkernel signed\n/root present\ndrop-in 90-kspec.conf\n');
    expect(indexOf(all, /^sbsign /)).toBeLessThan(indexOf(all, /^dracut /));
    expect(Math.max(...all.map((c, i) => (c[0] === 'sign-file' ? i : -1)))).toBeLessThan(indexOf(all, /^dracut /));
    const img = statSync(join(m, 'initramfs.img'));
    expect(img.mode & 0o777).toBe(0o600);
    expect(read(join(box.root, 'etc/dracut.conf.d/90-kspec.conf'))).toContain('hostonly="no"');
    expect(statSync(join(box.root, 'root')).mode & 0o777).toBe(0o700);

    // transient packages removed by name at the end, never autoremove
    const last = calls(box, 'dnf').pop()!;
    expect(line(last)).toBe('dnf -y remove --no-autoremove akmods sbsigntools kernel-cachyos-devel-matched akmod-v4l2loopback');
    expect(all.some((c) => c.includes('autoremove'))).toBe(false);
    expect(installedPkgs(box)).toEqual(expect.arrayContaining(['kernel-cachyos', 'kernel-cachyos-core', 'kernel-cachyos-modules', 'kmod-v4l2loopback']));
    expect(installedPkgs(box)).not.toContain('akmods');

    // and the image passes its own verification (in a copy: the run's root stays as it left it)
    const v = runScript(cloneBox(box), 'verify-image.sh', ['--label', KVER]);
    expect(v.out).toContain('all checks passed');
    expect(v.status, v.out).toBe(0);
  });

  it('rides out a COPR brown-out: down twice, backoff 30 then 60 s, dnf clean metadata between', () => {
    const box = setup(bootcSpec(), { installFailures: 2 });
    const r = runScript(box, 'install.sh');
    expect(r.status, r.out).toBe(0);
    const all = calls(box);
    const tries = all.map((c, i) => [line(c), i] as const).filter(([l]) => l.startsWith('dnf -y install --refresh '));
    expect(tries).toHaveLength(3);
    expect(calls(box, 'sleep').map(line)).toEqual(['sleep 30', 'sleep 60']);
    const between = (a: number, b: number): string[] => all.slice(a + 1, b).map(line);
    expect(between(tries[0]![1], tries[1]![1])).toEqual(['sleep 30', 'dnf -y clean metadata']);
    expect(between(tries[1]![1], tries[2]![1])).toEqual(['sleep 60', 'dnf -y clean metadata']);
    expect(r.out).toContain('dnf install failed (attempt 1 of 5)');
    expect(r.out).toContain('dnf install failed (attempt 2 of 5)');
    expect(r.out).toContain('installed on attempt 3');
  });

  it('fails loudly when the COPR stays down for every attempt, hooks restored', () => {
    const box = setup(bootcSpec({ provider: { retry: { attempts: 3, backoffSeconds: 7 } } as any }), { installFailures: 10 });
    const r = runScript(box, 'install.sh');
    expect(r.status).not.toBe(0);
    expect(r.out).toMatch(/installing kernel-cachyos .* failed after 3 attempts/);
    expect(calls(box, 'sleep').map(line)).toEqual(['sleep 7', 'sleep 14']);
    expect(calls(box, 'dnf').filter((c) => line(c).startsWith('dnf -y install --refresh'))).toHaveLength(3);
    expect(calls(box, 'dracut')).toEqual([]);
    expectHooksRestored(box);
  });

  it('a dracut failure fails the build (no || true), with hooks and akmodsbuild restored', () => {
    const box = setup(bootcSpec(), { dracutFail: true });
    const r = runScript(box, 'install.sh');
    expect(r.status).not.toBe(0);
    expect(r.out).toContain('--regenerate-all cannot be called with a kernel version');
    expect(r.out).toMatch(/FAILED with exit code 1 \(last failing command, line \d+: .*dracut/);
    expect(r.out).not.toContain('kernel swap done');
    expectHooksRestored(box);
    expect(read(join(box.root, 'usr/sbin/akmodsbuild'))).toContain('if [[ -w /var ]] ; then');
    expect(existsSync(join(box.root, 'usr/lib/modules', KVER, 'initramfs.img'))).toBe(false);
    // nothing after dracut ran: the transient packages are still there
    expect(installedPkgs(box)).toContain('akmods');
  });

  it('an optional module that fails is logged and skipped; its repository is scrubbed anyway', () => {
    const box = setup(bootcSpec(), { akmodsFail: ['v4l2loopback'] });
    const r = runScript(box, 'install.sh');
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain('akmods could not build v4l2loopback');
    expect(r.out).toContain(`optional module v4l2loopback failed to build against ${KVER}: skipped`);
    expect(existsSync(join(box.root, 'usr/lib/modules', KVER, 'extra'))).toBe(false);
    expect(readdirSync(join(box.root, 'etc/yum.repos.d'))).toEqual(['fedora.repo']);
    expect(calls(box, 'dracut')).toHaveLength(1);
    expect(line(calls(box, 'dnf').pop()!)).toBe('dnf -y remove --no-autoremove akmods sbsigntools kernel-cachyos-devel-matched akmod-v4l2loopback');
  });

  it('a required module that fails fails the build; the optional one before it does not', () => {
    const spec = bootcSpec({
      modules: [
        { name: 'v4l2loopback', package: 'akmod-v4l2loopback', repo: 'rpmfusion-free', optional: true },
        { name: 'xone', package: 'akmod-xone', repo: 'ublue-os/akmods', optional: false },
      ],
    });
    const ok = setup(spec);
    const good = runScript(ok, 'install.sh');
    expect(good.status, good.out).toBe(0);
    expect(calls(ok, 'akmods').map((c) => c[c.length - 1])).toEqual(['v4l2loopback', 'xone']);
    expect(indexOf(calls(ok), /^dnf -y copr enable ublue-os\/akmods$/)).toBeGreaterThan(0);
    expect(readdirSync(join(ok.root, 'etc/yum.repos.d'))).toEqual(['fedora.repo']);

    const box = setup(spec, { akmodsFail: ['xone'] });
    const r = runScript(box, 'install.sh');
    expect(r.status).not.toBe(0);
    expect(r.out).toContain(`module xone failed to build against ${KVER}; it is required`);
    expect(calls(box, 'dracut')).toEqual([]);
    expectHooksRestored(box);
    expect(existsSync(join(box.root, 'usr/sbin/akmodsbuild.kspec-orig'))).toBe(false);
    expect(read(join(box.root, 'usr/sbin/akmodsbuild'))).toContain('if [[ -w /var ]] ; then');
  });

  it('asserts a given kernel.version against the installed package', () => {
    const good = setup(bootcSpec({ kernel: { version: KVER } }));
    expect(runScript(good, 'install.sh').status).toBe(0);
    const box = setup(bootcSpec({ kernel: { version: KVER } }));
    const r = runScript(box, 'install.sh', [], { SHIM_RPM_VERSION: '7.0.9-cachyos1.fc44.x86_64' });
    expect(r.status).not.toBe(0);
    expect(r.out).toContain(`kernel.version is ${KVER} but the installed 'kernel-cachyos' is 7.0.9-cachyos1.fc44.x86_64`);
    expectHooksRestored(box);
  });

  it('checks kernel.config against the installed kernel before building anything', () => {
    const good = setup(bootcSpec({ kernel: { config: { CONFIG_HZ: '1000', CONFIG_SCHED_BORE: 'y', CONFIG_DEBUG_INFO: 'n', CONFIG_LOCALVERSION: '-cachyos1', CONFIG_NOT_THERE: 'n' } } }));
    const ok = runScript(good, 'install.sh');
    expect(ok.status, ok.out).toBe(0);
    expect(ok.out).toContain('kernel config satisfies kernel.config (5 options)');

    const box = setup(bootcSpec({ kernel: { config: { CONFIG_HZ: '300', CONFIG_SCHED_BORE: 'n', CONFIG_XEN: 'y' } } }));
    const r = runScript(box, 'install.sh');
    expect(r.status).not.toBe(0);
    expect(r.out).toContain(
      "the installed kernel's config does not satisfy kernel.config: CONFIG_HZ=300 (the config has 1000) CONFIG_SCHED_BORE=n (the config has y) CONFIG_XEN=y (the config has it unset)",
    );
    expect(calls(box, 'akmods')).toEqual([]);
    expectHooksRestored(box);
  });

  it('stock provider: keeps the base kernel, regenerates its initramfs', () => {
    const spec = bootcSpec({ provider: { type: 'stock', allowInsecure: false } as any, kernel: { package: undefined }, modules: [], signing: undefined });
    const box = setup(spec, {});
    const r = runScript(box, 'install.sh', [], { SHIM_KVER: STOCK_KVER });
    expect(r.status, r.out).toBe(0);
    expect(calls(box, 'dnf')).toEqual([['dnf', '--version']]);
    expect(readdirSync(join(box.root, 'usr/lib/modules'))).toEqual([STOCK_KVER]);
    expect(calls(box, 'dracut').map(line)).toEqual([
      `dracut --force --no-hostonly --no-hostonly-cmdline --add ostree --kver ${STOCK_KVER} --reproducible --zstd ${box.root}/usr/lib/modules/${STOCK_KVER}/initramfs.img`,
    ]);
    expectHooksRestored(box);
  });

  it('repo provider: the extra repository is installed by URL and scrubbed after', () => {
    const spec = bootcSpec({
      provider: {
        type: 'repo',
        packages: ['kernel-cachyos', 'kernel-cachyos-devel-matched'],
        extraRepo: { name: 'cachy', url: 'https://example.org/repo/cachy-release-44.noarch.rpm' },
        retry: { attempts: 5, backoffSeconds: 30 },
        allowInsecure: false,
      } as any,
      modules: [{ name: 'v4l2loopback', package: 'akmod-v4l2loopback', repo: 'cachy', optional: false }],
      signing: undefined,
    });
    const box = setup(spec);
    const r = runScript(box, 'install.sh');
    expect(r.status, r.out).toBe(0);
    const all = calls(box).map(line);
    expect(all.filter((l) => l === 'dnf -y install https://example.org/repo/cachy-release-44.noarch.rpm')).toHaveLength(2);
    expect(all.filter((l) => l === 'dnf -y remove --no-autoremove cachy-release')).toHaveLength(2);
    expect(all.indexOf('dnf -y remove --no-autoremove cachy-release')).toBeGreaterThan(all.findIndex((l) => l.startsWith('dnf -y install --refresh')));
    expect(readdirSync(join(box.root, 'etc/yum.repos.d'))).toEqual(['fedora.repo']);
    expect(all.some((l) => l.startsWith('sbsign'))).toBe(false);
  });

  it('hostile package names stay one literal argument and inject nothing', () => {
    const evil = `x'; touch "$KSPEC_ROOT/pwned"; echo '$(touch pwned2)`;
    const box = setup(bootcSpec({ provider: { packages: ['kernel-cachyos', 'kernel-cachyos-devel-matched', evil] } as any }));
    const r = runScript(box, 'install.sh');
    expect(r.status, r.out).toBe(0);
    const inst = calls(box, 'dnf').find((c) => c[2] === 'install' && c[3] === '--refresh')!;
    expect(inst.slice(4)).toEqual(['kernel-cachyos', 'kernel-cachyos-devel-matched', evil, 'akmods', 'sbsigntools']);
    expect(existsSync(join(box.root, 'pwned'))).toBe(false);
    expect(existsSync(join(box.dir, 'pwned2'))).toBe(false);
  });
});

describe('bootc verify-image.sh', () => {
  function swapped(spec = bootcSpec()): Box {
    const box = setup(spec);
    const r = runScript(box, 'install.sh');
    expect(r.status, r.out).toBe(0);
    return box;
  }
  /** The example spec's swapped root (exampleRun's), a copy for each test that changes it. */
  const swappedExample = (): Box => {
    const { box, r } = exampleRun();
    expect(r.status, r.out).toBe(0);
    return cloneBox(box);
  };

  it('reports every failing check with its reason and exits non-zero', () => {
    const box = swappedExample();
    write(join(box.root, 'usr/lib/modules', '6.14.9-300.fc44.x86_64', 'vmlinuz'), 'stale\n');
    write(join(box.root, 'boot/vmlinuz-old'), 'x');
    const r = runScript(box, 'verify-image.sh', ['--label', '6.14.9-300.fc44.x86_64']);
    expect(r.status).toBe(1);
    expect(r.out).toContain('FAIL  expected exactly one kernel directory under /usr/lib/modules, found 2');
    expect(r.out).toContain("FAIL  ostree.linux label '6.14.9-300.fc44.x86_64' cannot be compared");
    expect(r.out).toContain('FAIL  /boot is not empty: vmlinuz-old');
    expect(r.out).toMatch(/3 check\(s\) failed/);
  });

  it('catches a wrong label, a small initramfs, a missing ostree module and an unsigned kernel', () => {
    const box = swappedExample();
    const m = join(box.root, 'usr/lib/modules', KVER);
    spawnSync('truncate', ['-s', '20M', join(m, 'initramfs.img')]);
    write(join(m, 'vmlinuz'), 'unsigned\n');
    const r = runScript(box, 'verify-image.sh', ['--label', '6.14.9-300.fc44.x86_64'], { SHIM_LSINITRD_MODULES: 'systemd-initrd' });
    expect(r.status).toBe(1);
    expect(r.out).toContain(`FAIL  ostree.linux label is '6.14.9-300.fc44.x86_64' but the installed kernel is '${KVER}'`);
    expect(r.out).toContain('FAIL  initramfs is 20 MiB, below 50 MiB: built host-only?');
    expect(r.out).toContain('FAIL  initramfs lacks the ostree dracut module');
    expect(r.out).toContain('FAIL  kernel is not signed with the MOK certificate');
    expect(r.out).toContain('ok    initramfs has module dm-crypt');
    expect(r.out).toContain('ok    initramfs has module virtio_blk');
    expect(r.out).toMatch(/4 check\(s\) failed/);
  });

  it('needs the label, and finds builtins and missing modules, a missing initramfs and a left-over COPR', () => {
    const box = swapped(bootcSpec({ initramfs: { require: ['crc32', 'nvme'] } }));
    const r = runScript(box, 'verify-image.sh');
    expect(r.status).toBe(1);
    expect(r.out).toContain('FAIL  no ostree.linux label given (--label)');
    expect(r.out).toContain('ok    module crc32 is built into the kernel');
    expect(r.out).toContain('FAIL  initramfs lacks module nvme');

    rmSync(join(box.root, 'usr/lib/modules', KVER, 'initramfs.img'));
    write(join(box.root, 'etc/yum.repos.d/_copr_x.repo'), 'baseurl=https://download.copr.fedorainfracloud.org/results/bieszczaders/kernel-cachyos/fedora-44-x86_64/\n');
    const r2 = runScript(box, 'verify-image.sh', ['--label', KVER]);
    expect(r2.status).toBe(1);
    expect(r2.out).toContain(`FAIL  no initramfs at /usr/lib/modules/${KVER}/initramfs.img`);
    expect(r2.out).toContain('FAIL  a repository file for COPR bieszczaders/kernel-cachyos is still in /etc/yum.repos.d');
  });
});

describe('bootc relabel.sh', () => {
  const PODMAN = shim`
printf '%s\n' $SHIM_MODULES
`;
  const BUILDAH = shim`
case $1 in
  from) echo working-container ;;
  inspect) echo "\${SHIM_CURRENT_LABEL:-<no value>}" ;;
  config|commit|rm) ;;
esac
`;
  function box(spec = bootcSpec()): Box {
    const b = setup(spec);
    write(join(b.dir, 'bin/podman'), PRELUDE + PODMAN, 0o755);
    write(join(b.dir, 'bin/buildah'), PRELUDE + BUILDAH, 0o755);
    return b;
  }

  it('reads the one kernel in the image and labels it, default image from target.image', () => {
    const b = box();
    const r = runScript(b, 'relabel.sh', [], { SHIM_MODULES: KVER });
    expect(r.status, r.out).toBe(0);
    expect(calls(b).map(line)).toEqual([
      'podman run --rm --entrypoint ls ghcr.io/margine/margine /usr/lib/modules',
      'buildah from ghcr.io/margine/margine',
      'buildah inspect --type container --format {{index .OCIv1.Config.Labels "ostree.linux"}} working-container',
      `buildah config --label ostree.linux=${KVER} working-container`,
      'buildah commit working-container ghcr.io/margine/margine',
      'buildah rm working-container',
    ]);
    expect(r.out).toContain(`ostree.linux <no value> -> ${KVER}`);
  });

  it('refuses an image with more or fewer than one kernel, and leaves a correct label alone', () => {
    const b = box();
    const two = runScript(b, 'relabel.sh', ['localhost/x:1'], { SHIM_MODULES: `${KVER} 6.14.9-300.fc44.x86_64` });
    expect(two.status).toBe(1);
    expect(two.out).toContain('expected exactly one kernel under /usr/lib/modules in localhost/x:1');
    expect(calls(b, 'buildah')).toEqual([]);
    const none = runScript(b, 'relabel.sh', ['localhost/x:1'], { SHIM_MODULES: '' });
    expect(none.status).toBe(1);
    const same = runScript(b, 'relabel.sh', ['localhost/x:1'], { SHIM_MODULES: KVER, SHIM_CURRENT_LABEL: KVER });
    expect(same.status).toBe(0);
    expect(same.out).toContain('already has ostree.linux');
    expect(calls(b, 'buildah').map((c) => c[1])).toEqual(['from', 'inspect', 'rm']);
  });

  it('needs an image name when the spec has no target.image', () => {
    const b = box(bootcSpec({ target: { image: undefined } }));
    const r = runScript(b, 'relabel.sh', [], { SHIM_MODULES: KVER });
    expect(r.status).toBe(1);
    expect(r.out).toContain('usage: relabel.sh IMAGE');
    expect(runScript(b, 'relabel.sh', ['-rf'], { SHIM_MODULES: KVER }).out).toContain('not an image reference: -rf');
  });
});

it('the dracut drop-in is the file install.sh copies', () => {
  const box = setup(bootcSpec());
  expect(existsSync(join(box.ctx, DRACUT_CONF))).toBe(true);
});

describe('bootc install.sh: dnf removals, versionlock and .repo files', () => {
  it('versionlocks the installed kernel packages once they are checked, before the repository goes', () => {
    const box = setup(bootcSpec());
    const r = runScript(box, 'install.sh');
    expect(r.status, r.out).toBe(0);
    const all = calls(box).map(line);
    const lock = all.indexOf('dnf versionlock add kernel-cachyos kernel-cachyos-core kernel-cachyos-modules kernel-cachyos-devel-matched');
    expect(lock).toBeGreaterThan(all.findIndex((l) => l.startsWith('dnf -y install --refresh')));
    expect(lock).toBeLessThan(all.findIndex((l) => l.startsWith('dnf -y remove --no-autoremove rpmfusion') || l.startsWith('akmods ')));
    // dnf5 has versionlock built in: no plugin installed
    expect(all.some((l) => l.includes('python3-dnf-plugin-versionlock'))).toBe(false);
  });

  it('dnf4: removes with --noautoremove and installs the versionlock plugin first', () => {
    const box = setup(bootcSpec({ modules: [] }));
    const r = runScript(box, 'install.sh', [], { SHIM_DNF_VERSION: '4.18.0' });
    expect(r.status, r.out).toBe(0);
    const all = calls(box).map(line);
    expect(all).toContain('dnf -y remove --noautoremove kernel kernel-core kernel-modules kernel-modules-core');
    expect(all.some((l) => l.includes('--no-autoremove'))).toBe(false);
    const plugin = all.indexOf('dnf -y install --refresh python3-dnf-plugin-versionlock');
    expect(plugin).toBeGreaterThan(0);
    expect(all.indexOf('dnf versionlock add kernel-cachyos kernel-cachyos-core kernel-cachyos-modules kernel-cachyos-devel-matched')).toBeGreaterThan(plugin);
  });

  it.each([
    ['dnf5', 'dnf5 version 5.2.8.1', 'dnf -y config-manager addrepo --from-repofile=https://example.org/kernel/cachy.repo'],
    ['dnf4', '4.18.0', 'dnf -y config-manager --add-repo https://example.org/kernel/cachy.repo'],
  ])('%s: a .repo extraRepo is added with config-manager (not dnf install) and scrubbed after', (_dnf, version, add) => {
    const spec = bootcSpec({
      provider: {
        type: 'repo',
        packages: ['kernel-cachyos', 'kernel-cachyos-devel-matched'],
        extraRepo: { name: 'cachy', url: 'https://example.org/kernel/cachy.repo' },
        retry: { attempts: 5, backoffSeconds: 30 },
        allowInsecure: false,
      } as any,
      modules: [],
      signing: undefined,
    });
    const box = setup(spec);
    const r = runScript(box, 'install.sh', [], { SHIM_DNF_VERSION: version });
    expect(r.status, r.out).toBe(0);
    const all = calls(box).map(line);
    expect(all.indexOf(add)).toBeGreaterThan(0);
    expect(all.indexOf(add)).toBeLessThan(all.findIndex((l) => l.startsWith('dnf -y install --refresh')));
    expect(all.some((l) => l.startsWith('dnf -y install https://'))).toBe(false);
    expect(r.out).toContain('scrubbing repository file /etc/yum.repos.d/cachy.repo');
    expect(readdirSync(join(box.root, 'etc/yum.repos.d'))).toEqual(['fedora.repo']);
  });
});
