// The read-only view of an org, under /orgs/:id/portal, open to an agent while the org's admins
// grant access (src/features/consent/). Every route under /portal is a GET: nothing there can
// change anything (test/features/portal-readonly.test.ts walks the router to prove it). Entering
// asks for a reason or ticket number, posted with a CSRF token to /orgs/:id/portal-entry (a sibling
// of /portal, not under it, so the view stays GET-only) and kept in the session for this grant;
// every page view is audited with it. The view never reads a reason from its address: a link could
// then choose the reason the customer reads in their access log. The grant is checked on every
// request by the service.
import { Router, type Request, type Response } from 'express';
import { idParams, parseInput, validate } from '../../http/validate';
import type { AuditLog } from '../audit/audit.service';
import { requireAgentPage } from '../auth/auth.middleware';
import { reasonForm } from '../consent/consent.schema';
import { takeNotice } from '../consent/consent.routes';
import { NoActiveGrant, type ConsentService } from '../consent/consent.service';
import { readOnlyUserParams, readOnlyViewQuery } from './read-only-view.schema';
import type { ReadOnlyViewService } from './read-only-view.service';

declare module 'express-session' {
  interface SessionData {
    /**
     * The reason given on entering the read-only view, for that org's current grant only. The key
     * keeps its first name (the view was once called the portal): it is in stored sessions.
     */
    portalAccess: { orgId: string; grantId: string; reason: string };
  }
}

/** The header an API client may send the reason in; a Bearer-token client may use `?reason=` instead. */
export const REASON_HEADER = 'x-access-reason';

const readOnlyViewPath = (orgId: string) => `/orgs/${encodeURIComponent(orgId)}/portal`;

/** Without an active grant the view answers 403 with Request access; anything else goes on to the error page. */
function noAccessPage(req: Request, res: Response, err: unknown): void {
  if (!(err instanceof NoActiveGrant)) throw err;
  res.status(403).render('read-only-view/no-access', {
    title: req.t('consent.noAccess.title'), org: err.org, pending: err.pending, last: err.last, admins: err.admins, notice: takeNotice(req), error: null, reason: '',
  });
}

/** The reason given for this org's current grant, or null when the agent must give one first. */
function reasonInSession(req: Request, orgId: string, grantId: string): string | null {
  const access = req.session.portalAccess;
  return access && access.orgId === orgId && access.grantId === grantId ? access.reason : null;
}

export function readOnlyViewPageRoutes(consent: ConsentService, readOnlyView: ReadOnlyViewService, audit: AuditLog): Router {
  const router = Router();

  router.post('/orgs/:id/portal-entry', requireAgentPage, validate({ params: idParams }, async (req, res) => {
    let active;
    try {
      active = await consent.requireActive(req.principal!, req.input.params.id);
    } catch (err) {
      return noAccessPage(req, res, err);
    }
    const org = { id: active.org.id, name: active.org.name };
    const given = reasonForm.safeParse(req.body ?? {});
    if (!given.success) {
      return res.status(400).render('read-only-view/reason', {
        title: org.name, org, grant: active.grant, error: req.t('consent.error.reason'), reason: String(req.body?.reason ?? ''),
      });
    }
    req.session.portalAccess = { orgId: org.id, grantId: active.grant.id, reason: given.data.reason };
    res.redirect(303, readOnlyViewPath(org.id));
  }));

  router.get('/orgs/:id/portal', requireAgentPage, validate({ params: idParams, query: readOnlyViewQuery }, async (req, res) => {
    const { page } = req.input.query;
    let view;
    try {
      view = await readOnlyView.orgView(req.principal!, req.input.params.id, page);
    } catch (err) {
      return noAccessPage(req, res, err);
    }
    const reason = reasonInSession(req, view.org.id, view.grant.id);
    if (!reason) {
      return res.render('read-only-view/reason', { title: view.org.name, org: view.org, grant: view.grant, error: null, reason: '' });
    }
    await audit.record(req, {
      action: 'portal.view', orgId: view.org.id, subject: `org:${view.org.id}`, detail: { reason, grantId: view.grant.id, page },
    });
    res.render('read-only-view/org', { title: view.org.name, view, readOnly: true });
  }));

  router.get('/orgs/:id/portal/users/:userId', requireAgentPage, validate({ params: readOnlyUserParams }, async (req, res) => {
    let view;
    try {
      view = await readOnlyView.userView(req.principal!, req.input.params.id, req.input.params.userId);
    } catch (err) {
      return noAccessPage(req, res, err);
    }
    const reason = reasonInSession(req, view.org.id, view.grant.id);
    if (!reason) return res.redirect(303, readOnlyViewPath(view.org.id));
    await audit.record(req, {
      action: 'portal.view', orgId: view.org.id, subject: `user:${view.user.id}`, detail: { reason, grantId: view.grant.id },
    });
    res.render('read-only-view/user', { title: view.user.displayName || view.user.email, view, readOnly: true });
  }));

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

export function readOnlyViewApiRoutes(readOnlyView: ReadOnlyViewService, audit: AuditLog): Router {
  const router = Router();

  router.get('/orgs/:id/portal', validate({ params: idParams, query: readOnlyViewQuery }, async (req, res) => {
    const { page } = req.input.query;
    const view = await readOnlyView.orgView(req.principal!, req.input.params.id, page);
    const reason = apiReason(req);
    await audit.record(req, {
      action: 'portal.view', orgId: view.org.id, subject: `org:${view.org.id}`, detail: { reason, grantId: view.grant.id, page, via: 'api' },
    });
    res.json(view);
  }));

  router.get('/orgs/:id/portal/users/:userId', validate({ params: readOnlyUserParams }, async (req, res) => {
    const view = await readOnlyView.userView(req.principal!, req.input.params.id, req.input.params.userId);
    const reason = apiReason(req);
    await audit.record(req, {
      action: 'portal.view', orgId: view.org.id, subject: `user:${view.user.id}`, detail: { reason, grantId: view.grant.id, via: 'api' },
    });
    res.json(view);
  }));

  return router;
}
