// The agent side of consent: the grant's state on the org page, Request access, and
// the read-only view under /orgs/:id/portal. Every route under /portal is a GET: nothing there can
// change anything (test/features/portal-readonly.test.ts walks the router to prove it). Entering
// asks for a reason or ticket number, posted with a CSRF token to /orgs/:id/portal-entry (a sibling
// of /portal, not under it, so the view stays GET-only) and kept in the session for this grant;
// every page view is audited with it. The view never reads a reason from its address: a link could
// then choose the reason the customer reads in their access log. The grant is checked on every
// request by the service.
import { Router, type Request, type Response } from 'express';
import { isAppError } from '../../errors';
import { parseInput } from '../../http/validate';
import type { MessageKey } from '../../i18n/i18n';
import type { AuditLog } from '../audit/audit.service';
import { requireAgentPage } from '../auth/auth.middleware';
import { portalQuery, reasonForm } from './consent.schema';
import { actionContext } from '../../http/action-context';
import { NoActiveGrant, type AccessRequestResult, type ConsentService } from './consent.service';
import type { PortalService } from './portal.service';

export interface ConsentNotice { tone: 'ok' | 'error'; key: MessageKey; params?: Record<string, string | number> }

declare module 'express-session' {
  interface SessionData {
    /** The reason given on entering the read-only view, for that org's current grant only. */
    portalAccess: { orgId: string; grantId: string; reason: string };
    consentNotice: ConsentNotice;
  }
}

/** The header an API client may send the reason in; a Bearer-token client may use `?reason=` instead. */
export const REASON_HEADER = 'x-access-reason';


const portalPath = (orgId: string) => `/orgs/${encodeURIComponent(orgId)}/portal`;
const orgPath = (orgId: string) => `/orgs/${encodeURIComponent(orgId)}`;

function takeNotice(req: Request): ConsentNotice | null {
  const notice = req.session.consentNotice ?? null;
  delete req.session.consentNotice;
  return notice;
}

/** Without an active grant the view answers 403 with Request access; anything else goes on to the error page. */
function noAccessPage(req: Request, res: Response, err: unknown): void {
  if (!(err instanceof NoActiveGrant)) throw err;
  res.status(403).render('consent/no-access', {
    title: req.t('consent.noAccess.title'), org: err.org, pending: err.pending, last: err.last, admins: err.admins, notice: takeNotice(req), error: null, reason: '',
  });
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

/** The reason given for this org's current grant, or null when the agent must give one first. */
function reasonInSession(req: Request, orgId: string, grantId: string): string | null {
  const access = req.session.portalAccess;
  return access && access.orgId === orgId && access.grantId === grantId ? access.reason : null;
}

export function consentPageRoutes(consent: ConsentService, portal: PortalService, audit: AuditLog): Router {
  const router = Router();

  // Runs before the org page's own route: hands it the grant's state, then lets the page render.
  router.get('/orgs/:id', requireAgentPage, async (req, res, next) => {
    res.locals.consentPanel = await consent.agentPanel(req.principal!, String(req.params.id));
    res.locals.consentNotice = takeNotice(req);
    next();
  });

  router.post('/orgs/:id/access-requests', requireAgentPage, async (req, res) => {
    const orgId = String(req.params.id);
    try {
      const { reason } = parseInput(reasonForm, req.body);
      req.session.consentNotice = requestNotice(await consent.requestAccess(actionContext(req, audit), orgId, reason));
    } catch (err) {
      if (!isAppError(err) || !['invalid', 'too_many_requests'].includes(err.code)) throw err;
      const key: MessageKey = err.code === 'invalid' ? 'consent.error.reason' : 'consent.error.tooManyRequests';
      req.session.consentNotice = { tone: 'error', key };
    }
    res.redirect(303, `${orgPath(orgId)}#consent`);
  });

  router.post('/orgs/:id/portal-entry', requireAgentPage, async (req, res) => {
    let active;
    try {
      active = await consent.requireActive(req.principal!, String(req.params.id));
    } catch (err) {
      return noAccessPage(req, res, err);
    }
    const org = { id: active.org.id, name: active.org.name };
    const given = reasonForm.safeParse(req.body ?? {});
    if (!given.success) {
      return res.status(400).render('consent/portal-reason', {
        title: org.name, org, grant: active.grant, error: req.t('consent.error.reason'), reason: String(req.body?.reason ?? ''),
      });
    }
    req.session.portalAccess = { orgId: org.id, grantId: active.grant.id, reason: given.data.reason };
    res.redirect(303, portalPath(org.id));
  });

  router.get('/orgs/:id/portal', requireAgentPage, async (req, res) => {
    const orgId = String(req.params.id);
    const { page } = parseInput(portalQuery, req.query);
    let view;
    try {
      view = await portal.orgView(req.principal!, orgId, page);
    } catch (err) {
      return noAccessPage(req, res, err);
    }
    const reason = reasonInSession(req, view.org.id, view.grant.id);
    if (!reason) {
      return res.render('consent/portal-reason', { title: view.org.name, org: view.org, grant: view.grant, error: null, reason: '' });
    }
    await audit.record(req, {
      action: 'portal.view', orgId: view.org.id, subject: `org:${view.org.id}`, detail: { reason, grantId: view.grant.id, page },
    });
    res.render('consent/portal', { title: view.org.name, view, readOnly: true });
  });

  router.get('/orgs/:id/portal/users/:userId', requireAgentPage, async (req, res) => {
    const orgId = String(req.params.id);
    let view;
    try {
      view = await portal.userView(req.principal!, orgId, String(req.params.userId));
    } catch (err) {
      return noAccessPage(req, res, err);
    }
    const reason = reasonInSession(req, view.org.id, view.grant.id);
    if (!reason) return res.redirect(303, portalPath(view.org.id));
    await audit.record(req, {
      action: 'portal.view', orgId: view.org.id, subject: `user:${view.user.id}`, detail: { reason, grantId: view.grant.id },
    });
    res.render('consent/portal-user', { title: view.user.displayName || view.user.email, view, readOnly: true });
  });

  return router;
}

/**
 * The API needs the reason on every call (README, JSON API): the X-Access-Reason header, or `?reason=` from a
 * Bearer-token client. A call riding on the session cookie takes the header only: a page elsewhere
 * can make the browser follow a link, not send a custom header.
 */
const apiReason = (req: Request) => {
  const query = req.principal?.via === 'token' ? req.query.reason : undefined;
  return parseInput(reasonForm, { reason: query ?? req.get(REASON_HEADER) }).reason;
};

export function consentApiRoutes(consent: ConsentService, portal: PortalService, audit: AuditLog): Router {
  const router = Router();

  router.get('/orgs/:id/portal', async (req, res) => {
    const { page } = parseInput(portalQuery, req.query);
    const view = await portal.orgView(req.principal!, String(req.params.id), page);
    const reason = apiReason(req);
    await audit.record(req, {
      action: 'portal.view', orgId: view.org.id, subject: `org:${view.org.id}`, detail: { reason, grantId: view.grant.id, page, via: 'api' },
    });
    res.json(view);
  });

  router.get('/orgs/:id/portal/users/:userId', async (req, res) => {
    const view = await portal.userView(req.principal!, String(req.params.id), String(req.params.userId));
    const reason = apiReason(req);
    await audit.record(req, {
      action: 'portal.view', orgId: view.org.id, subject: `user:${view.user.id}`, detail: { reason, grantId: view.grant.id, via: 'api' },
    });
    res.json(view);
  });

  router.post('/orgs/:id/access-requests', async (req, res) => {
    const { reason } = parseInput(reasonForm, req.body);
    const result = await consent.requestAccess(actionContext(req, audit), String(req.params.id), reason);
    const { request } = result;
    // 201 either way (README, JSON API); a repeat while the agent's request is pending answers that request.
    res.status(201).json({
      id: request.id, orgId: request.orgId, status: request.status, reason: request.reason, createdAt: request.createdAt,
      ...(result.created ? { adminsNotified: result.notified, admins: result.admins } : { alreadyPending: true }),
    });
  });

  return router;
}
