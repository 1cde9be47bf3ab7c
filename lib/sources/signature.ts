/** Webhook signatures: HMAC-SHA256, compared in constant time. */
import { createHmac, timingSafeEqual } from 'node:crypto';

export function hmac(secret: string, payload: string | Buffer, encoding: 'hex' | 'base64'): string {
  return createHmac('sha256', secret).update(payload).digest(encoding);
}

/** Constant-time comparison of two signature strings (their length is not secret). */
export function sameSignature(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** True when any of the given signatures matches what any of the secrets produces. */
export function anyMatch(
  secrets: readonly string[],
  given: readonly string[],
  sign: (secret: string) => string,
): boolean {
  let ok = false;
  for (const secret of secrets) {
    const expected = sign(secret);
    // no early exit: every candidate is compared
    for (const g of given) ok = sameSignature(expected, g) || ok;
  }
  return ok;
}
