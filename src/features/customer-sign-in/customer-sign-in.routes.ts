// Customer admin sign-in: /customer/login asks for a sign-in link, the link's confirm page signs
// in (customer-sign-in.service.ts), /customer/logout signs out. Signed in, the admin lands on the
// customer portal (src/features/consent/customer-portal.routes.ts).
import { Router, type Request, type Response } from 'express';
import type { Clock } from '../../clock';
import { isAppError } from '../../errors';
import { limiter } from '../../http/security';
import { parseInput, validate } from '../../http/validate';
import type { Store } from '../../store/store';
import type { AuditLog } from '../audit/audit.service';
import { linkParams, magicLinkRequestForm } from './customer-sign-in.schema';
import { LINK_TTL_MS, LinkMailError, type CustomerLoginService } from './customer-sign-in.service';

export interface CustomerSignInRouteDeps {
  store: Store;
  clock: Clock;
  sessionCookieName: string;
  logins: CustomerLoginService;
  audit: AuditLog;
}

export function customerSignInRoutes(deps: CustomerSignInRouteDeps): Router {
  const { logins, audit } = deps;
  const router = Router();
  // Per address is counted in the service; per client address here (many addresses from one place).
  const linkRequests = limiter(deps.store, deps.clock, {
    name: 'magic-link-ip', windowMs: 15 * 60 * 1000, limit: 20, key: (req) => req.ip ?? 'unknown',
  });
  const linkUses = limiter(deps.store, deps.clock, {
    name: 'magic-use-ip', windowMs: 15 * 60 * 1000, limit: 30, key: (req) => req.ip ?? 'unknown',
  });
  const loginPage = (req: Request, res: Response, status: number, email: string, error: string | null) =>
    res.status(status).render('customer-sign-in/login', { title: req.t('customer.signIn.title'), values: { email }, error });

  router.get('/customer/login', (req, res) => {
    if (req.customerAdmin) return res.redirect(303, '/customer');
    loginPage(req, res, 200, '', null);
  });

  router.post('/customer/login', linkRequests, async (req, res) => {
    let email: string;
    try {
      ({ email } = parseInput(magicLinkRequestForm, req.body));
    } catch (err) {
      if (!isAppError(err)) throw err;
      return loginPage(req, res, 400, String(req.body?.email ?? ''), req.t('customer.signIn.badEmail'));
    }
    const { delivery } = await logins.requestLink(email, req.lang);
    // The answer does not wait on the mail server: known and unknown addresses answer alike.
    delivery.catch((err: Error) => req.log.warn(err instanceof LinkMailError ? { userIds: err.userIds, code: err.code } : { code: err.name },
      'sign-in link mail not sent'));
    res.render('customer-sign-in/login-sent', { title: req.t('customer.signIn.title'), email, minutes: LINK_TTL_MS / 60000 });
  });

  router.get('/customer/login/:token', linkUses, validate({ params: linkParams }, async (req, res) => {
    const { token } = req.input.params;
    const link = await logins.peek(token);
    if (!link) return res.status(410).render('customer-sign-in/link-invalid', { title: req.t('customer.link.invalidTitle') });
    res.render('customer-sign-in/confirm', { title: req.t('customer.signIn.title'), token, orgName: link.orgName });
  }));

  router.post('/customer/login/:token', linkUses, validate({ params: linkParams }, async (req, res, next) => {
    const admin = await logins.consume(req.input.params.token);
    if (!admin) return res.status(410).render('customer-sign-in/link-invalid', { title: req.t('customer.link.invalidTitle') });
    // A new session id at sign-in: a session fixed before sign-in is worth nothing after it.
    req.session.regenerate((err) => {
      if (err) return next(err);
      const now = deps.clock.now().getTime();
      const { kind: _kind, ...stored } = admin;
      req.session.customerAdmin = stored;
      req.session.signedInAt = now;
      req.session.lastSeenAt = now;
      req.session.save(async (saveErr) => {
        if (saveErr) return next(saveErr);
        req.customerAdmin = admin;
        try {
          await audit.record(req, { action: 'customer.sign_in', subject: `user:${admin.userId}` });
          res.redirect(303, '/customer');
        } catch (auditErr) {
          next(auditErr);
        }
      });
    });
  }));

  router.post('/customer/logout', async (req, res, next) => {
    if (req.customerAdmin) await audit.record(req, { action: 'customer.sign_out', subject: `user:${req.customerAdmin.userId}` });
    req.session.destroy((err) => {
      if (err) return next(err);
      res.clearCookie(deps.sessionCookieName, { path: '/' });
      res.redirect(303, '/customer/login');
    });
  });

  return router;
}
