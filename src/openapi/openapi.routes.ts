import { Router } from 'express';
import { openApiDocument } from './document';

/** The API's contract, for anyone: integrators generate their clients from it. */
export function openApiRoutes(): Router {
  const router = Router();
  router.get('/api/v1/openapi.json', (_req, res) => {
    // Like every API answer: a cached copy would outlive the deploy that changed the contract.
    res.set('Cache-Control', 'no-store').json(openApiDocument());
  });
  return router;
}
