/**
 * `kspec init --platform rancheros`: the body of its starter spec, below the common header
 * (src/init.ts). It must validate as is: test/review.e2e.test.ts validates it, test/format.test.ts lints it.
 */
import type { Starter } from '../target.js';

export const starter: Starter = {
  what: 'A custom kernel for a RancherOS ISO build.',
  body: `kernel:
  # must equal the release inside the tarball (./boot/vmlinuz-<version>)
  version: 4.14.138-rancher
  # add aarch64 with a second URL
  arch: [x86_64]
provider:
  type: tarball
  # named for x86 and arm64, as os-kernel publishes them
  urls:
    x86_64: >-
      https://github.com/rancher/os-kernel/releases/download/v4.14.138-rancher/linux-4.14.138-rancher-x86.tar.gz
  # pin it; check-kernel-tarball.sh prints it
  # sha256:
  #   x86_64: <sha256sum of the tarball>
target:
  platform: rancheros
  # your Dockerfile.dapper: a patch against it is emitted
  # dapperfile: os/Dockerfile.dapper
  # the os-kernel source archive you build the tarball from
  kernelSource:
    url: https://github.com/rancher/linux/archive/Ubuntu-3.19.0-27.29.tar.gz
    sha1: 84b9bc53bbb4dd465b97ea54a71a9805e27ae4f2
`,
};
