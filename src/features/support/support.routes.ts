// Named support contacts in the customer portal: a customer admin names a user of
// their org as a contact for a product, within the tier's quota, or removes one. The org is always
// the signed-in admin's own (the service's manager is pinned to it): another org's user is not
// found (404). Like the portal's other forms, each posts with a CSRF token and redirects back with
// a one-time notice; every change is audited.
import { Router, type Request, type Response } from 'express';
import { flash, refusalNotice, type RefusalNotices } from '../../http/flash';
import { parseInput } from '../../http/validate';
import type { AuditLog } from '../audit/audit.service';
import { requireCustomerAdminPage } from '../customer-sign-in/customer-session.middleware';
import type { CustomerNotice } from '../consent/customer-portal.routes';
import { contactForm } from './support.schema';
import type { SupportService } from './support.service';

const SECTION = 'support-contacts';

/** The refusals the admin can act on, as notices by the contacts form (refusalNotice); a LocalizedRefusal (quota, unknown product) says its own. */
const REFUSALS: RefusalNotices = {
  invalid: 'support.contacts.error.form',
};

/** Runs a change of contacts; a refusal the admin can act on (quota, unknown product, empty form) becomes a notice. */
async function act(req: Request, res: Response, audit: AuditLog, done: { action: string; ok: CustomerNotice['key'] },
  change: (input: { userId: string; product: string }) => Promise<unknown>): Promise<void> {
  try {
    const input = parseInput(contactForm, req.body);
    await change(input);
    await audit.record(req, { action: done.action, subject: `user:${input.userId}`, detail: { product: input.product, userId: input.userId } });
    flash(req, 'customer', { tone: 'ok', key: done.ok, params: { product: input.product }, section: SECTION });
  } catch (err) {
    flash(req, 'customer', { ...refusalNotice(req, err, REFUSALS), section: SECTION });
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
