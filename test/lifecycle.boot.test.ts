/**
 * boot-test.sh with shims for QEMU and swtpm that play a boot: one that succeeds, one that
 * panics, one that drops to the dracut shell, one that hangs (ended by the script's own
 * timeout, KSPEC_BOOT_TIMEOUT, not by the test runner), and QEMU dying early. Every
 * process the script started must be gone when it returns. Then the disk builders
 * (image-builder, bootc-image-builder, AuroraBoot) and the record promote.sh reads.
 * The tests run concurrently (each in its own bench): a boot mostly waits on its console.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BOOTC, KAIROS_UBUNTU, bench, calls, put, runAsync, sh, shim, type Bench } from './lifecycle.harness.js';

const OK_LINES = ['BdsDxe: loading Boot0001', '[    0.000000] Linux version 7.0.8-cachyos1.fc44.x86_64', '[  OK  ] Reached target Basic System.'];
const SCENARIOS: Record<string, string[]> = {
  success: [...OK_LINES, '[  OK  ] Reached target Multi-User System.', '[  OK  ] Reached target Graphical Interface.'],
  panic: [...OK_LINES.slice(0, 2), '[    2.1] VFS: Cannot open root device "vda3"', '[    2.2] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)'],
  dracut: [...OK_LINES.slice(0, 2), '[  183.2] dracut-initqueue[412]: Warning: dracut-initqueue: starting timeout scripts', 'Generating "/run/initramfs/rdsosreport.txt"', 'Entering emergency mode. Exit the shell to continue.', 'dracut:/#'],
  emergency: [...OK_LINES, 'You are in emergency mode. After logging in, type "journalctl -xb" to view'],
  hang: [...OK_LINES, '[  OK  ] Started some-service.service - waits forever'],
};

/** The sleep on PATH before the shims' (the one the console poll's wrapper runs). */
const REAL_SLEEP = (process.env.PATH ?? '/usr/bin:/bin')
  .split(delimiter)
  .map((d) => join(d, 'sleep'))
  .find((f) => existsSync(f))!;

/**
 * QEMU: writes the scenario to the -serial file, records its pid, then sleeps (exec, so the
 * pid is the sleeping process). swtpm: binds its control socket and sleeps likewise.
 */
function boxShims(b: Bench): NodeJS.ProcessEnv {
  shim(b, 'qemu-fake', sh`
serial=""; prev=""
for a in "$@"; do [[ "$prev" == -serial ]] && serial=\${a#file:}; prev=$a; done
echo $$ >"$SHIM_DIR/qemu.pid"
if [[ "$SHIM_BOOT" == exit ]]; then echo "qemu-system-x86_64: -drive ...: Could not open disk" >&2; exit 1; fi
while IFS= read -r l; do printf '%s\r\n' "$l" >>"$serial"; done <"$SHIM_DIR/scenario-$SHIM_BOOT"
exec sleep 1000`);
  shim(b, 'swtpm-fake', sh`
for a in "$@"; do case $a in type=unixio,path=*) sock=\${a#type=unixio,path=} ;; esac; done
echo $$ >"$SHIM_DIR/swtpm.pid"
exec python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1); time.sleep(1000)' "$sock"`);
  // The console poll's `sleep 1` (found on PATH, shims first) sleeps 0.2 s: a boot the fake
  // QEMU plays in milliseconds then waits a fifth of a second, not a second, per poll. Every
  // other sleep (the fake QEMU's own, stop()'s 0.1 s) is the real one; the timeout is still
  // measured in real seconds ($SECONDS), so the hang test still waits its 2 s.
  put(join(b.bin, 'sleep'), `#!/usr/bin/env bash\nif [[ $# == 1 && $1 == 1 ]]; then set -- 0.2; fi\nexec ${REAL_SLEEP} "$@"\n`, 0o755);
  for (const [name, lines] of Object.entries(SCENARIOS)) put(join(b.dir, 'shim', `scenario-${name}`), lines.join('\n') + '\n');
  put(join(b.dir, 'fw/OVMF_CODE.fd'), 'code');
  put(join(b.dir, 'fw/OVMF_VARS.fd'), 'vars');
  put(join(b.dir, 'disk.qcow2'), Buffer.concat([Buffer.from('QFI\xfb', 'latin1'), Buffer.alloc(60)]));
  return {
    QEMU: 'qemu-fake',
    SWTPM: 'swtpm-fake',
    OVMF_CODE: join(b.dir, 'fw/OVMF_CODE.fd'),
    OVMF_VARS: join(b.dir, 'fw/OVMF_VARS.fd'),
    SHIM_DIR: join(b.dir, 'shim'),
    KSPEC_GATES: join(b.dir, 'gates'),
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // a zombie is not running
  const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
  return !/^\d+ \(.*\) Z/.test(stat);
}

function expectNoChildren(b: Bench): void {
  for (const name of ['qemu', 'swtpm']) {
    const f = join(b.dir, 'shim', `${name}.pid`);
    if (!existsSync(f)) continue;
    const pid = Number(readFileSync(f, 'utf8').trim());
    expect(alive(pid), `${name} (${pid}) still runs`).toBe(false);
  }
}

async function boot(scenario: string, args: string[] = [], extra: NodeJS.ProcessEnv = {}, yaml = BOOTC) {
  const b = await bench(yaml);
  const env = boxShims(b);
  const r = await runAsync(b, 'boot-test.sh', ['--disk', join(b.dir, 'disk.qcow2'), ...args], { ...env, SHIM_BOOT: scenario, ...extra });
  return { b, r };
}

describe.concurrent('boot-test.sh', () => {
  it('passes when the console reaches the multi-user target, and ends QEMU and swtpm', async () => {
    const { b, r } = await boot('success');
    expect(r.out).toContain('boot-test: PASS: Reached target Multi-User System');
    expect(r.status, r.out).toBe(0);
    expectNoChildren(b);
    const q = calls(b, 'qemu-fake')[0]!.join(' ');
    expect(q).toContain(`if=virtio,format=qcow2,snapshot=on,file=${join(b.dir, 'disk.qcow2')}`);
    expect(q).toContain(`if=pflash,format=raw,unit=0,readonly=on,file=${join(b.dir, 'fw/OVMF_CODE.fd')}`);
    expect(q).toContain('-tpmdev emulator,id=tpm0,chardev=chrtpm -device tpm-tis,tpmdev=tpm0');
    // the firmware's variable store is a copy: the original is never written
    expect(q).not.toContain(`file=${join(b.dir, 'fw/OVMF_VARS.fd')}`);
    expect(calls(b, 'swtpm-fake')[0]).toContain('--tpm2');
    // --disk alone records nothing for promote.sh
    expect(existsSync(join(b.dir, 'gates'))).toBe(false);
  });

  it('fails on a kernel panic, printing the last console lines', async () => {
    const { b, r } = await boot('panic');
    expect(r.status, r.out).toBe(1);
    expect(r.out).toContain('boot-test: FAIL: kernel panic');
    expect(r.out).toContain('--- last console lines ---');
    expect(r.out).toContain('Kernel panic - not syncing: VFS: Unable to mount root fs');
    expect(r.out).not.toContain('\r');
    expectNoChildren(b);
  });

  it('fails when the initramfs drops to the dracut shell', async () => {
    const { b, r } = await boot('dracut');
    expect(r.status, r.out).toBe(1);
    expect(r.out).toContain('boot-test: FAIL: the initramfs dropped to the dracut emergency shell');
    expect(r.out).toContain('dracut:/#');
    expectNoChildren(b);
  });

  it('fails when systemd enters emergency mode', async () => {
    const { b, r } = await boot('emergency');
    expect(r.status, r.out).toBe(1);
    expect(r.out).toContain('boot-test: FAIL: systemd entered emergency mode');
    expectNoChildren(b);
  });

  it('fails a hang at its own timeout (KSPEC_BOOT_TIMEOUT), with the last lines, and ends both children', async () => {
    const { b, r } = await boot('hang', [], { KSPEC_BOOT_TIMEOUT: '2' });
    expect(r.status, r.out).toBe(1);
    expect(r.out).toContain("boot-test: FAIL: no 'Reached target Multi-User System' on the console within 2 s");
    expect(r.out).toContain('Started some-service.service - waits forever');
    expectNoChildren(b);
  });

  it('fails when QEMU exits before the machine booted', async () => {
    const { b, r } = await boot('exit');
    expect(r.status, r.out).toBe(1);
    expect(r.out).toContain('boot-test: FAIL: QEMU exited (status 1) before the machine booted');
    expect(r.out).toContain('Could not open disk');
    expectNoChildren(b);
  });

  it('--expect and --timeout override the spec; validation.boot sets the defaults', async () => {
    const { r } = await boot('success', ['--expect', 'Reached target Graphical Interface', '--timeout', '30']);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain('waiting up to 30 s for: Reached target Graphical Interface');
    const spec = `${BOOTC}validation:\n  boot: {expect: "Reached target Graphical Interface", timeoutSeconds: 45}\n`;
    const own = await boot('success', [], {}, spec);
    expect(own.r.status, own.r.out).toBe(0);
    expect(own.r.out).toContain('waiting up to 45 s for: Reached target Graphical Interface');
  });

  it('usage errors and missing tools exit 2 without starting anything', async () => {
    const b = await bench(BOOTC);
    const env = boxShims(b);
    expect((await runAsync(b, 'boot-test.sh', ['--disk', join(b.dir, 'nope.qcow2')], env)).status).toBe(2);
    expect((await runAsync(b, 'boot-test.sh', ['--disk', join(b.dir, 'disk.qcow2'), '--timeout', 'soon'], env)).status).toBe(2);
    const noQemu = await runAsync(b, 'boot-test.sh', ['--disk', join(b.dir, 'disk.qcow2')], { ...env, QEMU: 'no-such-qemu' });
    expect(noQemu.status).toBe(2);
    expect(noQemu.out).toContain('no-such-qemu not found: install QEMU or set QEMU');
    const noFw = await runAsync(b, 'boot-test.sh', ['--disk', join(b.dir, 'disk.qcow2')], { ...env, OVMF_CODE: join(b.dir, 'missing.fd') });
    expect(noFw.status).toBe(2);
    expect(noFw.out).toContain('no UEFI firmware found');
    expect(calls(b, 'qemu-fake')).toEqual([]);
    expect(calls(b, 'swtpm-fake')).toEqual([]);
  });
});

/** skopeo: prints fixed config bytes for any --config query (the image ID is their sha256). */
const CONFIG = '{"architecture":"amd64","config":{"Labels":{"ostree.linux":"7.0.8-cachyos1.fc44.x86_64"}}}\n';

describe.concurrent('boot-test.sh builds the disk from the image', () => {
  it('with image-builder when installed, and records the booted image ID for promote.sh', async () => {
    const b = await bench(BOOTC);
    const env = boxShims(b);
    shim(b, 'image-builder', sh`
while (( $# )); do case $1 in --output-dir) out=$2; shift 2 ;; --output-name) name=$2; shift 2 ;; --blueprint) cp "$2" "$SHIM_DIR/blueprint.toml"; shift 2 ;; *) shift ;; esac; done
cp "$SHIM_DIR/../disk.qcow2" "$out/$name.qcow2"`);
    shim(b, 'skopeo', `printf '%s' '${CONFIG}'`);
    const r = await runAsync(b, 'boot-test.sh', ['--image', 'localhost/margine:test'], { ...env, SHIM_BOOT: 'success' });
    expect(r.status, r.out).toBe(0);
    const ib = calls(b, 'image-builder')[0]!;
    expect(ib.slice(1, 6)).toEqual(['build', '--bootc-ref', 'localhost/margine:test', '--bootc-default-fs', 'ext4']);
    expect(ib.at(-1)).toBe('qcow2');
    expect(readFileSync(join(b.dir, 'shim/blueprint.toml'), 'utf8')).toBe('[customizations.kernel]\nappend = "console=tty0 console=ttyS0"\n');
    expect(calls(b, 'qemu-fake')[0]!.join(' ')).toMatch(/format=qcow2,snapshot=on,file=.*\/disk\/disk\.qcow2/);
    const { createHash } = await import('node:crypto');
    const id = createHash('sha256').update(CONFIG).digest('hex');
    expect(readdirSync(join(b.dir, 'gates'))).toEqual([`${id}.booted`]);
    expect(calls(b, 'skopeo')[0]!.slice(1)).toEqual(['inspect', '--raw', '--config', '--override-os', 'linux', '--override-arch', 'amd64', 'containers-storage:localhost/margine:test']);
    expectNoChildren(b);
  });

  it('with the bootc-image-builder container when image-builder is absent (or KSPEC_DISK_BUILDER=bib)', async () => {
    const b = await bench(BOOTC);
    const env = boxShims(b);
    shim(b, 'podman', sh`
for a in "$@"; do case $a in *:/output) out=\${a%:/output} ;; esac; done
mkdir -p "$out/qcow2"; cp "$SHIM_DIR/../disk.qcow2" "$out/qcow2/disk.qcow2"`);
    shim(b, 'skopeo', `printf '%s' '${CONFIG}'`);
    const r = await runAsync(b, 'boot-test.sh', [], { ...env, SHIM_BOOT: 'success', KSPEC_DISK_BUILDER: 'bib' });
    expect(r.status, r.out).toBe(0);
    const p = calls(b, 'podman')[0]!;
    expect(p).toContain('quay.io/centos-bootc/bootc-image-builder:latest');
    expect(p.slice(-7)).toEqual(['--type', 'qcow2', '--rootfs', 'ext4', '--target-arch', 'x86_64', 'ghcr.io/margine/margine']);
    expect(calls(b, 'qemu-fake')[0]!.join(' ')).toMatch(/file=.*\/disk\/qcow2\/disk\.qcow2/);
  });

  it('a failed disk build fails the test and boots nothing', async () => {
    const b = await bench(BOOTC);
    const env = boxShims(b);
    shim(b, 'image-builder', 'echo "error: no default fs set" >&2; exit 1');
    const r = await runAsync(b, 'boot-test.sh', ['--image', 'localhost/margine:test'], { ...env, SHIM_BOOT: 'success' });
    expect(r.status).toBe(1);
    expect(r.out).toContain('boot-test: image-builder failed');
    expect(calls(b, 'qemu-fake')).toEqual([]);
    expect(existsSync(join(b.dir, 'gates'))).toBe(false);
  });

  it('kairos: AuroraBoot writes a raw EFI disk, which is booted as raw', async () => {
    const b = await bench(KAIROS_UBUNTU);
    const env = boxShims(b);
    shim(b, 'docker', sh`
for a in "$@"; do case $a in *:/tmp/auroraboot) out=\${a%:/tmp/auroraboot} ;; esac; done
head -c 512 /dev/zero >"$out/kairos-ubuntu-24.04-core-amd64-generic-v1.2.0.raw"`);
    const r = await runAsync(b, 'boot-test.sh', [], { ...env, SHIM_BOOT: 'success' });
    expect(r.status, r.out).toBe(0);
    const d = calls(b, 'docker')[0]!;
    expect(d).toContain('quay.io/kairos/auroraboot:v0.21.2');
    expect(d).toContain('container_image=docker://ghcr.io/example/kairos-ubuntu');
    expect(d).toContain('disk.efi=true');
    expect(calls(b, 'qemu-fake')[0]!.join(' ')).toMatch(/if=virtio,format=raw,snapshot=on,file=.*\/kairos-ubuntu-24\.04-core-amd64-generic-v1\.2\.0\.raw/);
    expectNoChildren(b);
  });
});
