/**
 * The fake-root harness for running generated scripts for real (bootc install.sh,
 * verify-image.sh, relabel.sh; the Kairos copr steps plug in the same way): a temp folder
 * with the rendered build context (ctx/), a fake root (KSPEC_ROOT) and shims on PATH for
 * dnf, rpm, akmods, dracut, sbsign, sbverify, sign-file, lsinitrd, sleep (no waiting)...
 * Each shim appends its argv (joined by \x1f) to SHIM_LOG and can be told to fail through
 * files in <root>/.shim (see setup's options).
 *
 * To run another target's script: render its planned files into `ctx` with
 * `fakeRoot(files, opts)` and call `runScript(box, '<script>')`; add shims for tools the
 * script calls to SHIMS (or per test with writeShim).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync, type Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, expect } from 'vitest';
import { renderFile } from '../src/render.js';
import { bootc } from '../src/targets/bootc/index.js';
import type { RenderedFile } from '../src/types.js';
import type { BootcSpec } from '../src/targets/bootc/test/fixtures.js';

export { bootcSpec, example, type BootcSpec, type Over } from '../src/targets/bootc/test/fixtures.js';

export const HEADER = { specPath: 'specs/bootc-cachyos.yaml', command: 'kspec compile specs/bootc-cachyos.yaml -o out' };
export const KVER = '7.0.8-cachyos1.fc44.x86_64';
export const STOCK_KVER = '6.14.9-300.fc44.x86_64';

// ---- shims -------------------------------------------------------------------------------

/** Shell text: raw (backslashes kept), with \${ written for a literal ${. */
export const shim = (s: TemplateStringsArray): string => String.raw(s).replace(/\\\$\{/g, '${');

/** Shared by every shim: log the call (argv joined by \x1f) and the state helpers. */
export const PRELUDE = shim`#!/bin/bash
set -euo pipefail
S="$KSPEC_ROOT/.shim"
{ printf '%s' "\${0##*/}"; printf '\x1f%s' "$@"; printf '\n'; } >>"$SHIM_LOG"
# Bash only (no grep, no mv): the shims run thousands of times in a test file, and each
# process a shim starts costs ~2 ms of CPU.
installed() { local l; [[ -f "$S/installed" ]] || return 1; while IFS= read -r l; do [[ $l == "$1" ]] && return 0; done <"$S/installed"; return 1; }
mark() { printf '%s\n' "$@" >>"$S/installed"; }
unmark() {
  local l p keep=()
  [[ -f "$S/installed" ]] || return 0
  while IFS= read -r l; do
    for p in "$@"; do [[ $l == "$p" ]] && continue 2; done
    keep+=("$l")
  done <"$S/installed"
  if (( \${#keep[@]} )); then printf '%s\n' "\${keep[@]}" >"$S/installed"; else : >"$S/installed"; fi
}
`;

export const SHIMS: Record<string, string> = {
  dnf: shim`
if [[ "\${1:-}" == --version ]]; then echo "\${SHIM_DNF_VERSION:-dnf5 version 5.2.8.1}"; exit 0; fi
[[ "\${1:-}" == -y ]] && shift
cmd=$1; shift
case $cmd in
  clean) ;;
  remove)
    names=()
    for a in "$@"; do case $a in --*) ;; *) names+=("$a") ;; esac; done
    for p in "\${names[@]}"; do installed "$p" || { echo "No match for argument: $p" >&2; exit 1; }; done
    unmark "\${names[@]}" ;;
  versionlock)
    [[ $1 == add ]]; shift
    printf '%s\n' "$@" >>"$S/versionlock" ;;
  config-manager)
    url=\${!#}; url=\${url#--from-repofile=}
    mkdir -p "$KSPEC_ROOT/etc/yum.repos.d"
    echo "[\${url##*/}]" >"$KSPEC_ROOT/etc/yum.repos.d/\${url##*/}" ;;
  copr)
    [[ $1 == enable ]]
    mkdir -p "$KSPEC_ROOT/etc/yum.repos.d"
    printf 'baseurl=https://download.copr.fedorainfracloud.org/results/%s/fedora-$releasever-$basearch/\n' "$2" \
      >"$KSPEC_ROOT/etc/yum.repos.d/_copr:copr.fedorainfracloud.org:\${2//\//:}.repo" ;;
  install)
    refresh=0; pkgs=()
    for a in "$@"; do case $a in --refresh) refresh=1 ;; --*) ;; *) pkgs+=("$a") ;; esac; done
    if (( refresh )) && [[ -f "$S/install-failures" ]]; then
      n=$(cat "$S/install-failures")
      if (( n > 0 )); then
        echo $(( n - 1 )) >"$S/install-failures"
        echo "Curl error (28): Timeout was reached" >&2
        exit 1
      fi
    fi
    for p in "\${pkgs[@]}"; do
      if [[ -f "$S/missing" ]] && grep -Fxq -- "$p" "$S/missing"; then echo "No match for argument: $p" >&2; exit 1; fi
      # A package file written by fakeRpm: its files land in the root, repo files owned by it.
      if [[ -f "$p" ]] && grep -q '^NAME=' "$p"; then
        name=$(sed -n 's/^NAME=//p' "$p")
        while IFS= read -r f; do
          mkdir -p "$(dirname "$KSPEC_ROOT$f")"
          if [[ $f == *.xz ]]; then echo "$f of $name" | xz -c >"$KSPEC_ROOT$f"; else echo "$f of $name" >"$KSPEC_ROOT$f"; fi
          if [[ $f == /etc/yum.repos.d/*.repo ]]; then echo "$name" >"$S/owner-\${f##*/}"; fi
        done < <(sed -n 's/^FILE=//p' "$p")
        mark "$name"
        continue
      fi
      case $p in
        https://*/*-release-*.rpm)
          name=\${p##*/}; name=\${name%-release-*}
          mkdir -p "$KSPEC_ROOT/etc/yum.repos.d"
          echo "[$name]" >"$KSPEC_ROOT/etc/yum.repos.d/$name.repo"
          echo "$name-release" >"$S/owner-$name.repo"
          mark "$name-release" ;;
        */kmod-*.rpm)
          mod=\${p##*/kmod-}; mod=\${mod%%-"$SHIM_KVER"*}
          mkdir -p "$KSPEC_ROOT/usr/lib/modules/$SHIM_KVER/extra/$mod"
          echo "module $mod" | xz -c >"$KSPEC_ROOT/usr/lib/modules/$SHIM_KVER/extra/$mod/$mod.ko.xz"
          mark "kmod-$mod" ;;
        kernel-cachyos)
          # what the kernel-install hooks were while the kernel RPM installed
          cat "$KSPEC_ROOT/usr/lib/kernel/install.d/50-dracut.install" >"$S/dracut-hook-during-install"
          m="$KSPEC_ROOT/usr/lib/modules/$SHIM_KVER"
          mkdir -p "$m/kernel/drivers/md" "$m/kernel/fs/btrfs" "$m/kernel/drivers/block"
          echo "vmlinuz $SHIM_KVER" >"$m/vmlinuz"
          echo "module dm-mod" >"$m/kernel/drivers/md/dm-mod.ko"
          echo "module dm-crypt" | xz -c >"$m/kernel/drivers/md/dm-crypt.ko.xz"
          echo "module btrfs" | zstd -q -c >"$m/kernel/fs/btrfs/btrfs.ko.zst"
          echo "module virtio_blk" | gzip -c >"$m/kernel/drivers/block/virtio_blk.ko.gz"
          echo "kernel/lib/crc32.ko" >"$m/modules.builtin"
          printf '%s\n' 'CONFIG_HZ_1000=y' 'CONFIG_HZ=1000' 'CONFIG_SCHED_BORE=y' '# CONFIG_DEBUG_INFO is not set' 'CONFIG_LOCALVERSION="-cachyos1"' >"$m/config"
          if [[ -f "$S/extra-kernel" ]]; then mkdir -p "$KSPEC_ROOT/usr/lib/modules/$(cat "$S/extra-kernel")"; fi
          mark "$p" ;;
        akmods)
          mkdir -p "$KSPEC_ROOT/usr/sbin"
          printf '%s\n' '#!/bin/bash' 'init () {' '	if [[ -w /var ]] ; then' \
            '		echo "ERROR: Not to be used as root; start as user or akmodsbuild instead." >&2' \
            '		exit 1' '	fi' '	build' '}' >"$KSPEC_ROOT/usr/sbin/akmodsbuild"
          chmod 0755 "$KSPEC_ROOT/usr/sbin/akmodsbuild"
          mark "$p" ;;
        *) mark "$p" ;;
      esac
    done ;;
  *) echo "dnf shim: unknown command $cmd" >&2; exit 2 ;;
esac
`,
  rpm: shim`
case $1 in
  -E) [[ $2 == %fedora ]] && echo 44 ;;
  -qlp) sed -n 's/^FILE=//p' "\${!#}" ;;
  -qp) sed -n 's/^NAME=//p' "\${!#}" ;;
  -qf)
    f=\${!#}
    if [[ -f "$S/owner-\${f##*/}" ]]; then cat "$S/owner-\${f##*/}"; else echo "file $f is not owned by any package"; exit 1; fi ;;
  -q)
    if [[ $2 == --quiet ]]; then installed "$3"; exit; fi
    if installed "$2"; then printf '%s\n' "\${SHIM_RPM_VERSION:-$SHIM_KVER}"; else echo "package $2 is not installed"; exit 1; fi ;;
  *) echo "rpm shim: unknown $*" >&2; exit 2 ;;
esac
`,
  akmods: shim`
while (( $# )); do case $1 in --kernels) k=$2; shift 2 ;; --kmod) name=$2; shift 2 ;; *) shift ;; esac; done
if grep -q -- '-w /var' "$KSPEC_ROOT/usr/sbin/akmodsbuild"; then echo guarded >>"$S/akmodsbuild-during-akmods"; else echo patched >>"$S/akmodsbuild-during-akmods"; fi
cache="$KSPEC_ROOT/var/cache/akmods/$name"
mkdir -p "$cache"
if [[ -f "$S/akmods-fail" ]] && grep -Fxq -- "$name" "$S/akmods-fail"; then
  echo "error: $name does not build" >"$cache/1.0-1-for-$k.failed.log"
else
  touch "$cache/kmod-$name-$k-1.0-1.fc44.x86_64.rpm"
fi
exit 0
`,
  dracut: shim`
echo "DRACUT_NO_XATTR=\${DRACUT_NO_XATTR:-unset}" >>"$S/dracut-env"
grep -q SIGNED "$KSPEC_ROOT/usr/lib/modules/$SHIM_KVER/vmlinuz" && echo "kernel signed" >>"$S/dracut-env"
[[ -d "$KSPEC_ROOT/root" ]] && echo "/root present" >>"$S/dracut-env"
for f in "$KSPEC_ROOT"/etc/dracut.conf.d/*.conf; do [[ -f "$f" ]] && echo "drop-in \${f##*/}" >>"$S/dracut-env"; done
if [[ -f "$S/dracut-fail" ]]; then echo "dracut: --regenerate-all cannot be called with a kernel version" >&2; exit 1; fi
out=\${!#}
truncate -s 64M "$out"
`,
  sbsign: shim`
while (( $# )); do case $1 in --key) k=$2; shift 2 ;; --cert) c=$2; shift 2 ;; --output) o=$2; shift 2 ;; *) in=$1; shift ;; esac; done
[[ -s "$k" && -s "$c" ]]
cp "$in" "$o"
echo SIGNED >>"$o"
`,
  sbverify: shim`
grep -q SIGNED "\${!#}"
`,
  openssl: shim`
while (( $# )); do case $1 in -in) in=$2; shift 2 ;; -out) out=$2; shift 2 ;; *) shift ;; esac; done
cp "$in" "$out"
`,
  systemctl: shim`
root=""; action=""; units=()
for a in "$@"; do case $a in --root=*) root=\${a#--root=} ;; enable|disable) action=$a ;; *) units+=("$a") ;; esac; done
mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
for unit in "\${units[@]}"; do
  if [[ $action == enable ]]; then ln -sf "/usr/lib/systemd/system/$unit" "$root/etc/systemd/system/multi-user.target.wants/$unit"
  else rm -f "$root/etc/systemd/system/multi-user.target.wants/$unit"; fi
done
`,
  sleep: '',
  depmod: '',
  mokutil: '',
  lsinitrd: shim`
if [[ $1 == -m ]]; then printf 'Image: %s\n\ndracut modules:\n' "$2"; printf '%s\n' systemd \${SHIM_LSINITRD_MODULES:-ostree} crypt; exit 0; fi
for m in dm-crypt.ko.xz dm-mod.ko btrfs.ko.zst virtio_blk.ko.gz; do
  printf -- '-rw-r--r--   1 root root  1234 Jan  1 00:00 usr/lib/modules/%s/kernel/x/%s\n' "$SHIM_KVER" "$m"
done
`,
};

/** The sign-file of the kernel's -devel package: appends a signature marker. */
export const SIGN_FILE = shim`#!/bin/bash
set -euo pipefail
printf '%s' "sign-file" >>"$SHIM_LOG"; printf '\x1f%s' "$@" >>"$SHIM_LOG"; printf '\n' >>"$SHIM_LOG"
[[ $1 == sha256 && -s $2 && -s $3 ]]
printf '~Module signature appended~\n' >>"$4"
`;

/** A package file the dnf and rpm shims read: its name and the files it installs. */
export function fakeRpm(path: string, name: string, files: string[]): void {
  write(path, [`NAME=${name}`, ...files.map((f) => `FILE=${f}`)].join('\n') + '\n');
}

export const HOOK = (name: string): string => `#!/bin/sh\n# ORIGINAL ${name}\nexit 77\n`;

// ---- fake root -----------------------------------------------------------------------------

export const tmpRoots: string[] = [];
afterAll(() => {
  for (const d of tmpRoots) rmSync(d, { recursive: true, force: true });
});

export interface Box {
  dir: string;
  root: string;
  ctx: string;
  state: string;
  log: string;
  env: NodeJS.ProcessEnv;
}

export function write(path: string, content: string, mode = 0o644): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  chmodSync(path, mode);
}

export interface FaultOptions {
  /** dnf install --refresh fails this many times first (a COPR brown-out). */
  installFailures?: number;
  /** akmods "succeeds" for these modules but leaves a *.failed.log. */
  akmodsFail?: string[];
  dracutFail?: boolean;
  /** Packages dnf cannot find. */
  missing?: string[];
  /** Installing the kernel package also leaves this second directory under /usr/lib/modules. */
  extraKernelDir?: string;
}

/** A bootc build context rendered from `spec`, in a fresh fake root. */
export function setup(spec: BootcSpec, opts: FaultOptions = {}): Box {
  return fakeRoot(
    bootc.plan(spec, { specPath: HEADER.specPath, specDir: tmpdir() }).map((f) => renderFile(f, HEADER)),
    opts,
  );
}

/** A fake root with `files` as the build context (ctx/), the shims, and the faults asked for. */
export function fakeRoot(files: RenderedFile[], opts: FaultOptions = {}): Box {
  const dir = mkdtempSync(join(tmpdir(), 'kspec-bootc-run-'));
  tmpRoots.push(dir);
  const root = join(dir, 'root');
  const ctx = join(dir, 'ctx');
  const bin = join(dir, 'bin');
  const state = join(root, '.shim');
  const log = join(dir, 'calls.log');
  for (const r of files) write(join(ctx, r.path), r.content, r.mode);
  for (const [name, body] of Object.entries(SHIMS)) write(join(bin, name), PRELUDE + body, 0o755);
  write(join(root, 'usr/src/kernels', KVER, 'scripts/sign-file'), SIGN_FILE, 0o755);
  write(join(root, 'usr/lib/kernel/install.d/05-rpmostree.install'), HOOK('05-rpmostree.install'), 0o755);
  write(join(root, 'usr/lib/kernel/install.d/50-dracut.install'), HOOK('50-dracut.install'), 0o755);
  write(join(root, 'usr/lib/modules', STOCK_KVER, 'vmlinuz'), 'stock kernel\n');
  write(join(root, 'usr/lib/modules', STOCK_KVER, 'config'), 'CONFIG_HZ=1000\nCONFIG_SCHED_BORE=y\n');
  write(join(root, 'etc/yum.repos.d/fedora.repo'), '[fedora]\n');
  write(join(root, 'run/secrets/kspec-mok.key'), 'private key\n', 0o400);
  write(join(root, 'run/secrets/kspec-mok.pem'), 'certificate\n');
  mkdirSync(join(root, 'boot'), { recursive: true });
  // The image's /tmp, as the Containerfile leaves it (verify-image.sh checks it).
  mkdirSync(join(root, 'tmp'), { recursive: true });
  chmodSync(join(root, 'tmp'), 0o1777);
  write(join(state, 'installed'), ['kernel', 'kernel-core', 'kernel-modules', 'kernel-modules-core', 'rpm-ostree', 'dracut'].join('\n') + '\n');
  if (opts.installFailures) write(join(state, 'install-failures'), `${opts.installFailures}\n`);
  if (opts.akmodsFail) write(join(state, 'akmods-fail'), opts.akmodsFail.join('\n') + '\n');
  if (opts.dracutFail) write(join(state, 'dracut-fail'), '');
  if (opts.missing) write(join(state, 'missing'), opts.missing.join('\n') + '\n');
  if (opts.extraKernelDir) write(join(state, 'extra-kernel'), `${opts.extraKernelDir}\n`);
  write(log, '');
  const env = {
    PATH: `${bin}:${process.env.PATH}`,
    HOME: dir,
    LC_ALL: 'C',
    KSPEC_ROOT: root,
    SHIM_LOG: log,
    SHIM_KVER: KVER,
  };
  return { dir, root, ctx, state, log, env };
}

/**
 * A copy of `box` (its root, build context, shims, log and state) in a new folder, its
 * environment pointing there: for tests that each change the state one run left behind,
 * without running it again. Symbolic links are copied as they are (root-relative).
 */
export function cloneBox(box: Box): Box {
  const dir = mkdtempSync(join(tmpdir(), 'kspec-bootc-run-'));
  tmpRoots.push(dir);
  const moved = (p: string): string => (p === box.dir || p.startsWith(`${box.dir}/`) ? dir + p.slice(box.dir.length) : p);
  // A file that is all hole (the dracut shim's 64 MiB initramfs) is made again as one:
  // copying would write every zero.
  const holes: Array<[string, Stats]> = [];
  cpSync(box.dir, dir, {
    recursive: true,
    verbatimSymlinks: true,
    filter: (src) => {
      const st = lstatSync(src);
      if (!st.isFile() || st.size === 0 || st.blocks > 0) return true;
      holes.push([src, st]);
      return false;
    },
  });
  for (const [src, st] of holes) {
    writeFileSync(moved(src), '');
    truncateSync(moved(src), st.size);
    chmodSync(moved(src), st.mode & 0o7777);
  }
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(box.env)) env[k] = v?.split(':').map(moved).join(':');
  return { dir, root: moved(box.root), ctx: moved(box.ctx), state: moved(box.state), log: moved(box.log), env };
}

export function runScript(box: Box, script: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): { status: number | null; out: string } {
  const r = spawnSync('bash', [join(box.ctx, script), ...args], { env: { ...box.env, ...env }, encoding: 'utf8', cwd: box.dir, timeout: 60_000 });
  if (r.error) throw r.error;
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

export function calls(box: Box, tool?: string): string[][] {
  return readFileSync(box.log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\x1f'))
    .filter((c) => tool === undefined || c[0] === tool);
}
export const line = (c: string[]): string => c.join(' ');
export const indexOf = (all: string[][], re: RegExp): number => all.findIndex((c) => re.test(line(c)));
export const read = (p: string): string => readFileSync(p, 'utf8');
export const installedPkgs = (box: Box): string[] => read(join(box.state, 'installed')).split('\n').filter(Boolean);

export function expectHooksRestored(box: Box): void {
  for (const h of ['05-rpmostree.install', '50-dracut.install']) {
    expect(read(join(box.root, 'usr/lib/kernel/install.d', h))).toBe(HOOK(h));
    expect(existsSync(join(box.root, 'usr/lib/kernel/install.d', `${h}.kspec-orig`))).toBe(false);
  }
}

