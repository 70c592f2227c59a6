/**
 * bootc: swap the kernel of a bootc (ostree-native container) image.
 *
 * The swap is one script (install.sh) run by one RUN of the Containerfile; the lessons of
 * upstream-docs/bootc-kernel-swap-handbook.md are behaviours of that script and of the
 * checks in checks.ts. The view is decided in view.ts; the text lives in templates/bootc/.
 */
import { DRACUT_CONF } from '../shared.js';
import type { PlannedFile } from '../../types.js';
import { defineTarget } from '../target.js';
import { lifecycleFiles, lifecycleView } from '../lifecycle.js';
import { KARGS_FILE, bootcView } from './view.js';
import type { BootcSpec } from './view.js';
import { check } from './checks.js';
import { diagnostics } from './diagnostics.js';
import { starter } from './starter.js';
import { normalizeTarget } from './normalize.js';
import { workflowJobs } from './workflow.js';

function plan(spec: BootcSpec): PlannedFile[] {
  const data = bootcView(spec);
  const files: PlannedFile[] = [
    { path: 'Containerfile', syntax: 'hash', template: 'bootc/Containerfile', data },
    { path: 'install.sh', syntax: 'hash', mode: 0o755, template: 'bootc/install.sh', data },
    { path: DRACUT_CONF, syntax: 'hash', template: 'bootc/dracut.conf', data },
    { path: 'verify-image.sh', syntax: 'hash', mode: 0o755, template: 'bootc/verify-image.sh', data },
    { path: 'relabel.sh', syntax: 'hash', mode: 0o755, template: 'bootc/relabel.sh', data },
  ];
  // One driver runs the one verify-image.sh per arch: no per-arch copies of the checks.
  if (data.multiArch) files.push({ path: 'verify-arches.sh', syntax: 'hash', mode: 0o755, template: 'bootc/verify-arches.sh', data });
  if (data.kargs.length > 0) files.push({ path: KARGS_FILE, syntax: 'hash', template: 'bootc/kargs.toml', data });
  if (data.signing?.enroll) files.push({ path: 'mok-enroll.service', syntax: 'hash', template: 'bootc/mok-enroll.service', data });
  // The lifecycle after the build: on-machine validator, boot test, gated promotion.
  files.push(...lifecycleFiles(lifecycleView(spec, { image: data.image.name, stockKernel: data.removeStock, pm: 'rpm', auroraboot: '' })));
  return files;
}

export const bootc = defineTarget<'bootc'>({
  starter,
  normalize: normalizeTarget,
  images: (spec) => [
    { ptr: '/target/base', ref: spec.target.base, pulled: true },
    { ptr: '/target/image', ref: spec.target.image, pulled: false },
  ],
  moduleImages: true,
  lifecycle: true,
  platform: 'bootc',
  templates: 'bootc',
  diagnostics,
  providers: ['copr', 'repo', 'stock'],
  signing: true,
  fallbacks: ['rollback'],
  // The build captures the version from the installed package (rpm -q --queryformat).
  versionRequired: () => undefined,
  check,
  plan,
  workflowJobs,
});
