/**
 * `kspec init --platform bootc`: the body of its starter spec, below the common header
 * (src/init.ts). It must validate as is: test/review.e2e.test.ts validates it, test/format.test.ts lints it.
 */
import type { Starter } from '../target.js';

export const starter: Starter = {
  what: 'A kernel swapped into a bootc (Fedora atomic / Universal Blue) image.',
  body: `kernel:
  # the package that carries the kernel; the build captures its version
  package: kernel-cachyos
  arch: [x86_64]
provider:
  # copr | repo | stock
  type: copr
  repo: bieszczaders/kernel-cachyos
  packages:
    - kernel-cachyos
    - kernel-cachyos-core
    - kernel-cachyos-modules
    - kernel-cachyos-devel-matched
  retry:
    attempts: 5
    backoffSeconds: 30
# Secure Boot: BuildKit secret ids, never key material
# signing:
#   keySecret: mok-key
#   certSecret: mok-cert
#   enroll: first-boot
initramfs:
  compress: zstd
  # modules the built initramfs must contain
  require: [dm-crypt, btrfs]
  # a host-only initramfs is smaller; verification fails below this
  minSizeMiB: 50
fallback:
  kernel: fedora-stock
  via: rollback
target:
  platform: bootc
  # the image whose kernel is swapped
  base: ghcr.io/ublue-os/bluefin-dx:stable
  # the image this build produces
  # image: ghcr.io/me/my-image
`,
};
