// The agent side of consent: the grant's state on the org page (org-panel.ejs) and Request access,
// from the page and the API. The customer answers in their portal (customer-portal.routes.ts); with
// a grant, the agent opens the read-only view (src/features/read-only-view/).
import { Router, type Request } from 'express';
import { isAppError } from '../../errors';
import { idParams, parseInput, validate } from '../../http/validate';
import type { MessageKey } from '../../i18n/i18n';
import type { AuditLog } from '../audit/audit.service';
import { requireAgentPage } from '../auth/auth.middleware';
import { reasonForm } from './consent.schema';
import { actionContext } from '../../http/action-context';
import type { AccessRequestResult, ConsentService } from './consent.service';

export interface ConsentNotice { tone: 'ok' | 'error'; key: MessageKey; params?: Record<string, string | number> }

declare module 'express-session' {
  interface SessionData {
    consentNotice: ConsentNotice;
  }
}

const orgPath = (orgId: string) => `/orgs/${encodeURIComponent(orgId)}`;

/** The one-time notice of Request access, shown on the next page (the org page or the no-access page). */
export function takeNotice(req: Request): ConsentNotice | null {
  const notice = req.session.consentNotice ?? null;
  delete req.session.consentNotice;
  return notice;
}

/** What the org page says after Request access: how many of the org's admins the mail reached. */
function requestNotice(result: AccessRequestResult): ConsentNotice {
  if (!result.created) {
    return { tone: 'ok', key: 'consent.notice.alreadyRequested', params: { date: result.request.createdAt.slice(0, 16).replace('T', ' ') + ' UTC' } };
  }
  if (result.notified === 0) return { tone: 'error', key: 'consent.notice.requestedNoneEmailed' };
  if (result.notified < result.admins) {
    return { tone: 'ok', key: 'consent.notice.requestedSomeEmailed', params: { count: result.notified, total: result.admins } };
  }
  return { tone: 'ok', key: 'consent.notice.requested' };
}

export function consentPageRoutes(consent: ConsentService, audit: AuditLog): Router {
  const router = Router();

  // Runs before the org page's own route: hands it the grant's state, then lets the page render.
  router.get('/orgs/:id', requireAgentPage, validate({ params: idParams }, async (req, res, next) => {
    res.locals.consentPanel = await consent.agentPanel(req.principal!, req.input.params.id);
    res.locals.consentNotice = takeNotice(req);
    next();
  }));

  router.post('/orgs/:id/access-requests', requireAgentPage, validate({ params: idParams }, async (req, res) => {
    const orgId = req.input.params.id;
    try {
      const { reason } = parseInput(reasonForm, req.body);
      req.session.consentNotice = requestNotice(await consent.requestAccess(actionContext(req, audit), orgId, reason));
    } catch (err) {
      if (!isAppError(err) || !['invalid', 'too_many_requests'].includes(err.code)) throw err;
      const key: MessageKey = err.code === 'invalid' ? 'consent.error.reason' : 'consent.error.tooManyRequests';
      req.session.consentNotice = { tone: 'error', key };
    }
    res.redirect(303, `${orgPath(orgId)}#consent`);
  }));

  return router;
}

export function consentApiRoutes(consent: ConsentService, audit: AuditLog): Router {
  const router = Router();

  router.post('/orgs/:id/access-requests', validate({ params: idParams, body: reasonForm }, async (req, res) => {
    const result = await consent.requestAccess(actionContext(req, audit), req.input.params.id, req.input.body.reason);
    const { request } = result;
    // 201 either way (README, JSON API); a repeat while the agent's request is pending answers that request.
    res.status(201).json({
      id: request.id, orgId: request.orgId, status: request.status, reason: request.reason, createdAt: request.createdAt,
      ...(result.created ? { adminsNotified: result.notified, admins: result.admins } : { alreadyPending: true }),
    });
  }));

  return router;
}
