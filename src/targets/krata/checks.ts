/**
 * krata's platform checks (KS7xxx): what the schema and the common checks (src/check.ts)
 * cannot say about a krata spec, and the compile-time read of provider.configFile.
 */
import path from 'node:path';
import { D } from '../../diagnostics/catalogue.js';
import { KRATA } from './diagnostics.js';
import { pointer } from '../../diagnostics/diagnostic.js';
import { besideSpec, readInside, reportReadProblem, repositoryRoot } from '../../specfiles.js';
import type { Arch } from '../../types.js';
import { satisfies } from '../kconfig.js';
import { requiredOnAll, requiredOnAny } from './options.js';
import type { CheckContext } from '../target.js';
import { KERNEL_IMAGE_NAME } from './view.js';
import type { KrataSpec } from './view.js';

/**
 * Whether a kernel image path cannot be /kernel/image for `arch`: a vmlinux (krata boots
 * bzImage on x86_64 and Image.gz on aarch64), another arch's image, or an uncompressed arm64 Image.
 */
function imageProblem(file: string, arch: Arch): boolean {
  const base = path.posix.basename(file);
  const namesX86 = base === 'bzImage' || file.includes('arch/x86/');
  const namesArm = base === 'Image' || base === 'Image.gz' || file.includes('arch/arm64/');
  if (base === 'vmlinux' || base.startsWith('vmlinux.')) return true;
  return arch === 'x86_64' ? namesArm : namesX86 || base === 'Image';
}

/** Parses a .config: each option's last assignment (Kconfig lets the last one win), with its line. */
export function parseConfig(text: string): Map<string, { value: string; line: number }> {
  const out = new Map<string, { value: string; line: number }>();
  text.split('\n').forEach((raw, i) => {
    const l = raw.trim();
    const set = /^(CONFIG_[A-Za-z0-9_]+)=(.*)$/.exec(l);
    const unset = /^# (CONFIG_[A-Za-z0-9_]+) is not set$/.exec(l);
    if (set) out.set(set[1]!, { value: set[2]!, line: i + 1 });
    else if (unset) out.set(unset[1]!, { value: 'is not set', line: i + 1 });
  });
  return out;
}

export function check(spec: KrataSpec, ctx: CheckContext): void {
  const r = ctx.report;
  const p = spec.provider;
  const scope = spec.target.scope;

  // kernel.config applies to every arch: it must not contradict an option any of them needs.
  for (const o of requiredOnAny(scope, spec.kernel.arch)) {
    const v = spec.kernel.config[o.name];
    if (v !== undefined && !satisfies(o.value, v)) {
      r.report(KRATA.KrataConfigContradicts, pointer('kernel', 'config', o.name), { option: o.name, required: o.value, actual: v, scope });
    }
  }

  if (scope === 'host') {
    // A host kernel is installed on the machine (install-host.sh), never pushed or launched:
    // these fields change no byte of a host output.
    const hostIgnored: Array<[string, boolean, string]> = [
      ['/target/image', p.type === 'build' && spec.target.image !== undefined, 'a host kernel built here is installed by install-host.sh, not pushed as an image'],
      ['/target/tags', p.type === 'build' && spec.target.tags.length > 0, 'a host kernel built here is installed by install-host.sh, not pushed as an image'],
      ['/kernel/cmdline', spec.kernel.cmdline.length > 0, "a host kernel's command line is the boot loader's (GRUB_CMDLINE_LINUX, GRUB_CMDLINE_XEN), which install-host.sh leaves to the machine"],
      ['/fallback', spec.fallback !== undefined, "via: default is krata's system-wide zone kernel, which a host kernel is not; the previous host kernel stays in GRUB's menu"],
    ];
    for (const [ptr, set, why] of hostIgnored) {
      if (set) r.report(D.FieldIgnored, ptr, { field: ptr.slice(1).replace(/\//g, '.'), platform: 'krata', why: `${why} (target.scope: host)` }, 'key');
    }
  }

  if (p.type === 'build') {
    if (spec.target.image === undefined && scope === 'zone') r.report(KRATA.KrataImageMissing, '/target', {}, 'key');
    const wrong = spec.kernel.arch.find((a) => imageProblem(p.kernelImage, a));
    if (wrong) r.report(KRATA.KrataKernelImageArch, '/provider/kernelImage', { file: p.kernelImage, arch: wrong, expected: KERNEL_IMAGE_NAME[wrong] });
    if (p.configFile === undefined) {
      r.report(KRATA.KrataConfigFileMissing, '/provider', {}, 'key');
    } else {
      // Checked only when it exists now: in CI the kernel is often built after compiling, and
      // package.sh checks the final .config again in the build.
      // Read as every file read for a spec is (src/specfiles.ts): inside the repository, a
      // regular file, at most 1 MiB; any other problem than "not there yet" is reported.
      const got = readInside(path.resolve(ctx.specDir, p.configFile), repositoryRoot(ctx.specDir));
      if ('problem' in got && got.problem !== 'missing') reportReadProblem(r, '/provider/configFile', 'provider.configFile', p.configFile, besideSpec(ctx.specPath, p.configFile), got);
      if ('bytes' in got) {
        const config = parseConfig(got.bytes.toString('utf8'));
        // A file shared by several arches can only be held to what all of them need.
        for (const o of requiredOnAll(scope, spec.kernel.arch)) {
          const got = config.get(o.name);
          if (got && !satisfies(o.value, got.value === 'is not set' ? undefined : got.value)) {
            r.report(KRATA.KrataConfigFileContradicts, '/provider/configFile', {
              file: p.configFile, line: got.line, option: o.name, required: o.value, scope,
              setting: got.value === 'is not set' ? `leaves ${o.name} unset` : `sets ${o.name}=${got.value}`,
            });
          }
        }
      }
    }
  }

  if (p.type === 'oci') {
    if (p.modules) r.report(KRATA.KrataOciModules, '/provider/modules', {}, 'key');
    const f = p.kernel.filename;
    if (f !== undefined && f.replace(/^\/+/, '') !== 'kernel/image') r.report(KRATA.KrataOciFilename, '/provider/kernel/filename', { filename: f });
  }
}
