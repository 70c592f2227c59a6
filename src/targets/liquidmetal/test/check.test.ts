/**
 * liquidmetal: every diagnostic the target can raise, on real specs, with line and column:
 * its own KS8xxx codes, and the schema and common codes that carry its rules (the CRD's
 * minimums are the schema's KS2007; signing, provider, version and fallback are KS3xxx).
 */
import { describe, expect, it } from 'vitest';
import { D } from '../../../diagnostics/catalogue.js';
import { LIQUIDMETAL } from '../diagnostics.js';
import { parse, parseAllDocuments } from 'yaml';
import { compileText, expectDiagnostic, replaceLine } from '../../../../test/helpers.js';

/** design/examples/liquidmetal-5.10.yaml without its comment line: line numbers below are this text's. */
const BASE = `apiVersion: kspec.dev/v1alpha1
kind: KernelSpec
metadata:
  name: capmvm-5-10-77
kernel:
  version: 5.10.77
  arch: [x86_64]
provider:
  type: oci
  kernel: {image: ghcr.io/weaveworks-liquidmetal/kernel-bin:5.10.77, filename: boot/vmlinux}
  modules: {image: ghcr.io/weaveworks-liquidmetal/kernel-modules:5.10.77}
fallback:
  kernel: ghcr.io/weaveworks-liquidmetal/kernel-bin:4.19.215
  via: template
target:
  platform: liquidmetal
  capmvm: v0.9.0
  rootImage: ghcr.io/weaveworks-liquidmetal/capmvm-k8s-os:1.23.5
  template: {name: mvm-k8s-1-23, namespace: default, vcpu: 2, memoryMb: 2048}
`;

/** Replaces line n (1-based) with text, which may hold several lines or none. */
const withLine = (n: number, text: string | null, base = BASE): string => replaceLine(base, n, text);

const codes = (r: Awaited<ReturnType<typeof compileText>>) => r.diagnostics.map((d) => d.code);

describe('the liquidmetal base spec', () => {
  it('compiles clean into the three files', async () => {
    const r = await compileText(BASE);
    expect(r.diagnostics).toEqual([]);
    expect(r.files.map((f) => f.path)).toEqual(['clusterctl.env', 'flintlock-request.json', 'microvmmachinetemplate.yaml']);
  });
});

describe('KS8xxx: liquidmetal', () => {
  it('KS8001 modules image tagged for another kernel than the mount point', async () => {
    const r = await compileText(withLine(11, '  modules: {image: ghcr.io/weaveworks-liquidmetal/kernel-modules:4.19.215}'));
    const d = expectDiagnostic(r, LIQUIDMETAL.LiquidmetalModulesVersion, 11, 20);
    expect(d.message).toContain('/lib/modules/5.10.77');
    expect(r.files).toEqual([]);
  });
  it('KS8001 also with a v-prefixed tag; an image revision suffix or a non-release tag agrees', async () => {
    expectDiagnostic(await compileText(withLine(11, '  modules: {image: ghcr.io/x/kernel-modules:v5.10.78}')), LIQUIDMETAL.LiquidmetalModulesVersion, 11, 20);
    for (const tag of ['5.10.77-2', '5.10', 'v5.10.77', 'stable', '1.2.0']) {
      const r = await compileText(withLine(11, `  modules: {image: ghcr.io/x/kernel-modules:${tag}}`));
      expect(codes(r), tag).not.toContain(LIQUIDMETAL.LiquidmetalModulesVersion.code);
    }
  });
  it('KS8002 kernel image tagged for another kernel (a warning)', async () => {
    const r = await compileText(withLine(10, '  kernel: {image: ghcr.io/weaveworks-liquidmetal/kernel-bin:5.10.78, filename: boot/vmlinux}'));
    expectDiagnostic(r, LIQUIDMETAL.LiquidmetalKernelTag, 10, 19);
    expect(r.files.length).toBe(3);
  });
  it('KS8010 no kernel.filename: flintlock needs it and CAPMVM does not default it', async () => {
    const r = await compileText(withLine(10, '  kernel: {image: ghcr.io/weaveworks-liquidmetal/kernel-bin:5.10.77}'));
    const d = expectDiagnostic(r, LIQUIDMETAL.LiquidmetalKernelFilename, 10, 3);
    expect(d.fix).toContain('boot/vmlinux');
    expect(r.files).toEqual([]);
  });
  it('KS8011 aarch64 listed: the arm images are experimental (a warning, at the arch entry)', async () => {
    const r = await compileText(withLine(7, '  arch: [x86_64, arm64]'));
    expect(codes(r)).toEqual([LIQUIDMETAL.LiquidmetalArmExperimental.code]);
    const d = expectDiagnostic(r, LIQUIDMETAL.LiquidmetalArmExperimental, 7, 18);
    expect(d.severity).toBe('warning');
    expect(d.fix).toContain('remove aarch64 from kernel.arch');
    expect(codes(await compileText(withLine(7, '  arch: [x86_64]')))).toEqual([]);
  });

  it('images under ghcr.io/liquidmetal-dev (CAPMVM\'s stock template) and under the old org both compile clean', async () => {
    const moved = BASE.replaceAll('ghcr.io/weaveworks-liquidmetal/', 'ghcr.io/liquidmetal-dev/').replace('capmvm-k8s-os', 'capmvm-kubernetes');
    const r = await compileText(moved);
    expect(r.diagnostics).toEqual([]);
    const env = r.files.find((f) => f.path === 'clusterctl.env')!.content;
    expect(env).toContain("MVM_KERNEL_IMAGE='ghcr.io/liquidmetal-dev/kernel-bin:5.10.77'");
    expect((await compileText(BASE)).diagnostics).toEqual([]);
    expect(LIQUIDMETAL.LiquidmetalFallbackRelease.fix).toContain('ghcr.io/liquidmetal-dev/kernel-bin');
  });

  it('KS8003 follows firecracker: none with target.provider cloudhypervisor, the same with firecracker or no provider', async () => {
    const six = withLine(6, '  version: 6.6.30').replaceAll(':5.10.77', ':6.6.30');
    expect(codes(await compileText(six))).toEqual([LIQUIDMETAL.LiquidmetalKernelLine.code]);
    expect(codes(await compileText(withLine(16, '  platform: liquidmetal\n  provider: firecracker', six)))).toEqual([LIQUIDMETAL.LiquidmetalKernelLine.code]);
    const chv = await compileText(withLine(16, '  platform: liquidmetal\n  provider: cloudhypervisor', six));
    expect(chv.diagnostics).toEqual([]);
    const tpl = chv.files.find((f) => f.path === 'microvmmachinetemplate.yaml')!.content;
    expect(tpl).toContain('      memoryMb: 2048\n      provider: "cloudhypervisor"\n');
    expect(tpl.match(/provider: "cloudhypervisor"/g)).toHaveLength(2); // the fallback template too
    const req = JSON.parse(chv.files.find((f) => f.path === 'flintlock-request.json')!.content);
    expect(req.microvm.provider).toBe('cloudhypervisor');
    const none = await compileText(BASE);
    expect(none.files.find((f) => f.path === 'microvmmachinetemplate.yaml')!.content).not.toContain('provider:');
  });

  it('provider.initrd and modules readOnly reach the template and the flintlock request', async () => {
    const spec = withLine(11, '  modules: {image: ghcr.io/weaveworks-liquidmetal/kernel-modules:5.10.77, readOnly: true}\n  initrd: {image: ghcr.io/example/initrd:5.10.77, filename: boot/initrd.img}');
    const r = await compileText(spec);
    expect(r.diagnostics).toEqual([]);
    const tpl = r.files.find((f) => f.path === 'microvmmachinetemplate.yaml')!.content;
    expect(tpl).toContain('      initrd:\n        image: "ghcr.io/example/initrd:5.10.77"\n        filename: "boot/initrd.img"\n');
    expect(tpl).toContain('          mountPoint: "/lib/modules/5.10.77"\n          readOnly: true\n');
    const req = JSON.parse(r.files.find((f) => f.path === 'flintlock-request.json')!.content);
    expect(req.microvm.initrd).toEqual({ image: 'ghcr.io/example/initrd:5.10.77', filename: 'boot/initrd.img' });
    expect(req.microvm.additional_volumes[0].is_read_only).toBe(true);
    const plain = await compileText(BASE);
    expect(plain.files.find((f) => f.path === 'microvmmachinetemplate.yaml')!.content).not.toMatch(/initrd|readOnly/);
  });

  it('KS8003 kernel line outside 4.19, 5.10 and 6.1', async () => {
    let text = withLine(6, '  version: 6.6.30');
    text = withLine(10, '  kernel: {image: registry.example.com/k/kernel-bin:6.6.30, filename: boot/vmlinux}', text);
    text = withLine(11, '  modules: {image: registry.example.com/k/kernel-modules:6.6.30}', text);
    const d = expectDiagnostic(await compileText(text), LIQUIDMETAL.LiquidmetalKernelLine, 6, 12);
    expect(d.message).toContain('Kernel line 6.6');
    for (const v of ['4.19.215', '5.10.77', '6.1.128']) {
      const r = await compileText(withLine(6, `  version: ${v}`));
      expect(codes(r), v).not.toContain(LIQUIDMETAL.LiquidmetalKernelLine.code);
    }
  });
  it('KS8004 capmvm v0.7.0 and older: the legacy form, with provider.modules unused', async () => {
    const r = await compileText(withLine(17, '  capmvm: v0.7.0'));
    const d = expectDiagnostic(r, LIQUIDMETAL.LiquidmetalLegacyCapmvm, 17, 11);
    expect(d.fix).toContain('provider.modules is not used');
    // The modules tag is not checked in the legacy form: the volume is not emitted.
    expect(codes(await compileText(withLine(11, '  modules: {image: ghcr.io/x/kernel-modules:4.19.215}', withLine(17, '  capmvm: v0.6.3'))))).toEqual([
      LIQUIDMETAL.LiquidmetalLegacyCapmvm.code,
    ]);
    expect(codes(await compileText(withLine(17, '  capmvm: v0.8.0')))).toEqual([]);
  });
  it('KS8005 no modules image on a CAPMVM with a modules volume', async () => {
    const d = expectDiagnostic(await compileText(withLine(11, null)), LIQUIDMETAL.LiquidmetalNoModulesImage, 8, 1);
    expect(d.message).toContain('/lib/modules/5.10.77');
  });
  it('KS8006 a cmdline key given twice (the command line is a map)', async () => {
    const r = await compileText(withLine(7, '  cmdline: [console=ttyS0, quiet, console=tty0]'));
    const d = expectDiagnostic(r, LIQUIDMETAL.LiquidmetalCmdlineDuplicate, 7, 35);
    expect(d.message).toContain('kernel.cmdline[0]');
    expect(codes(await compileText(withLine(7, '  cmdline: [quiet, quiet]')))).toEqual([LIQUIDMETAL.LiquidmetalCmdlineDuplicate.code]);
  });
  it('KS8007 a fallback kernel whose tag is not a kernel release', async () => {
    expectDiagnostic(await compileText(withLine(13, '  kernel: ghcr.io/weaveworks-liquidmetal/kernel-bin:stable')), LIQUIDMETAL.LiquidmetalFallbackRelease, 13, 11);
    // Without a modules volume there is no mount point to derive, so any tag will do.
    expect(codes(await compileText(withLine(13, '  kernel: ghcr.io/x/kernel-bin:stable', withLine(17, '  capmvm: v0.7.0'))))).toEqual([
      LIQUIDMETAL.LiquidmetalLegacyCapmvm.code,
    ]);
  });
  it('KS8008 a template name too long for its fallback', async () => {
    const name = 'a'.repeat(250);
    const d = expectDiagnostic(
      await compileText(withLine(19, `  template: {name: ${name}, namespace: default, vcpu: 2, memoryMb: 2048}`)),
      LIQUIDMETAL.LiquidmetalFallbackName,
      19,
      20,
    );
    expect(d.message).toContain(`${name}-fallback`);
  });
  it('KS8009 a fallback that is the kernel being rolled out', async () => {
    expectDiagnostic(await compileText(withLine(13, '  kernel: ghcr.io/weaveworks-liquidmetal/kernel-bin:5.10.77')), LIQUIDMETAL.LiquidmetalFallbackSame, 13, 11);
  });
});

/** Real keys made with ssh-keygen for these tests (ed25519 and 2048-bit RSA). */
const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIF9/dJlBOf4U6ty4v1jaN1ieeDdRCLyAujFh1hSlMj3o ops@example.org';
const RSA = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDNIQR9wgXMmNNJyGJNHERaWLqyXd/riF/QpuD7jDIQ2yHBp2JEpOUTdJn/Y0gDJ+xBxxMoPhzz4rXRk98OC3K1YpYGRRHxCZtj4vkh+4h3CTrGLRVKPPNfxcUzKJd1XIgpcM11JyNztObBkXr/VpqP7rtF2PuM3AlXkAuXRe/OZ+yW1q7gSh2ECgW6Jvxg8bAIYC1xWK2bfeA5AHWgkd+8Gb+9DiUBbUwEQdTPnaAOU+7hGV5dZPqHoGZQLD3EFVPsFKQUNFRIvXVNhUVjtzdZ5hkIa+ew51S6iITbFNYG3Q6fQdTbP5O8KkKD4E5rNsjQFK1+Pj9vwfynWhwCvvgz ci@example.org';

/** BASE with template given as a block (line 19 on) followed by \`rest\` (labels, sshPublicKeys). */
const withTemplate = (rest: string): string => withLine(19, `  template:\n    name: mvm-k8s-1-23\n${rest}`);

describe('labels and sshPublicKeys (CRD spec.template.spec; flintlock labels and vendor-data)', () => {
  it('compile clean into the template and the request; absent, nothing changes', async () => {
    const r = await compileText(withTemplate(`    labels: {env: lab}\n    sshPublicKeys:\n      - user: root\n        authorizedKeys: ["${ED25519}"]`));
    expect(r.diagnostics).toEqual([]);
    const tpl = r.files.find((f) => f.path === 'microvmmachinetemplate.yaml')!.content;
    expect(tpl).toContain(`      labels:\n        "env": "lab"\n`);
    expect(tpl).toContain(`        - user: "root"\n          authorizedKeys:\n            - "${ED25519}"\n`);
    const req = JSON.parse(r.files.find((f) => f.path === 'flintlock-request.json')!.content);
    expect(req.microvm.labels).toEqual({ env: 'lab' });
    const vendor = Buffer.from(req.microvm.metadata['vendor-data'], 'base64').toString('utf8');
    expect(parse(vendor)).toEqual({ users: [{ name: 'root', ssh_authorized_keys: [ED25519] }] });
    expect(vendor.startsWith('#cloud-config\n')).toBe(true);
    const plain = await compileText(BASE);
    expect(plain.files.find((f) => f.path === 'microvmmachinetemplate.yaml')!.content).not.toMatch(/labels|sshPublicKeys/);
    expect(JSON.parse(plain.files.find((f) => f.path === 'flintlock-request.json')!.content).microvm.metadata).toBeUndefined();
  });
  it('KS2005 label keys and values outside Kubernetes label syntax, and a key that is no SSH key line', async () => {
    expectDiagnostic(await compileText(withTemplate('    labels: {-env: lab}')), D.PatternMismatch, 21, 14);
    expectDiagnostic(await compileText(withTemplate('    labels: {env: "lab value"}')), D.PatternMismatch, 21, 19);
    expectDiagnostic(await compileText(withTemplate(`    labels: {env: ${'v'.repeat(64)}}`)), D.BadLength, 21, 19);
    const dss = await compileText(withTemplate('    sshPublicKeys:\n      - user: root\n        authorizedKeys: ["ssh-dss AAAAB3NzaC1kc3MAAACBAP"]'));
    expectDiagnostic(dss, D.PatternMismatch, 23, 26);
  });
  it('KS8012 a key whose data is not a key of its type (at the key)', async () => {
    const swapped = `ssh-rsa ${ED25519.split(' ')[1]}`;
    const r = await compileText(withTemplate(`    sshPublicKeys:\n      - user: root\n        authorizedKeys:\n          - ${RSA}\n          - ${swapped}`));
    const d = expectDiagnostic(r, LIQUIDMETAL.LiquidmetalSshKey, 25, 13);
    expect(d.message).toContain("is a 'ssh-ed25519' key, not 'ssh-rsa'");
    expect(r.files).toEqual([]);
    const cut = ED25519.split(' ').slice(0, 2).join(' ').slice(0, -8);
    expect(expectDiagnostic(await compileText(withTemplate(`    sshPublicKeys:\n      - user: root\n        authorizedKeys: ["${cut}"]`)), LIQUIDMETAL.LiquidmetalSshKey, 23, 26).message).toContain("truncated");
  });
  it('KS8013 a label key prefix over 253 characters', async () => {
    const prefix = `${'a'.repeat(200)}.${'b'.repeat(60)}`;
    const d = expectDiagnostic(await compileText(withTemplate(`    labels:\n      ${prefix}/tier: edge`)), LIQUIDMETAL.LiquidmetalLabelPrefix, 22, 7);
    expect(d.message).toContain('261 characters');
    expect((await compileText(withTemplate(`    labels:\n      ${'a'.repeat(253)}/tier: edge`))).diagnostics).toEqual([]);
  });
  it('KS8014 the cluster-name label, which CAPMVM replaces (a warning)', async () => {
    const r = await compileText(withTemplate('    labels:\n      env: lab\n      cluster-name: mine'));
    expect(expectDiagnostic(r, LIQUIDMETAL.LiquidmetalClusterNameLabel, 23, 7).message).toContain('GetLabels');
    expect(r.files.length).toBe(3);
  });
  it('KS8018 a field older CAPMVM CRDs do not have (labels v0.8.0, sshPublicKeys v0.6.0, provider v0.9.0): a warning at its key', async () => {
    const keys = `    sshPublicKeys:\n      - user: root\n        authorizedKeys: ["${ED25519}"]`;
    const old = withLine(17, '  capmvm: v0.7.0', withTemplate(`    labels: {env: lab}\n${keys}`));
    const r = await compileText(old);
    expect(codes(r)).toEqual([LIQUIDMETAL.LiquidmetalFieldTooNew.code, LIQUIDMETAL.LiquidmetalLegacyCapmvm.code]);
    const d = expectDiagnostic(r, LIQUIDMETAL.LiquidmetalFieldTooNew, 21, 5);
    expect(d.message).toContain('target.template.labels is in CAPMVM\'s MicrovmMachineTemplate from v0.8.0 on');
    expect(codes(await compileText(old.replace('capmvm: v0.7.0', 'capmvm: v0.8.0')))).toEqual([]);
    const five = await compileText(withLine(17, '  capmvm: v0.5.1', withTemplate(keys)));
    expect(expectDiagnostic(five, LIQUIDMETAL.LiquidmetalFieldTooNew, 21, 5).message).toContain('sshPublicKeys is in CAPMVM\'s MicrovmMachineTemplate from v0.6.0');
    const provider = await compileText(withLine(16, '  platform: liquidmetal\n  provider: firecracker', withLine(17, '  capmvm: v0.8.5')));
    expectDiagnostic(provider, LIQUIDMETAL.LiquidmetalFieldTooNew, 17, 3);
    expect(codes(await compileText(withLine(16, '  platform: liquidmetal\n  provider: firecracker', withLine(17, '  capmvm: v0.9.0'))))).toEqual([]);
  });
  it('KS8015 one user in two entries', async () => {
    const r = await compileText(withTemplate(`    sshPublicKeys:\n      - user: root\n        authorizedKeys: ["${ED25519}"]\n      - user: root\n        authorizedKeys: ["${RSA}"]`));
    expect(expectDiagnostic(r, LIQUIDMETAL.LiquidmetalSshUserTwice, 24, 15).message).toContain('sshPublicKeys[0]');
  });
});

describe('target.template.roles: one template per role, as CAPMVM\'s cluster-template has', () => {
  const ROLES = '    vcpu: 4\n    roles:\n      controlPlane: {memoryMb: 4096, replicas: 3}\n      workers: {vcpu: 8, memoryMb: 16384, replicas: 0}';
  it('templates <name>-control-plane and <name>-md-0 with their sizes, each followed by its fallback; a request per role; the counts as variables', async () => {
    const r = await compileText(withTemplate(ROLES));
    expect(r.diagnostics).toEqual([]);
    expect(r.files.map((f) => f.path)).toEqual(['clusterctl.env', 'flintlock-request-control-plane.json', 'flintlock-request-md-0.json', 'microvmmachinetemplate.yaml']);
    const docs = parseAllDocuments(r.files.find((f) => f.path === 'microvmmachinetemplate.yaml')!.content).map((d) => d.toJS());
    expect(docs.map((d) => [d.metadata.name, d.spec.template.spec.vcpu, d.spec.template.spec.memoryMb, d.spec.template.spec.kernel.image.split(':')[1]])).toEqual([
      ['mvm-k8s-1-23-control-plane', 4, 4096, '5.10.77'],
      ['mvm-k8s-1-23-control-plane-fallback', 4, 4096, '4.19.215'],
      ['mvm-k8s-1-23-md-0', 8, 16384, '5.10.77'],
      ['mvm-k8s-1-23-md-0-fallback', 8, 16384, '4.19.215'],
    ]);
    const req = (f: string) => JSON.parse(r.files.find((x) => x.path === f)!.content).microvm;
    expect([req('flintlock-request-control-plane.json'), req('flintlock-request-md-0.json')].map((m) => [m.id, m.vcpu, m.memory_in_mb])).toEqual([
      ['mvm-k8s-1-23-control-plane', 4, 4096],
      ['mvm-k8s-1-23-md-0', 8, 16384],
    ]);
    const env = r.files.find((f) => f.path === 'clusterctl.env')!.content;
    expect(env).toContain("export CONTROL_PLANE_MACHINE_COUNT='3'\nexport WORKER_MACHINE_COUNT='0'\n");
    expect(env).toContain("# for this spec's sizes, apply microvmmachinetemplate.yaml in place of them.\n");
  });
  it('without replicas no count variables; the single form keeps its one template and flintlock-request.json', async () => {
    const r = await compileText(withTemplate('    roles: {controlPlane: {}, workers: {}}'));
    expect(r.diagnostics).toEqual([]);
    expect(r.files.find((f) => f.path === 'clusterctl.env')!.content).not.toContain('MACHINE_COUNT');
    expect(r.files.find((f) => f.path === 'clusterctl.env')!.content).toContain('# so are these.');
    const single = await compileText(BASE);
    expect(single.files.map((f) => f.path)).toContain('flintlock-request.json');
    expect(single.files.find((f) => f.path === 'clusterctl.env')!.content).not.toMatch(/MACHINE_COUNT|md-0/);
  });
  it('KS2002 a role left out; KS2007 a control plane of 0 machines or a role under the CRD minimums', async () => {
    expectDiagnostic(await compileText(withTemplate('    roles:\n      controlPlane: {}')), D.MissingKey, 21, 5);
    expectDiagnostic(await compileText(withTemplate('    roles:\n      controlPlane: {replicas: 0}\n      workers: {}')), D.OutOfRange, 22, 32);
    expectDiagnostic(await compileText(withTemplate('    roles:\n      controlPlane: {}\n      workers: {memoryMb: 512}')), D.OutOfRange, 23, 27);
  });
  it('KS8016 a template name too long for its role suffix (and fallback)', async () => {
    const name = 'a'.repeat(231);
    const text = withLine(19, `  template:\n    name: ${name}\n    roles: {controlPlane: {}, workers: {}}`);
    const d = expectDiagnostic(await compileText(text), LIQUIDMETAL.LiquidmetalRoleName, 20, 11);
    expect(d.message).toContain(`${name}-control-plane-fallback`);
    expect(codes(await compileText(text))).not.toContain(LIQUIDMETAL.LiquidmetalFallbackName.code);
    expect(codes(await compileText(text.replace(name, 'a'.repeat(230))))).toEqual([]);
    expect(codes(await compileText(withLine(12, null, withLine(13, null, withLine(14, null, text)))))).toEqual([]);
  });
  it('KS8017 an even number of control plane machines (stacked etcd)', async () => {
    const r = await compileText(withTemplate('    roles:\n      controlPlane: {replicas: 2}\n      workers: {replicas: 2}'));
    const d = expectDiagnostic(r, LIQUIDMETAL.LiquidmetalControlPlaneEven, 22, 32);
    expect(d.fix).toContain('such as 1 or 3');
    expect(r.files).toEqual([]);
  });
});

describe('rules the schema and the common checks carry on liquidmetal', () => {
  it('KS2007 memoryMb under the CRD minimum of 1024', async () => {
    const r = await compileText(withLine(19, '  template: {name: mvm-k8s-1-23, namespace: default, vcpu: 2, memoryMb: 512}'));
    const d = expectDiagnostic(r, D.OutOfRange, 19, 73);
    expect(d.fix).toContain('1024');
  });
  it('KS2007 vcpu under 1', async () => {
    expectDiagnostic(await compileText(withLine(19, '  template: {name: mvm-k8s-1-23, namespace: default, vcpu: 0, memoryMb: 2048}')), D.OutOfRange, 19, 60);
  });
  it('KS3002 signing: microVM kernels are not signed', async () => {
    const r = await compileText(withLine(15, 'signing: {keySecret: mok-key, certSecret: mok-cert}\ntarget:'));
    expectDiagnostic(r, D.SigningNotSupported, 15, 1);
  });
  it('KS3003 kernel.version is required', async () => {
    const d = expectDiagnostic(await compileText(withLine(6, null)), D.VersionRequired, 5, 1);
    expect(d.message).toContain('/lib/modules/<kernel.version>');
  });
  it('KS3001 only the oci provider', async () => {
    const text = withLine(8, 'provider: {type: stock}', withLine(9, null, withLine(10, null, withLine(11, null))));
    expectDiagnostic(await compileText(text), D.ProviderNotAccepted, 8, 18);
  });
  it('KS3011 only fallback via template', async () => {
    expectDiagnostic(await compileText(withLine(14, '  via: rollback')), D.FallbackNotSupported, 14, 8);
  });
});
