/**
 * kairos: what the planned files say. Every variant's scripts pass bash -n (and shellcheck
 * in the deep run: SHELLCHECK_VARIANTS in test/helpers.ts),
 * every Containerfile parses with dockerfile-ast, and each lesson of the upstream
 * "build from scratch" document and of kairos-init has its own assertion.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import { beforeAll, describe, expect, it } from 'vitest';
import { andShellcheck, bashSyntax, compileText, goldenDir, lazily, SHELLCHECK_VARIANTS, shellcheck, shellcheckAll } from '../../../../test/helpers.js';
import { shQuote } from '../../../quote.js';
import { kairos } from '../../../targets/kairos/index.js';
import { FAMILIES } from '../../../targets/kairos/families.js';
import { TEMPLATES_DIR } from '../../../render.js';

const SPEC = `apiVersion: kspec.dev/v1alpha1
kind: KernelSpec
metadata:
  name: kairos-demo
kernel:
  package: kernel
  arch: [x86_64]
provider:
  type: repo
  packages: [kernel, kernel-modules, kernel-modules-extra]
target:
  platform: kairos
  base: fedora:38
  family: fedora
  framework: quay.io/kairos/framework:v2.4.3
  os: {name: kairos-fedora, version: 1.0.0, repo: quay.io/example/kairos-fedora}
  artifacts: [iso, netboot]
`;

const INIT = SPEC.replace('  framework: quay.io/kairos/framework:v2.4.3', '  init: quay.io/kairos/kairos-init:v0.5.8');
const SIGNED = SPEC + 'signing: {keySecret: mok-key, certSecret: mok-cert, enroll: first-boot}\n';
const VARIANTS: Record<string, string> = {
  'fedora framework': SPEC,
  'fedora init': INIT,
  'fedora copr init trustedboot': INIT.replace('  type: repo\n  packages: [kernel, kernel-modules, kernel-modules-extra]', '  type: copr\n  repo: bieszczaders/kernel-cachyos\n  packages: [kernel-cachyos]')
    .replace('  arch: [x86_64]', '  arch: [x86_64]\n  config: {CONFIG_EFI_STUB: y}') + '  bootloader: trustedboot\n',
  'fedora signed': SIGNED,
  'fedora signed init, no module signing': INIT + 'signing: {keySecret: mok-key, certSecret: mok-cert, modules: false}\n',
  'fedora extraRepo': SPEC.replace('  packages: [kernel, kernel-modules, kernel-modules-extra]', '  packages: [kernel]\n  extraRepo: {name: x, url: https://example.org/x-release.noarch.rpm}'),
  'ubuntu framework': SPEC.replace('family: fedora', 'family: ubuntu').replace('fedora:38', 'ubuntu:24.04').replace(/packages: \[.*\]/, 'packages: [linux-image-generic]'),
  'ubuntu signed init': INIT.replace('family: fedora', 'family: ubuntu').replace(/packages: \[.*\]/, 'packages: [linux-image-generic, linux-headers-generic]') + 'signing: {keySecret: mok-key, certSecret: mok-cert}\n',
  'opensuse stock fips': SPEC.replace('family: fedora', 'family: opensuse').replace('  type: repo\n  packages: [kernel, kernel-modules, kernel-modules-extra]', '  type: stock').replace('v2.4.3', 'v2.4.3-fips') + '  fips: true\n',
  'opensuse extraRepo': SPEC.replace('family: fedora', 'family: opensuse').replace('  packages: [kernel, kernel-modules, kernel-modules-extra]', '  packages: [kernel-default]\n  extraRepo: {name: k, url: https://download.opensuse.org/repositories/Kernel:/stable/standard/}'),
  'fedora cloud-config': SPEC + '  cloudConfig: {inline: "#cloud-config\\nhostname: k"}\n',
  'no artifacts, version given': SPEC.replace('  artifacts: [iso, netboot]\n', '').replace('  package: kernel', '  package: kernel\n  version: 6.8.9-300.fc40.x86_64'),
};

async function files(spec: string): Promise<Map<string, string>> {
  const r = await compileText(spec, 'specs/kairos.yaml');
  expect(r.diagnostics.filter((d) => d.severity === 'error'), spec).toEqual([]);
  return new Map(r.files.map((f) => [f.path, f.content]));
}

/** bash -n and shellcheck on one script. */
function lint(name: string, text: string): void {
  expect(bashSyntax(text), `bash -n ${name}`).toBe('');
  expect(shellcheck(text, name), `shellcheck ${name}`).toBe('');
}
/** Script text without comment lines: assertions about commands must not match prose. */
const code = (s: string): string => s.split('\n').filter((l) => !/^\s*#/.test(l)).join('\n');
function instructions(cf: string): Array<{ kw: string; text: string }> {
  return DockerfileParser.parse(cf).getInstructions().map((i) => ({ kw: i.getKeyword(), text: i.toString() }));
}

describe('kairos plan', () => {
  it('declares its capabilities', () => {
    expect([...kairos.providers].sort()).toEqual(['copr', 'repo', 'stock']);
    expect(kairos.signing).toBe(true);
    expect([...kairos.fallbacks]).toEqual(['rollback']);
  });

  // One shellcheck run over every variant's scripts (a script several variants render alike is checked once).
  const findings = lazily(async () =>
    shellcheckAll((await Promise.all(Object.entries(VARIANTS).map(async ([name, spec]) => [...(await files(spec))].filter(([p]) => p.endsWith('.sh')).map(([p, text]) => [`${name}/${p}`, text] as const)))).flat()),
  );
  // The whole run before the variants' tests: it takes a while on a loaded machine.
  beforeAll(async () => {
    if (SHELLCHECK_VARIANTS) await findings();
  }, 300_000);
  for (const [name, spec] of Object.entries(VARIANTS)) {
    it(`${name}: scripts pass bash -n${andShellcheck}, the Containerfile parses`, async () => {
      const f = await files(spec);
      const scripts = [...f].filter(([p]) => p.endsWith('.sh'));
      expect(scripts.length).toBeGreaterThan(0);
      for (const [p, text] of scripts) {
        expect(bashSyntax(text), `bash -n ${p}`).toBe('');
        if (SHELLCHECK_VARIANTS) expect((await findings()).get(`${name}/${p}`), `shellcheck ${p}`).toBe('');
      }
      const ins = instructions(f.get('Containerfile')!);
      expect(ins.length).toBeGreaterThan(4);
      expect(ins.filter((i) => i.kw === 'FROM').at(-1)!.text).toMatch(/^FROM (fedora|ubuntu):|^FROM fedora:38$/);
    }, 60_000);
  }
});

describe('kairos lessons', () => {
  it('framework flow: packages and kernel in one layer, the framework copied in, then release and initrd', async () => {
    const ins = instructions((await files(SPEC)).get('Containerfile')!);
    const main = ins.slice(ins.findIndex((i) => i.text === 'FROM fedora:38'));
    expect(main.map((i) => i.kw)).toEqual(['FROM', 'RUN', 'COPY', 'RUN', 'RUN']);
    expect(main[1]!.text).toMatch(/\/ctx\/build-kernel\.sh packages kernel$/);
    expect(main[2]!.text).toBe('COPY --from=quay.io/kairos/framework:v2.4.3 / /');
    expect(main[3]!.text).toMatch(/\/ctx\/build-kernel\.sh byoi release initrd$/);
  });

  it('kairos-init flow: -s install, the kernel swap, -s init, then checks and validate', async () => {
    const ins = instructions((await files(INIT)).get('Containerfile')!);
    expect(ins.filter((i) => i.kw === 'FROM').map((i) => i.text)).toEqual(['FROM scratch AS ctx', 'FROM quay.io/kairos/kairos-init:v0.5.8 AS kairos-init', 'FROM fedora:38']);
    const runs = ins.filter((i) => i.kw === 'RUN').map((i) => i.text.replace(/^RUN (--mount=\S+ )*/, ''));
    expect(runs).toEqual([
      "/kairos-init -l debug -s install -m 'generic' -t false --version 'v1.0.0'",
      '/ctx/build-kernel.sh kernel',
      "/kairos-init -l debug -s init -m 'generic' -t false --version 'v1.0.0'",
      '/ctx/build-kernel.sh release check && /kairos-init validate -t false',
      '/ctx/kspec-validate-kernel --install',
    ]);
    expect(ins.some((i) => i.text.startsWith('COPY --from=quay.io/kairos/framework'))).toBe(false);
    const fips = instructions((await files(INIT + '  fips: true\n  bootloader: trustedboot\n')).get('Containerfile')!);
    expect(fips.filter((i) => i.text.includes('-s ')).map((i) => i.text)).toEqual(
      expect.arrayContaining([expect.stringContaining("-s install -m 'generic' -t true --fips --version 'v1.0.0'")]),
    );
  });

  it('the initrd: every tool by name, every path under $ROOT, no failure swallowed (run.test.ts builds it)', async () => {
    const sh = code((await files(SPEC)).get('build-kernel.sh')!);
    expect(sh).not.toMatch(/(^|[\s;(])\/(usr\/)?s?bin\/\w/m);
    expect(sh).not.toMatch(/dracut[^\n]*\|\| *true/);
  });

  it('the package cache is cleaned in the layer that filled it, per family', async () => {
    const cases: Array<[string, RegExp, RegExp]> = [
      ['fedora framework', /dnf -y install --refresh --setopt=install_weak_deps=False "\$@"/, /dnf -y clean all/],
      ['ubuntu framework', /apt-get install -y --no-install-recommends "\$@"/, /apt-get clean; rm -rf -- "\$ROOT\/var\/lib\/apt\/lists\/"\*/],
      ['opensuse stock fips', /zypper --non-interactive --gpg-auto-import-keys install --no-recommends "\$@"/, /zypper --non-interactive clean --all/],
    ];
    for (const [name, install, clean] of cases) {
      const sh = code((await files(VARIANTS[name]!)).get('build-kernel.sh')!);
      expect(sh, name).toMatch(install);
      expect(sh, name).toMatch(clean);
      for (const step of ['packages', 'kernel']) {
        const body = sh.slice(sh.indexOf(`step_${step}() {`));
        expect(body.slice(0, body.indexOf('\n}')), `${name} ${step}`).toMatch(/\n {2}pm_clean$/);
      }
    }
  });

  // The package-manager interface (ARCHITECTURE.md): one partial per manager, the same
  // functions in each, chosen by the view; the template itself names no manager.
  it('package manager: every family gets the same functions from its own partial', async () => {
    const INTERFACE = ['is_installed', 'pm_add_repo', 'pm_clean', 'pm_enable_coprs', 'pm_install', 'pm_remove', 'pm_repos_mark', 'pm_repos_scrub', 'pm_retry_prepare', 'pm_stock_kernel'];
    const managers = new Set<string>();
    for (const name of ['fedora framework', 'fedora extraRepo', 'ubuntu framework', 'opensuse stock fips', 'opensuse extraRepo']) {
      const sh = code((await files(VARIANTS[name]!)).get('build-kernel.sh')!);
      managers.add(/^# ---- the family's package manager \((\w+)\)/m.exec((await files(VARIANTS[name]!)).get('build-kernel.sh')!)![1]!);
      const defined = [...sh.matchAll(/^(\w+)\(\) \{/gm)].map((m) => m[1]!);
      expect(defined.filter((n) => INTERFACE.includes(n)).sort(), name).toEqual(INTERFACE);
      expect(defined.filter((n) => n.startsWith('pm_')).sort(), name).toEqual(INTERFACE.slice(1));
    }
    // Every manager of the families table is covered above: a new one needs its partial.
    expect([...managers].sort()).toEqual([...new Set(Object.values(FAMILIES).map((f) => f.pm))].sort());
    const template = readFileSync(join(TEMPLATES_DIR, 'kairos', 'build-kernel.sh.hbs'), 'utf8');
    expect(template).not.toMatch(/\((eq|ne) pm\b/);
    expect(code(template)).not.toMatch(/\b(dnf|apt-get|zypper|rpm|dpkg-query)\b/);
  });

  it('packages for the family: systemd, dracut and its modules, rsync, parted; grub unless trustedboot', async () => {
    const fedora = code((await files(SPEC)).get('build-kernel.sh')!);
    for (const p of ['systemd', 'dracut', 'dracut-live', 'dracut-network', 'dracut-squash', 'rsync', 'parted']) expect(fedora).toContain(shQuote(p));
    expect(fedora).toContain("x86_64) grub=('grub2' 'grub2-efi-x64' 'grub2-efi-x64-modules' 'grub2-pc' 'shim-x64') ;;");
    const ubuntu = code((await files(VARIANTS['ubuntu framework']!)).get('build-kernel.sh')!);
    expect(ubuntu).toContain("'dracut-live' 'dracut-network'");
    expect(ubuntu).toContain("'linux-image-*' 'linux-modules-*'");
    const trusted = (await files(VARIANTS['fedora copr init trustedboot']!)).get('build-kernel.sh')!;
    expect(code(trusted)).not.toMatch(/grub|shim/);
  });

  it('copr: enabled, installed with the retry loop, the repository scrubbed (as bootc)', async () => {
    const sh = code((await files(VARIANTS['fedora copr init trustedboot']!)).get('build-kernel.sh')!);
    const i = (s: string): number => sh.indexOf(s);
    expect(i("  pm_enable_coprs 'bieszczaders/kernel-cachyos'")).toBeGreaterThan(i('  pm_repos_mark'));
    expect(i('  pm_repos_mark')).toBeGreaterThan(-1);
    expect(i("install_with_retry 'kernel-cachyos'")).toBeGreaterThan(i('  pm_enable_coprs'));
    expect(i('  pm_repos_scrub')).toBeGreaterThan(i("install_with_retry 'kernel-cachyos'"));
    expect(sh).toContain("ATTEMPTS='5'");
    expect(sh).toContain('check_kernel_config');
    expect(sh).toContain("KERNEL_CONFIG=('CONFIG_EFI_STUB' 'y')");
  });

  it('signing: the secret mounts on the kernel step, signed before the initrd, MOK enrollment', async () => {
    const f = await files(SIGNED);
    const cf = f.get('Containerfile')!;
    const kernelRun = instructions(cf).find((x) => x.text.includes('build-kernel.sh packages kernel'))!.text;
    expect(kernelRun).toContain('--mount=type=secret,id=mok-key,target=/run/secrets/kspec-mok.key,required=true');
    expect(kernelRun).toContain('--mount=type=secret,id=mok-cert,target=/run/secrets/kspec-mok.pem,required=true');
    expect(instructions(cf).filter((x) => x.text.includes('type=secret'))).toHaveLength(1);
    const sh = code(f.get('build-kernel.sh')!);
    expect(sh).toContain('sbsign --key "$KEY" --cert "$CERT" --output "$img.signed" "$img"');
    expect(sh).toContain('"$sign_file" sha256 "$KEY" "$CERT" "$ko"');
    expect(sh).toContain("'sbsigntools' 'openssl' 'mokutil'");
    expect(f.get('mok-enroll.service')).toMatch(/mokutil --import/);
    expect(sh.indexOf('  sign_all')).toBeLessThan(sh.indexOf('step_initrd() {'));
    const unsigned = code((await files(SPEC)).get('build-kernel.sh')!);
    expect(unsigned).not.toMatch(/sbsign|sign-file|KEY=|mokutil/);
  });

  it('the dracut drop-in: generic, Kairos modules, compression, FIPS lines only with fips', async () => {
    const conf = (await files(SPEC)).get('dracut.conf.d/99-kspec.conf')!;
    expect(conf).toMatch(/^add_dracutmodules\+=" livenet dmsquash-live immucore network "$/m);
    expect(conf).toMatch(/^compress="zstd"$/m);
    expect(conf).not.toContain('fips');
    const fips = (await files(VARIANTS['opensuse stock fips']!)).get('dracut.conf.d/99-kspec.conf')!;
    expect(fips).toMatch(/^add_dracutmodules\+=" fips "$/m);
    expect(fips).toMatch(/^omit_dracutmodules\+=" iscsi iscsiroot "$/m);
  });

  it('release values from target.os and target.model, the version with a leading v', async () => {
    const sh = code((await files(SPEC)).get('build-kernel.sh')!);
    for (const l of ["KAIROS_NAME 'kairos-fedora'", "KAIROS_VERSION 'v1.0.0'", "KAIROS_MODEL 'generic'", "KAIROS_REPO 'quay.io/example/kairos-fedora'", "KAIROS_FAMILY 'fedora'", 'KAIROS_FIPS false', 'KAIROS_TRUSTED_BOOT false']) {
      expect(sh).toContain(l);
    }
  });

  it('AuroraBoot: ISO and netboot commands with the image name filled in', async () => {
    const f = await files(SPEC);
    const ab = code(f.get('auroraboot.sh')!);
    expect(ab).toContain("DEFAULT_IMAGE='quay.io/example/kairos-fedora'");
    expect(ab).toContain('build-iso --output /result "docker:$IMAGE"');
    expect(ab).toContain('"$DOCKER" run --rm --net host \\');
    expect(ab).toContain('--set "container_image=docker://$IMAGE" \\');
    expect(ab).toContain("NETBOOT_CMDLINE='rd.neednet=1 ip=dhcp rd.cos.disable netboot install-mode console=tty0 selinux=0'");
    expect(ab).not.toMatch(/-v --net/);
    const noArtifacts = await files(VARIANTS['no artifacts, version given']!);
    expect(noArtifacts.has('auroraboot.sh')).toBe(false);
    expect(noArtifacts.get('build-kernel.sh')).toContain("WANT_KVER='6.8.9-300.fc40.x86_64'");
    const iso = code((await files(SPEC.replace('[iso, netboot]', '[iso]'))).get('auroraboot.sh')!);
    expect(iso).not.toContain('netboot.cmdline');
  });

  it('trustedboot: AuroraBoot build-uki with the Secure Boot and PCR keys mounted read-only, not build-iso', async () => {
    const spec = VARIANTS['fedora copr init trustedboot']!.replace('  config: {CONFIG_EFI_STUB: y}', '  config: {CONFIG_EFI_STUB: y}\n  cmdline: [console=ttyS0]');
    const raw = (await files(spec)).get('auroraboot.sh')!;
    lint('auroraboot.sh', raw);
    const ab = code(raw);
    expect(ab).not.toContain('build-iso');
    expect(ab).not.toContain('container_image=');
    expect(ab).toContain("build-uki --output-dir /result --output-type iso --name 'kairos-demo-uki' \\");
    for (const flag of ['--public-keys /keys', '--tpm-pcr-private-key /keys/tpm2-pcr-private.pem', '--sb-key /keys/db.key', '--sb-cert /keys/db.pem', '-v "$KEYS:/keys:ro"', '--extend-cmdline "$UKI_CMDLINE"']) {
      expect(ab).toContain(flag);
    }
    expect(ab).toContain("UKI_CMDLINE='console=ttyS0'");
    expect(ab).toContain("uki-pxe /result/'kairos-demo-uki'.iso");
    // the key folder reaches only the build-uki container
    expect(ab.match(/\/keys:ro/g)).toHaveLength(1);
  });

  it('kernel.cmdline reaches the netboot command line as one quoted word', async () => {
    const spec = SPEC.replace('  arch: [x86_64]', '  arch: [x86_64]\n  cmdline: [console=ttyS0, "quiet"]');
    const ab = (await files(spec)).get('auroraboot.sh')!;
    expect(ab).toContain("NETBOOT_CMDLINE='rd.neednet=1 ip=dhcp rd.cos.disable netboot install-mode console=tty0 selinux=0 console=ttyS0 quiet'");
    lint('auroraboot.sh', ab);
  });
});

describe('kairos: fallback.via rollback', () => {
  it('the Containerfile names how Kairos goes back (A/B boot assessment, kairos-agent bootentry)', async () => {
    const spec = readFileSync(join(goldenDir('kairos-fedora'), 'spec.yaml'), 'utf8');
    expect(spec).toContain('fallback:\n  kernel: previous-image\n  via: rollback\n');
    const withFallback = await compileText(spec);
    const without = await compileText(spec.replace('fallback:\n  kernel: previous-image\n  via: rollback\n', ''));
    expect(without.diagnostics).toEqual([]);
    const cf = (r: typeof without) => r.files.find((f) => f.path === 'Containerfile')!.content;
    expect(cf(withFallback)).toContain('kairos-agent bootentry');
    expect(cf(without)).not.toContain('kairos-agent bootentry');
  });
});
