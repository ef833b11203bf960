// The agent side of consent: the grant's state on the org page (org-panel.ejs) and Request access,
// from the page and the API. The customer answers in their portal (customer-portal.routes.ts); with
// a grant, the agent opens the read-only view (src/features/read-only-view/).
import { Router, type Request } from 'express';
import { flash, refusalNotice, takeFlash, type Notice, type RefusalNotices } from '../../http/flash';
import type { PagePanel } from '../../http/page-panels';
import { idParams, parseInput, validate } from '../../http/validate';
import type { AuditLog } from '../audit/audit.service';
import { requireAgentPage } from '../auth/auth.middleware';
import { reasonForm } from './consent.schema';
import { actionContext } from '../../http/action-context';
import type { AccessRequestResult, AgentConsentPanel, ConsentService } from './consent.service';

export type ConsentNotice = Notice;

declare module '../../http/flash' {
  interface FlashKinds {
    consent: ConsentNotice;
  }
}

const orgPath = (orgId: string) => `/orgs/${encodeURIComponent(orgId)}`;

/** The one-time notice of Request access, shown on the next page (the org page or the no-access page). */
export const takeNotice = (req: Request): ConsentNotice | null => takeFlash(req, 'consent');

/** The refusals of Request access the agent can act on, as notices on the org page (refusalNotice). */
const REQUEST_REFUSALS: RefusalNotices = {
  invalid: 'consent.error.reason',
  too_many_requests: 'consent.error.tooManyRequests',
};

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

/** The consent panel's locals (views/consent/org-panel.ejs). */
export interface ConsentPanelModel {
  consentPanel: AgentConsentPanel;
  consentNotice: ConsentNotice | null;
}

/** The org page's consent panel (src/features/orgs/org-page.ts): the grant's state, then the notice left by Request access. */
export const consentPanel = (consent: ConsentService): PagePanel<ConsentPanelModel> => async ({ req, principal, id }) => ({
  consentPanel: await consent.agentPanel(principal, id),
  consentNotice: takeNotice(req),
});

export function consentPageRoutes(consent: ConsentService, audit: AuditLog): Router {
  const router = Router();

  router.post('/orgs/:id/access-requests', requireAgentPage, validate({ params: idParams }, async (req, res) => {
    const orgId = req.input.params.id;
    try {
      const { reason } = parseInput(reasonForm, req.body);
      flash(req, 'consent', requestNotice(await consent.requestAccess(actionContext(req, audit), orgId, reason)));
    } catch (err) {
      flash(req, 'consent', refusalNotice(req, err, REQUEST_REFUSALS));
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
