// Clear from suppression list and Resend welcome email, as forms on the user page (POST-redirect-GET,
// the outcome shown once) and as API rows (README, JSON API).
import { Router } from 'express';
import { notFound } from '../../errors';
import { actionContext, LocalizedRefusal } from '../../http/action-context';
import { flash, refusalNotice, takeFlash, type Notice, type RefusalNotices } from '../../http/flash';
import type { PagePanel } from '../../http/page-panels';
import { idParams, validate } from '../../http/validate';
import type { MessageKey } from '../../i18n/i18n';
import type { AuditLog } from '../audit/audit.service';
import { requireAgentPage } from '../auth/auth.middleware';
import { clearInput } from './suppression.schema';
import { type EmailPanel, type SuppressionService } from './suppression.service';

/** One line on the email panel, shown once after a redirect. */
export type EmailNotice = Notice;

/** The clear form as the agent left it, re-shown with its error after a redirect. */
export interface ClearForm { reason: string; error: MessageKey | null }

declare module '../../http/flash' {
  interface FlashKinds {
    email: EmailNotice;
    clearForm: ClearForm;
  }
}

/** The refusals the agent can act on, as notices on the user page (refusalNotice); anything else is an error page. */
const REFUSALS: RefusalNotices = {
  unavailable: 'suppression.error.mailDown',
};

/** The email panel's locals (views/suppression/panel.ejs). */
export interface EmailPanelModel {
  emailPanel: EmailPanel | null;
  emailNotice: EmailNotice | null;
  clearForm: ClearForm | null;
}

/** The user page's email panel (src/features/users/user-page.ts): last email and suppression entry, then the notice and clear form left by the last action. */
export const emailPanel = (suppression: SuppressionService): PagePanel<EmailPanelModel> => async ({ req, principal, id }) => {
  const panel = await suppression.panel(principal, id);
  return { emailPanel: panel, emailNotice: takeFlash(req, 'email'), clearForm: takeFlash(req, 'clearForm') };
};

const userPage = (userId: string) => `/users/${encodeURIComponent(userId)}#email`;

export function suppressionPageRoutes(suppression: SuppressionService, audit: AuditLog): Router {
  const router = Router();

  router.post('/users/:id/suppression/clear', requireAgentPage, validate({ params: idParams }, async (req, res) => {
    const userId = req.input.params.id;
    const given = typeof req.body?.reason === 'string' ? req.body.reason.slice(0, 2000) : '';
    const parsed = clearInput.safeParse(req.body);
    if (!parsed.success) {
      // Out of scope answers 404 whatever the form holds, like a valid one would.
      if (!(await suppression.panel(req.principal!, userId))) throw notFound('User');
      const length = given.trim().length;
      const error = length === 0 ? 'suppression.clear.reasonRequired' : length < 10 ? 'suppression.clear.reasonTooShort' : 'suppression.clear.reasonTooLong';
      flash(req, 'clearForm', { reason: given, error });
      res.redirect(303, userPage(userId));
      return;
    }
    try {
      await suppression.clear(actionContext(req, audit), userId, parsed.data.reason);
      flash(req, 'email', { tone: 'ok', key: 'suppression.notice.cleared' });
    } catch (err) {
      flash(req, 'email', refusalNotice(req, err, REFUSALS));
      if (err instanceof LocalizedRefusal) flash(req, 'clearForm', { reason: given, error: null });
    }
    res.redirect(303, userPage(userId));
  }));

  router.post('/users/:id/welcome-email', requireAgentPage, validate({ params: idParams }, async (req, res) => {
    const userId = req.input.params.id;
    try {
      const { sentTo } = await suppression.resendWelcome(actionContext(req, audit), userId);
      flash(req, 'email', { tone: 'info', key: 'suppression.notice.welcomeSent', params: { address: sentTo } });
    } catch (err) {
      flash(req, 'email', refusalNotice(req, err, REFUSALS));
    }
    res.redirect(303, userPage(userId));
  }));

  return router;
}

export function suppressionApiRoutes(suppression: SuppressionService, audit: AuditLog): Router {
  const router = Router();

  router.post('/users/:id/suppression/clear', validate({ params: idParams, body: clearInput }, async (req, res) => {
    res.json(await suppression.clear(actionContext(req, audit), req.input.params.id, req.input.body.reason));
  }));

  router.post('/users/:id/welcome-email', validate({ params: idParams }, async (req, res) => {
    res.status(202).json(await suppression.resendWelcome(actionContext(req, audit), req.input.params.id));
  }));

  return router;
}
