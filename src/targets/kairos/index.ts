/**
 * kairos: a Kairos derivative image built from a base OS image, with the kernel the spec
 * names (upstream-docs/kairos-build-from-scratch.md, reference/kairos/README.md).
 *
 * Two flows install the Kairos framework: the BYOI one (`COPY --from=<framework> / /`, then
 * the initrd built here) and kairos-init (`-s install`, the kernel swap, `-s init`, which
 * builds the initrd itself). Either way the kernel-dependent steps live in build-kernel.sh,
 * run from the Containerfile with the build context bind-mounted, so they can be linted
 * and run in a fake root. The view is decided in view.ts, the checks are in checks.ts; the
 * text is in templates/kairos/.
 */
import type { PlannedFile } from '../../types.js';
import type { PlanContext } from '../target.js';
import { defineTarget } from '../target.js';
import { lifecycleFiles, lifecycleView } from '../lifecycle.js';
import { CLOUD_CONFIG, KAIROS_DRACUT_CONF, cloudConfigText, kairosView } from './view.js';
import type { KairosSpec } from './view.js';
import { check } from './checks.js';
import { diagnostics } from './diagnostics.js';
import { starter } from './starter.js';
import { normalizeTarget } from './normalize.js';
import { workflowJobs } from './workflow.js';

function plan(spec: KairosSpec, ctx: PlanContext): PlannedFile[] {
  const data = kairosView(spec);
  const files: PlannedFile[] = [
    { path: 'Containerfile', syntax: 'hash', template: 'kairos/Containerfile', data },
    { path: 'build-kernel.sh', syntax: 'hash', mode: 0o755, template: 'kairos/build-kernel.sh', data },
    { path: KAIROS_DRACUT_CONF, syntax: 'hash', template: 'kairos/dracut.conf', data },
  ];
  if (data.artifacts.any) files.push({ path: 'auroraboot.sh', syntax: 'hash', mode: 0o755, template: 'kairos/auroraboot.sh', data });
  const cc = cloudConfigText(spec, ctx.specDir);
  if (cc !== null) {
    // check() reported an unreadable file, so plan() is not reached with one.
    if ('problem' in cc) throw new Error(`target.cloudConfig.file became unreadable: ${cc.problem.problem}`);
    // No header: Kairos wants '#cloud-config' as the first line; the lock lists the file.
    files.push({ path: CLOUD_CONFIG, syntax: 'none', text: cc.text.endsWith('\n') ? cc.text : `${cc.text}\n` });
  }
  if (data.signing?.enroll) files.push({ path: 'mok-enroll.service', syntax: 'hash', template: 'kairos/mok-enroll.service', data });
  // The lifecycle after the build: on-machine validator and boot test.
  files.push(...lifecycleFiles(lifecycleView(spec, { image: data.image, stockKernel: data.stockKernel, pm: data.pm === 'apt' ? 'dpkg' : 'rpm', auroraboot: data.auroraboot })));
  return files;
}

export const kairos = defineTarget<'kairos'>({
  starter,
  normalize: normalizeTarget,
  images: (spec) => [
    { ptr: '/target/base', ref: spec.target.base, pulled: true },
    { ptr: '/target/framework', ref: spec.target.framework, pulled: true },
    { ptr: '/target/init', ref: spec.target.init, pulled: true },
    { ptr: '/target/os/repo', ref: spec.target.os?.repo, pulled: false },
  ],
  lifecycle: true,
  platform: 'kairos',
  templates: 'kairos',
  diagnostics,
  providers: ['repo', 'copr', 'stock'],
  signing: true,
  // Kairos upgrades are A/B: the previous image stays bootable as the fallback.
  fallbacks: ['rollback'],
  // The build finds the release from the single directory under /lib/modules.
  versionRequired: () => undefined,
  check,
  plan,
  workflowJobs,
});
