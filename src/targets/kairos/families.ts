/**
 * What each Kairos base family needs: its package manager, the packages Kairos' contract
 * asks of the OS image (an init system, the bootloader, dracut with the live, network and
 * squash modules, the partitioning and copy tools the installer calls), and the names of
 * the stock kernel packages that a swap removes. Sources: the upstream "Build Kairos from
 * scratch" Dockerfile and the kairos-init bundles (reference/kairos/README.md).
 */
import type { Arch } from '../../types.js';
import type { KairosTarget } from './normalize.js';

export type Family = KairosTarget['family'];
export type PackageManager = 'dnf' | 'apt' | 'zypper';

export interface FamilyInfo {
  pm: PackageManager;
  /** Packages Kairos needs on every architecture, grub aside. */
  base: readonly string[];
  /** grub and shim, per architecture; left out with bootloader: trustedboot. */
  grub: Readonly<Record<Arch, readonly string[]>>;
  /** Exact names of the stock kernel packages (rpm families). */
  stockKernel: readonly string[];
  /** dpkg-query patterns of the stock kernel packages (apt families). */
  stockKernelGlobs: readonly string[];
  /** sbsign/sbverify, openssl and mokutil, under this family's names. */
  signing: readonly string[];
  /** The family ships dracut-live/-network/-squash as packages of their own. */
  dracutExtras: readonly string[];
}

export const FAMILIES: Readonly<Record<Family, FamilyInfo>> = {
  // The upstream example minus nano and livecd-tools, which nothing at boot needs.
  fedora: {
    pm: 'dnf',
    base: [
      'audit', 'coreutils', 'curl', 'device-mapper', 'dosfstools', 'dracut', 'e2fsprogs', 'efibootmgr', 'gawk',
      'gdisk', 'haveged', 'lvm2', 'NetworkManager', 'openssh-server', 'parted', 'polkit', 'rsync',
      'squashfs-tools', 'sudo', 'systemd', 'systemd-networkd', 'systemd-resolved', 'tar', 'which',
    ],
    dracutExtras: ['dracut-live', 'dracut-network', 'dracut-squash'],
    grub: {
      x86_64: ['grub2', 'grub2-efi-x64', 'grub2-efi-x64-modules', 'grub2-pc', 'shim-x64'],
      aarch64: ['grub2', 'grub2-efi-aa64', 'grub2-efi-aa64-modules', 'shim-aa64'],
    },
    stockKernel: ['kernel', 'kernel-core', 'kernel-modules', 'kernel-modules-core', 'kernel-modules-extra'],
    stockKernelGlobs: [],
    signing: ['sbsigntools', 'openssl', 'mokutil'],
  },
  // Ubuntu's dracut carries the squash module in dracut-core; live and network are separate.
  ubuntu: {
    pm: 'apt',
    base: [
      'coreutils', 'curl', 'dosfstools', 'dracut', 'e2fsprogs', 'efibootmgr', 'fdisk', 'gawk', 'gdisk', 'haveged',
      'lvm2', 'openssh-server', 'parted', 'rsync', 'squashfs-tools', 'sudo', 'systemd', 'systemd-resolved',
      'systemd-sysv', 'tar',
    ],
    dracutExtras: ['dracut-live', 'dracut-network'],
    grub: {
      x86_64: ['grub2-common', 'grub-efi-amd64-bin', 'grub-efi-amd64-signed', 'grub-pc-bin', 'shim-signed'],
      aarch64: ['grub2-common', 'grub-efi-arm64-bin', 'grub-efi-arm64-signed', 'shim-signed'],
    },
    stockKernel: [],
    stockKernelGlobs: ['linux-image-*', 'linux-modules-*', 'linux-generic*'],
    signing: ['sbsigntool', 'openssl', 'mokutil'],
  },
  // openSUSE's dracut package carries the live, network and squash modules itself.
  opensuse: {
    pm: 'zypper',
    base: [
      'coreutils', 'curl', 'dosfstools', 'dracut', 'e2fsprogs', 'efibootmgr', 'gawk', 'gptfdisk', 'haveged', 'lvm2',
      'NetworkManager', 'openssh', 'parted', 'rsync', 'squashfs', 'sudo', 'systemd', 'tar', 'which',
    ],
    dracutExtras: [],
    grub: {
      x86_64: ['grub2', 'grub2-i386-pc', 'grub2-x86_64-efi', 'shim'],
      aarch64: ['grub2', 'grub2-arm64-efi', 'shim'],
    },
    stockKernel: ['kernel-default', 'kernel-default-base'],
    stockKernelGlobs: [],
    signing: ['sbsigntools', 'openssl', 'mokutil'],
  },
};

/** Families whose init system is OpenRC (or another non-systemd init): Kairos needs systemd. */
export const OPENRC_FAMILIES = ['alpine', 'gentoo', 'artix', 'devuan', 'postmarketos'] as const;

export function isFamily(f: string): f is Family {
  return Object.hasOwn(FAMILIES, f);
}

/** The dracut modules Kairos' initrd boots with (kairos-init's 99-immucore.conf). */
export const KAIROS_DRACUT_MODULES = ['livenet', 'dmsquash-live', 'immucore', 'network'] as const;
