// The audit log: append and query, newest first.
// The port of this repository: its records and interface (docs/architecture.md, "The store").

export interface AuditEvent {
  id: string;
  at: string;
  actorId: string | null;
  actorRole: string | null;
  partnerId: string | null;
  orgId: string | null;
  subject: string | null;
  action: string;
  outcome: 'success' | 'failure' | 'denied';
  clientIp: string | null;
  requestId: string | null;
  detail: Record<string, unknown>;
}

export interface AuditQuery {
  partnerId: string;
  orgId?: string;
  actorId?: string;
  subject?: string;
  action?: string;
  from?: string;
  to?: string;
  /** Any of these (an empty list matches nothing): a name that several records answer to. */
  orgIds?: string[];
  actorIds?: string[];
  subjects?: string[];
  actions?: string[];
  /** A family of actions: `consent` is `consent` and `consent.*`, never `consents`. */
  actionPrefix?: string;
  limit: number;
  offset: number;
}

export interface AuditRepo {
  append(event: AuditEvent): Promise<void>;
  /** Newest first. */
  query(q: AuditQuery): Promise<{ events: AuditEvent[]; total: number }>;
}
