import { Router } from 'express';
import { parseInput, validate } from '../../http/validate';
import { requireAgentPage } from '../auth/auth.middleware';
import { MAX_LIMIT } from '../../search-index/search-index';
import { PAGE_LIMIT, searchQuery } from './search.schema';
import type { SearchService } from './search.service';
import type { RecentService } from '../recent/recent.service';

export function searchPageRoutes(search: SearchService, recent: RecentService): Router {
  const router = Router();
  // The page works without JavaScript: the form submits ?q= and the hits are rendered here.
  router.get('/', requireAgentPage, async (req, res) => {
    const input = parseInput(searchQuery, { limit: PAGE_LIMIT, ...req.query });
    // Counted up to the most the engine answers, for "showing 30 of N".
    const result = await search.search(req.principal!, input, MAX_LIMIT);
    // What the agent opened lately, for a caller who rings back: only on the empty search page.
    const recentlyOpened = input.q ? [] : await recent.list(req.principal!);
    res.render('search/home', { title: req.t('nav.search'), q: input.q, limit: input.limit, more: { step: PAGE_LIMIT, max: MAX_LIMIT }, result, recentlyOpened });
  });
  return router;
}

export function searchApiRoutes(search: SearchService): Router {
  const router = Router();
  router.get('/search', validate({ query: searchQuery }, async (req, res) => {
    const { found: _found, ...answer } = await search.search(req.principal!, req.input.query);
    res.json(answer);
  }));
  return router;
}
