// Comparing a secret (a token, a signature, a MAC) in constant time whatever the lengths. Node only.
import { createHash, timingSafeEqual } from 'node:crypto';

/** Both sides are hashed to the same size first, so the time says nothing of either. */
export function sameSecret(given: Buffer, expected: Buffer): boolean {
  const digest = (b: Buffer) => createHash('sha256').update(b).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
