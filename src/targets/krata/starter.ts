/**
 * `kspec init --platform krata`: the body of its starter spec, below the common header
 * (src/init.ts). It must validate as is: test/review.e2e.test.ts validates it, test/format.test.ts lints it.
 */
import type { Starter } from '../target.js';

export const starter: Starter = {
  what: 'A zone kernel for krata, from a kernel image already published as OCI.',
  body: `kernel:
  # the kernel release, as uname -r prints it
  version: 6.14.6
  flavor: zone
  arch: [x86_64]
provider:
  # oci | build (a kernel you built: kernelImage, modulesDir, configFile)
  type: oci
  kernel:
    image: ghcr.io/edera-dev/zone-kernel:6.14.6
fallback:
  kernel: system-default
  via: default
target:
  platform: krata
  # zone | host: which required CONFIG_XEN set applies
  scope: zone
  # where the kernel image is pushed
  # image: ghcr.io/me/zone-kernel:6.14.6-zone
  tags: [latest]
`,
};
