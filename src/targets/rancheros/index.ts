/**
 * rancheros: point a RancherOS ISO build at a custom kernel tarball.
 *
 * RancherOS has no kernel-swap step of its own: rancher/os's Dockerfile.dapper names the
 * kernel tarball per architecture in ARGs ("General Configuration" section), and the
 * tarball is packaged by rancher/os-kernel, whose scripts/build-common takes the source
 * archive from `: ${KERNEL_URL:=...}` defaults. So kspec emits those ARGs (and a patch
 * against the user's Dockerfile.dapper), the build-common overrides, and a script that
 * checks a tarball's layout before the ISO build trusts it. See
 * upstream-docs/rancheros-custom-kernels.md and reference/rancheros/README.md.
 */
import path from 'node:path';
import type { PlannedFile } from '../../types.js';
import { dapperPatch } from './dapper.js';
import { NO_PACKAGES } from '../shared.js';
import { defineTarget, type PlanContext } from '../target.js';
import { KERNEL_ARG_NAMES, kernelArgs, rancherosView, readDapperfile } from './view.js';
import type { RancherosSpec } from './view.js';
import { check } from './checks.js';
import { diagnostics } from './diagnostics.js';
import { starter } from './starter.js';
import { normalizeTarget } from './normalize.js';
import { workflowJobs } from './workflow.js';

function plan(spec: RancherosSpec, ctx: PlanContext): PlannedFile[] {
  const data = rancherosView(spec);
  const files: PlannedFile[] = [
    { path: 'Dockerfile.dapper.args', syntax: 'hash', template: 'rancheros/Dockerfile.dapper.args', data },
    { path: 'check-kernel-tarball.sh', syntax: 'hash', mode: 0o755, template: 'rancheros/check-kernel-tarball.sh', data },
  ];
  if (data.source) files.push({ path: 'os-kernel/build-common.env', syntax: 'hash', template: 'rancheros/build-common.env', data });
  // One layout check per part, from one template; the script that places them for os-kernel.
  for (const part of data.parts) {
    files.push({ path: part.script, syntax: 'hash', mode: 0o755, template: 'rancheros/check-part-tarball.sh', data: { ...data, part } });
  }
  if (data.parts.length > 0) files.push({ path: 'os-kernel/place-tarballs.sh', syntax: 'hash', mode: 0o755, template: 'rancheros/place-tarballs.sh', data });
  if (data.dapperfile !== null) {
    const read = readDapperfile(ctx.specDir, data.dapperfile);
    // check() reported an unreadable file, so plan() is not reached with one.
    if ('problem' in read) throw new Error(`target.dapperfile became unreadable: ${read.problem}`);
    const patch = dapperPatch(read.text, kernelArgs(spec), KERNEL_ARG_NAMES, path.posix.basename(data.dapperfile));
    // Nothing to change (already patched): an empty patch would make `patch` fail.
    if (patch !== '') files.push({ path: 'Dockerfile.dapper.patch', syntax: 'diff', text: patch });
  }
  return files;
}

export const rancheros = defineTarget<'rancheros'>({
  starter,
  normalize: normalizeTarget,
  urls: (spec) => (spec.target.kernelSource ? [{ ptr: '/target/kernelSource/url', url: spec.target.kernelSource.url }] : []),
  platform: 'rancheros',
  templates: 'rancheros',
  diagnostics,
  providers: ['tarball'],
  // RancherOS boots the kernel from its ISO with syslinux/GRUB and no shim: nothing to sign for.
  signing: false,
  // The docs give RancherOS no fallback kernel mechanism (only `ros os` upgrades of the whole OS).
  fallbacks: [],
  ignored: [
    ...NO_PACKAGES,
    { path: '/validation', why: 'no bootable image is built here, so there is no boot test or on-machine validator' },
    { path: '/kernel/cmdline', why: "the kernel command line is set in RancherOS's own boot configuration, not in the kernel tarball" },
    { path: '/kernel/config', why: 'the tarball is prebuilt; its .config is not checked' },
    { path: '/initramfs', why: 'the RancherOS ISO build makes its own initrd' },
    { path: '/metadata/labels', why: 'no image is built' },
  ],
  versionRequired: () =>
    'Dockerfile.dapper\'s KERNEL_VERSION must be known before the build: rancher/os\'s scripts/layout-kernel names the kernel vmlinuz-${KERNEL_VERSION} in the ISO, and the amd64 build stops when that file is missing',
  check,
  plan,
  workflowJobs,
});
