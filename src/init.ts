/**
 * `kspec init`: a commented starter spec per platform. Each starter must validate as is
 * (schema and checks; a test runs `kspec validate` on the starter of every registered
 * target), so users start from something that compiles and change it field by field.
 * The values are the upstream projects' own examples, from the spec format document.
 */
import type { Platform } from './types.js';

export const PLATFORMS: readonly Platform[] = ['bootc', 'kairos', 'krata', 'liquidmetal', 'rancheros'];

/** metadata.name: a DNS-1123 label (the schema's rule), because it names the output folder. */
export const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

const COMMON_TOP = (schema: string, name: string, what: string): string => `# yaml-language-server: $schema=${schema}
# ${what}
# Edit the values below, then: kspec validate <this file> && kspec compile <this file> -o out
# The whole format: kspec.dev/v1alpha1 (kspec schema prints the JSON Schema).
apiVersion: kspec.dev/v1alpha1
kind: KernelSpec
metadata:
  name: ${name}                  # names the output folder: out/${name}/
  # description: what this kernel is for
`;

const BODIES: Record<Platform, { what: string; body: string }> = {
  bootc: {
    what: 'A kernel swapped into a bootc (Fedora atomic / Universal Blue) image.',
    body: `kernel:
  package: kernel-cachyos      # the package that carries the kernel; version is captured by the build
  arch: [x86_64]
provider:                      # copr | repo | stock
  type: copr
  repo: bieszczaders/kernel-cachyos
  packages: [kernel-cachyos, kernel-cachyos-core, kernel-cachyos-modules, kernel-cachyos-devel-matched]
  retry: {attempts: 5, backoffSeconds: 30}
# signing:                     # Secure Boot: BuildKit secret ids, never key material
#   keySecret: mok-key
#   certSecret: mok-cert
#   enroll: first-boot
initramfs:
  compress: zstd
  require: [dm-crypt, btrfs]   # modules the built initramfs must contain
  minSizeMiB: 50               # a host-only initramfs is smaller; verification fails below this
fallback: {kernel: fedora-stock, via: rollback}
target:
  platform: bootc
  base: ghcr.io/ublue-os/bluefin-dx:stable   # the image whose kernel is swapped
  # image: ghcr.io/me/my-image               # the image this build produces
`,
  },
  kairos: {
    what: 'A Kairos image built from a distribution base with its own kernel.',
    body: `kernel:
  package: kernel
  arch: [x86_64]
provider:                      # repo | copr | stock
  type: repo
  packages: [kernel, kernel-modules, kernel-modules-extra]
fallback: {kernel: previous-image, via: rollback}
target:
  platform: kairos
  base: fedora:38
  family: fedora               # fedora | ubuntu | opensuse
  framework: quay.io/kairos/framework:v2.4.3   # or init: the kairos-init image (one of the two)
  model: generic
  bootloader: grub             # grub | trustedboot (needs CONFIG_EFI_STUB=y in kernel.config)
  os: {name: my-kairos, version: 1.0.0, repo: quay.io/me/my-kairos}
  artifacts: [iso]             # iso and/or netboot (AuroraBoot)
`,
  },
  krata: {
    what: 'A zone kernel for krata, from a kernel image already published as OCI.',
    body: `kernel:
  version: 6.14.6              # the kernel release, as uname -r prints it
  flavor: zone
  arch: [x86_64]
provider:                      # oci | build (a kernel you built: kernelImage, modulesDir, configFile)
  type: oci
  kernel: {image: ghcr.io/edera-dev/zone-kernel:6.14.6}
fallback: {kernel: system-default, via: default}
target:
  platform: krata
  scope: zone                  # zone | host: which required CONFIG_XEN set applies
  # image: ghcr.io/me/zone-kernel:6.14.6-zone   # where the kernel image is pushed
  tags: [latest]
`,
  },
  liquidmetal: {
    what: 'Kernel and modules for Liquid Metal microVMs under CAPMVM.',
    body: `kernel:
  version: 5.10.77             # the kernel release; the modules mount at /lib/modules/<version>
  arch: [x86_64]
provider:
  type: oci
  kernel: {image: ghcr.io/weaveworks-liquidmetal/kernel-bin:5.10.77, filename: boot/vmlinux}
  modules: {image: ghcr.io/weaveworks-liquidmetal/kernel-modules:5.10.77}
target:
  platform: liquidmetal
  capmvm: v0.9.0               # <= v0.7.0 has no separate modules volume
  rootImage: ghcr.io/weaveworks-liquidmetal/capmvm-k8s-os:1.23.5
  template:
    name: mvm-k8s-1-23
    namespace: default
    vcpu: 2
    memoryMb: 2048             # >= 1024
`,
  },
  rancheros: {
    what: 'A custom kernel for a RancherOS ISO build.',
    body: `kernel:
  version: 4.14.138-rancher    # must equal the release inside the tarball (./boot/vmlinuz-<version>)
  arch: [x86_64]               # add aarch64 with a second URL
provider:
  type: tarball
  urls:                        # named for x86 and arm64, as os-kernel publishes them
    x86_64: https://github.com/rancher/os-kernel/releases/download/v4.14.138-rancher/linux-4.14.138-rancher-x86.tar.gz
  # sha256: {x86_64: <sha256sum of the tarball>}   # pin it; check-kernel-tarball.sh prints it
target:
  platform: rancheros
  kernelSource:                # the os-kernel source archive you build the tarball from
    url: https://github.com/rancher/linux/archive/Ubuntu-3.19.0-27.29.tar.gz
    sha1: 84b9bc53bbb4dd465b97ea54a71a9805e27ae4f2
  # dapperfile: os/Dockerfile.dapper   # your Dockerfile.dapper: a patch against it is emitted
`,
  },
};

export function starter(platform: Platform, name: string, schema: string): string {
  const b = BODIES[platform];
  return COMMON_TOP(schema, name, b.what) + b.body;
}
