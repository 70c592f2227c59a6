/**
 * `kspec init --platform kairos`: the body of its starter spec, below the common header
 * (src/init.ts). It must validate as is: test/review.e2e.test.ts validates it, test/format.test.ts lints it.
 */
import type { Starter } from '../target.js';

export const starter: Starter = {
  what: 'A Kairos image built from a distribution base with its own kernel.',
  body: `kernel:
  package: kernel
  arch: [x86_64]
provider:
  # repo | copr | stock
  type: repo
  packages: [kernel, kernel-modules, kernel-modules-extra]
fallback:
  kernel: previous-image
  via: rollback
target:
  platform: kairos
  base: fedora:38
  # fedora | ubuntu | opensuse
  family: fedora
  # or init: the kairos-init image (one of the two)
  framework: quay.io/kairos/framework:v2.4.3
  model: generic
  # grub | trustedboot (needs CONFIG_EFI_STUB=y in kernel.config)
  bootloader: grub
  os:
    name: my-kairos
    version: 1.0.0
    repo: quay.io/me/my-kairos
  # iso and/or netboot (AuroraBoot)
  artifacts: [iso]
`,
};
