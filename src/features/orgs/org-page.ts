// The org page's panels, one per feature that adds a card to it (see src/http/page-panels.ts).
// GET /orgs/:id (orgs.routes.ts) loads every one of them, in this order, before the page renders.
import type { PanelLoaders } from '../../http/page-panels';
import type { ConsentPanelModel } from '../consent/consent.routes';

export interface OrgPagePanels {
  /** The consent grant's state and Request access (views/consent/org-panel.ejs). */
  consent: ConsentPanelModel;
}

export type OrgPagePanelLoaders = PanelLoaders<OrgPagePanels>;
