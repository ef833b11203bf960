// One-time values carried in the session across a POST-redirect-GET: a form posts, the route puts
// a notice (or the refused form) with flash(), redirects, and the page takes it with takeFlash(),
// which removes it, so it shows once. Each feature names its kinds by adding to FlashKinds:
//   declare module '../../http/flash' { interface FlashKinds { verification: Notice } }
// refusalNotice() is the one way a page route turns a refusal into a notice (docs/architecture.md).
import type { Request } from 'express';
import { isAppError, type AppError, type ErrorCode } from '../errors';
import type { MessageKey } from '../i18n/i18n';
import { LocalizedRefusal } from './action-context';

/** One line on a page, shown once after a redirect. */
export interface Notice {
  tone: 'ok' | 'info' | 'error';
  key: MessageKey;
  params?: Record<string, string | number>;
}

/** Every kind of one-time value and what it holds; features add theirs (declaration merging). */
export interface FlashKinds {}

declare module 'express-session' {
  interface SessionData {
    flash: Partial<FlashKinds>;
  }
}

/** Keeps `value` for the next page that takes this kind (replacing one not yet shown). */
export function flash<K extends keyof FlashKinds>(req: Request, kind: K, value: FlashKinds[K]): void {
  req.session.flash = { ...req.session.flash, [kind]: value };
}

/** The value of this kind, once: it is removed from the session. Null when there is none. */
export function takeFlash<K extends keyof FlashKinds>(req: Request, kind: K): FlashKinds[K] | null {
  const kept = req.session.flash;
  if (!kept || !(kind in kept)) return null;
  const { [kind]: value, ...rest } = kept;
  if (Object.keys(rest).length) req.session.flash = rest;
  else delete req.session.flash;
  return (value ?? null) as FlashKinds[K] | null;
}

/** What a page says for an error code: a message key, or the key and its values from the error. */
export type RefusalWords = MessageKey | ((err: AppError) => Pick<Notice, 'key' | 'params'>);

/** A page's table from error code to notice: the refusals its user can act on. */
export type RefusalNotices = Partial<Record<ErrorCode, RefusalWords>>;

/**
 * A refusal the user can act on, as an error notice: a LocalizedRefusal says its own words, an
 * error whose code is in `notices` says those (logged as a warning when it is the server's fault,
 * e.g. mail down); anything else is thrown again, for the error page.
 */
export function refusalNotice(req: Request, err: unknown, notices: RefusalNotices): Notice {
  if (err instanceof LocalizedRefusal) return { tone: 'error', key: err.messageKey, params: err.params };
  const words = isAppError(err) ? notices[err.code] : undefined;
  if (!isAppError(err) || !words) throw err;
  if (err.status >= 500) req.log.warn({ code: err.code }, err.message);
  return { tone: 'error', ...(typeof words === 'string' ? { key: words } : words(err)) };
}
