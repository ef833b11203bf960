// The viewer's time zone, told once by the browser (public/js/app.js) with the CSRF token like every
// other POST, kept in the session so the server renders times in it (http/time-zone.ts).
import { Router } from 'express';
import { validate } from '../../http/validate';
import { timeZoneInput } from './prefs.schema';

declare module 'express-session' {
  interface SessionData {
    timeZone: string;
  }
}

export function prefsRoutes(): Router {
  const router = Router();
  router.post('/prefs/time-zone', validate({ body: timeZoneInput }, (req, res) => {
    req.session.timeZone = req.input.body.timeZone;
    res.status(204).end();
  }));
  return router;
}
