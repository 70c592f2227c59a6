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
