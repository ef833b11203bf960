// createApp(deps): the whole Express app from its dependencies. It never connects and never
// listens: main.ts does, and tests build one app per test. A request meets the common steps, then
// the API lane, then the page lane (src/http/pipelines.ts), then not found and the error handler:
// docs/architecture.md, "Request pipelines".
import express, { type Request, type RequestHandler } from 'express';
import path from 'node:path';
import crypto from 'node:crypto';
import { pinoHttp } from 'pino-http';
import type { Logger } from 'pino';
import type { Clock } from './clock';
import type { Config } from './config';
import type { Mailer } from './mail/mailer';
import { suppressionAware } from './mail/suppression-aware-mailer';
import type { SearchIndex } from './search-index/search-index';
import type { Store } from './store/store';
import { errorHandler, notFoundHandler } from './http/error-handler';
import { redactPath } from './logger';
import { principalLocal, requestLanguage, viewLocals } from './http/locals';
import { csrf, limiter, noStore, securityHeaders } from './http/security';
import { apiLane, onGet, pageLane, steps } from './http/pipelines';
import { sessionCookieName, sessionMiddleware, sessionTimeouts } from './http/session';
import { createAuditLog, createAuditReader } from './features/audit/audit.service';
import { auditRoutes } from './features/audit/audit.routes';
import { adminRoutes, setPasswordRoutes } from './features/admin/admin.routes';
import { createAdminService } from './features/admin/admin.service';
import { refuseIntegration, refuseIntegrationBearer, requireApiPrincipal, sessionPrincipal } from './features/auth/auth.middleware';
import { exceptImport, importApiRoutes } from './features/import/import.routes';
import { authRoutes } from './features/auth/auth.routes';
import { createAuthService } from './features/auth/auth.service';
import { healthRoutes } from './features/health/health.routes';
import { languageRoutes } from './features/i18n/i18n.routes';
import { prefsRoutes } from './features/prefs/prefs.routes';
import { orgApiRoutes, orgPageRoutes } from './features/orgs/orgs.routes';
import { createOrgsService } from './features/orgs/orgs.service';
import { searchApiRoutes, searchPageRoutes } from './features/search/search.routes';
import { createSearchService } from './features/search/search.service';
import { userApiRoutes, userPageRoutes } from './features/users/users.routes';
import { createUsersService } from './features/users/users.service';
import { createSupportService } from './features/support/support.service';
import { customerSupportRoutes } from './features/support/support.routes';
import { codeCheckLimiter, verificationApiRoutes, verificationPageRoutes, verificationPanel } from './features/verification/verification.routes';
import { createVerificationService } from './features/verification/verification.service';
import { createConsentService } from './features/consent/consent.service';
import { customerPortalRoutes } from './features/consent/customer-portal.routes';
import { consentApiRoutes, consentPageRoutes, consentPanel } from './features/consent/consent.routes';
import { createCustomerLoginService } from './features/customer-sign-in/customer-sign-in.service';
import { sessionCustomerAdmin } from './features/customer-sign-in/customer-session.middleware';
import { customerSignInRoutes } from './features/customer-sign-in/customer-sign-in.routes';
import { readOnlyViewApiRoutes, readOnlyViewPageRoutes } from './features/read-only-view/read-only-view.routes';
import { createReadOnlyViewService } from './features/read-only-view/read-only-view.service';
import { devMailboxEnabled, devMailboxRoutes } from './features/dev-mailbox/dev-mailbox.routes';
import { mailWebhookRoutes } from './features/suppression/mail-webhook.routes';
import { emailPanel, suppressionApiRoutes, suppressionPageRoutes } from './features/suppression/suppression.routes';
import { createSuppressionService } from './features/suppression/suppression.service';
import { lookupApiRoutes, lookupPageRoutes } from './features/lookup/lookup.routes';
import { createLookupService } from './features/lookup/lookup.service';
import { createRecentService } from './features/recent/recent.service';
import { createCallSummaryService } from './features/summary/call-summary.service';
import { openApiRoutes } from './openapi/openapi.routes';
import { metricsRoutes, timeRequests } from './metrics/metrics.routes';

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
  /** Runs before everything else on every request: the tests check each API answer against the OpenAPI document there. */
  inspect?: express.RequestHandler;
}

export type AppDepsInput = Omit<AppDeps, 'sessionCookieName'>;

/** Tells every page to link to the development mailbox (only where it is enabled: never in production). */
const devMailboxLink: RequestHandler = (_req, res, next) => {
  res.locals.devMailbox = true;
  next();
};

const ROOT = path.resolve(__dirname, '..', __dirname.includes(`${path.sep}dist${path.sep}`) ? '..' : '');

export function createApp(input: AppDepsInput): express.Express {
  // Whatever mailer the app is given, nothing leaves for an address on the suppression list.
  const deps: AppDeps = { ...input, mailer: suppressionAware(input.mailer, input.store, input.clock), sessionCookieName: sessionCookieName(input.config) };
  const { config, store, clock, logger } = deps;

  const auth = createAuthService(store, clock, deps.passwordLogN);
  const audit = createAuditLog(store, clock);
  const search = createSearchService(deps.search, store, logger);
  const lookup = createLookupService(deps.search, store, logger);
  const recent = createRecentService(store, clock);
  const summaries = createCallSummaryService(store, clock);
  const support = createSupportService(store, clock);
  const orgs = createOrgsService(store, clock, support);
  const users = createUsersService(store, support);
  const verification = createVerificationService({ store, mailer: deps.mailer, clock, codeSecret: config.codeSecret });
  const suppression = createSuppressionService({ store, mailer: deps.mailer, clock });
  const codeChecks = codeCheckLimiter(store, clock);
  const logins = createCustomerLoginService({ store, mailer: deps.mailer, clock, publicUrl: config.publicUrl });
  const consent = createConsentService({ store, mailer: deps.mailer, clock, publicUrl: config.publicUrl });
  const readOnlyView = createReadOnlyViewService(store, consent, clock);
  const admin = createAdminService({ store, clock, mailer: deps.mailer, publicUrl: config.publicUrl, passwordLogN: deps.passwordLogN });
  const { protect: csrfProtect, generateToken } = csrf();

  const app = express();
  app.disable('x-powered-by');
  // Every answer but the static files is no-store: an ETag (a hash of each body) would never be used.
  app.set('etag', false);
  // Forwarded headers only from the configured proxies (TRUST_PROXY), never from any one hop.
  app.set('trust proxy', config.trustProxy);
  app.set('view engine', 'ejs');
  app.set('views', path.join(ROOT, 'views'));
  if (deps.inspect) app.use(deps.inspect);
  app.use(timeRequests);

  app.use(pinoHttp({
    logger,
    genReqId: (req, res) => {
      const id = crypto.randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    // Only what an operator needs; never the query string (it may hold what a caller searched for).
    serializers: {
      req: (req) => ({ id: req.id, method: req.method, path: redactPath(String(req.url).split('?')[0]) }),
      res: (res) => ({ statusCode: res.statusCode }),
    },
    autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
  }));
  app.use(securityHeaders(config.https));
  // Only /css, /js and /img (the favicon) reach the disk: the API and pages skip a stat() per request.
  for (const dir of ['css', 'js', 'img']) {
    app.use(`/${dir}`, express.static(path.join(ROOT, 'public', dir), { index: false, maxAge: config.production ? '1h' : 0 }));
  }
  // An integration token may only post imports: refused (403) everywhere else, pages included.
  app.use(refuseIntegrationBearer(auth));
  app.use(healthRoutes(store, deps.search, deps.isShuttingDown ?? (() => false)));
  app.use(openApiRoutes(), metricsRoutes(config));

  // Signed by the mail provider over its raw body: before the body parsers, outside sessions and CSRF.
  app.use(mailWebhookRoutes({ store, clock, secret: config.mailWebhookSecret }));

  // Every answer from here on is per session (a name, a CSRF token, customer data): never cached.
  app.use(noStore);
  // POST /api/v1/import streams its own body into the importer: these parsers must not read it.
  app.use(exceptImport(express.urlencoded({ extended: false, limit: '32kb' })));
  app.use(exceptImport(express.json({ limit: '64kb' })));

  // The session steps, shared by the page lane and the pages' own calls to the API: the session,
  // view locals, its timeouts, the signed-in agent or customer admin, then CSRF.
  const sessionSteps: RequestHandler[] = [
    sessionMiddleware(config, store, clock),
    viewLocals((req: Request) => generateToken(req)),
    // Every page links to the development mailbox, where a newcomer's codes and links are (never in production).
    ...(devMailboxEnabled(config) ? [devMailboxLink] : []),
    sessionTimeouts(clock),
    sessionPrincipal(auth),
    sessionCustomerAdmin(logins),
    principalLocal,
    csrfProtect,
  ];

  // The JSON API router, built once: its guard (a Bearer token, or the session of the app's own
  // pages), a per-agent rate limit, then the features' routes.
  const perAgent = (req: Request) => req.principal?.agentId ?? req.integration?.tokenId ?? req.ip ?? 'anonymous';
  const api = steps(
    requireApiPrincipal(auth),
    limiter(store, clock, { name: 'api', windowMs: 60_000, limit: 600, key: perAgent }),
    // The one route an integration token may use; past it, such a token gets 403 (refuseIntegration).
    importApiRoutes({ store, clock, audit }),
    refuseIntegration,
    searchApiRoutes(search), orgApiRoutes(orgs, search, audit), userApiRoutes(users, audit),
    verificationApiRoutes(verification, audit, codeChecks), suppressionApiRoutes(suppression, audit),
    readOnlyViewApiRoutes(readOnlyView, audit), consentApiRoutes(consent, audit),
    lookupApiRoutes(lookup, audit),
  );
  // A request with a Bearer token is authenticated by the token alone: it never reads the session,
  // needs no CSRF token and renders no page. The pages' own calls take the session steps first.
  app.use(apiLane({ prefix: '/api/v1', bearer: [requestLanguage], session: sessionSteps, routes: api }));

  app.use(pageLane({
    session: sessionSteps,
    routes: [
      authRoutes(deps, auth, audit),
      languageRoutes(config),
      prefsRoutes(),
      ...(devMailboxEnabled(config) ? [devMailboxRoutes(store, config)] : []),
      customerSignInRoutes({ store, clock, sessionCookieName: deps.sessionCookieName, logins, audit }),
      customerPortalRoutes({ consent, support, audit }),
      customerSupportRoutes(support, audit),
      consentPageRoutes(consent, audit),
      readOnlyViewPageRoutes(consent, readOnlyView, audit),
      setPasswordRoutes(admin, audit),
      adminRoutes(admin, audit, !config.smtpUrl),
      auditRoutes(createAuditReader(store), audit, store, clock, search),
      // The search page answers a request per keystroke too: limited like the API.
      onGet('/', limiter(store, clock, { name: 'search-page', windowMs: 60_000, limit: 600, key: perAgent })),
      searchPageRoutes(search, recent),
      // The org and user pages load every panel of their list (src/features/orgs/org-page.ts, users/user-page.ts).
      orgPageRoutes(orgs, search, audit, recent, { consent: consentPanel(consent) }),
      verificationPageRoutes(verification, audit, codeChecks),
      suppressionPageRoutes(suppression, audit),
      userPageRoutes(users, audit, recent, summaries, { verification: verificationPanel(verification), email: emailPanel(suppression) }),
      // A screen-pop is a search too: it counts against the same budget as the search page.
      onGet('/lookup', limiter(store, clock, { name: 'search-page', windowMs: 60_000, limit: 600, key: perAgent })),
      lookupPageRoutes(lookup, audit),
    ],
  }));

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
