// Structured JSON logs (pino). Anything that could carry a secret is redacted by path, and codes,
// tokens and passwords are never passed to the logger in the first place.
import pino, { type Logger } from 'pino';

export const REDACT_PATHS = [
  'req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]',
  '*.password', '*.token', '*.code', '*.secret', '*.sessionSecret', '*.codeSecret', '*.passwordHash', '*.tokenHash',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, destination);
}

/**
 * Paths that carry a secret in the address itself (a single-use link); the log keeps only their
 * shape. Case-insensitive because Express routes case-insensitively: `/Customer/Login/<token>`
 * signs in too. Routing stays case-insensitive: a link retyped or rewritten in another case by a
 * mail client keeps working.
 */
const SECRET_PATHS: RegExp[] = [/^(\/set-password\/)[^/]+/i, /^(\/customer\/login\/)[^/]+/i];

export function redactPath(path: string): string {
  return SECRET_PATHS.reduce((p, re) => p.replace(re, '$1[redacted]'), path);
}
