// API tokens of agents and integrations; only their hash is stored.
// The port of this repository: its records and interface (docs/architecture.md, "The store").

export interface ApiToken {
  id: string;
  /** The agent the token acts as; null for an integration token, which acts as no agent. */
  agentId: string | null;
  partnerId: string;
  /**
   * 'integration': a sync job's token (`helpdesk token create --integration`), which may only post
   * imports for its partner (POST /api/v1/import). Absent on an agent's token.
   */
  role?: 'integration';
  name: string;
  /** SHA-256 of the token; the token itself is shown once and never stored. */
  tokenHash: string;
  /**
   * What the admin sees to tell tokens apart: its first 6 characters (the fixed prefix and 2 random
   * ones) and its last 4, e.g. "phd_Ab…wxYz" — far too little to use. Absent on tokens issued
   * before it was kept.
   */
  hint?: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface ApiTokenRepo {
  create(token: ApiToken): Promise<void>;
  getByHash(tokenHash: string): Promise<ApiToken | null>;
  touch(id: string, at: string): Promise<void>;
  revoke(partnerId: string, id: string, at: string): Promise<boolean>;
  listByPartner(partnerId: string): Promise<ApiToken[]>;
}
