// The customer portal, /customer: a signed-in customer admin's grants, the partner's access
// requests and the access log (sign-in is src/features/customer-sign-in/). Every change is a
// CSRF-protected POST that redirects back (POST-redirect-GET) with a one-time notice. The org always comes from the signed-in admin, never
// from the request: a grant or request id of another org is simply not found.
import { Router, type Request, type Response } from 'express';
import { AppError } from '../../errors';
import { flash, refusalNotice, takeFlash, type Notice, type RefusalNotices } from '../../http/flash';
import type { CustomerAdminPrincipal } from '../../http/request-context';
import { idParams, parseInput, validate } from '../../http/validate';
import type { MessageKey } from '../../i18n/i18n';
import type { AuditLog } from '../audit/audit.service';
import { customerPortalQuery, GRANT_PERIODS, periodForm, periodRefusal, type PeriodInput, type PeriodRefusal } from './consent.schema';
import type { ActionContext } from '../../http/action-context';
import type { SupportService } from '../support/support.service';
import type { ConsentService } from './consent.service';
import { requireCustomerAdminPage } from '../customer-sign-in/customer-session.middleware';

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

export interface CustomerPortalRouteDeps {
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
 * and the period form named by `prefix` (see views/consent/period-fields.ejs) shows the admin's choice again.
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

export function customerPortalRoutes(deps: CustomerPortalRouteDeps): Router {
  const { consent, audit } = deps;
  const router = Router();

  router.get('/customer', requireCustomerAdminPage, validate({ query: customerPortalQuery }, async (req, res) => {
    const { log } = req.input.query;
    const [view, contacts] = await Promise.all([consent.customerPortal(req.customerAdmin!, log), deps.support.contactsPanel(req.customerAdmin!)]);
    const notice = takeFlash(req, 'customer');
    res.render('consent/customer-portal', { title: view.org.name, view, contacts, notice, periods: PERIOD_CHOICES });
  }));

  router.post('/customer/grants', requireCustomerAdminPage, (req, res) =>
    act(req, res, 'consent.notice.granted', () => consent.grant(contextOf(req, audit), parsePeriod(req.body)), 'grant'));

  // A grant or request id that is not one answers 404, as an id of another org does (the service).
  router.post('/customer/grants/:id/extend', requireCustomerAdminPage, validate({ params: idParams }, (req, res) =>
    act(req, res, 'consent.notice.extended', () =>
      consent.extend(contextOf(req, audit), req.input.params.id, parsePeriod(req.body)), 'extend')));

  router.post('/customer/grants/:id/revoke', requireCustomerAdminPage, validate({ params: idParams }, (req, res) =>
    act(req, res, 'consent.notice.revoked', () => consent.revoke(contextOf(req, audit), req.input.params.id))));

  router.post('/customer/access-requests/:id/approve', requireCustomerAdminPage, validate({ params: idParams }, (req, res) =>
    act(req, res, 'consent.notice.approved', () =>
      consent.approve(contextOf(req, audit), req.input.params.id, parsePeriod(req.body)), `approve-${req.input.params.id}`)));

  router.post('/customer/access-requests/:id/deny', requireCustomerAdminPage, validate({ params: idParams }, (req, res) =>
    act(req, res, 'consent.notice.denied', () => consent.deny(contextOf(req, audit), req.input.params.id))));

  return router;
}
