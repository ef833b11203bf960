// The user page's panels, one per feature that adds a card to it (see src/http/page-panels.ts).
// GET /users/:id (users.routes.ts) loads every one of them, in this order, before the page renders.
import type { PanelLoaders } from '../../http/page-panels';
import type { EmailPanelModel } from '../suppression/suppression.routes';
import type { VerificationPanelModel } from '../verification/verification.routes';

export interface UserPagePanels {
  /** Caller verification: Send code, Verify (views/verification/panel.ejs). */
  verification: VerificationPanelModel;
  /** Last email and the suppression list (views/suppression/panel.ejs). */
  email: EmailPanelModel;
}

export type UserPagePanelLoaders = PanelLoaders<UserPagePanels>;
