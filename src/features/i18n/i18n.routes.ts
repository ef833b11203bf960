// The language switcher: a POST (with the CSRF token like every other form) that remembers the
// choice in the `lang` cookie read by http/locals.ts, then goes back to the page it came from.
import { Router } from 'express';
import { validate } from '../../http/validate';
import { LANG_COOKIE } from '../../http/locals';
import { languageForm } from './i18n.schema';

const ONE_YEAR_MS = 365 * 24 * 60 * 60 * 1000;

export function languageRoutes(opts: { https: boolean }): Router {
  const router = Router();
  router.post('/lang', validate({ body: languageForm }, (req, res) => {
    const { lang, next } = req.input.body;
    res.cookie(LANG_COOKIE, lang, { maxAge: ONE_YEAR_MS, sameSite: 'lax', httpOnly: true, secure: opts.https, path: '/' });
    res.redirect(303, next);
  }));
  return router;
}
