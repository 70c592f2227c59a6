/**
 * The image lifecycle after `kspec compile` for the targets that build a bootable image
 * (bootc, kairos), after the three validation layers of
 * upstream-docs/bootc-kernel-swap-handbook.md §3.5 and its upstream watch (§3.1):
 *
 * - kspec-validate-kernel: the on-machine validator, installed into the image by the
 *   Containerfile (`--install` records the kernel release at build time);
 * - boot-test.sh: QEMU + OVMF + swtpm boot of a disk built from the image
 *   (osbuild image-builder or bootc-image-builder for bootc, AuroraBoot for kairos);
 * - bootc only: verify-and-record.sh (verify-image.sh in the image, the pass recorded) and
 *   promote.sh (candidate -> stable with skopeo, only for recorded passes).
 *
 * The text lives in templates/lifecycle/; this module only builds their view.
 */
import { wholeNumber } from '../quote.js';
import { GOARCH, isPackageProvider } from './shared.js';
import type { Arch, PlannedFile, SpecFor } from '../types.js';

/** Where the validator is installed in the image. */
export const VALIDATOR = 'kspec-validate-kernel';

export interface LifecycleView {
  platform: 'bootc' | 'kairos';
  /** The image the build produces (bootc target.image; kairos os.repo or the default), or null. */
  image: string | null;
  arches: Array<{ arch: Arch; goarch: string }>;
  multiArch: boolean;
  outOfPolicy: string[];
  boot: { expect: string; timeoutSeconds: number };
  signing: boolean;
  secureBoot: boolean;
  enroll: boolean;
  /** provider: stock keeps the base's kernel: no stock-package or unsigned-kernel checks. */
  stockProvider: boolean;
  /** How the machine lists installed packages. */
  pm: 'rpm' | 'dpkg';
  /** rpm families: the stock kernel packages that must not be installed. */
  stockKernel: string[];
  /** kairos: the AuroraBoot image that builds the test disk. */
  auroraboot: string;
}

export interface LifecycleInput {
  image: string | null;
  /** Stock kernel package names (rpm), already without the provider's own packages. */
  stockKernel: string[];
  pm: 'rpm' | 'dpkg';
  auroraboot: string;
}

export function lifecycleView(spec: SpecFor<'bootc'> | SpecFor<'kairos'>, input: LifecycleInput): LifecycleView {
  const provided = isPackageProvider(spec.provider) ? spec.provider.packages : [];
  const v = spec.validation;
  return {
    platform: spec.target.platform,
    image: input.image,
    arches: spec.kernel.arch.map((arch) => ({ arch, goarch: GOARCH[arch] })),
    multiArch: spec.kernel.arch.length > 1,
    outOfPolicy: [...v.outOfPolicy],
    boot: { expect: v.boot.expect, timeoutSeconds: wholeNumber(v.boot.timeoutSeconds, 'a timeout in seconds') },
    signing: spec.signing?.secureBoot === true,
    secureBoot: spec.signing?.secureBoot === true,
    enroll: spec.signing?.secureBoot === true && spec.signing.enroll === 'first-boot',
    stockProvider: !isPackageProvider(spec.provider),
    pm: input.pm,
    stockKernel: input.stockKernel.filter((p) => !provided.includes(p)),
    auroraboot: input.auroraboot,
  };
}

/** The lifecycle files of a bootc or kairos output. */
export function lifecycleFiles(data: LifecycleView): PlannedFile[] {
  const files: PlannedFile[] = [
    { path: VALIDATOR, syntax: 'hash', mode: 0o755, template: 'lifecycle/kspec-validate-kernel', data },
    { path: 'boot-test.sh', syntax: 'hash', mode: 0o755, template: 'lifecycle/boot-test.sh', data },
  ];
  if (data.platform === 'bootc') {
    files.push(
      { path: 'verify-and-record.sh', syntax: 'hash', mode: 0o755, template: 'lifecycle/verify-and-record.sh', data },
      { path: 'promote.sh', syntax: 'hash', mode: 0o755, template: 'lifecycle/promote.sh', data },
    );
  }
  return files;
}
