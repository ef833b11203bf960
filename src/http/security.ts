// Headers, CSRF and rate limits: applied in app.ts to every route.
import helmet from 'helmet';
import { csrfSync } from 'csrf-sync';
import { rateLimit, type Store as RateLimitStoreApi, type ClientRateLimitInfo } from 'express-rate-limit';
import { Router, type Request, type RequestHandler } from 'express';
import type { Clock } from '../clock';
import type { Store } from '../store/store';
import { AppError, tooMany } from '../errors';
import { rateLimitRefusals } from '../metrics/metrics';

export function securityHeaders(https: boolean): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
        ...(https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    // HSTS on every response: browsers ignore it over plain HTTP, and it protects the HTTPS deployment.
    strictTransportSecurity: { maxAge: 31536000, includeSubDomains: true },
    referrerPolicy: { policy: 'same-origin' },
    // The legacy header says what frame-ancestors 'none' says, for browsers that predate CSP 2:
    // no page of the app is ever framed, not even by itself.
    xFrameOptions: { action: 'deny' },
  });
}

/** Signed-in pages and every API answer hold customer data: never cache them. */
export const noStore: RequestHandler = (_req, res, next) => {
  res.set('Cache-Control', 'no-store');
  next();
};

const bearer = (req: Request) => /^Bearer\s/i.test(req.get('authorization') ?? '');

/** A JSON API request authenticated by its Bearer token alone (see csrf() and requireApiPrincipal). */
export const isApiBearer = (req: Request): boolean => bearer(req) && req.path.startsWith('/api/');

/**
 * The JSON API router in one of its two lanes: only the requests with a Bearer token, or only those
 * without one (others leave the lane with next('router')). Mounted at the API's prefix, where
 * req.path no longer starts with /api/, so only the header decides.
 */
export function apiLane(withBearer: boolean, ...handlers: RequestHandler[]): Router {
  const lane = Router();
  lane.use((req, _res, next) => next(bearer(req) === withBearer ? undefined : 'router'), ...handlers);
  return lane;
}

/**
 * Runs `handler` except for API requests with a Bearer token: they never use the session, so the
 * session (a new session id per request), its timeouts and its principal are skipped.
 */
export function exceptApiBearer(handler: RequestHandler): RequestHandler {
  return (req, res, next) => (isApiBearer(req) ? next() : handler(req, res, next));
}

/**
 * Synchronizer-token CSRF on every state-changing request that rides on the session cookie.
 * An API request with a Bearer token carries no ambient credential, so it needs no CSRF token: the
 * API then authenticates by the token alone, never the session. Elsewhere a Bearer header is
 * ignored by authentication, so it must not switch CSRF off either.
 */
export function csrf() {
  const { csrfSynchronisedProtection, generateToken } = csrfSync({
    getTokenFromRequest: (req) => (req.body?._csrf as string | undefined) ?? (req.get('x-csrf-token') || undefined),
    errorConfig: { statusCode: 403, message: 'Invalid or missing CSRF token.', code: 'EBADCSRFTOKEN' },
  });
  const protect: RequestHandler = (req, res, next) =>
    (isApiBearer(req) ? next() : csrfSynchronisedProtection(req, res, next));
  return { protect, generateToken };
}

/** express-rate-limit's store over the Store port, so every app process counts together. */
export class PortRateLimitStore implements RateLimitStoreApi {
  private windowMs = 60_000;
  constructor(private readonly store: Store, private readonly clock: Clock, readonly prefix: string) {}
  init(options: { windowMs: number }): void { this.windowMs = options.windowMs; }
  async increment(key: string): Promise<ClientRateLimitInfo> {
    const { count, resetAt } = await this.store.rateLimits.hit(this.prefix + key, this.windowMs, this.clock.now());
    return { totalHits: count, resetTime: resetAt };
  }
  async decrement(key: string): Promise<void> { await this.store.rateLimits.decrement(this.prefix + key); }
  async resetKey(key: string): Promise<void> { await this.store.rateLimits.reset(this.prefix + key); }
}

export interface LimitOptions {
  name: string;
  windowMs: number;
  limit: number;
  key: (req: Request) => string;
  skipSuccessfulRequests?: boolean;
}

export function limiter(store: Store, clock: Clock, o: LimitOptions): RequestHandler {
  return rateLimit({
    windowMs: o.windowMs,
    limit: o.limit,
    keyGenerator: o.key,
    skipSuccessfulRequests: o.skipSuccessfulRequests ?? false,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    // Our own key generators, so the library's IPv6 key check does not apply.
    validate: { keyGeneratorIpFallback: false },
    store: new PortRateLimitStore(store, clock, `${o.name}:`),
    handler: (req, _res, next) => {
      const resetAt = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const ms = resetAt ? resetAt.getTime() - clock.now().getTime() : o.windowMs;
      rateLimitRefusals.inc({ limiter: o.name });
      next(tooMany(Math.max(1, Math.ceil(ms / 1000))));
    },
  });
}

export const isCsrfError = (err: unknown) => (err as { code?: string })?.code === 'EBADCSRFTOKEN' && !(err instanceof AppError);
