// The two lanes a request takes once past the common steps, as createApp (src/app.ts) mounts them:
// the JSON API lane, then the page lane; docs/architecture.md ("Request pipelines") walks through
// both. Each lane is a Router built from named steps, so the order a request meets them in is
// written in one place.
import { Router, type RequestHandler } from 'express';
import { notFoundHandler } from './error-handler';
import { hasBearer, isApiBearer } from './security';

/** Handlers run in turn as one: a Router, so a rejected promise still reaches the error handler. */
export function steps(...handlers: RequestHandler[]): Router {
  const router = Router();
  if (handlers.length) router.use(...handlers);
  return router;
}

/** A handler for one GET path only (e.g. a rate limit in front of a page), as a step of a lane. */
export function onGet(path: string, ...handlers: RequestHandler[]): Router {
  const router = Router();
  router.get(path, ...handlers);
  return router;
}

export interface ApiLaneSteps {
  /** Where the API routes answer: '/api/v1'. */
  prefix: string;
  /**
   * Before the routes, for a request with a Bearer token: the token is its only credential (the
   * routes' guard checks it), so it never reads the session and needs no CSRF token.
   */
  bearer: RequestHandler[];
  /**
   * Before the routes, for the app's own pages calling the API with their session cookie: the
   * session steps of the page lane, CSRF included.
   */
  session: RequestHandler[];
  /** The API router, built once: its guard authenticates either credential (requireApiPrincipal). */
  routes: RequestHandler;
}

/**
 * The JSON API: a request under `prefix` takes the Bearer branch or the session branch, then the
 * one API router; what it does not answer is not found there. A Bearer request elsewhere under
 * /api/ is not found either, without touching the session. So no request with a Bearer token to
 * the API reaches the page lane, and no session request to the API runs the session steps twice.
 */
export function apiLane(lane: ApiLaneSteps): Router {
  const viaBearer = steps(...lane.bearer);
  const viaSession = steps(...lane.session);
  const branch: RequestHandler = (req, res, next) => (hasBearer(req) ? viaBearer : viaSession)(req, res, next);
  const router = Router();
  router.use(lane.prefix, steps(branch, lane.routes, notFoundHandler));
  router.use((req, res, next) => (isApiBearer(req) ? notFoundHandler(req, res, next) : next()));
  return router;
}

export interface PageLaneSteps {
  /** The session, view locals, timeouts, the signed-in agent or customer admin, then CSRF. */
  session: RequestHandler[];
  /** The page routes, in order. */
  routes: RequestHandler[];
}

/** The pages: the session steps, then the page routes; what they do not answer goes on to not found. */
export function pageLane(lane: PageLaneSteps): Router {
  return steps(...lane.session, ...lane.routes);
}
