import { Router } from 'express';
import { parseInput } from '../../http/validate';
import { requireAgentPage } from '../auth/auth.middleware';
import { searchQuery } from './search.schema';
import type { SearchService } from './search.service';

export function searchPageRoutes(search: SearchService): Router {
  const router = Router();
  // The page works without JavaScript: the form submits ?q= and the hits are rendered here.
  router.get('/', requireAgentPage, async (req, res) => {
    const input = parseInput(searchQuery, req.query);
    const result = await search.search(req.principal!, input);
    res.render('search/home', { title: req.t('nav.search'), q: input.q, result });
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
