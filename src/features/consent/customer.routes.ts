// The customer side: /customer/login asks for a sign-in link, the link's confirm
// page signs in, /customer is the portal. Every change is a CSRF-protected POST that redirects back
// (POST-redirect-GET) with a one-time notice. The org always comes from the signed-in admin, never
// from the request: a grant or request id of another org is simply not found.
import { Router, type Request, type Response } from 'express';
import type { Clock } from '../../clock';
import { AppError, isAppError } from '../../errors';
import type { CustomerAdminPrincipal } from '../../http/request-context';
import { limiter } from '../../http/security';
import { flash, refusalNotice, takeFlash, type Notice, type RefusalNotices } from '../../http/flash';
import { parseInput } from '../../http/validate';
import type { MessageKey } from '../../i18n/i18n';
import type { Store } from '../../store/store';
import type { AuditLog } from '../audit/audit.service';
import { customerPortalQuery, GRANT_PERIODS, magicLinkRequestForm, periodForm, periodRefusal, type PeriodInput, type PeriodRefusal } from './consent.schema';
import type { ActionContext } from '../../http/action-context';
import type { SupportService } from '../support/support.service';
import type { ConsentService } from './consent.service';
import { LINK_TTL_MS, LinkMailError, type CustomerLoginService } from './customer-login.service';
import { requireCustomerAdminPage } from './customer.middleware';

export interface CustomerNotice extends Notice {
  /** The portal section the notice is about, shown there (next to its form) rather than at the top. */
  section?: 'support-contacts';
  /** The period form that was refused (its `prefix`) and what was chosen in it, shown again there. */
  form?: { prefix: string; period: string; until: string };
}

declare module '../../http/flash' {
  interface FlashKinds {
    customer: CustomerNotice;
  }
}

export interface CustomerRouteDeps {
  store: Store;
  clock: Clock;
  sessionCookieName: string;
  logins: CustomerLoginService;
  consent: ConsentService;
  support: SupportService;
  audit: AuditLog;
}

export const PERIOD_CHOICES = [...Object.keys(GRANT_PERIODS), 'custom'] as const;

const contextOf = (req: Request, audit: AuditLog): ActionContext<CustomerAdminPrincipal> => ({
  principal: req.customerAdmin!,
  lang: req.lang,
  audit: (entry) => audit.record(req, entry),
});

/** The notice naming the field at fault, for each of the period form's own refusals. */
const REFUSAL_NOTICES: Record<PeriodRefusal, MessageKey> = {
  not_a_calendar_day: 'consent.error.until',
  until_missing: 'consent.error.untilMissing',
};

/** A period form refused for a reason the admin can fix in one field: the notice says which. */
class PeriodRefused extends AppError {
  constructor(readonly notice: MessageKey, fields: AppError['details']['fields']) {
    super('invalid', 400, 'invalid period', { fields });
  }
}

/** parseInput(periodForm) whose own refusals (see PeriodRefusal) carry their notice. */
function parsePeriod(body: unknown): PeriodInput {
  const parsed = periodForm.safeParse(body);
  if (parsed.success) return parsed.data;
  const code = periodRefusal(parsed.error);
  if (!code) return parseInput(periodForm, body);
  const fields = parsed.error.issues.map((i) => ({ field: i.path.join('.') || 'input', message: i.message }));
  throw new PeriodRefused(REFUSAL_NOTICES[code], fields);
}

/** The notices for a refused change (refusalNotice): for a period, the field at fault when there is one, else the period rules. */
const REFUSALS: RefusalNotices = {
  invalid: (err) => ({ key: err instanceof PeriodRefused ? err.notice : 'consent.error.period' }),
  conflict: 'consent.error.changed',
};

/**
 * Runs a portal change; a refusal the admin can act on (bad period, already answered) becomes a notice,
 * and the period form named by `prefix` (see views/customer/period-fields.ejs) shows the admin's choice again.
 */
async function act(req: Request, res: Response, ok: MessageKey, change: () => Promise<unknown>, prefix?: string): Promise<void> {
  try {
    await change();
    flash(req, 'customer', { tone: 'ok', key: ok });
  } catch (err) {
    const notice = refusalNotice(req, err, REFUSALS);
    const form = prefix ? { prefix, period: String(req.body?.period ?? '').slice(0, 10), until: String(req.body?.until ?? '').slice(0, 10) } : undefined;
    flash(req, 'customer', { ...notice, ...(form ? { form } : {}) });
  }
  res.redirect(303, '/customer');
}

export function customerRoutes(deps: CustomerRouteDeps): Router {
  const { logins, consent, audit } = deps;
  const router = Router();
  // Per address is counted in the service; per client address here (many addresses from one place).
  const linkRequests = limiter(deps.store, deps.clock, {
    name: 'magic-link-ip', windowMs: 15 * 60 * 1000, limit: 20, key: (req) => req.ip ?? 'unknown',
  });
  const linkUses = limiter(deps.store, deps.clock, {
    name: 'magic-use-ip', windowMs: 15 * 60 * 1000, limit: 30, key: (req) => req.ip ?? 'unknown',
  });
  const loginPage = (req: Request, res: Response, status: number, email: string, error: string | null) =>
    res.status(status).render('customer/login', { title: req.t('customer.signIn.title'), values: { email }, error });

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
    res.render('customer/login-sent', { title: req.t('customer.signIn.title'), email, minutes: LINK_TTL_MS / 60000 });
  });

  router.get('/customer/login/:token', linkUses, async (req, res) => {
    const token = String(req.params.token);
    const link = await logins.peek(token);
    if (!link) return res.status(410).render('customer/link-invalid', { title: req.t('customer.link.invalidTitle') });
    res.render('customer/confirm', { title: req.t('customer.signIn.title'), token, orgName: link.orgName });
  });

  router.post('/customer/login/:token', linkUses, async (req, res, next) => {
    const admin = await logins.consume(String(req.params.token));
    if (!admin) return res.status(410).render('customer/link-invalid', { title: req.t('customer.link.invalidTitle') });
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
  });

  router.post('/customer/logout', async (req, res, next) => {
    if (req.customerAdmin) await audit.record(req, { action: 'customer.sign_out', subject: `user:${req.customerAdmin.userId}` });
    req.session.destroy((err) => {
      if (err) return next(err);
      res.clearCookie(deps.sessionCookieName, { path: '/' });
      res.redirect(303, '/customer/login');
    });
  });

  router.get('/customer', requireCustomerAdminPage, async (req, res) => {
    const { log } = parseInput(customerPortalQuery, req.query);
    const [view, contacts] = await Promise.all([consent.portal(req.customerAdmin!, log), deps.support.contactsPanel(req.customerAdmin!)]);
    const notice = takeFlash(req, 'customer');
    res.render('customer/portal', { title: view.org.name, view, contacts, notice, periods: PERIOD_CHOICES });
  });

  router.post('/customer/grants', requireCustomerAdminPage, (req, res) =>
    act(req, res, 'consent.notice.granted', () => consent.grant(contextOf(req, audit), parsePeriod(req.body)), 'grant'));

  router.post('/customer/grants/:id/extend', requireCustomerAdminPage, (req, res) =>
    act(req, res, 'consent.notice.extended', () =>
      consent.extend(contextOf(req, audit), String(req.params.id), parsePeriod(req.body)), 'extend'));

  router.post('/customer/grants/:id/revoke', requireCustomerAdminPage, (req, res) =>
    act(req, res, 'consent.notice.revoked', () => consent.revoke(contextOf(req, audit), String(req.params.id))));

  router.post('/customer/access-requests/:id/approve', requireCustomerAdminPage, (req, res) =>
    act(req, res, 'consent.notice.approved', () =>
      consent.approve(contextOf(req, audit), String(req.params.id), parsePeriod(req.body)), `approve-${String(req.params.id)}`));

  router.post('/customer/access-requests/:id/deny', requireCustomerAdminPage, (req, res) =>
    act(req, res, 'consent.notice.denied', () => consent.deny(contextOf(req, audit), String(req.params.id))));

  return router;
}
