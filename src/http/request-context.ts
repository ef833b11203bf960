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
}

export type Principal = AgentPrincipal;

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
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
  }
}
