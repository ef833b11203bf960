// Verification codes: 8 random digits, shown as two groups of four ("4821 3379").
// Why digits: they read aloud the same way in every language the help desk works in, a caller can
// type them on a phone keypad, and there is no letter to confuse (B/D/P, M/N, O/0, I/1) or spell
// out. 10^8 codes carry 26.6 bits, above the 20 bits NIST SP 800-63B asks for; with 5 tries per
// code and 10 failures per user a day, a guesser's odds stay below one in ten million a day.
import crypto from 'node:crypto';

export const CODE_DIGITS = 8;

/** A fresh code from the CSPRNG, as bare digits. */
export function generateCode(): string {
  return String(crypto.randomInt(0, 10 ** CODE_DIGITS)).padStart(CODE_DIGITS, '0');
}

/** "48213379" → "4821 3379": grouped for reading aloud. */
export function formatCode(code: string): string {
  return `${code.slice(0, 4)} ${code.slice(4)}`;
}

/** What the agent typed, without the spaces, dashes or dots a caller's grouping may add. */
export function normalizeCode(input: string): string {
  return input.replace(/[\s.\-]/g, '');
}

/**
 * HMAC-SHA256 keyed with CODE_SECRET over the verification id and the code: a stolen table is
 * useless without the key, and a hash cannot be replayed onto another verification.
 */
export function hashCode(secret: string, verificationId: string, code: string): string {
  return crypto.createHmac('sha256', secret).update(`${verificationId}:${code}`).digest('hex');
}

/** Constant-time: how much of a guess matched must not show in how long the answer took. */
export function codeMatches(secret: string, verificationId: string, code: string, storedHash: string): boolean {
  const given = Buffer.from(hashCode(secret, verificationId, code), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return given.length === stored.length && crypto.timingSafeEqual(given, stored);
}
