/**
 * liquidmetal: the kernel of Liquid Metal microVMs (CAPMVM on flintlock on firecracker).
 *
 * Kernel, modules and root filesystem are OCI images that containerd pulls on each host;
 * nothing is built. The outputs are the places those images are named: a CAPMVM
 * MicrovmMachineTemplate (plus a fallback template for a CAPI rollback), the clusterctl
 * variables of the stock cluster-template, and a flintlock CreateMicroVMRequest. The
 * lessons of upstream-docs/liquidmetal-microvm-kernel.md are the checks in checks.ts: the modules
 * volume is mounted at /lib/modules/<kernel.version>, so every image must agree with it.
 */
import type { PlannedFile } from '../../types.js';
import { NO_PACKAGES } from '../shared.js';
import { defineTarget } from '../target.js';
import { flintlockRequest, liquidmetalView } from './view.js';
import type { LiquidmetalSpec } from './view.js';
import { check } from './checks.js';
import { diagnostics } from './diagnostics.js';
import { starter } from './starter.js';
import { normalizeTarget } from './normalize.js';
import { workflowJobs } from './workflow.js';

function plan(spec: LiquidmetalSpec): PlannedFile[] {
  const data = liquidmetalView(spec);
  return [
    { path: 'microvmmachinetemplate.yaml', syntax: 'hash', template: 'liquidmetal/microvmmachinetemplate.yaml', data },
    { path: 'clusterctl.env', syntax: 'hash', template: 'liquidmetal/clusterctl.env', data },
    ...data.requests.map((r): PlannedFile => ({ path: r.path, syntax: 'json', json: flintlockRequest(r.template) })),
  ];
}

export const liquidmetal = defineTarget<'liquidmetal'>({
  starter,
  normalize: normalizeTarget,
  images: (spec) => [{ ptr: '/target/rootImage', ref: spec.target.rootImage, pulled: true }],
  platform: 'liquidmetal',
  templates: 'liquidmetal',
  diagnostics,
  providers: ['oci'],
  signing: false,
  fallbacks: ['template'],
  ignored: [
    ...NO_PACKAGES,
    { path: '/validation', why: 'no bootable image is built here, so there is no boot test or on-machine validator' },
    { path: '/kernel/config', why: 'the kernel comes prebuilt from provider.kernel.image, so its .config cannot be checked' },
    { path: '/initramfs', why: 'firecracker boots the kernel image directly, with no initramfs' },
    { path: '/metadata/labels', why: 'no image is built' },
  ],
  versionRequired: () =>
    'the modules volume is mounted at /lib/modules/<kernel.version> and the image tags are checked against it',
  check,
  plan,
  workflowJobs,
});
