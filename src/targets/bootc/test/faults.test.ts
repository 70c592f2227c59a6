/**
 * The emitted bootc install.sh under faults, run for real in a fake root with shims
 * (test/shims.ts) that record their calls and fail on request: the network (COPR) down
 * for a while or for good, akmods that "succeeds" with a failure log, dracut failing, a
 * second kernel directory, and hostile values that reach the renderer without the schema.
 *
 * The Kairos copr steps will run in the same harness: render the kairos plan with
 * `fakeRoot(files, faults)` and reuse these scenarios (the dnf shim already fails
 * `install --refresh` on request and records `clean metadata` and `sleep`).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bootcSpec, calls, expectHooksRestored, installedPkgs, KVER, line, read, runScript, setup, STOCK_KVER } from '../../../../test/shims.js';

const tries = (box: ReturnType<typeof setup>): number[] =>
  calls(box)
    .map((c, i) => (line(c).startsWith('dnf -y install --refresh ') ? i : -1))
    .filter((i) => i >= 0);

describe('the COPR is down', () => {
  it('for 2 attempts, then up: success on attempt 3, backoff 30 then 60 s, dnf clean metadata between tries', () => {
    const box = setup(bootcSpec(), { installFailures: 2 });
    const r = runScript(box, 'install.sh');
    expect(r.status, r.out).toBe(0);
    const all = calls(box).map(line);
    const at = tries(box);
    expect(at).toHaveLength(3);
    expect(all.slice(at[0]! + 1, at[1])).toEqual(['sleep 30', 'dnf -y clean metadata']);
    expect(all.slice(at[1]! + 1, at[2])).toEqual(['sleep 60', 'dnf -y clean metadata']);
    expect(calls(box, 'sleep').map(line)).toEqual(['sleep 30', 'sleep 60']);
    expect(r.out).toContain('installed on attempt 3');
    expect(r.out).toContain(`kernel swap done: ${KVER}`);
  });

  it('for every attempt: non-zero exit after retry.attempts, a log line that says so, hooks restored', () => {
    const box = setup(bootcSpec({ provider: { retry: { attempts: 4, backoffSeconds: 30 } } as any }), { installFailures: 99 });
    const r = runScript(box, 'install.sh');
    expect(r.status).not.toBe(0);
    expect(tries(box)).toHaveLength(4);
    expect(calls(box, 'sleep').map(line)).toEqual(['sleep 30', 'sleep 60', 'sleep 90']);
    expect(r.out).toContain('dnf install failed (attempt 4 of 4)');
    expect(r.out).toMatch(/\[kspec\] ERROR: installing kernel-cachyos .* failed after 4 attempts \(is the repository down\?\)/);
    expect(r.out).toContain('the image is not usable');
    expect(r.out).not.toContain('kernel swap done');
    expect(calls(box, 'dracut')).toEqual([]);
    expectHooksRestored(box);
  });
});

describe('akmods "succeeds" but leaves a *.failed.log', () => {
  const twoModules = bootcSpec({
    modules: [
      { name: 'v4l2loopback', package: 'akmod-v4l2loopback', repo: 'rpmfusion-free', optional: true },
      { name: 'xone', package: 'akmod-xone', repo: 'ublue-os/akmods', optional: false },
    ],
  });

  it('a required module fails the build, with the log shown and the hooks and akmodsbuild restored', () => {
    const box = setup(twoModules, { akmodsFail: ['xone'] });
    const r = runScript(box, 'install.sh');
    expect(r.status).not.toBe(0);
    expect(r.out).toContain('akmods could not build xone');
    expect(r.out).toContain('error: xone does not build');
    expect(r.out).toContain(`module xone failed to build against ${KVER}; it is required`);
    expect(calls(box, 'dracut')).toEqual([]);
    expectHooksRestored(box);
    expect(read(join(box.root, 'usr/sbin/akmodsbuild'))).toContain('if [[ -w /var ]] ; then');
  });

  it('an optional module is logged and skipped, and the build goes on', () => {
    const box = setup(twoModules, { akmodsFail: ['v4l2loopback'] });
    const r = runScript(box, 'install.sh');
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain(`optional module v4l2loopback failed to build against ${KVER}: skipped`);
    expect(r.out).toContain('module xone built and installed');
    expect(installedPkgs(box)).toContain('kmod-xone');
    expect(installedPkgs(box)).not.toContain('kmod-v4l2loopback');
    expect(calls(box, 'dracut')).toHaveLength(1);
  });
});

it('dracut fails: the script fails, nothing swallows it', () => {
  const box = setup(bootcSpec(), { dracutFail: true });
  const r = runScript(box, 'install.sh');
  expect(r.status).toBe(1);
  expect(r.out).toMatch(/FAILED with exit code 1 \(last failing command, line \d+: .*dracut/);
  expect(r.out).not.toContain('kernel swap done');
  expect(existsSync(join(box.root, 'usr/lib/modules', KVER, 'initramfs.img'))).toBe(false);
  expectHooksRestored(box);
});

it('two directories under /usr/lib/modules after the install: the script fails with a clear message', () => {
  const box = setup(bootcSpec(), { extraKernelDir: STOCK_KVER });
  const r = runScript(box, 'install.sh');
  expect(r.status).not.toBe(0);
  expect(r.out).toContain(`expected exactly one kernel under /usr/lib/modules, found 2: ${STOCK_KVER} ${KVER}`);
  expect(calls(box, 'akmods')).toEqual([]);
  expect(calls(box, 'dracut')).toEqual([]);
  expectHooksRestored(box);
});

describe('hostile values that slipped past the schema (rendered directly) are still quoted', () => {
  // No newline: the shims log one call per line. No '/': the module name is a path segment.
  const EVIL = [`x'; touch "$KSPEC_ROOT/pwned"; echo '`, '$(touch pwned)', '`touch pwned`', 'a && touch pwned', '"; touch pwned; "', '\\', '*', '-rf', '${IFS}x'];

  it('each value reaches dnf, rpm and akmods as one literal argument', () => {
    // All the values in one spec, one run of install.sh (nine runs took seconds): each is a
    // package, a module and a stock package to remove, and each must arrive whole and alone.
    const spec = bootcSpec({
      provider: { packages: ['kernel-cachyos', 'kernel-cachyos-devel-matched', ...EVIL] } as any,
      modules: EVIL.map((evil) => ({ name: `m${evil}`, package: `akmod-${evil}`, repo: 'rpmfusion-free', optional: true })),
      target: { removeStock: ['kernel', ...EVIL] },
    });
    const box = setup(spec);
    const r = runScript(box, 'install.sh');
    expect(r.status, r.out).toBe(0);
    const install = calls(box, 'dnf').find((c) => c[2] === 'install' && c[3] === '--refresh')!;
    expect(install.slice(4)).toEqual(['kernel-cachyos', 'kernel-cachyos-devel-matched', ...EVIL, 'akmods', 'sbsigntools']);
    expect(calls(box, 'akmods').map((c) => c.slice(1))).toEqual(EVIL.map((evil) => ['--force', '--kernels', KVER, '--kmod', `m${evil}`]));
    for (const evil of EVIL) {
      expect(calls(box, 'rpm').some((c) => c.length === 4 && c[1] === '-q' && c[2] === '--quiet' && c[3] === evil), evil).toBe(true);
      expect(calls(box, 'dnf').some((c) => c.at(-1) === `akmod-${evil}` && c[2] === 'install'), evil).toBe(true);
    }
    expect(existsSync(join(box.root, 'pwned'))).toBe(false);
    expect(readdirSync(box.dir).filter((f) => f.includes('pwned'))).toEqual([]);
    expect(readdirSync(box.ctx).filter((f) => f.includes('pwned'))).toEqual([]);
  });
});
