/**
 * krata: package a zone kernel as krata's OCI kernel image (FROM scratch, /kernel/image,
 * /kernel/addons.squashfs, /kernel/config.gz, /kernel/metadata), push it with the
 * manifest annotations krata's fetcher requires, launch zones on it (launch.sh) or make it
 * the system-wide default (install-system.sh); or install a host (dom0) kernel on the
 * machine (install-host.sh, scope: host with a build provider).
 *
 * What krata does with them, read in edera-dev/krata at a320efad6ba9c7d3897862e0a024bec17782c9f3
 * (the last commit with the daemon): `kratactl zone launch -k` makes the daemon read only
 * kernel/image from the image (crates/daemon/src/reconcile/zone/create.rs); the addons are
 * always the system-wide addons.squashfs, found once at daemon start in <store>/zone/ or
 * else /usr/share/krata/zone/ (crates/daemon/src/lib.rs, detect_zone_path); the zone's
 * command line is "console=hvc0 quiet" plus --kernel-cmdline-append (crates/runtime/src/launch.rs).
 *
 * The lessons of upstream-docs/krata-custom-kernels.md and reference/krata/ are behaviours
 * of package.sh (run in the Containerfile's build stage), build.sh, check.sh and the
 * checks in checks.ts; the required options are one list in options.ts. view.ts only
 * decides the view; the text lives in templates/krata/.
 */
import type { PlannedFile } from '../../types.js';
import type { PlanContext } from '../target.js';
import { defineTarget } from '../target.js';
import { NO_PACKAGES } from '../shared.js';
import { configWritable, krataView } from './view.js';
import type { KrataSpec } from './view.js';
import { check } from './checks.js';
import { diagnostics } from './diagnostics.js';
import { starter } from './starter.js';
import { normalizeTarget } from './normalize.js';
import { workflowJobs } from './workflow.js';

function plan(spec: KrataSpec, ctx: PlanContext): PlannedFile[] {
  const data = krataView(spec, ctx);
  const files: PlannedFile[] = data.fragments.map((f) => ({ path: f.path, syntax: 'hash', template: 'krata/required.config', data: f }));
  if (data.scope === 'host') {
    // A host (dom0) kernel boots the machine: installed like any kernel, never an OCI zone
    // image (no Containerfile, build or launch). A published host image is also checked.
    files.push({ path: 'install-host.sh', syntax: 'hash', mode: 0o755, template: 'krata/install-host.sh', data });
    if (!data.build) files.push({ path: 'check.sh', syntax: 'hash', mode: 0o755, template: 'krata/check.sh', data });
    return files;
  }
  files.push({ path: 'check.sh', syntax: 'hash', mode: 0o755, template: 'krata/check.sh', data });
  if (data.scope === 'zone') {
    files.push(
      { path: 'launch.sh', syntax: 'hash', mode: 0o755, template: 'krata/launch.sh', data },
      { path: 'install-system.sh', syntax: 'hash', mode: 0o755, template: 'krata/install-system.sh', data },
    );
  }
  if (data.build) {
    files.push(
      { path: 'Containerfile', syntax: 'hash', template: 'krata/Containerfile', data },
      { path: 'package.sh', syntax: 'hash', mode: 0o755, template: 'krata/package.sh', data },
      { path: 'build.sh', syntax: 'hash', mode: 0o755, template: 'krata/build.sh', data },
    );
  }
  return files;
}

export const krata = defineTarget<'krata'>({
  starter,
  normalize: normalizeTarget,
  images: (spec) => [{ ptr: '/target/image', ref: spec.target.image, pulled: false }],
  platform: 'krata',
  templates: 'krata',
  diagnostics,
  providers: ['build', 'oci'],
  signing: false,
  fallbacks: ['default'],
  ignored: [
    ...NO_PACKAGES,
    { path: '/validation', why: 'no bootable image is built here, so there is no boot test or on-machine validator' },
    { path: '/initramfs', why: 'a krata zone kernel boots with the initramfs krata supplies' },
    { path: '/kernel/package', why: 'krata boots a kernel image (provider.kernelImage or an OCI image), never a package' },
    {
      path: '/provider/initrd',
      why: "it is Liquid Metal's initial ramdisk; a krata zone boots krata's own initrd (/var/lib/krata/zone/initrd, or kratactl's -I image holding krata/initrd), which is krata's init, not the kernel's",
    },
    { path: '/provider/modules/readOnly', why: "it is Liquid Metal's modules volume flag; krata mounts a zone's modules read-only from addons.squashfs whatever it says" },
  ],
  configValues: {
    accepts: configWritable,
    hint: "y, m, n, a number, or text of letters, digits, spaces and '._,:/=+-' (it is written into required.config, which package.sh merges into the kernel's .config)",
  },
  versionRequired: () => 'it is KERNEL_VERSION in /kernel/metadata and the dev.edera.kernel.version annotation, both written before the build',
  check,
  plan,
  workflowJobs,
});
