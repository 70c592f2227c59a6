/**
 * The emitted verify-image.sh run against a fake image tree (KSPEC_ROOT), built here by
 * hand rather than by install.sh, so each fault is exactly one change from a good tree:
 * the good tree passes; each broken one fails with one check, naming the reason.
 */
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bootcSpec, KVER, runScript, setup, STOCK_KVER, write, type Box } from './shims.js';

/** An image as a successful swap leaves it: one kernel, signed, a generic initramfs, MOK. */
function goodTree(): Box {
  const box = setup(bootcSpec());
  rmSync(join(box.root, 'usr/lib/modules', STOCK_KVER), { recursive: true });
  const m = join(box.root, 'usr/lib/modules', KVER);
  write(join(m, 'vmlinuz'), `vmlinuz ${KVER}\nSIGNED\n`);
  write(join(m, 'modules.builtin'), 'kernel/lib/crc32.ko\n');
  write(join(m, 'initramfs.img'), '');
  spawnSync('truncate', ['-s', '64M', join(m, 'initramfs.img')]);
  write(join(box.root, 'usr/share/kspec/MOK.der'), 'certificate\n');
  write(join(box.root, 'usr/lib/systemd/system/mok-enroll.service'), '[Unit]\n');
  write(join(box.root, 'etc/systemd/system/multi-user.target.wants/mok-enroll.service'), '[Unit]\n');
  // what rpm knows is installed in the image: the new kernel, not the stock one
  writeFileSync(join(box.state, 'installed'), 'kernel-cachyos\nkernel-cachyos-core\n');
  mkdirSync(join(box.root, 'tmp'), { recursive: true });
  chmodSync(join(box.root, 'tmp'), 0o1777);
  return box;
}

const verify = (box: Box, label = KVER, env: NodeJS.ProcessEnv = {}) => runScript(box, 'verify-image.sh', ['--label', label], env);

function expectOneFailure(r: { status: number | null; out: string }, reason: string): void {
  expect(r.status, r.out).toBe(1);
  expect(r.out).toContain(`FAIL  ${reason}`);
  expect(r.out).toContain('1 check(s) failed:');
  expect(r.out).not.toContain('all checks passed');
}

describe('verify-image.sh against a fake image tree', () => {
  it('passes a good tree', () => {
    const r = verify(goodTree());
    expect(r.out).toContain('all checks passed');
    expect(r.out).not.toContain('FAIL');
    expect(r.status, r.out).toBe(0);
  });

  it('fails without an initramfs', () => {
    const box = goodTree();
    rmSync(join(box.root, 'usr/lib/modules', KVER, 'initramfs.img'));
    expectOneFailure(verify(box), `no initramfs at /usr/lib/modules/${KVER}/initramfs.img`);
  });

  it('fails on a small (host-only sized) initramfs', () => {
    const box = goodTree();
    spawnSync('truncate', ['-s', '20M', join(box.root, 'usr/lib/modules', KVER, 'initramfs.img')]);
    expectOneFailure(verify(box), 'initramfs is 20 MiB, below 50 MiB: built host-only?');
  });

  it('fails when the initramfs has no ostree dracut module', () => {
    expectOneFailure(verify(goodTree(), KVER, { SHIM_LSINITRD_MODULES: 'systemd-initrd' }), 'initramfs lacks the ostree dracut module');
  });

  it('fails with two kernels under /usr/lib/modules (and cannot compare the label)', () => {
    const box = goodTree();
    write(join(box.root, 'usr/lib/modules', STOCK_KVER, 'vmlinuz'), 'stock\n');
    const r = verify(box);
    expect(r.status).toBe(1);
    expect(r.out).toContain(`FAIL  expected exactly one kernel directory under /usr/lib/modules, found 2: ${STOCK_KVER} ${KVER}`);
    expect(r.out).toContain('cannot be compared: no single kernel directory');
    expect(r.out).toContain('2 check(s) failed:');
  });

  it('fails on a label mismatch (an inherited ostree.linux)', () => {
    expectOneFailure(verify(goodTree(), STOCK_KVER), `ostree.linux label is '${STOCK_KVER}' but the installed kernel is '${KVER}'`);
  });

  it('fails when /tmp is missing (buildah after a tmpfs /tmp), and still prints its summary', () => {
    const box = goodTree();
    rmSync(join(box.root, 'tmp'), { recursive: true });
    expectOneFailure(verify(box), '/tmp is missing');
  });

  it('fails when /tmp is not mode 1777', () => {
    const box = goodTree();
    chmodSync(join(box.root, 'tmp'), 0o755);
    expectOneFailure(verify(box), '/tmp has mode 755, not 1777');
  });

  it('checks the signature even when mktemp -d cannot use /tmp', () => {
    const r = verify(goodTree(), KVER, { TMPDIR: '/nonexistent-kspec-tmp' });
    expect(r.out).toContain('ok    kernel signature verifies against the MOK certificate');
    expect(r.status, r.out).toBe(0);
  });

  it("checks the bootc dracut module only when the base's dracut conf asks for it", () => {
    const box = goodTree();
    expect(verify(box).out).not.toContain('bootc dracut module');
    write(join(box.root, 'usr/lib/dracut/dracut.conf.d/20-bootc-composefs.conf'), 'add_dracutmodules+=" bootc "\n');
    expectOneFailure(verify(box), "the base's dracut conf adds the bootc module, but the initramfs lacks it");
    const r = verify(box, KVER, { SHIM_LSINITRD_MODULES: 'ostree bootc' });
    expect(r.out).toContain("ok    initramfs has the bootc dracut module the base's dracut conf asks for");
    expect(r.status, r.out).toBe(0);
  });

  it('names bootc rollback on failure with fallback.via: rollback, and not without', () => {
    const box = goodTree();
    rmSync(join(box.root, 'tmp'), { recursive: true });
    expect(verify(box).out).toContain('previous deployment (fallback: fedora-stock) with: bootc rollback, then a reboot.');
    const plain = setup(bootcSpec({ fallback: undefined }));
    expect(runScript(plain, 'verify-image.sh', ['--label', KVER]).out).not.toContain('bootc rollback');
  });
});
