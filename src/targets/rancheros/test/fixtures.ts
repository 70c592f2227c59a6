/** Spec texts and a Dockerfile.dapper for the rancheros tests; line numbers in the tests refer to ROS. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { compileBytes, type CompileResult } from '../../../compile.js';
import { replaceLine, goldenDir } from '../../../../test/helpers.js';

export const SUM_X86 = 'a'.repeat(64);
export const SUM_ARM = 'b'.repeat(64);

/** A valid rancheros spec without kernelSource and dapperfile. */
export const ROS = `apiVersion: kspec.dev/v1alpha1
kind: KernelSpec
metadata:
  name: ros
kernel:
  version: 4.14.138-rancher
  arch: [x86_64, aarch64]
provider:
  type: tarball
  urls:
    x86_64: https://example.org/v4.14.138-rancher/linux-4.14.138-rancher-x86.tar.gz
    aarch64: https://example.org/v4.14.138-rancher/linux-4.14.138-rancher-arm64.tar.gz
  sha256:
    x86_64: ${SUM_X86}
    aarch64: ${SUM_ARM}
target:
  platform: rancheros
`;

/** Replaces one line (1-based) of a text. */
export const withLine = (n: number, text: string, base = ROS): string => replaceLine(base, n, text);

/** Compiles a spec whose relative paths (target.dapperfile) resolve against `specDir`. */
export function compileIn(specDir: string, yaml: string, specPath = 'spec.yaml'): Promise<CompileResult> {
  return compileBytes(new TextEncoder().encode(yaml), { specPath, specDir, command: `kspec compile ${specPath} -o out` });
}

/**
 * A Dockerfile.dapper modelled on rancher/os's (reference/rancheros/README.md): the
 * "General Configuration" section with the kernel ARGs among their neighbours, and the
 * ENV block that re-exports them, which the patch must not touch. The golden case
 * rancheros-dapper patches the same file.
 */
export const DAPPERFILE = readFileSync(path.join(goldenDir('rancheros-dapper'), 'Dockerfile.dapper'), 'utf8');
