import { Router } from 'express';
import { parseInput } from '../../http/validate';
import { requireAgentPage } from '../auth/auth.middleware';
import { searchQuery } from './search.schema';
import type { SearchService } from './search.service';
import type { RecentService } from '../recent/recent.service';

export function searchPageRoutes(search: SearchService, recent: RecentService): Router {
  const router = Router();
  // The page works without JavaScript: the form submits ?q= and the hits are rendered here.
  router.get('/', requireAgentPage, async (req, res) => {
    const input = parseInput(searchQuery, req.query);
    const result = await search.search(req.principal!, input);
    // What the agent opened lately, for a caller who rings back: only on the empty search page.
    const recentlyOpened = input.q ? [] : await recent.list(req.principal!);
    res.render('search/home', { title: req.t('nav.search'), q: input.q, result, recentlyOpened });
  });
  return router;
}

export function searchApiRoutes(search: SearchService): Router {
  const router = Router();
  router.get('/search', async (req, res) => {
    const input = parseInput(searchQuery, req.query);
    res.json(await search.search(req.principal!, input));
  });
  return router;
}
