import { Router } from 'express';
import type { AuditLog } from '../audit/audit.service';
import { loadPanels, panelLocals } from '../../http/page-panels';
import { idParams, validate } from '../../http/validate';
import { requireAgentPage } from '../auth/auth.middleware';
import { entitlementQuery } from '../support/support.schema';
import { deviceParams } from './users.schema';
import type { UsersService } from './users.service';
import type { UserPagePanelLoaders } from './user-page';
import type { RecentService } from '../recent/recent.service';
import type { CallSummaryService } from '../summary/call-summary.service';

/** The user page and its panels (user-page.ts: every panel of UserPagePanels, in order), the device page, the call summary as text. */
export function userPageRoutes(users: UsersService, audit: AuditLog, recent: RecentService, summaries: CallSummaryService, panels: UserPagePanelLoaders): Router {
  const router = Router();
  router.get('/users/:id', requireAgentPage, validate({ params: idParams, query: entitlementQuery }, async (req, res) => {
    const panelModels = await loadPanels(panels, { req, principal: req.principal!, id: req.input.params.id });
    const { product, priority } = req.input.query;
    const view = await users.view(req.principal!, req.input.params.id, product, priority);
    await audit.record(req, { action: 'user.view', orgId: view.org.id, subject: `user:${view.user.id}` });
    await recent.opened(req.principal!, 'user', view.user.id);
    const callSummary = await summaries.forUser(req.principal!, view.user.id, req.t, { timeZone: req.session.timeZone });
    res.render('users/user', { ...panelLocals(panelModels), title: view.user.displayName || view.user.email, view, callSummary });
  }));
  // The call summary without JavaScript: plain text to save or copy from the browser.
  router.get('/users/:id/summary.txt', requireAgentPage, validate({ params: idParams }, async (req, res) => {
    const text = await summaries.forUser(req.principal!, req.input.params.id, req.t, { timeZone: req.session.timeZone });
    res.type('text/plain; charset=utf-8').send(`${text}\n`);
  }));
  router.get('/devices/:id', requireAgentPage, validate({ params: deviceParams }, async (req, res) => {
    const view = await users.deviceView(req.principal!, req.input.params.id);
    await audit.record(req, { action: 'device.view', orgId: view.org.id, subject: `device:${view.device.id}` });
    await recent.opened(req.principal!, 'device', view.device.id);
    res.render('users/device', { title: view.device.displayName, view });
  }));
  return router;
}

export function userApiRoutes(users: UsersService, audit: AuditLog): Router {
  const router = Router();
  router.get('/users/:id', validate({ params: idParams, query: entitlementQuery }, async (req, res) => {
    const { product, priority } = req.input.query;
    const view = await users.view(req.principal!, req.input.params.id, product, priority);
    await audit.record(req, { action: 'user.view', orgId: view.org.id, subject: `user:${view.user.id}`, detail: { via: 'api' } });
    res.json({ ...view, lastEmail: view.user.lastEmail });
  }));
  router.get('/devices/:id', validate({ params: deviceParams }, async (req, res) => {
    const view = await users.deviceView(req.principal!, req.input.params.id);
    await audit.record(req, { action: 'device.view', orgId: view.org.id, subject: `device:${view.device.id}`, detail: { via: 'api' } });
    res.json(view);
  }));
  return router;
}
