// Clear from suppression list and Resend welcome email, as forms on the user page (POST-redirect-GET,
// the outcome shown once) and as API rows (README, JSON API).
import { Router, type Request } from 'express';
import { isAppError, notFound } from '../../errors';
import { actionContext, LocalizedRefusal } from '../../http/action-context';
import type { PagePanel } from '../../http/page-panels';
import { parseInput } from '../../http/validate';
import type { MessageKey } from '../../i18n/i18n';
import type { AuditLog } from '../audit/audit.service';
import { requireAgentPage } from '../auth/auth.middleware';
import { clearInput } from './suppression.schema';
import { type EmailPanel, type SuppressionService } from './suppression.service';

/** One line on the email panel, shown once after a redirect. */
export interface EmailNotice {
  tone: 'ok' | 'info' | 'error';
  key: MessageKey;
  params?: Record<string, string | number>;
}

declare module 'express-session' {
  interface SessionData {
    emailNotice: EmailNotice;
    /** The clear form as the agent left it, re-shown with its error after a redirect. */
    clearForm: { reason: string; error: MessageKey | null };
  }
}

/** A refusal the agent can act on becomes a notice on the user page; anything else is an error page. */
function refusalNotice(req: Request, err: unknown): EmailNotice {
  if (err instanceof LocalizedRefusal) return { tone: 'error', key: err.messageKey, params: err.params };
  if (isAppError(err) && err.code === 'unavailable') {
    req.log.warn({ code: err.code }, err.message);
    return { tone: 'error', key: 'suppression.error.mailDown' };
  }
  throw err;
}

/** The email panel's locals (views/suppression/panel.ejs). */
export interface EmailPanelModel {
  emailPanel: EmailPanel | null;
  emailNotice: EmailNotice | null;
  clearForm: { reason: string; error: MessageKey | null } | null;
}

/** The user page's email panel (src/features/users/user-page.ts): last email and suppression entry, then the notice and clear form left by the last action. */
export const emailPanel = (suppression: SuppressionService): PagePanel<EmailPanelModel> => async ({ req, principal, id }) => {
  const panel = await suppression.panel(principal, id);
  const model = { emailPanel: panel, emailNotice: req.session.emailNotice ?? null, clearForm: req.session.clearForm ?? null };
  delete req.session.emailNotice;
  delete req.session.clearForm;
  return model;
};

const userPage = (userId: string) => `/users/${encodeURIComponent(userId)}#email`;

export function suppressionPageRoutes(suppression: SuppressionService, audit: AuditLog): Router {
  const router = Router();

  router.post('/users/:id/suppression/clear', requireAgentPage, async (req, res) => {
    const userId = String(req.params.id);
    const given = typeof req.body?.reason === 'string' ? req.body.reason.slice(0, 2000) : '';
    const parsed = clearInput.safeParse(req.body);
    if (!parsed.success) {
      // Out of scope answers 404 whatever the form holds, like a valid one would.
      if (!(await suppression.panel(req.principal!, userId))) throw notFound('User');
      const length = given.trim().length;
      const error = length === 0 ? 'suppression.clear.reasonRequired' : length < 10 ? 'suppression.clear.reasonTooShort' : 'suppression.clear.reasonTooLong';
      req.session.clearForm = { reason: given, error };
      res.redirect(303, userPage(userId));
      return;
    }
    try {
      await suppression.clear(actionContext(req, audit), userId, parsed.data.reason);
      req.session.emailNotice = { tone: 'ok', key: 'suppression.notice.cleared' };
    } catch (err) {
      req.session.emailNotice = refusalNotice(req, err);
      if (err instanceof LocalizedRefusal) req.session.clearForm = { reason: given, error: null };
    }
    res.redirect(303, userPage(userId));
  });

  router.post('/users/:id/welcome-email', requireAgentPage, async (req, res) => {
    const userId = String(req.params.id);
    try {
      const { sentTo } = await suppression.resendWelcome(actionContext(req, audit), userId);
      req.session.emailNotice = { tone: 'info', key: 'suppression.notice.welcomeSent', params: { address: sentTo } };
    } catch (err) {
      req.session.emailNotice = refusalNotice(req, err);
    }
    res.redirect(303, userPage(userId));
  });

  return router;
}

export function suppressionApiRoutes(suppression: SuppressionService, audit: AuditLog): Router {
  const router = Router();

  router.post('/users/:id/suppression/clear', async (req, res) => {
    const { reason } = parseInput(clearInput, req.body);
    res.json(await suppression.clear(actionContext(req, audit), String(req.params.id), reason));
  });

  router.post('/users/:id/welcome-email', async (req, res) => {
    res.status(202).json(await suppression.resendWelcome(actionContext(req, audit), String(req.params.id)));
  });

  return router;
}
