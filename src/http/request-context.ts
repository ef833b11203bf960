// Who is asking, attached to the request by the auth middlewares. Services take a Principal,
// never a partnerId from request data.
import type { AgentRole } from '../store/records';
import type { Lang, Translate } from '../i18n/i18n';

export interface AgentPrincipal {
  kind: 'agent';
  agentId: string;
  partnerId: string;
  role: AgentRole;
  email: string;
  name: string;
  via: 'session' | 'token';
  /** The API token a 'token' principal came through (never its secret): every audit row names it. */
  token?: { id: string; name: string };
}

/** An admin (full_admin) of one customer org, signed in by magic link: reaches that org only. */
export interface CustomerAdminPrincipal {
  kind: 'customer_admin';
  email: string;
  orgId: string;
  partnerId: string;
  userId: string;
}

/**
 * A sync job's integration token (`helpdesk token create --integration`): it acts as no agent and
 * may only post imports for its partner. It is `req.integration`, never `req.principal`, so no
 * agent route can mistake it for an agent.
 */
export interface IntegrationPrincipal {
  kind: 'integration';
  tokenId: string;
  name: string;
  partnerId: string;
}

/**
 * What agent-facing services and `req.principal` hold: an agent, never a customer admin. A customer
 * admin is `req.customerAdmin`, so every route that checks `req.principal` (written before or after
 * this) treats them as anonymous by construction and can never hand them partner data.
 */
export type Principal = AgentPrincipal;

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
    customerAdmin?: CustomerAdminPrincipal;
    integration?: IntegrationPrincipal;
    lang: Lang;
    t: Translate;
  }
}

declare module 'express-session' {
  interface SessionData {
    agentId: string;
    /** Set at sign-in: the absolute 12 h limit counts from here. */
    signedInAt: number;
    /** Last request: the idle 30 min limit counts from here. */
    lastSeenAt: number;
    lang: string;
    /** Set by a used magic link instead of agentId: the org this session may reach. */
    customerAdmin: { userId: string; orgId: string; partnerId: string; email: string };
  }
}
