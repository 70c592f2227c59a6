/**
 * sshKeyProblem: OpenSSH public key lines checked by their wire format (src/sshkey.ts).
 * The keys below were made with ssh-keygen; the broken ones are built from their fields.
 */
import { describe, expect, it } from 'vitest';
import { sshKeyProblem } from '../src/sshkey.js';

const REAL = [
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIF9/dJlBOf4U6ty4v1jaN1ieeDdRCLyAujFh1hSlMj3o ops@example.org',
  'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDNIQR9wgXMmNNJyGJNHERaWLqyXd/riF/QpuD7jDIQ2yHBp2JEpOUTdJn/Y0gDJ+xBxxMoPhzz4rXRk98OC3K1YpYGRRHxCZtj4vkh+4h3CTrGLRVKPPNfxcUzKJd1XIgpcM11JyNztObBkXr/VpqP7rtF2PuM3AlXkAuXRe/OZ+yW1q7gSh2ECgW6Jvxg8bAIYC1xWK2bfeA5AHWgkd+8Gb+9DiUBbUwEQdTPnaAOU+7hGV5dZPqHoGZQLD3EFVPsFKQUNFRIvXVNhUVjtzdZ5hkIa+ew51S6iITbFNYG3Q6fQdTbP5O8KkKD4E5rNsjQFK1+Pj9vwfynWhwCvvgz ci@example.org',
  'ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBIEtl2+xpoeYh8Jx/3/8JS5FEICsemQ46Wv2jA1Zzt0WvVus0nGHHaOL5VawTcSoyKW8ucQ1tvfz/emw6MlKhCToZiMxKQW0nKJa5oJcAiXWi4LfnzaGEUknnkFbVAW0ZA==',
  'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBI3AST7Ac3N6+zva8EAaQjXvg+qlPoz5loilXrX+kJokwMn0KPjwVLDi9GRY3qPMvkMH9kRG2LBRa8FMYDq623M= p256',
  'ecdsa-sha2-nistp521 AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBABI6gAVkZ0Jx1V0QCoe40U18oSI3XUBxLn456KwHh2ULBmZtuBNd8kXfh38n5qrpFkAFiz9H0m6mNYgcMej395K6gCIH272eaCsDMEmVE10YgSXKC9G6sDUklC26gTID0Awi/PQdcLCyDOa5wdPgK90jArnqFJJt9LN/r3IUuE6KpUTlg== p521',
];

/** An SSH wire string (uint32 length, bytes). */
const str = (b: Uint8Array | string): Buffer => {
  const data = typeof b === 'string' ? Buffer.from(b, 'latin1') : Buffer.from(b);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  return Buffer.concat([len, data]);
};
const line = (type: string, ...fields: Buffer[]): string => `${type} ${Buffer.concat(fields).toString('base64')} test`;
const bytes = (n: number, first = 1): Buffer => Buffer.alloc(n, first);

describe('sshKeyProblem', () => {
  it('accepts the keys ssh-keygen makes (ed25519, RSA 2048, ECDSA P-256/384/521), with or without a comment', () => {
    for (const k of REAL) {
      expect(sshKeyProblem(k), k).toBeUndefined();
      expect(sshKeyProblem(k.split(' ').slice(0, 2).join(' ')), k).toBeUndefined();
    }
  });
  it('accepts the FIDO types by their PROTOCOL.u2f layout', () => {
    expect(sshKeyProblem(line('sk-ssh-ed25519@openssh.com', str('sk-ssh-ed25519@openssh.com'), str(bytes(32)), str('ssh:')))).toBeUndefined();
    const point = Buffer.concat([Buffer.from([4]), bytes(64)]);
    expect(sshKeyProblem(line('sk-ecdsa-sha2-nistp256@openssh.com', str('sk-ecdsa-sha2-nistp256@openssh.com'), str('nistp256'), str(point), str('ssh:')))).toBeUndefined();
  });
  it('refuses damaged base64, a truncated blob, extra bytes and a blob of another type', () => {
    const [type, b64] = REAL[0]!.split(' ') as [string, string];
    expect(sshKeyProblem(`${type} ${b64.slice(0, -1)}`)).toMatch(/base64/);
    expect(sshKeyProblem(`${type} ${b64.slice(0, -4)}`)).toMatch(/truncated/);
    const blob = Buffer.from(b64, 'base64');
    expect(sshKeyProblem(`${type} ${Buffer.concat([blob, str('x')]).toString('base64')}`)).toMatch(/3 fields where a ssh-ed25519 key has 2/);
    expect(sshKeyProblem(`ssh-rsa ${b64}`)).toBe("its key data is a 'ssh-ed25519' key, not 'ssh-rsa'");
    expect(sshKeyProblem(line('ssh-ed25519', str('ssh-ed25519'), str(bytes(31))))).toBe('its Ed25519 key is 31 bytes, not 32');
  });
  it('refuses RSA under 1024 bits and an exponent of 1; EC keys on another curve or with a compressed point', () => {
    const n = (bits: number) => Buffer.concat([Buffer.from([0]), Buffer.from([0x80]), bytes(bits / 8 - 1, 0xff)]);
    expect(sshKeyProblem(line('ssh-rsa', str('ssh-rsa'), str(Buffer.from([1, 0, 1])), str(n(512))))).toMatch(/512 bits/);
    expect(sshKeyProblem(line('ssh-rsa', str('ssh-rsa'), str(Buffer.from([1, 0, 1])), str(n(1024))))).toBeUndefined();
    expect(sshKeyProblem(line('ssh-rsa', str('ssh-rsa'), str(Buffer.from([1])), str(n(2048))))).toMatch(/exponent/);
    const p = Buffer.concat([Buffer.from([4]), bytes(64)]);
    expect(sshKeyProblem(line('ecdsa-sha2-nistp256', str('ecdsa-sha2-nistp256'), str('nistp384'), str(p)))).toMatch(/curve is 'nistp384'/);
    const compressed = Buffer.concat([Buffer.from([2]), bytes(32)]);
    expect(sshKeyProblem(line('ecdsa-sha2-nistp256', str('ecdsa-sha2-nistp256'), str('nistp256'), str(compressed)))).toMatch(/uncompressed nistp256/);
  });
});
