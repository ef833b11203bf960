// The partners' agents (help-desk staff and partner admins).
// The port of this repository: its records and interface (docs/architecture.md, "The store").

export type AgentRole = 'helpdesk' | 'partner_admin';

export interface Agent {
  id: string;
  partnerId: string;
  email: string;
  name: string;
  role: AgentRole;
  /** null for an invited agent until they set a password through their link (older data may hold ''). */
  passwordHash: string | null;
  disabled: boolean;
  failedLogins: number;
  lockedUntil: string | null;
  createdAt: string;
}

export interface AgentRepo {
  /** Throws AppError 'conflict' when the email is taken (emails are unique across partners). */
  create(agent: Agent): Promise<void>;
  update(agent: Agent): Promise<void>;
  get(id: string): Promise<Agent | null>;
  getByEmail(email: string): Promise<Agent | null>;
  listByPartner(partnerId: string): Promise<Agent[]>;
}
