// Headers, CSRF and rate limits: applied in app.ts to every route.
import helmet from 'helmet';
import { csrfSync } from 'csrf-sync';
import { rateLimit, type Store as RateLimitStoreApi, type ClientRateLimitInfo } from 'express-rate-limit';
import type { Request, RequestHandler } from 'express';
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

/** The request carries `Authorization: Bearer ...` (the JSON API's credential; nowhere else one). */
export const hasBearer = (req: Request): boolean => /^Bearer\s/i.test(req.get('authorization') ?? '');

/**
 * A JSON API request authenticated by its Bearer token alone: answered in the API lane's Bearer
 * branch (src/http/pipelines.ts), so it never reaches the session nor CSRF.
 */
export const isApiBearer = (req: Request): boolean => hasBearer(req) && req.path.startsWith('/api/');

/**
 * Synchronizer-token CSRF on every state-changing request that rides on the session cookie. It is
 * one of the session steps (src/http/pipelines.ts): a request with a Bearer token to the API
 * carries no ambient credential and never reaches it (the API lane answers it first). Elsewhere a
 * Bearer header is ignored by authentication, so it does not switch CSRF off either.
 */
export function csrf() {
  const { csrfSynchronisedProtection, generateToken } = csrfSync({
    getTokenFromRequest: (req) => (req.body?._csrf as string | undefined) ?? (req.get('x-csrf-token') || undefined),
    errorConfig: { statusCode: 403, message: 'Invalid or missing CSRF token.', code: 'EBADCSRFTOKEN' },
  });
  return { protect: csrfSynchronisedProtection as RequestHandler, generateToken };
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
