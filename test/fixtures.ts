/** Spec texts shared by several test files. */

/** A valid bootc spec; line numbers in test/diagnostics.test.ts refer to this text. */
export const BASE = `apiVersion: kspec.dev/v1alpha1
kind: KernelSpec
metadata:
  name: demo
kernel:
  package: kernel-cachyos
  arch: [x86_64]
provider:
  type: copr
  repo: bieszczaders/kernel-cachyos
  packages: [kernel-cachyos, kernel-cachyos-devel-matched]
modules:
  - name: v4l2loopback
    package: akmod-v4l2loopback
    repo: rpmfusion-free
target:
  platform: bootc
  base: ghcr.io/ublue-os/bluefin-dx:stable
`;

/** A valid krata spec; line numbers in src/targets/krata/test/check.test.ts refer to this text. */
export const KRATA = `apiVersion: kspec.dev/v1alpha1
kind: KernelSpec
metadata:
  name: kz
kernel:
  version: 6.8.9
  arch: [x86_64]
  config:
    CONFIG_SCHED_BORE: y
provider:
  type: build
  kernelImage: build/arch/x86/boot/bzImage
  modulesDir: build/modules
  configFile: build/.config
target:
  platform: krata
  scope: zone
  image: ghcr.io/example/zone-kernel:6.8.9
`;
