// createApp(deps): the whole Express app from its dependencies. It never connects and never
// listens: main.ts does, and tests build one app per test.
import express, { type Request } from 'express';
import path from 'node:path';
import crypto from 'node:crypto';
import { pinoHttp } from 'pino-http';
import type { Logger } from 'pino';
import type { Clock } from './clock';
import type { Config } from './config';
import type { Mailer } from './mail/mailer';
import type { SearchIndex } from './search-index/search-index';
import type { Store } from './store/store';
import { errorHandler, notFoundHandler } from './http/error-handler';
import { principalLocal, viewLocals } from './http/locals';
import { csrf, limiter, noStore, securityHeaders } from './http/security';
import { sessionCookieName, sessionMiddleware, sessionTimeouts } from './http/session';
import { createAuditLog } from './features/audit/audit.service';
import { requireApiPrincipal, sessionPrincipal } from './features/auth/auth.middleware';
import { authRoutes } from './features/auth/auth.routes';
import { createAuthService } from './features/auth/auth.service';
import { healthRoutes } from './features/health/health.routes';
import { orgApiRoutes, orgPageRoutes } from './features/orgs/orgs.routes';
import { createOrgsService } from './features/orgs/orgs.service';
import { searchApiRoutes, searchPageRoutes } from './features/search/search.routes';
import { createSearchService } from './features/search/search.service';
import { userApiRoutes, userPageRoutes } from './features/users/users.routes';
import { createUsersService } from './features/users/users.service';
import { createSupportService } from './features/support/support.service';
import { codeCheckLimiter, verificationApiRoutes, verificationPageRoutes } from './features/verification/verification.routes';
import { createVerificationService } from './features/verification/verification.service';

export interface AppDeps {
  config: Config;
  store: Store;
  search: SearchIndex;
  clock: Clock;
  logger: Logger;
  mailer: Mailer;
  /** scrypt cost as log2(N); lowered only by tests. */
  passwordLogN?: number;
  /** True once SIGTERM arrived: /readyz fails so the load balancer stops sending traffic. */
  isShuttingDown?: () => boolean;
  sessionCookieName: string;
}

export type AppDepsInput = Omit<AppDeps, 'sessionCookieName'>;

const ROOT = path.resolve(__dirname, '..', __dirname.includes(`${path.sep}dist${path.sep}`) ? '..' : '');

export function createApp(input: AppDepsInput): express.Express {
  const deps: AppDeps = { ...input, sessionCookieName: sessionCookieName(input.config) };
  const { config, store, clock, logger } = deps;

  const auth = createAuthService(store, clock, deps.passwordLogN);
  const audit = createAuditLog(store, clock);
  const search = createSearchService(deps.search, store, logger);
  const support = createSupportService(store, clock);
  const orgs = createOrgsService(store, clock, support);
  const users = createUsersService(store, support);
  const verification = createVerificationService({ store, mailer: deps.mailer, clock, codeSecret: config.codeSecret });
  const codeChecks = codeCheckLimiter(store, clock);
  const { protect: csrfProtect, generateToken } = csrf();

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.https ? 1 : false);
  app.set('view engine', 'ejs');
  app.set('views', path.join(ROOT, 'views'));

  app.use(pinoHttp({
    logger,
    genReqId: (req, res) => {
      const id = crypto.randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    // Only what an operator needs; never the query string (it may hold what a caller searched for).
    serializers: {
      req: (req) => ({ id: req.id, method: req.method, path: String(req.url).split('?')[0] }),
      res: (res) => ({ statusCode: res.statusCode }),
    },
    autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
  }));
  app.use(securityHeaders(config.https));
  app.use(express.static(path.join(ROOT, 'public'), { index: false, maxAge: config.production ? '1h' : 0 }));
  app.use(healthRoutes(store, deps.search, deps.isShuttingDown ?? (() => false)));

  app.use(express.urlencoded({ extended: false, limit: '32kb' }));
  app.use(express.json({ limit: '64kb' }));
  app.use(sessionMiddleware(config, store, clock));
  app.use(viewLocals((req: Request) => generateToken(req)));
  app.use(sessionTimeouts(clock));
  app.use(sessionPrincipal(auth));
  app.use(principalLocal);
  app.use(csrfProtect);

  const perAgent = (req: Request) => req.principal?.agentId ?? req.ip ?? 'anonymous';
  app.use('/api/v1', noStore, requireApiPrincipal(auth),
    limiter(store, clock, { name: 'api', windowMs: 60_000, limit: 600, key: perAgent }));
  app.use('/api/v1', searchApiRoutes(search), orgApiRoutes(orgs, search, audit), userApiRoutes(users, audit),
    verificationApiRoutes(verification, audit, codeChecks));

  app.use(authRoutes(deps, auth, audit));
  app.use(noStore);
  app.use(searchPageRoutes(search), orgPageRoutes(orgs, search, audit),
    verificationPageRoutes(verification, audit, codeChecks), userPageRoutes(users, audit));

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
