// Named support contacts in the customer portal: a customer admin names a user of
// their org as a contact for a product, within the tier's quota, or removes one. The org is always
// the signed-in admin's own (the service's manager is pinned to it): another org's user is not
// found (404). Like the portal's other forms, each posts with a CSRF token and redirects back with
// a one-time notice; every change is audited.
import { Router, type Request, type Response } from 'express';
import { isAppError } from '../../errors';
import { LocalizedRefusal } from '../../http/action-context';
import { parseInput } from '../../http/validate';
import type { AuditLog } from '../audit/audit.service';
import { requireCustomerAdminPage } from '../customer-sign-in/customer-session.middleware';
import type { CustomerNotice } from '../consent/customer-portal.routes';
import { contactForm } from './support.schema';
import type { SupportService } from './support.service';

const SECTION = 'support-contacts';

/** Runs a change of contacts; a refusal the admin can act on (quota, unknown product, empty form) becomes a notice. */
async function act(req: Request, res: Response, audit: AuditLog, done: { action: string; ok: CustomerNotice['key'] },
  change: (input: { userId: string; product: string }) => Promise<unknown>): Promise<void> {
  try {
    const input = parseInput(contactForm, req.body);
    await change(input);
    await audit.record(req, { action: done.action, subject: `user:${input.userId}`, detail: { product: input.product, userId: input.userId } });
    req.session.customerNotice = { tone: 'ok', key: done.ok, params: { product: input.product }, section: SECTION };
  } catch (err) {
    if (err instanceof LocalizedRefusal) {
      req.session.customerNotice = { tone: 'error', key: err.messageKey, params: err.params, section: SECTION };
    } else if (isAppError(err) && err.code === 'invalid') {
      req.session.customerNotice = { tone: 'error', key: 'support.contacts.error.form', section: SECTION };
    } else {
      throw err;
    }
  }
  res.redirect(303, `/customer#${SECTION}`);
}

export function customerSupportRoutes(support: SupportService, audit: AuditLog): Router {
  const router = Router();

  router.post('/customer/support-contacts', requireCustomerAdminPage, (req, res) =>
    act(req, res, audit, { action: 'support_contact.add', ok: 'support.contacts.notice.added' },
      ({ userId, product }) => support.addContact(req.customerAdmin!, userId, product)));

  router.post('/customer/support-contacts/remove', requireCustomerAdminPage, (req, res) =>
    act(req, res, audit, { action: 'support_contact.remove', ok: 'support.contacts.notice.removed' },
      ({ userId, product }) => support.removeContact(req.customerAdmin!, userId, product)));

  return router;
}
