/** Webhook signatures: HMAC-SHA256, compared in constant time as bytes. */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type SignatureEncoding = 'hex' | 'base64';

export function hmac(secret: string, payload: string | Buffer, encoding: SignatureEncoding): string {
  return createHmac('sha256', secret).update(payload).digest(encoding);
}

const HEX_DIGEST = /^[0-9a-f]{64}$/i;
const BASE64_DIGEST = /^[A-Za-z0-9+/]{43}=?$/;

/**
 * The digest bytes a signature string stands for, or undefined when it is not a well-formed
 * SHA-256 digest in that encoding. Hex is read case-insensitively (senders differ).
 */
function digestOf(given: string, encoding: SignatureEncoding): Buffer | undefined {
  const pattern = encoding === 'hex' ? HEX_DIGEST : BASE64_DIGEST;
  return pattern.test(given) ? Buffer.from(given, encoding) : undefined;
}

/**
 * True when any of the given signatures is the HMAC-SHA256 of the payload under any of the
 * secrets (several during a rotation). Every pair is compared, in constant time, with no early exit.
 */
export function anyMatch(
  secrets: readonly string[],
  given: readonly string[],
  payload: string | Buffer,
  encoding: SignatureEncoding,
): boolean {
  const digests = given.map((g) => digestOf(g.trim(), encoding));
  let ok = false;
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(payload).digest();
    for (const d of digests)
      ok = (d !== undefined && d.length === expected.length && timingSafeEqual(expected, d)) || ok;
  }
  return ok;
}
