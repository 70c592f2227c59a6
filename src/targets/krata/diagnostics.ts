/** The krata target's diagnostics and the range it owns, KS7000-KS7999 (`diagnostics` below, registered by index.ts). */
import type { Entries } from '../../diagnostics/entry.js';
import type { TargetDiagnostics } from '../../diagnostics/ranges.js';

export const KRATA = {
  KrataConfigContradicts: { code: 'KS7001', id: 'krata-config-contradicts', severity: 'error',
    message: 'kernel.config sets {option}={actual}, but a krata {scope} kernel needs {option}={required} (krata admin guide).',
    fix: 'Set it to {required} or remove it.' },
  KrataConfigFileContradicts: { code: 'KS7002', id: 'krata-config-file-contradicts', severity: 'error',
    message: '{file}:{line} {setting}, but a krata {scope} kernel needs {option}={required}.',
    fix: 'Add the required options (required.config in the output) to the config and run `make olddefconfig`.' },
  KrataConfigFileMissing: { code: 'KS7003', id: 'krata-config-file-missing', severity: 'error',
    message: 'A krata kernel image carries /kernel/config.gz and its sha256, and the build checks the required Xen options in it.',
    fix: "Add provider.configFile (the kernel build's .config)." },
  KrataKernelImageArch: { code: 'KS7004', id: 'krata-kernel-image-arch', severity: 'error',
    message: "'{file}' is not the kernel image krata boots on {arch}: /kernel/image must be {expected}.",
    fix: "Point provider.kernelImage at the {expected} of the {arch} build; with several arches, use a path that names no architecture." },
  KrataImageMissing: { code: 'KS7005', id: 'krata-image-missing', severity: 'error',
    message: 'A zone kernel built here is pushed as an image, and kratactl pulls it by name.',
    fix: 'Add target.image (e.g. ghcr.io/me/zone-kernel:6.8.9-standard).' },
  KrataOciModules: { code: 'KS7006', id: 'krata-oci-modules-ignored', severity: 'warning',
    message: "krata takes a zone's modules from /kernel/addons.squashfs in the kernel image; a separate modules image is never read.",
    fix: "Remove provider.modules (and put the modules in the kernel image's addons.squashfs)." },
  KrataOciFilename: { code: 'KS7007', id: 'krata-oci-filename', severity: 'error',
    message: "krata boots /kernel/image from the kernel image; '{filename}' is not read.",
    fix: 'Remove provider.kernel.filename, or package the kernel as a krata kernel image (a build provider).' },
} as const satisfies Entries;

/** Its range and entries, registered by its module (src/diagnostics/all.ts collects them). */
export const diagnostics: TargetDiagnostics<typeof KRATA> = { first: 7000, last: 7999, what: 'the krata target', entries: KRATA };
