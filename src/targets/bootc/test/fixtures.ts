/** A normalized bootc spec (design/examples/bootc-cachyos.yaml) and overrides, for tests of the bootc target. */
import type { SpecFor } from '../../../types.js';

export type BootcSpec = SpecFor<'bootc'>;
export type Over<T> = {
  [K in keyof T]?: NonNullable<T[K]> extends Array<unknown> ? T[K] : NonNullable<T[K]> extends object ? Over<NonNullable<T[K]>> | undefined : T[K];
};

/** design/examples/bootc-cachyos.yaml after normalize. */
export function example(): BootcSpec {
  return {
    apiVersion: 'kspec.dev/v1alpha1',
    kind: 'KernelSpec',
    metadata: { name: 'margine-cachyos', description: 'CachyOS kernel (BORE, HZ=1000, ThinLTO) for a creator desktop', labels: {} },
    kernel: { package: 'kernel-cachyos', flavor: 'cachyos', arch: ['x86_64'], cmdline: [], config: { CONFIG_SCHED_BORE: 'y', CONFIG_HZ: '1000' } },
    provider: {
      type: 'copr',
      repo: 'bieszczaders/kernel-cachyos',
      packages: ['kernel-cachyos', 'kernel-cachyos-core', 'kernel-cachyos-modules', 'kernel-cachyos-devel-matched'],
      retry: { attempts: 5, backoffSeconds: 30 },
      staleAfterDays: 30,
      allowInsecure: false,
    },
    signing: { secureBoot: true, keySecret: 'mok-key', certSecret: 'mok-cert', modules: true, enroll: 'first-boot' },
    modules: [{ name: 'v4l2loopback', package: 'akmod-v4l2loopback', repo: 'rpmfusion-free', optional: true }],
    initramfs: { hostonly: false, add: ['ostree'], omit: [], compress: 'zstd', require: ['dm-crypt', 'dm-mod', 'btrfs', 'virtio_blk'], minSizeMiB: 50 },
    fallback: { kernel: 'fedora-stock', via: 'rollback' },
    validation: { outOfPolicy: ['nvidia', 'zfs', 'virtualbox'], boot: { expect: 'Reached target Multi-User System', timeoutSeconds: 600 } },
    target: {
      platform: 'bootc',
      base: 'ghcr.io/ublue-os/bluefin-dx:stable',
      image: 'ghcr.io/margine/margine',
      removeStock: ['kernel', 'kernel-core', 'kernel-modules', 'kernel-modules-core', 'kernel-modules-extra', 'kernel-devel', 'kernel-devel-matched'],
    },
  };
}

/** Maps merge, arrays and scalars replace, `undefined` deletes (as `extends` does). */
function merge(base: any, over: any): any {
  if (over === undefined) return base;
  if (Array.isArray(over) || typeof over !== 'object' || over === null || typeof base !== 'object' || base === null) return over;
  const out: any = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) delete out[k];
    else if (k === 'provider' && (v as any).type && (v as any).type !== base.provider?.type) out[k] = v;
    else out[k] = merge(base[k], v);
  }
  return out;
}

export function bootcSpec(overrides: Over<BootcSpec> = {}): BootcSpec {
  return merge(example(), overrides) as BootcSpec;
}
