// Send code and Verify, as pages (forms on the user page, POST-redirect-GET) and as API rows
// (README, JSON API). The code only ever travels in a POST body; the answer never holds it.
import { Router, type RequestHandler } from 'express';
import type { Clock } from '../../clock';
import { limiter } from '../../http/security';
import { actionContext } from '../../http/action-context';
import { flash, refusalNotice, takeFlash, type Notice, type RefusalNotices } from '../../http/flash';
import type { PagePanel } from '../../http/page-panels';
import { idParams, parseInput, validate } from '../../http/validate';
import type { Store } from '../../store/store';
import type { AuditLog } from '../audit/audit.service';
import { requireAgentPage } from '../auth/auth.middleware';
import { checkForm, checkInput } from './verification.schema';
import {
  type CheckStatus, type VerificationPanel, type VerificationService,
} from './verification.service';

/** One line on the verification panel, shown once after a redirect. */
export type VerificationNotice = Notice;

declare module '../../http/flash' {
  interface FlashKinds {
    verification: VerificationNotice;
  }
}

/** Answers are already limited per code and per user; this stops one agent hammering many codes. */
export const codeCheckLimiter = (store: Store, clock: Clock): RequestHandler => limiter(store, clock, {
  name: 'verify-check', windowMs: 60_000, limit: 30, key: (req) => req.principal?.agentId ?? req.ip ?? 'anonymous',
});

const checkNotice: Record<CheckStatus, VerificationNotice['tone']> = {
  verified: 'ok', invalid: 'error', expired: 'error', locked: 'error',
};

/** The refusals the agent can act on, as notices on the user page (refusalNotice); anything else is an error page. */
const REFUSALS: RefusalNotices = {
  unavailable: 'verification.error.mailDown',
  invalid: 'verification.error.badFormat',
};

/** The verification panel's locals (views/verification/panel.ejs). */
export interface VerificationPanelModel {
  verification: VerificationPanel;
  verificationNotice: VerificationNotice | null;
}

/** The user page's verification panel (src/features/users/user-page.ts): the latest code's state, then the notice left by the last action. */
export const verificationPanel = (verification: VerificationService): PagePanel<VerificationPanelModel> => async ({ req, principal, id }) => {
  const panel = await verification.panel(principal, id);
  return { verification: panel, verificationNotice: takeFlash(req, 'verification') };
};

const userPage = (userId: string) => `/users/${encodeURIComponent(userId)}#verification`;

export function verificationPageRoutes(verification: VerificationService, audit: AuditLog, checkLimit: RequestHandler): Router {
  const router = Router();

  router.post('/users/:id/verifications', requireAgentPage, validate({ params: idParams }, async (req, res) => {
    const userId = req.input.params.id;
    try {
      const sent = await verification.send(actionContext(req, audit), userId);
      flash(req, 'verification', { tone: 'info', key: 'verification.notice.sent', params: { address: sent.sentTo } });
    } catch (err) {
      flash(req, 'verification', refusalNotice(req, err, REFUSALS));
    }
    res.redirect(303, userPage(userId));
  }));

  router.post('/verifications/:id/check', requireAgentPage, checkLimit, validate({ params: idParams, body: checkForm }, async (req, res) => {
    const { userId } = req.input.body;
    try {
      // A code that is not one (letters, too short) is a notice on the user page, not an error page.
      const { code } = parseInput(checkInput, req.body);
      const result = await verification.check(actionContext(req, audit), req.input.params.id, code);
      flash(req, 'verification', {
        tone: checkNotice[result.status], key: `verification.notice.${result.status}`, params: { count: result.attemptsLeft },
      });
    } catch (err) {
      flash(req, 'verification', refusalNotice(req, err, REFUSALS));
    }
    res.redirect(303, userPage(userId));
  }));

  return router;
}

export function verificationApiRoutes(verification: VerificationService, audit: AuditLog, checkLimit: RequestHandler): Router {
  const router = Router();

  router.post('/users/:id/verifications', validate({ params: idParams }, async (req, res) => {
    const sent = await verification.send(actionContext(req, audit), req.input.params.id);
    res.status(202).json({ id: sent.id, sentTo: sent.sentTo, expiresAt: sent.expiresAt });
  }));

  router.post('/verifications/:id/check', checkLimit, validate({ params: idParams, body: checkInput }, async (req, res) => {
    const result = await verification.check(actionContext(req, audit), req.input.params.id, req.input.body.code);
    res.json({ status: result.status, attemptsLeft: result.attemptsLeft });
  }));

  return router;
}
