/**
 * The kernel options a krata kernel must have, by scope. One list, used three ways: the
 * compile-time check (KS7001, KS7002), the emitted required-options fragment (for
 * `make olddefconfig`), and the build-time check of the final .config in package.sh.
 *
 * Sources (../shared/reference/krata/):
 * - krata_doc_admin-guide_custom-kernels.md, "Minimum requirements for a zone-wide/
 *   system-wide kernel" (zone) and "Minimum requirements for a host kernel" (host adds
 *   the dom0 set to the zone set). Order and values are the guide's.
 * - krata-kernel-oci-layout.md and linux-kernel-oci_configs_x86_64_zone.config: the zone
 *   init mounts /kernel/addons.squashfs (default gzip compression) before any module can
 *   load, so squashfs and its zlib decompressor must be built in, and modules must be on.
 *
 * `arches` limits an option to the architectures whose Kconfig defines it: the Xen PV,
 * PVH and HVM guest types, PCI_XEN and the ACPI/MCE helpers live in arch/x86/xen and are
 * not selectable on arm64, where `make olddefconfig` would drop them silently. Options
 * without `arches` apply everywhere. Do not reorder: the fragment is diffed in review.
 */
import type { Arch } from '../../types.js';

export interface RequiredOption {
  name: string;
  /** The value as a .config writes it: y, m, or a number. */
  value: string;
  arches?: readonly Arch[];
  /** Why kspec adds it, for options that are not in the admin guide's lists. */
  why?: string;
}

const X86: readonly Arch[] = ['x86_64'];

/** Zone (and system-wide default) kernels: the admin guide's minimum, then kspec's additions. */
export const ZONE_OPTIONS: readonly RequiredOption[] = [
  { name: 'CONFIG_XEN', value: 'y' },
  { name: 'CONFIG_XEN_PV', value: 'y', arches: X86 },
  { name: 'CONFIG_XEN_512GB', value: 'y', arches: X86 },
  { name: 'CONFIG_XEN_PV_SMP', value: 'y', arches: X86 },
  { name: 'CONFIG_XEN_PVHVM', value: 'y', arches: X86 },
  { name: 'CONFIG_XEN_PVHVM_SMP', value: 'y', arches: X86 },
  { name: 'CONFIG_XEN_PVHVM_GUEST', value: 'y', arches: X86 },
  { name: 'CONFIG_XEN_SAVE_RESTORE', value: 'y', arches: X86 },
  { name: 'CONFIG_XEN_PVH', value: 'y', arches: X86 },
  { name: 'CONFIG_XEN_PV_MSR_SAFE', value: 'y', arches: X86 },
  { name: 'CONFIG_PCI_XEN', value: 'y', arches: X86 },
  { name: 'CONFIG_NET_9P_XEN', value: 'y' },
  { name: 'CONFIG_XEN_PCIDEV_FRONTEND', value: 'y', arches: X86 },
  { name: 'CONFIG_XEN_BLKDEV_FRONTEND', value: 'y' },
  { name: 'CONFIG_XEN_NETDEV_FRONTEND', value: 'y' },
  { name: 'CONFIG_INPUT_XEN_KBDDEV_FRONTEND', value: 'y' },
  { name: 'CONFIG_HVC_XEN', value: 'y' },
  { name: 'CONFIG_HVC_XEN_FRONTEND', value: 'y' },
  { name: 'CONFIG_XEN_FBDEV_FRONTEND', value: 'm' },
  { name: 'CONFIG_XEN_BALLOON', value: 'y' },
  { name: 'CONFIG_XEN_BALLOON_MEMORY_HOTPLUG', value: 'y' },
  { name: 'CONFIG_XEN_MEMORY_HOTPLUG_LIMIT', value: '512', arches: X86 },
  { name: 'CONFIG_XEN_SCRUB_PAGES_DEFAULT', value: 'y' },
  { name: 'CONFIG_XEN_DEV_EVTCHN', value: 'y' },
  { name: 'CONFIG_XEN_BACKEND', value: 'y' },
  { name: 'CONFIG_XENFS', value: 'y' },
  { name: 'CONFIG_XEN_COMPAT_XENFS', value: 'y' },
  { name: 'CONFIG_XEN_SYS_HYPERVISOR', value: 'y' },
  { name: 'CONFIG_XEN_XENBUS_FRONTEND', value: 'y' },
  { name: 'CONFIG_SWIOTLB_XEN', value: 'y' },
  { name: 'CONFIG_XEN_HAVE_PVMMU', value: 'y', arches: X86 },
  { name: 'CONFIG_XEN_EFI', value: 'y' },
  { name: 'CONFIG_XEN_AUTO_XLATE', value: 'y' },
  { name: 'CONFIG_XEN_ACPI', value: 'y', arches: X86 },
  { name: 'CONFIG_XEN_HAVE_VPMU', value: 'y', arches: X86 },
  { name: 'CONFIG_XEN_GRANT_DMA_OPS', value: 'y' },
  { name: 'CONFIG_XEN_VIRTIO', value: 'y' },
  { name: 'CONFIG_MODULES', value: 'y', why: 'the zone loads its modules from /kernel/addons.squashfs' },
  { name: 'CONFIG_SQUASHFS', value: 'y', why: 'addons.squashfs is mounted before any module can load' },
  { name: 'CONFIG_SQUASHFS_ZLIB', value: 'y', why: 'mksquashfs compresses addons.squashfs with gzip by default' },
];

/** What a host (dom0) kernel needs on top of the zone set; repeats of zone options are left out. */
export const HOST_OPTIONS: readonly RequiredOption[] = [
  { name: 'CONFIG_XEN_PV_DOM0', value: 'y', arches: X86 },
  { name: 'CONFIG_XEN_DOM0', value: 'y' },
  { name: 'CONFIG_XEN_PCIDEV_BACKEND', value: 'y', arches: X86 },
  { name: 'CONFIG_XEN_BLKDEV_BACKEND', value: 'y' },
  { name: 'CONFIG_XEN_NETDEV_BACKEND', value: 'y' },
  { name: 'CONFIG_XEN_SCSI_BACKEND', value: 'y' },
  { name: 'CONFIG_XEN_PVCALLS_BACKEND', value: 'y' },
  { name: 'CONFIG_TCG_XEN', value: 'm' },
  { name: 'CONFIG_XEN_WDT', value: 'y' },
  { name: 'CONFIG_XEN_GNTDEV', value: 'y' },
  { name: 'CONFIG_XEN_GRANT_DEV_ALLOC', value: 'y' },
  { name: 'CONFIG_XEN_GRANT_DMA_ALLOC', value: 'y' },
  { name: 'CONFIG_XEN_PRIVCMD', value: 'y' },
  { name: 'CONFIG_XEN_ACPI_PROCESSOR', value: 'y', arches: X86 },
  { name: 'CONFIG_XEN_MCE_LOG', value: 'y', arches: X86 },
];

/** The options required for a scope on one architecture, in the guide's order. */
export function requiredOptions(scope: 'zone' | 'host', arch: Arch): RequiredOption[] {
  const all = scope === 'host' ? [...ZONE_OPTIONS, ...HOST_OPTIONS] : [...ZONE_OPTIONS];
  return all.filter((o) => !o.arches || o.arches.includes(arch));
}

/** The options required on every one of `arches` (what a file shared by all of them must not contradict). */
export function requiredOnAll(scope: 'zone' | 'host', arches: readonly Arch[]): RequiredOption[] {
  return requiredOptions(scope, arches[0] ?? 'x86_64').filter((o) => arches.every((a) => !o.arches || o.arches.includes(a)));
}

/** The options required on at least one of `arches`, each once. */
export function requiredOnAny(scope: 'zone' | 'host', arches: readonly Arch[]): RequiredOption[] {
  const seen = new Map<string, RequiredOption>();
  for (const a of arches) for (const o of requiredOptions(scope, a)) if (!seen.has(o.name)) seen.set(o.name, o);
  return [...seen.values()];
}
