/** The `validation` block and `provider.staleAfterDays`: schema, defaults and checks. */
import { beforeAll, describe, expect, it } from 'vitest';
import { D, message } from '../src/diagnostics/catalogue.js';
import { BASE, KRATA } from './fixtures.js';
import { andShellcheck, bashSyntaxAll, compileText, expectDiagnostic, lazily, SHELLCHECK_VARIANTS, shellcheckAllAsync } from './helpers.js';
import { BOOTC, KAIROS_UBUNTU } from './lifecycle.harness.js';

const variants: Record<string, string> = {
  'bootc signed': BOOTC,
  'bootc unsigned multi-arch': BOOTC.replace(/signing:\n(  .*\n)+/, '').replace('  package: kernel-cachyos\n', '  package: kernel-cachyos\n  arch: [x86_64, aarch64]\n'),
  'bootc stock': BASE.replace(/provider:\n(  .*\n)+/, 'provider:\n  type: stock\n').replace(/modules:\n(  .*\n)+/, ''),
  'kairos ubuntu': KAIROS_UBUNTU,
};
const scriptsOf = async (yaml: string) => {
  const r = await compileText(yaml);
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return r.files.filter((f) => ['kspec-validate-kernel', 'boot-test.sh', 'promote.sh', 'verify-and-record.sh'].includes(f.path));
};
/**
 * Every variant's scripts: bash -n in one bash, shellcheck in one run (a script several
 * variants render alike is checked once), as a child that does not block this worker.
 * Started with the file; the last describe's tests await it.
 */
const lint = lazily(() => {
  const scripts = (async () => (await Promise.all(Object.entries(variants).map(async ([name, yaml]) => (await scriptsOf(yaml)).map((f) => [`${name}/${f.path}`, f.content] as const)))).flat())();
  const syntax = scripts.then((s) => bashSyntaxAll(s));
  const findings = scripts.then((s) => (SHELLCHECK_VARIANTS ? shellcheckAllAsync(s) : undefined));
  syntax.catch(() => {}); // rethrown where awaited
  findings.catch(() => {});
  return { syntax, findings };
});
beforeAll(() => {
  lint();
});

describe('validation (bootc, kairos)', () => {
  it('defaults: nvidia, zfs, virtualbox; the multi-user target within 600 s; 30 days', async () => {
    const r = await compileText(BASE);
    expect(r.diagnostics).toEqual([]);
    expect(r.spec!.validation).toEqual({ outOfPolicy: ['nvidia', 'zfs', 'virtualbox'], boot: { expect: 'Reached target Multi-User System', timeoutSeconds: 600 } });
    expect(r.spec!.provider).toMatchObject({ type: 'copr', staleAfterDays: 30 });
    const boot = r.files.find((f) => f.path === 'boot-test.sh')!.content;
    expect(boot).toContain("EXPECT='Reached target Multi-User System'");
    expect(boot).toContain('DEFAULT_TIMEOUT=600');
  });

  it('takes the spec values into the scripts', async () => {
    const r = await compileText(`${BASE}validation:\n  outOfPolicy: [broadcom-wl]\n  boot: {expect: "login:", timeoutSeconds: 90}\n`);
    expect(r.diagnostics).toEqual([]);
    expect(r.files.find((f) => f.path === 'boot-test.sh')!.content).toMatch(/EXPECT='login:'\nDEFAULT_TIMEOUT=90\n/);
    expect(r.files.find((f) => f.path === 'kspec-validate-kernel')!.content).toContain("OUT_OF_POLICY=('broadcom-wl')");
  });

  it('KS3035: a package the spec installs that its own validator would flag, at that package', async () => {
    const yaml = BASE.replace('package: akmod-v4l2loopback', 'package: akmod-nvidia');
    const d = expectDiagnostic(await compileText(yaml), D.OutOfPolicyInstalled, 14, 14);
    expect(d.path).toBe('/modules/0/package');
    expect(d.message).toBe(message(D.OutOfPolicyInstalled, { pkg: 'akmod-nvidia', word: 'nvidia', index: 0 }));
    // the user allows it: no diagnostic
    const allowed = await compileText(`${yaml}validation:\n  outOfPolicy: [zfs]\n`);
    expect(allowed.diagnostics.filter((x) => x.code === D.OutOfPolicyInstalled.code)).toEqual([]);
  });

  it('KS3036: an expected line printed in the initrd is a warning at validation.boot.expect', async () => {
    const r = await compileText(`${BASE}validation:\n  boot:\n    expect: Reached target Initrd Default Target\n`);
    const d = expectDiagnostic(r, D.BootExpectShell, 21, 13);
    expect(d.path).toBe('/validation/boot/expect');
  });

  it('the schema refuses a multi-line expect and a too-short timeout, at their lines', async () => {
    const r = await compileText(`${BASE}validation:\n  boot: {expect: "a\\nb", timeoutSeconds: 5}\n`);
    expect(r.diagnostics.map((d) => [d.path, d.line])).toEqual([
      ['/validation/boot/expect', 20],
      ['/validation/boot/timeoutSeconds', 20],
    ]);
  });

  it('KS3013 on the platforms without an image to boot', async () => {
    const d = expectDiagnostic(await compileText(`${KRATA}validation:\n  outOfPolicy: [zfs]\n`), D.FieldIgnored, 19, 1);
    expect(d.path).toBe('/validation');
  });
});

describe(`the lifecycle scripts pass bash -n${andShellcheck}`, () => {
  for (const [name, yaml] of Object.entries(variants)) {
    it(name, async () => {
      const scripts = await scriptsOf(yaml);
      expect(scripts.length).toBeGreaterThanOrEqual(2);
      const [syntax, findings] = await Promise.all([lint().syntax, lint().findings]);
      for (const f of scripts) {
        expect(syntax.get(`${name}/${f.path}`), f.path).toBe('');
        if (findings) expect(findings.get(`${name}/${f.path}`), f.path).toBe('');
      }
    }, 300_000);
  }
});
