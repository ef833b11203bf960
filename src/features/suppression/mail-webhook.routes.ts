// The mail provider's event webhook: bounces, complaints, deliveries and deferrals.
// No session and no CSRF token: the call is authenticated by an HMAC-SHA256 signature over the
// timestamp and the exact bytes received, with a shared secret (MAIL_WEBHOOK_SECRET). A call more
// than 5 minutes off, or one already received, changes nothing, so a captured call cannot be
// played again. Mounted in app.ts before the JSON parser, which would lose the raw bytes.
import crypto from 'node:crypto';
import express, { Router } from 'express';
import type { Clock } from '../../clock';
import { AppError, conflict, invalid, unauthorized, unavailable } from '../../errors';
import { parseInput } from '../../http/validate';
import type { Store } from '../../store/store';
import { applyEmailEvent } from './email-events';
import { webhookBody } from './suppression.schema';

export const WEBHOOK_PATH = '/webhooks/mail-events';
export const TIMESTAMP_HEADER = 'x-helpdesk-timestamp';
export const SIGNATURE_HEADER = 'x-helpdesk-signature';
/** How far the signed timestamp may be from our clock, either way. */
export const WEBHOOK_WINDOW_MS = 5 * 60 * 1000;

/** `sha256=<hex>` over `${timestamp}.${rawBody}`: what the provider sends, and what tests sign with. */
export function signMailEvent(secret: string, timestamp: string, rawBody: Buffer | string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex')}`;
}

function signatureMatches(secret: string, timestamp: string, rawBody: Buffer, given: string): boolean {
  const expected = Buffer.from(signMailEvent(secret, timestamp, rawBody));
  const actual = Buffer.from(given.toLowerCase());
  return actual.length === expected.length && crypto.timingSafeEqual(actual, expected);
}

export function mailWebhookRoutes(deps: { store: Store; clock: Clock; secret?: string }): Router {
  const { store, clock, secret } = deps;
  const router = Router();

  // Every content type is read raw, so a call is judged by its signature before anything else.
  router.post(WEBHOOK_PATH, express.raw({ type: () => true, limit: '256kb' }), async (req, res) => {
    if (!secret) throw unavailable('The mail event webhook is off: set MAIL_WEBHOOK_SECRET to turn it on.');
    const timestamp = req.get(TIMESTAMP_HEADER) ?? '';
    const signature = req.get(SIGNATURE_HEADER) ?? '';
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (!/^\d{1,12}$/.test(timestamp) || !/^sha256=[0-9a-f]{64}$/i.test(signature)) {
      throw unauthorized(`Unsigned call: send ${TIMESTAMP_HEADER} (unix seconds) and ${SIGNATURE_HEADER} (sha256=<hex>).`);
    }
    if (!signatureMatches(secret, timestamp, raw, signature)) throw unauthorized('The signature does not match the body.');
    const now = clock.now();
    if (Math.abs(now.getTime() - Number(timestamp) * 1000) > WEBHOOK_WINDOW_MS) {
      throw unauthorized('The timestamp is more than 5 minutes from the server\'s clock.');
    }
    if (!req.is('application/json')) throw invalid('The body must be application/json.');
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      throw invalid('The body is not valid JSON.');
    }
    const events = parseInput(webhookBody, body);

    // Kept as long as its timestamp is acceptable, both ways: after that the window refuses it anyway.
    const key = `mail-webhook:${signature.toLowerCase()}`;
    if (!(await store.replays.claim(key, new Date(now.getTime() + 2 * WEBHOOK_WINDOW_MS), now))) {
      throw conflict('This signed call was received already; nothing changed.');
    }
    let applied = 0;
    try {
      for (const event of events) if ((await applyEmailEvent(store, event)) === 'applied') applied += 1;
    } catch (err) {
      // The provider retries a failed call; events applied before the failure are no-ops then.
      await store.replays.release(key);
      throw err instanceof AppError ? err : unavailable('The events could not be stored. Try again in a moment.');
    }
    req.log.info({ received: events.length, applied }, 'mail events received');
    res.json({ received: events.length, applied });
  });

  return router;
}
