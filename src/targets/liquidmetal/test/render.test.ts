/**
 * liquidmetal: what the planned files say. clusterctl.env goes through bash -n, shellcheck
 * and a real `source`; the manifests are parsed back; hand-built specs (normalized, as
 * plan() gets them, so past the schema) show that the quoting holds on its own.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { render } from '../../../render.js';
import { liquidmetal } from '../../../targets/liquidmetal/index.js';
import { cmdlineEntry, isLegacy, releasesAgree, tagRelease } from '../../../targets/liquidmetal/view.js';
import type { RenderedFile, SpecFor } from '../../../types.js';
import { bashSyntax, compileText, ROOT, shellcheck, tempDir } from '../../../../test/helpers.js';

type LmSpec = SpecFor<'liquidmetal'>;
const HEADER = { specPath: 'specs/liquidmetal-5.10.yaml', command: 'kspec compile specs/liquidmetal-5.10.yaml -o out' };
const CTX = { specPath: HEADER.specPath, specDir: path.join(ROOT, 'specs') };

/** design/examples/liquidmetal-5.10.yaml after normalize. */
function example(): LmSpec {
  return {
    apiVersion: 'kspec.dev/v1alpha1',
    kind: 'KernelSpec',
    metadata: { name: 'capmvm-5-10-77', labels: {} },
    kernel: { version: '5.10.77', arch: ['x86_64'], cmdline: [], config: {} },
    provider: {
      type: 'oci',
      kernel: { image: 'ghcr.io/weaveworks-liquidmetal/kernel-bin:5.10.77', filename: 'boot/vmlinux' },
      modules: { image: 'ghcr.io/weaveworks-liquidmetal/kernel-modules:5.10.77' },
      allowInsecure: false,
    },
    modules: [],
    initramfs: { hostonly: false, add: [], omit: [], compress: 'zstd', require: [], minSizeMiB: 50 },
    fallback: { kernel: 'ghcr.io/weaveworks-liquidmetal/kernel-bin:4.19.215', via: 'template' },
    validation: { outOfPolicy: ['nvidia', 'zfs', 'virtualbox'], boot: { expect: 'Reached target Multi-User System', timeoutSeconds: 600 } },
    target: {
      platform: 'liquidmetal',
      capmvm: 'v0.9.0',
      rootImage: 'ghcr.io/weaveworks-liquidmetal/capmvm-k8s-os:1.23.5',
      template: { name: 'mvm-k8s-1-23', namespace: 'default', vcpu: 2, memoryMb: 2048, networkInterfaces: [{ guestDeviceName: 'eth1', type: 'macvtap' }] },
    },
  };
}

function files(spec: LmSpec): Map<string, string> {
  return new Map(render(liquidmetal.plan(spec, CTX), HEADER).map((f: RenderedFile) => [f.path, f.content]));
}

function templates(spec: LmSpec): any[] {
  return parseAllDocuments(files(spec).get('microvmmachinetemplate.yaml')!).map((d) => {
    expect(d.errors).toEqual([]);
    return d.toJS();
  });
}

/** Sources clusterctl.env in a clean bash and returns the MVM_* variables it exported. */
function sourced(env: string): Record<string, string> {
  const dir = tempDir('kspec-lm-');
  const file = path.join(dir, 'clusterctl.env');
  writeFileSync(file, env);
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', '. "$1" && env -0', 'bash', file], {
    encoding: 'utf8',
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  });
  expect(r.stderr).toBe('');
  const out: Record<string, string> = {};
  for (const kv of r.stdout.split('\0')) {
    const eq = kv.indexOf('=');
    if (kv.startsWith('MVM_')) out[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return out;
}

describe('helpers', () => {
  it('isLegacy: v0.7.0 and older', () => {
    expect(['v0.7.0', 'v0.6.9', 'v0.1.0'].map(isLegacy)).toEqual([true, true, true]);
    expect(['v0.7.1', 'v0.8.0', 'v0.10.0', 'v1.0.0'].map(isLegacy)).toEqual([false, false, false, false]);
  });
  it('tagRelease reads kernel releases only', () => {
    expect(tagRelease('ghcr.io/x/kernel-bin:5.10.77')).toBe('5.10.77');
    expect(tagRelease('ghcr.io/x/kernel-bin:v4.19.215')).toBe('4.19.215');
    expect(tagRelease('localhost:5000/kernel-bin:6.1.128-microvm')).toBe('6.1.128-microvm');
    for (const ref of ['ghcr.io/x/k:latest', 'ghcr.io/x/k:1.2.0', 'ghcr.io/x/k', 'ghcr.io/x/k@sha256:' + 'a'.repeat(64), 'localhost:5000/k']) {
      expect(tagRelease(ref), ref).toBeUndefined();
    }
  });
  it('releasesAgree compares by components, not by string prefix', () => {
    expect(releasesAgree('5.10.77', '5.10.77')).toBe(true);
    expect(releasesAgree('5.10', '5.10.77')).toBe(true);
    expect(releasesAgree('5.10.77-2', '5.10.77')).toBe(true);
    expect(releasesAgree('5.1', '5.10.77')).toBe(false);
    expect(releasesAgree('5.10.7', '5.10.77')).toBe(false);
    expect(releasesAgree('5.10.78', '5.10.77')).toBe(false);
  });
  it('cmdlineEntry: key=value, bare flag, value holding =', () => {
    expect(cmdlineEntry('console=ttyS0')).toEqual(['console', 'ttyS0']);
    expect(cmdlineEntry('quiet')).toEqual(['quiet', '']);
    expect(cmdlineEntry('root=PARTUUID=1234-01')).toEqual(['root', 'PARTUUID=1234-01']);
    expect(cmdlineEntry('initcall_blacklist=')).toEqual(['initcall_blacklist', '']);
  });
});

describe('clusterctl.env', () => {
  it('passes bash -n and shellcheck, and sourcing it sets exactly the images', () => {
    const env = files(example()).get('clusterctl.env')!;
    expect(bashSyntax(env)).toBe('');
    expect(shellcheck(env, 'clusterctl.env')).toBe('');
    expect(sourced(env)).toEqual({
      MVM_ROOT_IMAGE: 'ghcr.io/weaveworks-liquidmetal/capmvm-k8s-os:1.23.5',
      MVM_KERNEL_IMAGE: 'ghcr.io/weaveworks-liquidmetal/kernel-bin:5.10.77',
      MVM_KERNEL_MODULES_IMAGE: 'ghcr.io/weaveworks-liquidmetal/kernel-modules:5.10.77',
    });
  });
  it('keeps hostile values literal (quoting holds without the schema)', () => {
    const spec = example();
    const evil = "x'$(touch pwned)`id`;\"$HOME";
    spec.target.rootImage = evil;
    const out = files(spec);
    expect(sourced(out.get('clusterctl.env')!).MVM_ROOT_IMAGE).toBe(evil);
    expect(bashSyntax(out.get('clusterctl.env')!)).toBe('');
    expect(templates(spec)[0].spec.template.spec.rootVolume.image).toBe(evil);
    expect(JSON.parse(out.get('flintlock-request.json')!).microvm.root_volume.source.container_source).toBe(evil);
  });
  it('says when the stock cluster-template mount point is wrong for the kernel', () => {
    expect(files(example()).get('clusterctl.env')).not.toContain('/lib/modules/5.10.77 whatever');
    const spec = example();
    spec.kernel.version = '5.10.78';
    expect(files(spec).get('clusterctl.env')).toContain('/lib/modules/5.10.77 whatever');
  });
});

describe('the MicrovmMachineTemplate', () => {
  it('mounts the modules at /lib/modules/<kernel.version>', () => {
    for (const v of ['5.10.77', '4.19.215', '6.1.128-microvm.x86_64']) {
      const spec = example();
      spec.kernel.version = v;
      spec.fallback = undefined;
      const [t] = templates(spec);
      expect(t.spec.template.spec.volumes).toEqual([
        { id: 'modules', image: 'ghcr.io/weaveworks-liquidmetal/kernel-modules:5.10.77', mountPoint: `/lib/modules/${v}` },
      ]);
    }
  });
  it('builds kernelCmdline as a string map', () => {
    const spec = example();
    spec.kernel.cmdline = ['quiet', 'console=ttyS0', 'root=PARTUUID=1234-01'];
    const [t] = templates(spec);
    expect(t.spec.template.spec.kernelCmdline).toEqual({ quiet: '', console: 'ttyS0', root: 'PARTUUID=1234-01' });
  });
  it('adds a fallback template pinned to fallback.kernel, named for the rollback', () => {
    const [primary, fallback] = templates(example());
    expect(primary.metadata.name).toBe('mvm-k8s-1-23');
    expect(fallback.metadata.name).toBe('mvm-k8s-1-23-fallback');
    expect(fallback.spec.template.spec.kernel).toEqual({ image: 'ghcr.io/weaveworks-liquidmetal/kernel-bin:4.19.215', filename: 'boot/vmlinux' });
    expect(fallback.spec.template.spec.volumes[0].mountPoint).toBe('/lib/modules/4.19.215');
    // Everything but the kernel is the same machine.
    const { kernel: _a, volumes: _b, ...rest } = primary.spec.template.spec;
    const { kernel: _c, volumes: _d, ...fbRest } = fallback.spec.template.spec;
    expect(fbRest).toEqual(rest);
  });
  it('emits the legacy form for CAPMVM v0.7.0: one kernel image, no modules anywhere', () => {
    const spec = example();
    spec.target.capmvm = 'v0.7.0';
    const out = files(spec);
    const docs = templates(spec);
    for (const t of docs) expect(t.spec.template.spec.volumes).toBeUndefined();
    expect(out.get('microvmmachinetemplate.yaml')).toContain('Legacy form');
    expect(sourced(out.get('clusterctl.env')!)).not.toHaveProperty('MVM_KERNEL_MODULES_IMAGE');
    expect(JSON.parse(out.get('flintlock-request.json')!).microvm.additional_volumes).toBeUndefined();
  });
});

describe('the flintlock request', () => {
  it('follows the hammertime example', () => {
    const req = JSON.parse(files(example()).get('flintlock-request.json')!);
    expect(req.microvm.kernel).toEqual({
      image: 'ghcr.io/weaveworks-liquidmetal/kernel-bin:5.10.77',
      filename: 'boot/vmlinux',
      add_network_config: true,
      cmdline: {},
    });
    expect(req.microvm.root_volume).toEqual({ id: 'root', is_read_only: false, source: { container_source: 'ghcr.io/weaveworks-liquidmetal/capmvm-k8s-os:1.23.5' } });
    expect(req.microvm.additional_volumes).toEqual([
      { id: 'modules', is_read_only: false, mount_point: '/lib/modules/5.10.77', source: { container_source: 'ghcr.io/weaveworks-liquidmetal/kernel-modules:5.10.77' } },
    ]);
    expect(req.microvm.interfaces).toEqual([{ device_id: 'eth1', type: 'MACVTAP' }]);
  });
});

describe('several architectures', () => {
  it('one image reference per provider: the same files, the template notes the image index', () => {
    const one = files(example());
    const spec = example();
    spec.kernel.arch = ['x86_64', 'aarch64'];
    const two = files(spec);
    expect([...two.keys()]).toEqual([...one.keys()]);
    expect(two.get('flintlock-request.json')).toBe(one.get('flintlock-request.json'));
    expect(two.get('clusterctl.env')).toBe(one.get('clusterctl.env'));
    expect(two.get('microvmmachinetemplate.yaml')).toContain('OCI image\n# indexes');
    expect(templates(spec)).toEqual(templates(example()));
  });
});

describe('determinism', () => {
  it('compiles the same spec to the same bytes', async () => {
    const yaml = `apiVersion: kspec.dev/v1alpha1
kind: KernelSpec
metadata: {name: det}
kernel: {version: 5.10.77, cmdline: [z=1, a, m=2]}
provider:
  type: oci
  kernel: {image: ghcr.io/weaveworks-liquidmetal/kernel-bin:5.10.77, filename: boot/vmlinux}
  modules: {image: ghcr.io/weaveworks-liquidmetal/kernel-modules:5.10.77}
target: {platform: liquidmetal, capmvm: v0.9.0, rootImage: ghcr.io/weaveworks-liquidmetal/capmvm-k8s-os:1.23.5, template: {name: det}}
`;
    const a = await compileText(yaml);
    const b = await compileText(yaml);
    expect(a.diagnostics).toEqual([]);
    expect(b.files).toEqual(a.files);
    // Sorted keys: the map order never depends on the order of kernel.cmdline.
    expect(a.files.find((f) => f.path === 'microvmmachinetemplate.yaml')!.content).toMatch(/"a": ""\n {8}"m": "2"\n {8}"z": "1"/);
  });
});
