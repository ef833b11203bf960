// The audit trail: who did what, to which org and subject, from where, with what outcome.
// Detail never holds a secret (code, token, password, session id): callers pass only facts.
import crypto from 'node:crypto';
import type { Request } from 'express';
import type { Clock } from '../../clock';
import type { AuditEvent, Store } from '../../store/store';

export interface AuditEntry {
  action: string;
  outcome?: AuditEvent['outcome'];
  orgId?: string | null;
  subject?: string | null;
  /** For actions without a signed-in principal (a failed sign-in names the partner it hit, if any). */
  partnerId?: string | null;
  actorId?: string | null;
  detail?: Record<string, unknown>;
}

export interface AuditLog {
  record(req: Request, entry: AuditEntry): Promise<void>;
}

export function createAuditLog(store: Store, clock: Clock): AuditLog {
  return {
    async record(req, entry) {
      const p = req.principal;
      // A customer admin acts on their own org: the event lands in that org's (and partner's) trail.
      const c = req.customerAdmin;
      // An integration token acts as no agent: the token itself is the actor.
      const i = req.integration;
      const token = p?.token ?? (i ? { id: i.tokenId, name: i.name } : undefined);
      await store.audit.append({
        id: crypto.randomUUID(),
        at: clock.now().toISOString(),
        actorId: entry.actorId ?? p?.agentId ?? c?.userId ?? (i ? `token:${i.tokenId}` : null),
        actorRole: p?.role ?? (c ? 'customer_admin' : i ? 'integration' : null),
        // An explicit null keeps an event out of every partner's log (the operator still has it).
        partnerId: entry.partnerId !== undefined ? entry.partnerId : p?.partnerId ?? c?.partnerId ?? i?.partnerId ?? null,
        orgId: entry.orgId ?? c?.orgId ?? null,
        subject: entry.subject ?? null,
        action: entry.action,
        outcome: entry.outcome ?? 'success',
        clientIp: req.ip ?? null,
        requestId: (req.id as string | undefined) ?? null,
        // An action taken with an API token names the token (id and label, never the secret), so a
        // token's use can be told from its owner's own sign-ins and revoked if it was misused.
        detail: token ? { ...entry.detail, token } : entry.detail ?? {},
      });
    },
  };
}

export interface AuditSearch {
  /** Any of these orgs, subjects as recorded ("user:…", "agent:…") or actors; an empty list matches nothing. */
  orgIds?: string[];
  subjects?: string[];
  actorIds?: string[];
  /** A family of actions (`consent` is `consent.*`) or one action. */
  actionPrefix?: string;
  /** ISO 8601, inclusive. */
  from?: string;
  /** ISO 8601, exclusive. */
  to?: string;
}

/** Reads the partner's audit log; the partner is always the reader's own. */
export function createAuditReader(store: Store) {
  const toQuery = (partnerId: string, s: AuditSearch) => ({
    partnerId, orgIds: s.orgIds, subjects: s.subjects, actorIds: s.actorIds, actionPrefix: s.actionPrefix, from: s.from, to: s.to,
  });
  return {
    page: (partnerId: string, s: AuditSearch, limit: number, offset: number) =>
      store.audit.query({ ...toQuery(partnerId, s), limit, offset }),
    /** Every matching event, newest first, a batch at a time (the CSV export streams them). */
    async *all(partnerId: string, s: AuditSearch, batch = 500): AsyncIterable<AuditEvent[]> {
      for (let offset = 0; ; offset += batch) {
        const { events } = await store.audit.query({ ...toQuery(partnerId, s), limit: batch, offset });
        if (events.length) yield events;
        if (events.length < batch) return;
      }
    },
  };
}

export type AuditReader = ReturnType<typeof createAuditReader>;
