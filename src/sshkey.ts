/**
 * OpenSSH public keys ('<type> <base64> [comment]', the line of a .pub file or of
 * authorized_keys), checked by their wire format: the base64 is the key blob of RFC 4253
 * section 6.6, a sequence of length-prefixed fields that starts with the key type again.
 * The layouts: ssh-ed25519 (RFC 8709: type, 32-byte key), ssh-rsa (RFC 4253: type, e, n),
 * ecdsa-sha2-nistp* (RFC 5656: type, curve name, uncompressed point), and the FIDO
 * sk-* types of OpenSSH's PROTOCOL.u2f (the same, then the application string).
 */

/** The key types the schema accepts, with the curve and point size of the EC ones. */
const EC: Record<string, { curve: string; point: number }> = {
  'ecdsa-sha2-nistp256': { curve: 'nistp256', point: 65 },
  'ecdsa-sha2-nistp384': { curve: 'nistp384', point: 97 },
  'ecdsa-sha2-nistp521': { curve: 'nistp521', point: 133 },
  'sk-ecdsa-sha2-nistp256@openssh.com': { curve: 'nistp256', point: 65 },
};
/** OpenSSH refuses smaller RSA moduli (SSH_RSA_MINIMUM_MODULUS_SIZE). */
export const RSA_MIN_BITS = 1024;
const ED25519_BYTES = 32;

/** The fields of a key blob, or undefined when a length runs past the end. */
function fields(blob: Uint8Array): Uint8Array[] | undefined {
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < blob.length) {
    if (at + 4 > blob.length) return undefined;
    const n = ((blob[at]! << 24) >>> 0) + (blob[at + 1]! << 16) + (blob[at + 2]! << 8) + blob[at + 3]!;
    at += 4;
    if (at + n > blob.length) return undefined;
    out.push(blob.subarray(at, at + n));
    at += n;
  }
  return out;
}

/** Bits of an SSH mpint (big-endian, two's complement; a leading zero byte keeps it positive). */
function mpintBits(b: Uint8Array): number {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  if (i === b.length) return 0;
  return (b.length - i - 1) * 8 + (32 - Math.clz32(b[i]!));
}

const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

/**
 * What is wrong with an OpenSSH public key line the schema's pattern accepted, or
 * undefined when its blob is a well-formed key of the type it names.
 */
export function sshKeyProblem(line: string): string | undefined {
  const [type = '', b64 = ''] = line.split(' ');
  const blob = Buffer.from(b64, 'base64');
  // Node decodes leniently; a key that does not re-encode to itself is damaged.
  if (blob.toString('base64') !== b64) return 'its base64 is truncated or badly padded';
  const f = fields(blob);
  if (!f || f.length === 0) return 'its key data is truncated';
  const named = text(f[0]!);
  if (named !== type) return `its key data is a '${named.slice(0, 40)}' key, not '${type}'`;
  const expect = (n: number): string | undefined => (f.length === n ? undefined : `its key data has ${f.length} fields where a ${type} key has ${n}`);
  if (type === 'ssh-ed25519' || type === 'sk-ssh-ed25519@openssh.com') {
    const wrong = expect(type === 'ssh-ed25519' ? 2 : 3);
    if (wrong) return wrong;
    if (f[1]!.length !== ED25519_BYTES) return `its Ed25519 key is ${f[1]!.length} bytes, not ${ED25519_BYTES}`;
    return undefined;
  }
  if (type === 'ssh-rsa') {
    const wrong = expect(3);
    if (wrong) return wrong;
    const bits = mpintBits(f[2]!);
    if (bits < RSA_MIN_BITS) return `its RSA modulus has ${bits} bits, and OpenSSH refuses fewer than ${RSA_MIN_BITS}`;
    if (mpintBits(f[1]!) < 2) return 'its RSA exponent is not a usable one';
    return undefined;
  }
  const ec = EC[type];
  if (!ec) return `'${type}' is not a key type kspec knows`;
  const wrong = expect(type.startsWith('sk-') ? 4 : 3);
  if (wrong) return wrong;
  if (text(f[1]!) !== ec.curve) return `its curve is '${text(f[1]!).slice(0, 40)}', not ${ec.curve}`;
  if (f[2]!.length !== ec.point || f[2]![0] !== 4) return `its EC point is not an uncompressed ${ec.curve} point (${ec.point} bytes starting with 04)`;
  return undefined;
}
