/**
 * The gate before :stable: verify-and-record.sh records an image that passed
 * verify-image.sh, boot-test.sh one that booted (lifecycle.boot.test.ts), and promote.sh
 * copies candidate -> stable with `skopeo copy --preserve-digests` only when both are
 * recorded for the image the candidate tag names (by its config digest), refusing with a
 * reason otherwise. skopeo and podman are shims.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BOOTC, bench, calls, put, run, sh, shim, type Bench } from './lifecycle.harness.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const MANIFEST = '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}\n';
const CONFIG: Record<string, string> = {
  amd64: '{"architecture":"amd64","os":"linux"}\n',
  arm64: '{"architecture":"arm64","os":"linux"}\n',
};

/**
 * skopeo: `inspect --raw` prints the manifest, `inspect --raw --config` the config of the
 * arch asked (--override-arch, default amd64), `inspect --format` the label; `copy` succeeds.
 */
function skopeo(b: Bench): void {
  put(join(b.dir, 'manifest.json'), MANIFEST);
  for (const [a, c] of Object.entries(CONFIG)) put(join(b.dir, `config-${a}.json`), c);
  shim(b, 'skopeo', sh`
cmd=$1; shift
arch=amd64; config=0; format=""
while (( $# )); do case $1 in --override-arch) arch=$2; shift 2 ;; --config) config=1; shift ;; --format) format=$2; shift 2 ;; *) shift ;; esac; done
case $cmd in
  inspect)
    if [[ -n "$format" ]]; then echo "7.0.8-cachyos1.fc44.x86_64"
    elif (( config )); then cat "$SHIM_DIR/config-$arch.json"
    else cat "$SHIM_DIR/manifest.json"; fi ;;
  copy) [[ ! -f "$SHIM_DIR/copy-fails" ]] ;;
esac`);
}

async function promoteBench(yaml = BOOTC): Promise<{ b: Bench; env: NodeJS.ProcessEnv; gates: string }> {
  const b = await bench(yaml);
  skopeo(b);
  const gates = join(b.dir, 'gates');
  return { b, env: { SHIM_DIR: b.dir, KSPEC_GATES: gates }, gates };
}

const record = (gates: string, arch: string, step: 'verified' | 'booted') => put(join(gates, `${sha(CONFIG[arch]!)}.${step}`), `${step}\n`);

describe('promote.sh', () => {
  it('promotes the candidate by its digest, with --preserve-digests, when it was verified and booted', async () => {
    const { b, env, gates } = await promoteBench();
    record(gates, 'amd64', 'verified');
    record(gates, 'amd64', 'booted');
    const r = run(b, 'promote.sh', [], env);
    expect(r.status, r.out).toBe(0);
    const digest = `sha256:${sha(MANIFEST)}`;
    expect(r.out).toContain(`promote: ghcr.io/margine/margine:candidate -> ghcr.io/margine/margine:stable (${digest})`);
    const copy = calls(b, 'skopeo').find((c) => c[1] === 'copy')!;
    expect(copy.slice(1)).toEqual(['copy', '--all', '--preserve-digests', `docker://ghcr.io/margine/margine@${digest}`, 'docker://ghcr.io/margine/margine:stable']);
    // the config is read at the pinned digest, not through the movable tag
    expect(calls(b, 'skopeo').filter((c) => c.includes('--config')).map((c) => c.at(-1))).toEqual([`docker://ghcr.io/margine/margine@${digest}`]);
  });

  it('refuses an image that did not pass verify-image.sh, copying nothing', async () => {
    const { b, env, gates } = await promoteBench();
    record(gates, 'amd64', 'booted');
    const r = run(b, 'promote.sh', ['ghcr.io/margine/margine:pr-12', 'ghcr.io/margine/margine:stable'], env);
    expect(r.status).toBe(1);
    expect(r.out).toContain(`promote: refusing to promote ghcr.io/margine/margine:pr-12: the image (image sha256:${sha(CONFIG.amd64!)}) has no passing verify-image.sh recorded`);
    expect(calls(b, 'skopeo').some((c) => c[1] === 'copy')).toBe(false);
  });

  it('refuses an image that did not pass the boot test', async () => {
    const { b, env, gates } = await promoteBench();
    record(gates, 'amd64', 'verified');
    const r = run(b, 'promote.sh', [], env);
    expect(r.status).toBe(1);
    expect(r.out).toContain('has no passing boot test recorded');
    expect(r.out).toContain('run boot-test.sh --image on it');
    expect(calls(b, 'skopeo').some((c) => c[1] === 'copy')).toBe(false);
  });

  it('refuses when the candidate cannot be read, and when the copy fails says so', async () => {
    const { b, env, gates } = await promoteBench();
    shim(b, 'skopeo', 'echo "manifest unknown" >&2; exit 1');
    const r = run(b, 'promote.sh', [], env);
    expect(r.status).toBe(1);
    expect(r.out).toContain('refusing to promote ghcr.io/margine/margine:candidate: skopeo could not read its manifest');
    skopeo(b);
    record(gates, 'amd64', 'verified');
    record(gates, 'amd64', 'booted');
    put(join(b.dir, 'copy-fails'), '');
    const c = run(b, 'promote.sh', [], env);
    expect(c.status).toBe(1);
    expect(c.out).toContain('promote: skopeo copy to ghcr.io/margine/margine:stable failed');
  });

  it('multi-arch: every arch image of the list must be verified and booted', async () => {
    const { b, env, gates } = await promoteBench(BOOTC.replace('  package: kernel-cachyos\n', '  package: kernel-cachyos\n  arch: [x86_64, aarch64]\n'));
    record(gates, 'amd64', 'verified');
    record(gates, 'amd64', 'booted');
    record(gates, 'arm64', 'verified');
    const r = run(b, 'promote.sh', [], env);
    expect(r.status).toBe(1);
    expect(r.out).toContain('the x86_64 image (sha256:');
    expect(r.out).toContain(`refusing to promote ghcr.io/margine/margine:candidate: the aarch64 image (image sha256:${sha(CONFIG.arm64!)}) has no passing boot test`);
    record(gates, 'arm64', 'booted');
    expect(run(b, 'promote.sh', [], env).status).toBe(0);
  });

  it('usage errors exit 2', async () => {
    const { b, env } = await promoteBench();
    expect(run(b, 'promote.sh', ['a:1', 'a:1'], env).status).toBe(2);
    expect(run(b, 'promote.sh', ['bad ref', 'a:2'], env).status).toBe(2);
    expect(run(b, 'promote.sh', ['a', 'b', 'c'], env).status).toBe(2);
  });
});

describe('verify-and-record.sh', () => {
  it('runs verify-image.sh in the image with its label, and records the image ID on a pass', async () => {
    const { b, env, gates } = await promoteBench();
    shim(b, 'podman', 'exit 0');
    const r = run(b, 'verify-and-record.sh', ['localhost/margine:test'], env);
    expect(r.status, r.out).toBe(0);
    const p = calls(b, 'podman')[0]!;
    expect(p.slice(1, 3)).toEqual(['run', '--rm']);
    expect(p.slice(-4)).toEqual(['localhost/margine:test', '/v.sh', '--label', '7.0.8-cachyos1.fc44.x86_64']);
    expect(readdirSync(gates)).toEqual([`${sha(CONFIG.amd64!)}.verified`]);
  });

  it('records nothing when verify-image.sh fails; --arch checks that arch image', async () => {
    const { b, env, gates } = await promoteBench();
    shim(b, 'podman', 'exit 1');
    const r = run(b, 'verify-and-record.sh', ['localhost/margine:test'], env);
    expect(r.status).toBe(1);
    expect(r.out).toContain('did not pass verify-image.sh; nothing recorded');
    expect(existsSync(gates)).toBe(false);
    shim(b, 'podman', 'exit 0');
    expect(run(b, 'verify-and-record.sh', ['localhost/margine:test', '--arch', 'aarch64'], env).status).toBe(0);
    expect(calls(b, 'podman').at(-1)).toContain('linux/arm64');
    expect(calls(b, 'podman').at(-1)!.slice(-2)).toEqual(['--arch', 'aarch64']);
    expect(readdirSync(gates)).toEqual([`${sha(CONFIG.arm64!)}.verified`]);
  });
});
