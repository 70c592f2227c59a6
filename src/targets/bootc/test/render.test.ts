/**
 * bootc: what the planned files say. Specs are built by hand (normalized, as plan() gets
 * them); every script is checked with bash -n and, in the deep run, shellcheck
 * (SHELLCHECK_VARIANTS in test/helpers.ts), the Containerfile with
 * dockerfile-ast; the assertions are on what a spec's values change (what the scripts do is
 * run.test.ts's, in a fake root; the text they always print is the golden cases').
 */
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import type { Flag } from 'dockerfile-ast';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderFile } from '../../../render.js';
import { commentText, dockerString, shQuote, UnsafeValueError } from '../../../quote.js';
import { bootc } from '../../../targets/bootc/index.js';
import { bootcView } from '../../../targets/bootc/view.js';
import { DRACUT_CONF } from '../../../targets/shared.js';
import type { Compression } from '../../../types.js';
import { bootcSpec, type BootcSpec } from './fixtures.js';
import { andShellcheck, bashSyntaxAll, lazily, ROOT, SHELLCHECK_VARIANTS, shellcheckAllAsync } from '../../../../test/helpers.js';


const HEADER = { specPath: 'specs/bootc-cachyos.yaml', command: 'kspec compile specs/bootc-cachyos.yaml -o out' };
const CTX = { specPath: 'specs/bootc-cachyos.yaml', specDir: join(ROOT, 'specs') };


function renderAll(spec: BootcSpec): Map<string, string> {
  const files = new Map<string, string>();
  for (const f of bootc.plan(spec, CTX)) files.set(f.path, renderFile(f, HEADER).content);
  return files;
}

const SCRIPTS = ['boot-test.sh', 'install.sh', 'promote.sh', 'relabel.sh', 'verify-and-record.sh', 'verify-image.sh'];

/** The scripts of a rendered set, keyed `<prefix><name>` for shellcheckAll; asserts which they are. */
function scriptsOf(files: Map<string, string>, prefix = ''): Array<[string, string]> {
  const scripts = [...files.keys()].filter((p) => p.endsWith('.sh')).sort();
  expect(scripts).toEqual(SCRIPTS);
  return scripts.map((s) => [`${prefix}${s}`, files.get(s)!]);
}

const install = (spec: BootcSpec): string => renderAll(spec).get('install.sh')!;
/** The install.sh text without comment lines: assertions about commands must not match prose. */
const code = (s: string): string =>
  s
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n');
/** The dracut invocation, continuation lines joined. */
function dracutCall(sh: string): string {
  const joined = code(sh).replace(/\\\n\s*/g, '');
  const line = joined.split('\n').find((l) => /^\s*DRACUT_NO_XATTR=1 dracut /.test(l));
  expect(line, 'one dracut invocation').toBeDefined();
  return line!.trim();
}

const VARIANTS: Record<string, BootcSpec> = {
  example: bootcSpec(),
  stock: bootcSpec({ provider: { type: 'stock', allowInsecure: false } as any, kernel: { package: undefined }, modules: [], signing: undefined }),
  'stock signed (kernel only)': bootcSpec({
    provider: { type: 'stock', allowInsecure: false } as any,
    kernel: { package: undefined },
    modules: [],
    signing: { modules: false, enroll: 'none' },
  }),
  'repo with extraRepo': bootcSpec({
    provider: {
      type: 'repo',
      packages: ['kernel-surface', 'kernel-surface-core', 'kernel-surface-modules', 'kernel-surface-devel-matched'],
      extraRepo: { name: 'linux-surface', url: 'https://pkg.surfacelinux.com/fedora/linux-surface-release.noarch.rpm' },
      retry: { attempts: 3, backoffSeconds: 10 },
      allowInsecure: false,
    } as any,
    kernel: { package: 'kernel-surface' },
    modules: [{ name: 'surface-aggregator', package: 'akmod-surface-aggregator', repo: 'linux-surface', optional: false }],
  }),
  'no signing': bootcSpec({ signing: undefined }),
  'signing without enroll': bootcSpec({ signing: { enroll: 'none' } }),
  'signing without modules': bootcSpec({ signing: { modules: false }, modules: [] }),
  'version given': bootcSpec({ kernel: { version: '7.0.8-cachyos1.fc44.x86_64' } }),
  'version without package': bootcSpec({ kernel: { version: '7.0.8-cachyos1.fc44.x86_64', package: undefined } }),
  'several modules': bootcSpec({
    modules: [
      { name: 'v4l2loopback', package: 'akmod-v4l2loopback', repo: 'rpmfusion-free', optional: true },
      { name: 'nvidia', package: 'akmod-nvidia', repo: 'rpmfusion-nonfree', optional: false },
      { name: 'xone', package: 'akmod-xone', repo: 'ublue-os/akmods', optional: true },
      { name: 'zenergy', package: 'akmod-zenergy', optional: false },
    ],
  }),
  'add and omit': bootcSpec({ initramfs: { add: ['ostree', 'crypt', 'btrfs'], omit: ['nfs', 'iscsi'] } }),
  'labels and no description': bootcSpec({
    metadata: { description: undefined, labels: { 'org.opencontainers.image.vendor': 'margine', 'io.artifacthub.package.readme-url': 'https://example.org/README.md' } },
  }),
  'no target.image, empty require': bootcSpec({ target: { image: undefined }, initramfs: { require: [] } }),
  'kmods from images, stock kernel': bootcSpec({
    provider: { type: 'stock', allowInsecure: false } as any,
    kernel: { package: undefined },
    signing: { modules: false },
    modules: [
      { name: 'v4l2loopback', image: 'ghcr.io/ublue-os/akmods:main-44', optional: false },
      { name: 'evdi', image: 'ghcr.io/ublue-os/akmods-extra:main-44', package: 'kmod-evdi', repo: 'rpmfusion-free', optional: true },
    ],
  }),
  'a module built and one from an image': bootcSpec({
    modules: [
      { name: 'xone', package: 'akmod-xone', repo: 'ublue-os/akmods', optional: true },
      { name: 'v4l2loopback', image: 'ghcr.io/ublue-os/akmods:main-44', optional: false },
    ],
  }),
};
for (const c of ['zstd', 'xz', 'gzip', 'lz4'] as Compression[]) VARIANTS[`compress ${c}`] = bootcSpec({ initramfs: { compress: c } });
{
  const none = bootcSpec();
  none.kernel.config = {};
  VARIANTS['no kernel.config'] = none;
}

/**
 * Every variant's scripts: bash -n in one bash, shellcheck (the deep run's) in one run (a
 * text several variants render alike is checked once). Started before the first test, shellcheck runs
 * as a child while this worker goes on with the other tests; the variants' tests, last in
 * the file, await it.
 */
const lint = lazily(() => {
  const scripts = Object.entries(VARIANTS).flatMap(([name, spec]) => scriptsOf(renderAll(spec), `${name}/`));
  const findings = SHELLCHECK_VARIANTS ? shellcheckAllAsync(scripts) : Promise.resolve(undefined);
  findings.catch(() => {}); // rethrown where awaited
  return { syntax: Promise.resolve(bashSyntaxAll(scripts)), findings };
});
beforeAll(() => {
  lint();
});

describe('bootc plan', () => {
  it('plans the files of the target, scripts executable', () => {
    const planned = bootc.plan(bootcSpec(), CTX);
    expect(planned.map((f) => f.path).sort()).toEqual(['Containerfile', 'boot-test.sh', DRACUT_CONF, 'install.sh', 'kspec-validate-kernel', 'mok-enroll.service', 'promote.sh', 'relabel.sh', 'verify-and-record.sh', 'verify-image.sh']);
    for (const f of planned) {
      expect(f.syntax).toBe('hash');
      expect(f.mode ?? 0o644).toBe(f.path.endsWith('.sh') || f.path === 'kspec-validate-kernel' ? 0o755 : 0o644);
    }
    expect(bootc.plan(bootcSpec({ signing: { enroll: 'none' } }), CTX).map((f) => f.path)).not.toContain('mok-enroll.service');
    expect(bootc.plan(bootcSpec({ signing: undefined }), CTX).map((f) => f.path)).not.toContain('mok-enroll.service');
  });

  it('declares its capabilities', () => {
    expect(bootc.platform).toBe('bootc');
    expect([...bootc.providers]).toEqual(['copr', 'repo', 'stock']);
    expect(bootc.signing).toBe(true);
    expect([...bootc.fallbacks]).toEqual(['rollback']);
    expect(bootc.versionRequired?.(bootcSpec({ kernel: { version: undefined } }))).toBeUndefined();
  });

  it('builds the view: install set, transient packages, module repositories', () => {
    const v = bootcView(VARIANTS['several modules']!);
    expect(v.install).toEqual(['kernel-cachyos', 'kernel-cachyos-core', 'kernel-cachyos-modules', 'kernel-cachyos-devel-matched', 'akmods', 'sbsigntools']);
    expect(v.transient).toEqual(['akmods', 'sbsigntools', 'kernel-cachyos-devel-matched']);
    expect(v.modules.map((m) => m.repo)).toEqual([
      { kind: 'rpmfusion', arg: 'free' },
      { kind: 'rpmfusion', arg: 'nonfree' },
      { kind: 'copr', arg: 'ublue-os/akmods' },
      { kind: 'none', arg: '' },
    ]);
    expect(bootcView(VARIANTS['repo with extraRepo']!).modules[0]!.repo).toEqual({
      kind: 'url',
      arg: 'https://pkg.surfacelinux.com/fedora/linux-surface-release.noarch.rpm',
    });
    const stock = bootcView(VARIANTS.stock!);
    expect(stock.install).toEqual([]);
    expect(stock.removeStock).toEqual([]);
    expect(bootcView(VARIANTS['stock signed (kernel only)']!).install).toEqual(['sbsigntools']);
    expect(v.initramfs.add).toEqual([]);
  });

  it('renders the same bytes twice (deterministic)', () => {
    const a = renderAll(bootcSpec());
    const b = renderAll(bootcSpec());
    expect([...a.entries()]).toEqual([...b.entries()]);
    for (const c of a.values()) {
      expect(c.endsWith('\n')).toBe(true);
      expect(c).not.toMatch(/\r/);
    }
  });

  it('puts the generated header after the shebang or syntax line', () => {
    const files = renderAll(bootcSpec());
    expect(files.get('install.sh')!.split('\n').slice(0, 3)).toEqual([
      '#!/usr/bin/env bash',
      '# Generated by kspec from specs/bootc-cachyos.yaml. Do not edit: changes are overwritten.',
      '# Regenerate with: kspec compile specs/bootc-cachyos.yaml -o out',
    ]);
    expect(files.get('Containerfile')!.split('\n')[0]).toBe('# syntax=docker/dockerfile:1');
    expect(files.get(DRACUT_CONF)!.split('\n')[0]).toMatch(/^# Generated by kspec/);
  });
});

describe('bootc Containerfile', () => {
  function parse(spec: BootcSpec) {
    const text = renderAll(spec).get('Containerfile')!;
    const df = DockerfileParser.parse(text);
    return { text, df, instructions: df.getInstructions() };
  }
  /** Undoes dockerString: JSON escapes, and `\$` for `$`. */
  const unquote = (v: string): string =>
    v.startsWith('"') ? JSON.parse(v.replace(/\\(\\|\$)/g, (_m, c: string) => (c === '$' ? '$' : '\\\\'))) : v;
  const mounts = (flags: Flag[]): string[] => flags.filter((f) => f.getName() === 'mount').map((f) => f.getValue() ?? '');
  const labels = (df: ReturnType<typeof DockerfileParser.parse>): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const i of df.getInstructions()) {
      if (i.getKeyword() !== 'LABEL') continue;
      for (const p of (i as any).getProperties()) out[unquote(p.getName())] = unquote(p.getValue());
    }
    return out;
  };

  for (const [name, spec] of Object.entries(VARIANTS)) {
    it(`parses and is complete: ${name}`, () => {
      const { text, df, instructions } = parse(spec);
      expect(df.getDirectives()[0]?.getName()).toBe('syntax');
      expect(text.split('\n')[0]).toBe('# syntax=docker/dockerfile:1');
      const froms = df.getFROMs();
      expect(froms.map((f) => f.getImage())).toEqual(['scratch', spec.target.base]);
      expect(froms[0]!.getBuildStage()).toBe('ctx');
      const copies = df.getCOPYs().map((c) => c.getArgumentsContent());
      expect(copies.includes('mok-enroll.service /mok-enroll.service')).toBe(spec.signing?.enroll === 'first-boot');

      const runs = instructions.filter((i) => i.getKeyword() === 'RUN');
      expect(runs).toHaveLength(4);
      // buildah drops /tmp after the swap's tmpfs mount: the image gets it back, mode 1777
      expect(runs[2]!.getArgumentsContent()).toBe('mkdir -p /tmp && chmod 1777 /tmp');
      const swap = runs[0]! as any;
      const m = mounts(swap.getFlags());
      expect(m.slice(0, 4)).toEqual(['type=bind,from=ctx,source=/,target=/ctx', 'type=cache,dst=/var/cache', 'type=cache,dst=/var/log', 'type=tmpfs,dst=/tmp']);
      const secrets = m.filter((x) => x.startsWith('type=secret'));
      if (spec.signing) {
        expect(secrets).toEqual([
          `type=secret,id=${spec.signing.keySecret},target=/run/secrets/kspec-mok.key,required=true`,
          `type=secret,id=${spec.signing.certSecret},target=/run/secrets/kspec-mok.pem,required=true`,
        ]);
      } else {
        expect(secrets).toEqual([]);
        expect(text).not.toMatch(/type=secret/);
      }
      expect(swap.getArgumentsContent().trim().split(/\s+/).pop()).toBe('/ctx/install.sh');

      const l = labels(df);
      expect(l['containers.bootc']).toBe('1');
      if (spec.kernel.version) expect(l['ostree.linux']).toBe(spec.kernel.version);
      else expect(l['ostree.linux']).toBeUndefined();
      for (const [k, v] of Object.entries(spec.metadata.labels)) expect(l[k]).toBe(v);
      if (spec.metadata.description) expect(l['org.opencontainers.image.description']).toBe(spec.metadata.description);
      else expect(l['org.opencontainers.image.description']).toBeUndefined();

      const last = instructions[instructions.length - 1]!;
      expect(last.getKeyword()).toBe('RUN');
      expect(last.getArgumentsContent()).toBe('bootc container lint');
    });
  }

  it('keeps the swap to one RUN (no Plymouth or other stages)', () => {
    const { instructions } = parse(bootcSpec());
    expect(instructions.filter((i) => i.getKeyword() === 'RUN').map((i) => i.getArgumentsContent()?.trim().split(/\s+/).pop())).toEqual([
      '/ctx/install.sh',
      '--install',
      '/tmp',
      'lint',
    ]);
  });

  it('points the secret mounts at the paths install.sh reads', () => {
    const files = renderAll(bootcSpec());
    for (const p of ['/run/secrets/kspec-mok.key', '/run/secrets/kspec-mok.pem']) {
      expect(files.get('Containerfile')).toContain(`target=${p},`);
      expect(files.get('install.sh')).toContain(`"$ROOT${p}"`);
    }
  });
});

describe('bootc handbook lessons, in the rendered install.sh', () => {
  const sh = install(bootcSpec());
  const lines = code(sh).split('\n');
  const at = (re: RegExp): number => {
    const i = lines.findIndex((l) => re.test(l));
    expect(i, String(re)).toBeGreaterThanOrEqual(0);
    return i;
  };

  it('--kver + --regenerate-all: never --regenerate-all', () => {
    for (const s of Object.values(VARIANTS).map(install)) expect(s).not.toContain('--regenerate-all');
  });

  it('|| true ate the proof: no || true anywhere near dracut (nor anywhere else)', () => {
    for (const s of Object.values(VARIANTS).map(install)) {
      expect(s).not.toMatch(/\|\|\s*(true|:)(\s|$)/);
      const call = dracutCall(s);
      expect(call).not.toMatch(/\|\||;\s*true/);
    }
    // dracut is not inside a condition that would mask its status (run.test.ts: a dracut failure fails the build)
    const i = at(/^\s*DRACUT_NO_XATTR=1 dracut /);
    expect(lines.slice(i - 6, i).join('\n')).not.toMatch(/\bif\b.*$/m);
  });

  it('host-only initramfs of the wrong host: no variant asks dracut for host-only', () => {
    for (const s of Object.values(VARIANTS).map(install)) expect(dracutCall(s)).not.toMatch(/ (-H|--hostonly)( |$)/);
  });

  it('the drop-in holds the modules the spec adds and omits, and its compression', () => {
    const conf = renderAll(bootcSpec()).get(DRACUT_CONF)!;
    expect(conf).toMatch(/^add_dracutmodules\+=" ostree "$/m);
    expect(conf).toMatch(/^compress="zstd"$/m);
    expect(conf).not.toMatch(/omit_dracutmodules/);
    const other = renderAll(VARIANTS['add and omit']!).get(DRACUT_CONF)!;
    expect(other).toMatch(/^add_dracutmodules\+=" ostree crypt btrfs "$/m);
    expect(other).toMatch(/^omit_dracutmodules\+=" nfs iscsi "$/m);
    // install.sh puts it in place before dracut runs: run.test.ts
    expect(sh).toContain(`DRACUT_CONF='90-kspec.conf'`);
  });

  it("the ostree dracut module is never auto-included: the spec's modules come after --add ostree", () => {
    expect(dracutCall(install(VARIANTS['add and omit']!))).toContain("--add ostree --add 'crypt' --add 'btrfs' --omit 'nfs' --omit 'iscsi'");
  });

  it('each compression maps to its dracut flag and drop-in value', () => {
    const flags: Record<Compression, string> = { zstd: '--zstd', xz: '--xz', gzip: '--gzip', lz4: '--lz4' };
    for (const [c, f] of Object.entries(flags)) {
      const files = renderAll(VARIANTS[`compress ${c}`]!);
      expect(dracutCall(files.get('install.sh')!)).toContain(` --reproducible ${f} `);
      expect(files.get(DRACUT_CONF)).toContain(`compress="${c}"`);
    }
  });

  it('persistent build caches poison dnf: dnf clean packages metadata before the install, and --refresh', () => {
    const clean = at(/^dnf -y clean packages metadata$/);
    const inst = at(/^install_with_retry '/);
    expect(clean).toBeLessThan(inst);
    expect(lines[inst]).toBe(
      "install_with_retry 'kernel-cachyos' 'kernel-cachyos-core' 'kernel-cachyos-modules' 'kernel-cachyos-devel-matched' 'akmods' 'sbsigntools'",
    );
  });

  it('COPR browns out: retry loop with linear backoff and dnf clean metadata between tries', () => {
    expect(sh).toContain("ATTEMPTS='5'");
    expect(sh).toContain("BACKOFF='30'");
    expect(install(VARIANTS['repo with extraRepo']!)).toContain("ATTEMPTS='3'");
  });

  it('-devel-matched, not -devel: the headers come from the -devel-matched package and are build-only', () => {
    expect(lines[at(/^install_with_retry '/)]).toContain("'kernel-cachyos-devel-matched'");
    expect(lines[at(/^TRANSIENT_CANDIDATES=/)]).toContain("'kernel-cachyos-devel-matched'");
    expect(code(sh)).not.toMatch(/uname -r/);
  });

  it('version capture: rpm -q <kernel.package> --queryformat, or the given version asserted', () => {
    expect(lines[at(/^KVER="\$\(/)]).toBe(`KVER="$(query_kernel_package 'kernel-cachyos')"`);
    const given = code(install(VARIANTS['version given']!));
    expect(given).toContain("KVER='7.0.8-cachyos1.fc44.x86_64'");
    expect(given).toContain(`installed="$(query_kernel_package 'kernel-cachyos')"`);
    expect(code(install(VARIANTS.stock!))).toContain('KVER="$(kernel_dirs)"');
  });

  it('exactly one kernel: stock removed (only installed packages), /usr/lib/modules emptied, asserted', () => {
    expect(lines[at(/^remove_installed 'kernel'/)]).toBe(
      "remove_installed 'kernel' 'kernel-core' 'kernel-modules' 'kernel-modules-core' 'kernel-modules-extra' 'kernel-devel' 'kernel-devel-matched'",
    );
    expect(at(/^rm -rf -- "\$\{MODULES_DIR:\?\}"\/\*$/)).toBeLessThan(at(/^install_with_retry '/));
    expect(at(/^assert_one_kernel$/)).toBeGreaterThan(at(/^install_with_retry '/));
    expect(code(sh)).toContain('die "expected exactly one kernel under /usr/lib/modules, found ${#dirs[@]}: ${dirs[*]:-(none)}"');
    const stock = code(install(VARIANTS.stock!));
    expect(stock).not.toMatch(/remove_installed 'kernel'|rm -rf -- "\$\{MODULES_DIR/);
    expect(stock).not.toMatch(/install_with_retry '/);
  });

  it('the COPR .repo file is scrubbed after the install (and every module repository after its module)', () => {
    const scrub = at(/^scrub_repos$/);
    expect(scrub).toBeGreaterThan(at(/^install_with_retry '/));
    expect(lines[scrub + 1]).toBe('rm -f -- "$REPO_DIR"/*copr*');
    const repo = code(install(VARIANTS['repo with extraRepo']!));
    expect(repo).toContain("add_repo_url 'https://pkg.surfacelinux.com/fedora/linux-surface-release.noarch.rpm'");
    expect(repo).toMatch(/install_with_retry [^\n]*\n[\s\S]*\nscrub_repos\n/);
    expect(repo).not.toContain('*copr*');
    expect(repo).toContain(
      "run_module 'surface-aggregator' 'akmod-surface-aggregator' required 'url' 'https://pkg.surfacelinux.com/fedora/linux-surface-release.noarch.rpm'",
    );
  });

  it('module repositories: each module with its repository (rpmfusion, COPR, URL, none) and policy', () => {
    const s = code(install(VARIANTS['several modules']!));
    expect(s).toContain("run_module 'v4l2loopback' 'akmod-v4l2loopback' optional 'rpmfusion' 'free'");
    expect(s).toContain("run_module 'nvidia' 'akmod-nvidia' required 'rpmfusion' 'nonfree'");
    expect(s).toContain("run_module 'xone' 'akmod-xone' optional 'copr' 'ublue-os/akmods'");
    expect(s).toContain("run_module 'zenergy' 'akmod-zenergy' required 'none' ''");
  });

  it('no dnf autoremove: transient build-only packages are removed by name', () => {
    // never `dnf autoremove` (run.test.ts: every removal says --no-autoremove, or --noautoremove on dnf4)
    for (const s of Object.values(VARIANTS).map(install)) expect(code(s)).not.toMatch(/dnf[^\n]* autoremove/);
    const i = at(/^\s*remove_installed "\$\{TRANSIENT\[@\]\}"$/);
    expect(i).toBeGreaterThan(at(/DRACUT_NO_XATTR=1 dracut/));
    expect(lines[at(/^TRANSIENT_CANDIDATES=/)]).toBe("TRANSIENT_CANDIDATES=('akmods' 'sbsigntools' 'kernel-cachyos-devel-matched')");
    expect(code(install(VARIANTS['no signing']!))).toContain("TRANSIENT_CANDIDATES=('akmods' 'kernel-cachyos-devel-matched')");
  });

  it('signing: what is signed and enrolled follows signing.enroll and signing.modules', () => {
    // what the signing does (sbsign then sbverify, sign-file in each compression, the MOK as
    // DER, the unit enabled) is run in a fake root by run.test.ts
    const noEnroll = code(install(VARIANTS['signing without enroll']!));
    expect(noEnroll).toContain('sbsign ');
    expect(noEnroll).not.toContain('mok-enroll');
    const noModules = code(install(VARIANTS['signing without modules']!));
    expect(noModules).toContain('sign_kernel');
    expect(noModules).not.toContain('sign-file');
    const unsigned = code(install(VARIANTS['no signing']!));
    expect(unsigned).not.toMatch(/sbsign|sign-file|KEY=|mokutil|openssl/);
  });

  it('kernel.config is checked against the installed kernel right after the version is known', () => {
    expect(lines[at(/^KERNEL_CONFIG=/)]).toBe("KERNEL_CONFIG=('CONFIG_HZ' '1000' 'CONFIG_SCHED_BORE' 'y')");
    expect(at(/^check_kernel_config$/)).toBeGreaterThan(at(/^assert_one_kernel$/));
    expect(at(/^check_kernel_config$/)).toBeLessThan(at(/^run_module /));
    // its scripts pass bash -n and shellcheck: the variant 'no kernel.config'
    expect(code(install(VARIANTS['no kernel.config']!))).not.toMatch(/KERNEL_CONFIG|check_kernel_config/);
  });

  it('every filesystem path goes through $ROOT, every tool is called by name', () => {
    const s = code(sh);
    for (const m of s.matchAll(/"(\/(usr|etc|var|boot|run|root)\/[^"]*)"/g)) throw new Error(`unprefixed path ${m[1]}`);
    expect(s).not.toMatch(/(^|[\s;(])\/(usr\/)?s?bin\/\w/m);
  });

  it('the inherited ostree.linux label points at the old kernel: the label is the version, or relabel.sh sets it', () => {
    const files = renderAll(VARIANTS['version given']!);
    expect(files.get('Containerfile')).toMatch(/^LABEL ostree\.linux="7\.0\.8-cachyos1\.fc44\.x86_64"$/m);
    const unknown = renderAll(bootcSpec()).get('Containerfile')!;
    expect(unknown).not.toMatch(/^LABEL ostree\.linux/m);
    expect(unknown).toContain('# The kernel release is only known after this build');
    // what relabel.sh and verify-image.sh --label do is run by run.test.ts
    expect(code(renderAll(bootcSpec()).get('relabel.sh')!)).toContain("DEFAULT_IMAGE='ghcr.io/margine/margine'");
    expect(code(renderAll(VARIANTS['no target.image, empty require']!).get('relabel.sh')!)).toContain("DEFAULT_IMAGE=''");
  });

  it("verify-image.sh checks the spec's own figures; each check is run by run.test.ts", () => {
    const s = code(renderAll(bootcSpec()).get('verify-image.sh')!);
    expect(s).toContain("MIN_MIB='50'");
    expect(s).toContain("REQUIRE=('dm-crypt' 'dm-mod' 'btrfs' 'virtio_blk')");
    expect(s).toContain("COPR='bieszczaders/kernel-cachyos'");
    expect(code(renderAll(VARIANTS['no signing']!).get('verify-image.sh')!)).not.toContain('sbverify');
  });
});

describe('bootc hostile values', () => {
  const HOSTILE = [
    `x'; touch /tmp/kspec-pwned; echo '`,
    '$(touch /tmp/kspec-pwned)',
    '`touch /tmp/kspec-pwned`',
    '"; touch /tmp/kspec-pwned; echo "',
    'two words\tand a tab',
    'new\nline',
    '--help',
    '*',
    '${IFS}$HOME\\',
    "it's",
  ];
  /** ctx: where the value lands; alsoDocker: it is also a Containerfile string (a newline is refused there). */
  type Field = { name: string; set: (v: string) => BootcSpec; ctx: 'shell' | 'docker' | 'token'; alsoDocker?: boolean };
  const FIELDS: Field[] = [
    { name: 'provider.packages', ctx: 'shell', set: (v) => bootcSpec({ provider: { packages: ['kernel-cachyos', v] } as any }) },
    { name: 'kernel.package', ctx: 'shell', set: (v) => bootcSpec({ kernel: { package: v }, provider: { packages: [v, 'kernel-cachyos-devel-matched'] } as any }) },
    { name: 'kernel.version', ctx: 'shell', alsoDocker: true, set: (v) => bootcSpec({ kernel: { version: v } }) },
    { name: 'provider.repo', ctx: 'shell', set: (v) => bootcSpec({ provider: { repo: v } as any }) },
    {
      name: 'provider.extraRepo.url',
      ctx: 'shell',
      set: (v) =>
        bootcSpec({
          provider: { type: 'repo', packages: ['kernel-cachyos', 'kernel-cachyos-devel-matched'], extraRepo: { name: 'x', url: v }, retry: { attempts: 5, backoffSeconds: 30 }, allowInsecure: false } as any,
          modules: [{ name: 'm', package: 'akmod-m', repo: 'x', optional: false }],
        }),
    },
    { name: 'modules[].name', ctx: 'shell', set: (v) => bootcSpec({ modules: [{ name: v, package: 'akmod-x', repo: 'rpmfusion-free', optional: true }] }) },
    { name: 'modules[].package', ctx: 'shell', set: (v) => bootcSpec({ modules: [{ name: 'x', package: v, optional: false }] }) },
    { name: 'kernel.config (value)', ctx: 'shell', set: (v) => bootcSpec({ kernel: { config: { CONFIG_HZ: v } } }) },
    { name: 'kernel.config (key)', ctx: 'shell', set: (v) => bootcSpec({ kernel: { config: { [v]: 'y' } } }) },
    { name: 'target.removeStock', ctx: 'shell', set: (v) => bootcSpec({ target: { removeStock: ['kernel', v] } }) },
    { name: 'initramfs.require', ctx: 'shell', set: (v) => bootcSpec({ initramfs: { require: [v] } }) },
    { name: 'metadata.labels (value)', ctx: 'docker', set: (v) => bootcSpec({ metadata: { labels: { 'org.example.x': v } } }) },
    { name: 'metadata.labels (key)', ctx: 'docker', set: (v) => bootcSpec({ metadata: { labels: { [v]: 'x' } } }) },
    { name: 'metadata.description', ctx: 'docker', set: (v) => bootcSpec({ metadata: { description: v } }) },
    { name: 'signing.keySecret', ctx: 'token', set: (v) => bootcSpec({ signing: { keySecret: v } }) },
    { name: 'signing.certSecret', ctx: 'token', set: (v) => bootcSpec({ signing: { certSecret: v } }) },
    { name: 'target.base', ctx: 'token', set: (v) => bootcSpec({ target: { base: v } }) },
    { name: 'target.image', ctx: 'token', set: (v) => bootcSpec({ target: { image: v } }) },
    { name: 'initramfs.add', ctx: 'token', set: (v) => bootcSpec({ initramfs: { add: [v] } }) },
    { name: 'initramfs.omit', ctx: 'token', set: (v) => bootcSpec({ initramfs: { omit: [v] } }) },
    { name: 'initramfs.compress', ctx: 'token', set: (v) => bootcSpec({ initramfs: { compress: v as Compression } }) },
  ];

  for (const field of FIELDS) {
    it(`${field.name}: refused or quoted as one literal word`, () => {
      const syntax: Array<[string, string]> = [];
      for (const v of HOSTILE) {
        let files: Map<string, string>;
        try {
          files = renderAll(field.set(v));
        } catch (e) {
          expect(e, `${field.name} = ${JSON.stringify(v)}`).toBeInstanceOf(UnsafeValueError);
          // only token contexts and Containerfile strings with a newline may refuse
          expect(field.ctx === 'token' || ((field.ctx === 'docker' || field.alsoDocker === true) && v.includes('\n')), `${field.name} refused ${JSON.stringify(v)}`).toBe(true);
          continue;
        }
        expect(field.ctx, `${field.name} accepted ${JSON.stringify(v)}`).not.toBe('token');
        const scripts = [...files].filter(([p]) => p.endsWith('.sh'));
        for (const [p, c] of scripts) syntax.push([`${p}: ${JSON.stringify(v)}`, c]);
        if (field.ctx === 'shell') {
          expect(scripts.some(([, c]) => c.includes(shQuote(v))), `${field.name} quoted`).toBe(true);
          for (const [, c] of scripts) expect(c).not.toContain(`"${v}"`);
        } else {
          const cf = files.get('Containerfile')!;
          expect(cf).toContain(dockerString(v));
          const base = DockerfileParser.parse(renderAll(bootcSpec()).get('Containerfile')!).getInstructions().length;
          expect(DockerfileParser.parse(cf).getInstructions().length).toBeGreaterThanOrEqual(base);
          expect(cf.split('\n').filter((l) => l.includes(dockerString(v)))).toHaveLength(1);
        }
        // the Containerfile never grows instructions from a value
        const kinds = DockerfileParser.parse(files.get('Containerfile')!)
          .getInstructions()
          .map((i) => i.getKeyword());
        expect(kinds.filter((k) => k === 'RUN')).toHaveLength(4);
      }
      // every script of every value parses (one bash, each distinct text once)
      expect([...bashSyntaxAll(syntax)].filter(([, e]) => e !== '')).toEqual([]);
    }, 60_000);
  }

  it('a quoted word taken from install.sh prints back literally through bash', () => {
    for (const v of HOSTILE) {
      const sh = install(bootcSpec({ provider: { packages: ['kernel-cachyos', 'kernel-cachyos-devel-matched', v] } as any }));
      const word = shQuote(v);
      expect(sh).toContain(` ${word}`);
      const r = spawnSync('bash', ['-c', `printf '%s\\n' ${word}`], { encoding: 'utf8', cwd: tmpdir() });
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(`${v}\n`);
    }
  });

  it('numbers that reach shell arithmetic must be numbers', () => {
    expect(() => renderAll(bootcSpec({ provider: { retry: { attempts: '5$(id)' as any } } as any }))).toThrow(UnsafeValueError);
    expect(() => renderAll(bootcSpec({ initramfs: { minSizeMiB: -1 } }))).toThrow(UnsafeValueError);
    expect(() => renderAll(bootcSpec({ initramfs: { minSizeMiB: 1.5 } }))).toThrow(UnsafeValueError);
  });

  it('text in a comment line keeps any printable character but cannot end the comment', () => {
    expect(commentText('7.0.8~rc1 $(id) `x` "y"')).toBe('7.0.8~rc1 $(id) `x` "y"');
    for (const v of ['a\nrm -rf /', 'a\rb', 'a\u0000b', 'a\u001bb']) expect(() => commentText(v), JSON.stringify(v)).toThrow(UnsafeValueError);
  });
});

describe(`bootc scripts pass bash -n${andShellcheck}`, () => {
  // Last in the file: the shellcheck run started with the file (see `findings`) has had the
  // other tests' time to finish.
  for (const name of Object.keys(VARIANTS)) {
    it(name, async () => {
      const [syntax, found] = await Promise.all([lint().syntax, lint().findings]);
      for (const [key] of scriptsOf(renderAll(VARIANTS[name]!), `${name}/`)) {
        expect(syntax.get(key), `bash -n ${key}`).toBe('');
        if (found) expect(found.get(key), `shellcheck ${key}`).toBe('');
      }
    }, 300_000);
  }
});
