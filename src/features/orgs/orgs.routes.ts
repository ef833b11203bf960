import { Router } from 'express';
import { loadPanels, panelLocals } from '../../http/page-panels';
import { parseInput } from '../../http/validate';
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
  router.get('/orgs/:id', requireAgentPage, async (req, res) => {
    const panelModels = await loadPanels(panels, { req, principal: req.principal!, id: String(req.params.id) });
    const view = await orgs.view(req.principal!, String(req.params.id));
    const input = parseInput(orgSearchQuery, req.query);
    const found = input.q ? await search.searchInOrg(req.principal!, view.org.id, input) : null;
    await audit.record(req, { action: 'org.view', orgId: view.org.id, subject: `org:${view.org.id}` });
    await recent.opened(req.principal!, 'org', view.org.id);
    res.render('orgs/org', { ...panelLocals(panelModels), title: view.org.name, view, q: input.q, found, support: { describeBusinessHours, describeInclusion, describeTarget, formatDuration } });
  });
  return router;
}

export function orgApiRoutes(orgs: OrgsService, search: SearchService, audit: AuditLog): Router {
  const router = Router();
  router.get('/orgs/:id', async (req, res) => {
    const view = await orgs.view(req.principal!, String(req.params.id));
    await audit.record(req, { action: 'org.view', orgId: view.org.id, subject: `org:${view.org.id}`, detail: { via: 'api' } });
    res.json(view);
  });
  router.get('/orgs/:id/search', async (req, res) => {
    const org = await orgs.getOrg(req.principal!, String(req.params.id));
    res.json(await search.searchInOrg(req.principal!, org.id, parseInput(orgSearchQuery, req.query)));
  });
  return router;
}
