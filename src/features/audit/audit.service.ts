// The audit trail of spec 3.8: who did what, to which org and subject, from where, with what outcome.
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
      await store.audit.append({
        id: crypto.randomUUID(),
        at: clock.now().toISOString(),
        actorId: entry.actorId ?? p?.agentId ?? null,
        actorRole: p?.role ?? null,
        partnerId: entry.partnerId ?? p?.partnerId ?? null,
        orgId: entry.orgId ?? null,
        subject: entry.subject ?? null,
        action: entry.action,
        outcome: entry.outcome ?? 'success',
        clientIp: req.ip ?? null,
        requestId: (req.id as string | undefined) ?? null,
        detail: entry.detail ?? {},
      });
    },
  };
}
