// Panels that features contribute to a record page (the user page, the org page): each feature
// exports a loader for its panel's view data, and the page's one route loads the page's whole list.
// The list is typed by the page's panel model (e.g. UserPagePanels in src/features/users/user-page.ts),
// so a panel left out of it is a type error, not a missing card. See docs/architecture.md.
import type { Request } from 'express';
import type { AgentPrincipal } from './request-context';

/** What a panel is loaded for: the signed-in agent's request (its session holds the panel's notice) and the record's id. */
export interface PanelContext {
  req: Request;
  principal: AgentPrincipal;
  id: string;
}

/** One panel: the locals its partial reads (views/<feature>/panel.ejs), for one record. */
export type PagePanel<Model extends object> = (ctx: PanelContext) => Promise<Model>;

/** A page's panel model: each key a panel, each value the locals of its partial. */
export type PanelModels<Panels> = { [K in keyof Panels]: object };

/** One loader for every panel of a page, by the page model's keys. */
export type PanelLoaders<Panels extends PanelModels<Panels>> = { [K in keyof Panels]: PagePanel<Panels[K]> };

/**
 * Loads every panel of a page in the list's order (each takes its own notice from the session), and
 * gives their locals as one object for the page's view.
 */
export async function loadPanels<Panels extends PanelModels<Panels>>(loaders: PanelLoaders<Panels>, ctx: PanelContext): Promise<Panels> {
  const panels = {} as Panels;
  for (const key of Object.keys(loaders) as (keyof Panels)[]) panels[key] = await loaders[key](ctx);
  return panels;
}

/** The panels' locals, merged for res.render. */
export const panelLocals = <Panels extends PanelModels<Panels>>(panels: Panels): Record<string, unknown> => Object.assign({}, ...Object.values(panels));
