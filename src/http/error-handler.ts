// The one error path: every error reaches here through next(err) (Express 5 forwards rejected
// promises). AppErrors answer with their status and message; anything else is a 500 whose
// details stay in the log.
import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { AppError, isAppError, notFound } from '../errors';
import { isCsrfError } from './security';
import { translator, type MessageKey } from '../i18n/i18n';
import { chooseLang } from './locals';

const wantsJson = (req: Request) =>
  req.path.startsWith('/api/') || req.path.startsWith('/webhooks/') || req.path === '/healthz' || req.path === '/readyz'
  || !req.accepts('html');

export const notFoundHandler: RequestHandler = (_req, _res, next) => next(notFound());

function toAppError(err: unknown): AppError {
  if (isAppError(err)) return err;
  if (isCsrfError(err)) return new AppError('forbidden', 403, 'Invalid or missing CSRF token.');
  const status = (err as { status?: number; statusCode?: number })?.status ?? (err as { statusCode?: number })?.statusCode;
  // body-parser and friends flag client errors (malformed JSON, too large) with a 4xx status.
  if (status && status >= 400 && status < 500) {
    return new AppError('invalid', 400, status === 413 ? 'The request body is too large.' : 'The request body is not valid.');
  }
  return new AppError('internal', 500, 'Internal error.');
}

// A page speaks the agent's language; the JSON API keeps the precise English message for programs.
const pageMessage: Partial<Record<string, MessageKey>> = {
  invalid: 'error.invalid',
  conflict: 'error.conflict',
  not_found: 'error.notFound',
  forbidden: 'error.forbidden',
  internal: 'error.internal',
  unavailable: 'error.unavailable',
};

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const appErr = toAppError(err);
  // A client error's message can name a person (an address on the suppression list): the log keeps
  // its code and status only.
  if (appErr.status >= 500) req.log?.error({ err }, 'request failed');
  else req.log?.info({ code: appErr.code, status: appErr.status }, 'request refused');

  // Part of the answer is already out (a streamed CSV export): end the connection, so the client
  // sees a broken download instead of waiting forever.
  if (res.headersSent) {
    res.destroy(err instanceof Error ? err : undefined);
    return;
  }
  res.status(appErr.status);
  if (appErr.details.retryAfterSeconds) res.set('Retry-After', String(appErr.details.retryAfterSeconds));
  if (wantsJson(req)) {
    const body: { error: { code: string; message: string; fields?: unknown } } = {
      error: { code: appErr.code, message: appErr.message },
    };
    if (appErr.details.fields) body.error.fields = appErr.details.fields;
    res.json(body);
    return;
  }
  // Errors raised before the locals middleware (static files, body parsing, a store that is down
  // when the session is read) still get a page, in the agent's language.
  const lang = req.lang ?? chooseLang(req);
  const t = req.t ?? translator(lang);
  res.locals.t ??= t;
  res.locals.lang ??= lang;
  res.locals.principal ??= req.principal ?? null;
  let message = appErr.message;
  if (isCsrfError(err)) message = t('error.csrf');
  else if (appErr.code === 'too_many_requests') message = t('error.tooMany', { seconds: appErr.details.retryAfterSeconds ?? 60 });
  else if (pageMessage[appErr.code]) message = t(pageMessage[appErr.code]!);
  res.render('errors/error', { title: t('error.title'), status: appErr.status, message });
};
