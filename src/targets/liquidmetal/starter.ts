/**
 * `kspec init --platform liquidmetal`: the body of its starter spec, below the common header
 * (src/init.ts). It must validate as is: test/review.e2e.test.ts validates it, test/format.test.ts lints it.
 */
import type { Starter } from '../target.js';

export const starter: Starter = {
  what: 'Kernel and modules for Liquid Metal microVMs under CAPMVM.',
  body: `kernel:
  # the kernel release; the modules mount at /lib/modules/<version>
  version: 5.10.77
  arch: [x86_64]
provider:
  type: oci
  kernel:
    image: ghcr.io/liquidmetal-dev/kernel-bin:5.10.77
    filename: boot/vmlinux
  modules:
    image: ghcr.io/liquidmetal-dev/kernel-modules:5.10.77
target:
  platform: liquidmetal
  # <= v0.7.0 has no separate modules volume
  capmvm: v0.9.0
  rootImage: ghcr.io/liquidmetal-dev/capmvm-kubernetes:1.23.5
  template:
    name: mvm-k8s-1-23
    namespace: default
    vcpu: 2
    # >= 1024
    memoryMb: 2048
`,
};
