// The development mailbox: outside production, without SMTP_URL, every mail the app "sends" lands in
// the store's outbox, and a newcomer running `npm start` needs the codes and links in it to finish
// the main flows (verify a caller, set an invited agent's password, sign in as a customer admin).
// The partner admins' outbox (/admin/outbox) masks those secrets on purpose; this page shows mail
// whole, as letter_opener or Mailpit do. It is mounted only when `devMailboxEnabled(config)` holds
// (never in production, never with real delivery) and answers only clients on this machine.
import { Router, type Request } from 'express';
import { z } from 'zod';
import type { Config } from '../../config';
import { notFound } from '../../errors';
import { parseInput } from '../../http/validate';
import type { OutboxMail, Store } from '../../store/store';

export const DEV_MAILBOX_PATH = '/dev/mailbox';
const PAGE_SIZE = 20;
const query = z.object({ page: z.coerce.number().int().min(1).max(10_000).default(1) });

export const devMailboxEnabled = (config: Pick<Config, 'production' | 'smtpUrl'>): boolean => !config.production && !config.smtpUrl;

/** The TCP peer, not X-Forwarded-For: a header cannot make a remote client look local. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/** A mail's text cut into plain runs and links to this app, so a link can be followed with a click. */
export type TextPart = { text: string; href?: string };
export function linkParts(text: string, publicUrl: string): TextPart[] {
  const parts: TextPart[] = [];
  const urls = /https?:\/\/[^\s<>"]+/g;
  let last = 0;
  for (const m of text.matchAll(urls)) {
    const url = m[0];
    if (!url.startsWith(`${publicUrl}/`)) continue;
    if (m.index > last) parts.push({ text: text.slice(last, m.index) });
    parts.push({ text: url, href: url });
    last = m.index + url.length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}

export function devMailboxRoutes(store: Store, config: Pick<Config, 'publicUrl'>): Router {
  const router = Router();
  const local = (req: Request) => {
    if (!isLoopback(req.socket.remoteAddress)) throw notFound();
  };
  router.get(DEV_MAILBOX_PATH, async (req, res) => {
    local(req);
    const { page } = parseInput(query, req.query);
    const rows = await store.mailOutbox.listAll({ limit: PAGE_SIZE + 1, offset: (page - 1) * PAGE_SIZE });
    const mails = rows.slice(0, PAGE_SIZE).map((m: OutboxMail) => ({ ...m, parts: linkParts(m.text, config.publicUrl) }));
    res.render('dev-mailbox/mailbox', { title: req.t('devMailbox.title'), mails, page, hasNext: rows.length > PAGE_SIZE });
  });
  return router;
}
