// Who is asking: the session (pages, and the pages' own fetches) or a Bearer token (the JSON API).
import type { RequestHandler } from 'express';
import { forbidden, notFound, unauthorized } from '../../errors';
import type { AuthService } from './auth.service';

/** Loads the signed-in agent from the session; a disabled or deleted agent is signed out. */
export function sessionPrincipal(auth: AuthService): RequestHandler {
  return async (req, _res, next) => {
    const agentId = req.session?.agentId;
    if (!agentId) return next();
    const principal = await auth.principalFor(agentId, 'session');
    if (principal) {
      req.principal = principal;
      return next();
    }
    req.session.regenerate((err) => next(err));
  };
}

/** Pages: anonymous visitors go to the sign-in page and come back afterwards. */
export const requireAgentPage: RequestHandler = (req, res, next) => {
  if (req.principal) return next();
  // A signed-in customer admin is no agent: agent pages do not exist for them (their home is /customer).
  if (req.customerAdmin) return req.originalUrl === '/' ? res.redirect(303, '/customer') : next(notFound());
  const back = req.method === 'GET' && req.originalUrl !== '/' ? `?next=${encodeURIComponent(req.originalUrl)}` : '';
  res.redirect(303, `/login${back}`);
};

/** API: a Bearer token, or the session of the app's own pages. Never a redirect. */
export function requireApiPrincipal(auth: AuthService): RequestHandler {
  return async (req, _res, next) => {
    const header = req.get('authorization');
    if (header !== undefined) {
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      const principal = m ? await auth.authenticateToken(m[1]) : null;
      if (!principal) return next(unauthorized('Missing or invalid API token.'));
      if (principal.kind === 'integration') req.integration = principal;
      else req.principal = principal;
      return next();
    }
    if (req.principal) return next();
    next(unauthorized('Missing or invalid API token.'));
  };
}

/**
 * An integration token may only post imports: mounted after that route, it answers 403 to
 * everything else the token reaches, including routes that do not exist.
 */
export const refuseIntegration: RequestHandler = (req, _res, next) =>
  next(req.integration ? forbidden('An integration token may only post imports (POST /api/v1/import).') : undefined);

/**
 * Outside the JSON API a Bearer header is not a credential, so an integration token there would
 * count as anonymous; it is refused instead, so that it answers 403 wherever it is not accepted.
 */
export function refuseIntegrationBearer(auth: AuthService): RequestHandler {
  return async (req, res, next) => {
    const m = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    if (!m || req.path.startsWith('/api/') || !(await auth.isIntegrationToken(m[1]))) return next();
    // Mounted before the app's own no-store: a refusal to a credential is not for caches either.
    res.set('Cache-Control', 'no-store');
    next(forbidden('An integration token may only post imports (POST /api/v1/import).'));
  };
}

export const requirePartnerAdmin: RequestHandler = (req, _res, next) =>
  next(req.principal?.role === 'partner_admin' ? undefined : forbidden());
