// GET /metrics in the Prometheus text format. In production only the scrape job's token opens it
// (METRICS_TOKEN; 404 without one configured); outside production anyone may read it.
import crypto from 'node:crypto';
import cluster from 'node:cluster';
import { Router, type Request, type RequestHandler } from 'express';
import type { Config } from '../config';
import { notFound, unauthorized } from '../errors';
import { httpDuration, register } from './metrics';
import { metricsOfGroup } from './group-metrics';

/** Constant-time: how much of the token matched must not show in the time the answer takes. */
function sameToken(given: string, expected: string): boolean {
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

export function metricsRoutes(config: Config): Router {
  const router = Router();
  const guard: RequestHandler = (req, _res, next) => {
    if (!config.production) return next();
    if (!config.metricsToken) return next(notFound());
    const header = req.get('authorization') ?? '';
    const given = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    next(given && sameToken(given, config.metricsToken) ? undefined : unauthorized('A valid metrics token is required.'));
  };
  router.get('/metrics', guard, async (_req, res) => {
    // In a group of processes (WEB_CONCURRENCY > 1) the primary adds up every process's numbers.
    const text = cluster.isWorker ? await metricsOfGroup() : await register.metrics();
    res.set('Cache-Control', 'no-store').type(register.contentType).send(text);
  });
  return router;
}

/** Times every request, labelled by the route pattern that answered it (never the URL, which holds ids). */
export const timeRequests: RequestHandler = (req, res, next) => {
  const start = process.hrtime.bigint();
  // The pattern is read as Express matches the route (it sets req.route), while req.baseUrl still
  // holds the mount path: once a route fails, the error reaches the app's handler with the mount
  // path already taken off.
  let route: Request['route'];
  let pattern = 'unmatched';
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => route,
    set: (value: Request['route']) => {
      route = value;
      if (typeof value?.path === 'string') pattern = `${req.baseUrl}${value.path}`;
    },
  });
  res.once('finish', () => {
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    httpDuration.observe({ method: req.method, route: pattern, status: String(res.statusCode) }, seconds);
  });
  next();
};
