/**
 * signing.secureBoot: false means an unsigned build on every platform that signs (bootc and
 * kairos): no sbsign, no sign-file, no MOK certificate or enrollment unit, no secret mounts
 * (issue 11, must-have 8). The output is the unsigned one, and differs from secureBoot: true.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileText, goldenDir } from '../../../../test/helpers.js';

const golden = (name: string): string => readFileSync(path.join(goldenDir(name), 'spec.yaml'), 'utf8');

/** The spec with `secureBoot: <value>` as the signing section's first key (or no signing at all). */
function withSecureBoot(yaml: string, value: boolean | 'absent'): string {
  const lines = yaml.split('\n');
  const at = lines.findIndex((l) => l === 'signing:');
  expect(at, 'the spec has a signing section').toBeGreaterThan(0);
  const rest = lines.slice(at + 1).filter((l) => !/^\s+secureBoot:/.test(l));
  if (value === 'absent') {
    const end = rest.findIndex((l) => !/^\s/.test(l));
    return [...lines.slice(0, at), ...rest.slice(end)].join('\n');
  }
  return [...lines.slice(0, at + 1), `  secureBoot: ${value}`, ...rest].join('\n');
}

async function files(yaml: string): Promise<Map<string, string>> {
  const r = await compileText(yaml, 'spec.yaml');
  expect(r.diagnostics.filter((d) => d.severity === 'error'), JSON.stringify(r.diagnostics)).toEqual([]);
  return new Map(r.files.map((f) => [f.path, f.content]));
}

const SIGNING = /\bsbsign\b|\bsbverify\b|sign-file|sign_modules|mokutil|MOK\.der|mok-enroll|kspec-mok|--secret|type=secret/;

describe.each([
  ['bootc', 'bootc-cachyos'],
  ['kairos', 'kairos-ubuntu-signed'],
])('%s: signing.secureBoot', (_platform, name) => {
  it('true signs the kernel and modules and enrolls the MOK', async () => {
    const out = await files(withSecureBoot(golden(name), true));
    expect(out.has('mok-enroll.service')).toBe(true);
    const all = [...out.values()].join('\n');
    expect(all).toMatch(/\bsbsign --key\b/);
    expect(all).toMatch(/sign_modules/);
    expect(all).toMatch(/type=secret/);
  });

  it('false is an unsigned build: no sbsign, no sign-file, no enrollment unit, no secrets', async () => {
    const signed = await files(withSecureBoot(golden(name), true));
    const unsigned = await files(withSecureBoot(golden(name), false));
    expect(unsigned.has('mok-enroll.service')).toBe(false);
    for (const [p, c] of unsigned) expect(c, p).not.toMatch(SIGNING);
    // The output differs from the signed one: the field is not decoration.
    expect([...unsigned.keys()].sort()).not.toEqual([...signed.keys()].sort());
    expect(unsigned.get('Containerfile')).not.toBe(signed.get('Containerfile'));
  });

  it('false compiles to the same files as a spec with no signing section', async () => {
    const unsigned = await files(withSecureBoot(golden(name), false));
    const none = await files(withSecureBoot(golden(name), 'absent'));
    expect([...unsigned.keys()].sort()).toEqual([...none.keys()].sort());
    for (const [p, c] of none) expect(unsigned.get(p), p).toBe(c);
  });
});
