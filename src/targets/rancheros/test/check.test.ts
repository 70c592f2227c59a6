/**
 * rancheros: each check with its line and column on real spec text, the KS6xxx codes and
 * the common and schema codes this platform relies on (KS2005 for the checksum lengths,
 * KS3001-KS3004, KS3011).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { D, message } from '../../../diagnostics/catalogue.js';
import { RANCHEROS } from '../diagnostics.js';
import { compileText, expectDiagnostic, tempDir } from '../../../../test/helpers.js';
import { DAPPERFILE, ROS, compileIn, withLine } from './fixtures.js';

const codes = (r: { diagnostics: Array<{ code: string }> }) => r.diagnostics.map((d) => d.code);

describe('rancheros: the base spec', () => {
  it('compiles without diagnostics', async () => {
    const r = await compileText(ROS);
    expect(r.diagnostics).toEqual([]);
    expect(r.files.map((f) => f.path)).toEqual(['Dockerfile.dapper.args', 'check-kernel-tarball.sh']);
  });
});

describe('rancheros: KS6xxx', () => {
  it('KS6001 the amd64 tarball is named -amd64 instead of -x86', async () => {
    const r = await compileText(withLine(11, '    x86_64: https://example.org/v4.14.138-rancher/linux-4.14.138-rancher-amd64.tar.gz'));
    const d = expectDiagnostic(r, RANCHEROS.RancherosTarballName, 11, 13);
    expect(d.message).toContain("'linux-4.14.138-rancher-amd64.tar.gz' does not name '-x86'");
    expect(d.fix).toContain('KERNEL_URL_amd64');
    expect(r.files.length).toBeGreaterThan(0); // a warning: the files are still written
  });
  it('KS6001 is located at the key the user wrote (amd64 alias) and looks at the file name only', async () => {
    const r = await compileText(withLine(11, '    amd64: https://x86.example.org/linux.tar.gz?arch=-x86'));
    expectDiagnostic(r, RANCHEROS.RancherosTarballName, 11, 12);
  });
  it('KS6001 also for an arm64 tarball without -arm64', async () => {
    const d = expectDiagnostic(await compileText(withLine(12, '    aarch64: https://example.org/linux-aarch64.tar.gz')), RANCHEROS.RancherosTarballName, 12, 14);
    expect(d.message).toContain("'-arm64'");
  });
  it('KS6002 both arches listed, one URL', async () => {
    const r = await compileText(withLine(12, '').replace(/    aarch64: b+\n/, ''));
    const d = expectDiagnostic(r, RANCHEROS.RancherosArchUrlMissing, 10, 3);
    expect(d.message).toContain('KERNEL_URL_arm64');
    expect(r.files).toEqual([]);
  });
  it('KS6003 no sha256 for an arch: a warning at provider.sha256, or at urls when there is no sha256 map', async () => {
    const one = await compileText(withLine(15, ''));
    expectDiagnostic(one, RANCHEROS.RancherosTarballUnpinned, 13, 3);
    expect(one.files.length).toBeGreaterThan(0);
    const none = await compileText(ROS.replace(/  sha256:\n(    .*\n)+/, ''));
    expect(codes(none)).toEqual([RANCHEROS.RancherosTarballUnpinned.code, RANCHEROS.RancherosTarballUnpinned.code]);
    expect(none.diagnostics.map((d) => [d.line, d.column])).toEqual([[10, 3], [10, 3]]);
  });
  it('KS6003 is not reported when the tarball is built from a sha1-pinned kernelSource', async () => {
    const spec = ROS.replace(/  sha256:\n(    .*\n)+/, '') + '  kernelSource: {url: https://example.org/linux.tar.gz, sha1: 84b9bc53bbb4dd465b97ea54a71a9805e27ae4f2}\n';
    expect((await compileText(spec)).diagnostics).toEqual([]);
  });
  it('KS6004 dapperfile that does not exist; a folder is KS3015 (test/reads.test.ts has the rest)', async () => {
    const dir = tempDir();
    const d = expectDiagnostic(await compileIn(dir, ROS + '  dapperfile: os/Dockerfile.dapper\n'), RANCHEROS.RancherosDapperfileNotFound, 18, 15);
    expect(d.message).toContain('no such file');
    const r = await compileIn(dir, ROS + '  dapperfile: .\n');
    expect(expectDiagnostic(r, D.FileNotRegular, 18, 15).message).toContain('not a regular file');
    expect(r.files).toEqual([]);
  });
  it('KS6005 dapperfile without kernel ARG lines (the ENV block alone does not count)', async () => {
    const dir = tempDir();
    const noArgs = DAPPERFILE.split('\n').filter((l) => !/^ARG KERNEL_/.test(l)).join('\n');
    expect(noArgs).toContain('KERNEL_URL_amd64=${KERNEL_URL_amd64}');
    writeFileSync(path.join(dir, 'Dockerfile.dapper'), noArgs);
    const r = await compileIn(dir, ROS + '  dapperfile: Dockerfile.dapper\n');
    expectDiagnostic(r, RANCHEROS.RancherosDapperfileNoKernelArgs, 18, 15);
    expect(r.files).toEqual([]);
  });
  it('KS6006 kernelSource without sha1', async () => {
    const r = await compileText(ROS + '  kernelSource:\n    url: https://example.org/linux-4.14.138.tar.xz\n');
    expectDiagnostic(r, RANCHEROS.RancherosSourceNoSha1, 18, 3);
  });
  it('KS6007 kernelSource that is not a .tar.gz or .tar.xz archive', async () => {
    const r = await compileText(ROS + '  kernelSource:\n    url: https://example.org/linux-4.14.138.zip\n    sha1: 84b9bc53bbb4dd465b97ea54a71a9805e27ae4f2\n');
    expectDiagnostic(r, RANCHEROS.RancherosSourceFormat, 19, 10);
  });
});

describe('rancheros: schema and common checks', () => {
  it('KS2005 a sha256 that is not 64 hex digits (the schema, no rancheros code)', async () => {
    const d = expectDiagnostic(await compileText(withLine(14, `    x86_64: ${'a'.repeat(63)}`)), D.PatternMismatch, 14, 13);
    expect(d.message).toContain('SHA-256');
  });
  it('KS2005 a kernelSource sha1 that is not 40 hex digits', async () => {
    const r = await compileText(ROS + '  kernelSource: {url: https://example.org/l.tar.gz, sha1: 84b9bc53bbb4dd465b97ea54a71a9805e27ae4fz}\n');
    expect(expectDiagnostic(r, D.PatternMismatch, 18, 59).message).toContain('SHA-1');
  });
  it('KS3004 http tarball URL, and KS3005 when allowInsecure is set', async () => {
    const http = withLine(11, '    x86_64: http://example.org/linux-4.14.138-rancher-x86.tar.gz');
    expectDiagnostic(await compileText(http), D.InsecureUrl, 11, 13);
    expectDiagnostic(await compileText(withLine(9, '  type: tarball\n  allowInsecure: true', http)), D.AllowInsecure, 12, 13);
  });
  it('KS3004 http kernelSource URL', async () => {
    const r = await compileText(ROS + '  kernelSource: {url: "http://example.org/l.tar.gz", sha1: 84b9bc53bbb4dd465b97ea54a71a9805e27ae4f2}\n');
    expectDiagnostic(r, D.InsecureUrl, 18, 23);
  });
  it('KS3003 kernel.version is required', async () => {
    const d = expectDiagnostic(await compileText(withLine(6, '')), D.VersionRequired, 5, 1);
    expect(d.message).toContain('scripts/layout-kernel names the kernel vmlinuz-${KERNEL_VERSION}');
  });
  it('KS3002 signing is refused', async () => {
    const r = await compileText(ROS + 'signing: {keySecret: k, certSecret: c}\n');
    expectDiagnostic(r, D.SigningNotSupported, 18, 1);
  });
  it('KS3001 a provider other than tarball', async () => {
    const spec = withLine(9, '  type: stock').replace(/  urls:\n(    .*\n)+  sha256:\n(    .*\n)+/, '');
    expectDiagnostic(await compileText(spec), D.ProviderNotAccepted, 9, 9);
  });
  it('KS3011 no fallback mechanism on RancherOS', async () => {
    const d = expectDiagnostic(await compileText(ROS + 'fallback: {kernel: stock, via: rollback}\n'), D.FallbackNotSupported, 18, 32);
    expect(d.message).toContain("'rollback'");
  });
});

describe('rancheros: os-kernel forms and the Dockerfile.dapper patch (KS6008-KS6012)', () => {
  const TAG = ROS + '  kernelSource:\n    form: tag\n    tag: 4.14.138\n    url: https://cdn.kernel.org/pub/linux/kernel/v4.x/\n';
  it('form: tag compiles clean and exports KERNEL_TAG, KERNEL_VERSION and the folder URL', async () => {
    const r = await compileText(TAG);
    expect(r.diagnostics).toEqual([]);
    const env = r.files.find((f) => f.path === 'os-kernel/build-common.env')!.content;
    expect(env).toContain("export KERNEL_TAG='4.14.138'\nexport KERNEL_VERSION='4.14.138-rancher'\nexport KERNEL_URL='https://cdn.kernel.org/pub/linux/kernel/v4.x/'\nexport KERNEL_TAR='linux-4.14.138.tar.xz'\n");
    expect(env).not.toContain('KERNEL_SHA1');
  });
  it('KS6009 form: tag without tag', async () => {
    const r = await compileText(TAG.replace('    tag: 4.14.138\n', ''));
    expectDiagnostic(r, RANCHEROS.RancherosSourceTagMissing, 18, 3);
    expect(r.files).toEqual([]);
  });
  it('KS6010 form: tag with an archive URL instead of a folder', async () => {
    const r = await compileText(TAG.replace('v4.x/\n', 'v4.x/linux-4.14.138.tar.xz\n'));
    expectDiagnostic(r, RANCHEROS.RancherosSourceTagUrl, 21, 10);
  });
  it('KS6011 form: tag with a sha1 that nothing checks; the tarballs still need their sha256', async () => {
    const r = await compileText(TAG.replace(/  sha256:\n(    .*\n)+/, '') + '    sha1: 84b9bc53bbb4dd465b97ea54a71a9805e27ae4f2\n');
    expectDiagnostic(r, RANCHEROS.RancherosSourceTagSha1, 19, 5);
    expect(codes(r).filter((c) => c === RANCHEROS.RancherosTarballUnpinned.code)).toHaveLength(2);
  });
  it('KS6012 tag without form: tag (the archive form is the default)', async () => {
    const r = await compileText(ROS + '  kernelSource:\n    url: https://example.org/linux-4.14.138.tar.xz\n    sha1: 84b9bc53bbb4dd465b97ea54a71a9805e27ae4f2\n    tag: 4.14.138\n');
    expectDiagnostic(r, RANCHEROS.RancherosSourceTagIgnored, 21, 5);
    const env = r.files.find((f) => f.path === 'os-kernel/build-common.env')!.content;
    expect(env).toContain("export KERNEL_SHA1='84b9bc53bbb4dd465b97ea54a71a9805e27ae4f2'");
    expect(env).not.toContain('KERNEL_TAG');
  });
  it('KS2004/KS2005 the schema refuses an unknown form and a tag that is not a version', async () => {
    expect(codes(await compileText(TAG.replace('form: tag', 'form: git')))).toEqual([D.NotInEnum.code]);
    expectDiagnostic(await compileText(TAG.replace('tag: 4.14.138', 'tag: "4.14; rm -rf /"')), D.PatternMismatch, 20, 10);
  });
  it('KS6008 the patch keeps an arm64 URL built from ${KERNEL_VERSION} while it changes the version', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'Dockerfile.dapper'), DAPPERFILE);
    const x86 = withLine(7, '  arch: [x86_64]').replace(/    aarch64: .*\n/g, '') + '  dapperfile: Dockerfile.dapper\n';
    const r = await compileIn(dir, x86);
    const line = DAPPERFILE.split('\n').findIndex((l) => l.startsWith('ARG KERNEL_URL_arm64=')) + 1;
    const d = expectDiagnostic(r, RANCHEROS.RancherosDapperUnlistedUrl, 16, 15);
    expect(d.message).toBe(message(RANCHEROS.RancherosDapperUnlistedUrl, { file: 'Dockerfile.dapper', line, name: 'KERNEL_URL_arm64', to: '4.14.138-rancher', from: '4.14.176-rancher', arch: 'aarch64' }));
    expect(d.fix).toContain('(it was 4.14.176-rancher)');
    expect(r.files.map((f) => f.path)).toContain('Dockerfile.dapper.patch');
    // the same file with the arm64 URL written out in full, or both arches listed: no warning
    writeFileSync(path.join(dir, 'Dockerfile.dapper'), DAPPERFILE.replace(/^ARG KERNEL_URL_arm64=.*$/m, 'ARG KERNEL_URL_arm64=https://example.org/linux-4.14.176-rancher-arm64.tar.gz'));
    expect(codes(await compileIn(dir, x86))).toEqual([]);
    writeFileSync(path.join(dir, 'Dockerfile.dapper'), DAPPERFILE);
    expect(codes(await compileIn(dir, ROS + '  dapperfile: Dockerfile.dapper\n'))).toEqual([]);
  });
});
