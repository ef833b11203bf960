import { Router } from 'express';
import { loadPanels, panelLocals } from '../../http/page-panels';
import { idParams, validate } from '../../http/validate';
import type { AuditLog } from '../audit/audit.service';
import { requireAgentPage } from '../auth/auth.middleware';
import { orgSearchQuery } from '../search/search.schema';
import type { SearchService } from '../search/search.service';
import { describeBusinessHours, describeInclusion, describeTarget, formatDuration } from '../support/support-plans';
import type { OrgsService } from './orgs.service';
import type { OrgPagePanelLoaders } from './org-page';
import type { RecentService } from '../recent/recent.service';

/** The org page and its panels (org-page.ts: every panel of OrgPagePanels, in order). */
export function orgPageRoutes(orgs: OrgsService, search: SearchService, audit: AuditLog, recent: RecentService, panels: OrgPagePanelLoaders): Router {
  const router = Router();
  router.get('/orgs/:id', requireAgentPage, validate({ params: idParams, query: orgSearchQuery }, async (req, res) => {
    const panelModels = await loadPanels(panels, { req, principal: req.principal!, id: req.input.params.id });
    const view = await orgs.view(req.principal!, req.input.params.id);
    const input = req.input.query;
    const found = input.q ? await search.searchInOrg(req.principal!, view.org.id, input) : null;
    await audit.record(req, { action: 'org.view', orgId: view.org.id, subject: `org:${view.org.id}` });
    await recent.opened(req.principal!, 'org', view.org.id);
    res.render('orgs/org', { ...panelLocals(panelModels), title: view.org.name, view, q: input.q, found, support: { describeBusinessHours, describeInclusion, describeTarget, formatDuration } });
  }));
  return router;
}

export function orgApiRoutes(orgs: OrgsService, search: SearchService, audit: AuditLog): Router {
  const router = Router();
  router.get('/orgs/:id', validate({ params: idParams }, async (req, res) => {
    const view = await orgs.view(req.principal!, req.input.params.id);
    await audit.record(req, { action: 'org.view', orgId: view.org.id, subject: `org:${view.org.id}`, detail: { via: 'api' } });
    res.json(view);
  }));
  router.get('/orgs/:id/search', validate({ params: idParams, query: orgSearchQuery }, async (req, res) => {
    const org = await orgs.getOrg(req.principal!, req.input.params.id);
    res.json(await search.searchInOrg(req.principal!, org.id, req.input.query));
  }));
  return router;
}
