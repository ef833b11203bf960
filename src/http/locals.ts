// Per-request view helpers: language (a `lang` cookie set by the switcher, else Accept-Language),
// the translator, the signed-in agent, and a CSRF token generated only when a page renders a form.
import type { Request, RequestHandler } from 'express';
import { parse as parseCookie } from 'cookie';
import { LANGUAGES, isLang, translator, valueLabel, type Lang } from '../i18n/i18n';
import { messageHtml, whenHtml, type SafeHtml, type WhenStyle } from './time-zone';

export const LANG_COOKIE = 'lang';

export function chooseLang(req: Request): Lang {
  const fromCookie = parseCookie(req.get('cookie') ?? '')[LANG_COOKIE];
  if (isLang(fromCookie)) return fromCookie;
  const accepted = req.acceptsLanguages(...LANGUAGES);
  return isLang(accepted) ? accepted : 'en';
}

function setLanguage(req: Request): void {
  req.lang = chooseLang(req);
  req.t = translator(req.lang);
}

/** The language and translator alone, for requests that render no page (the JSON API with a token). */
export const requestLanguage: RequestHandler = (req, _res, next) => {
  setLanguage(req);
  next();
};

export function viewLocals(generateCsrfToken: (req: Request) => string): RequestHandler {
  return (req, res, next) => {
    setLanguage(req);
    res.locals.t = req.t;
    res.locals.label = valueLabel(req.t);
    res.locals.lang = req.lang;
    res.locals.path = req.path;
    // Where the language switcher comes back to: this page, unless it answers a form post.
    res.locals.returnTo = req.method === 'GET' || req.method === 'HEAD' ? req.originalUrl : '/';
    res.locals.principal = null;
    // Times in the zone the browser told (http/time-zone.ts), read when the view renders.
    res.locals.when = (iso: unknown, style?: WhenStyle) => whenHtml(iso, req.session?.timeZone, req.lang, style);
    res.locals.timeZoneKnown = () => Boolean(req.session?.timeZone);
    res.locals.tHtml = (key: string, params: Record<string, string | number | SafeHtml>) => messageHtml(req.t, key, params);
    Object.defineProperty(res.locals, 'csrfToken', {
      enumerable: true,
      get: () => generateCsrfToken(req),
    });
    next();
  };
}

/** Runs after authentication, so templates see who is signed in. */
export const principalLocal: RequestHandler = (req, res, next) => {
  res.locals.principal = req.principal ?? null;
  next();
};
