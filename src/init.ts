/**
 * `kspec init`: a commented starter spec per platform. Each starter must validate as is
 * (schema and checks; a test runs `kspec validate` on the starter of every registered
 * target), so users start from something that compiles and change it field by field.
 * The values are the upstream projects' own examples, from the spec format document.
 */
import type { Platform } from './types.js';
import { PLATFORMS } from './targets/index.js';

export { PLATFORMS };

/** metadata.name: a DNS-1123 label (the schema's rule), because it names the output folder. */
export const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** yamllint's default line-length; every starter line stays within it (the modeline may not). */
export const MAX_LINE = 80;

/**
 * The layout is the one both prettier's defaults and yamllint's default rules accept
 * (test/format.test.ts runs both): a document start, no flow mappings (prettier writes
 * `{ a: 1 }`, yamllint wants `{a: 1}`), comments on their own lines indented like the
 * content they describe (prettier leaves one space before a trailing comment, yamllint
 * wants two), and lines of at most 80 columns.
 */
function modeline(schema: string): string {
  const line = `# yaml-language-server: $schema=${schema}`;
  // A long schema path cannot be wrapped: tell yamllint this line may exceed 80 columns.
  return line.length > MAX_LINE ? `# yamllint disable-line rule:line-length\n${line}` : line;
}

const COMMON_TOP = (schema: string, name: string, what: string): string => `${modeline(schema)}
# ${what}
# Edit the values below, then check and build:
#   kspec validate <this file> && kspec compile <this file> -o out
# The whole format: kspec.dev/v1alpha1 (kspec schema prints the JSON Schema).
---
apiVersion: kspec.dev/v1alpha1
kind: KernelSpec
metadata:
  # names the output folder: out/<name>/
  name: ${name}
  # description: what this kernel is for
`;

const BODIES: Record<Platform, { what: string; body: string }> = {
  bootc: {
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
  },
  kairos: {
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
  },
  krata: {
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
  },
  liquidmetal: {
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
  },
  rancheros: {
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
  },
};

export function starter(platform: Platform, name: string, schema: string): string {
  const b = BODIES[platform];
  return COMMON_TOP(schema, name, b.what) + b.body;
}
