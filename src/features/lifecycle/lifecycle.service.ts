// The operator's data lifecycle commands (docs/data-lifecycle.md): moving an org to another partner
// and erasing a person. Both are audited; erasure leaves the audit trail's actions in place with the
// person's address and names replaced by a pseudonym that is the same every time for one address,
// so an auditor can still follow one person's history without learning who they were.
import crypto from 'node:crypto';
import { AppError } from '../../errors';
import type { AuditEvent, Erasure, OrgTransfer, Store, User } from '../../store/store';

export interface Actor { id: string | null; role: string | null }

const CLI_ACTOR: Actor = { id: null, role: 'operator' };

function auditEvent(actor: Actor, at: Date, event: Pick<AuditEvent, 'partnerId' | 'orgId' | 'subject' | 'action' | 'detail'>): AuditEvent {
  return {
    id: crypto.randomUUID(), at: at.toISOString(), actorId: actor.id, actorRole: actor.role,
    outcome: 'success', clientIp: null, requestId: null, ...event,
  };
}

/** Moves the org, its users and devices; both partners' audit logs say so. */
export async function transferOrg(store: Store, orgId: string, to: string, actor: Actor = CLI_ACTOR): Promise<OrgTransfer> {
  const at = new Date();
  const moved = await store.lifecycle.transferOrg(orgId.trim().toLowerCase(), to, at);
  if (!moved) throw new AppError('not_found', 404, `org: no org with id ${orgId}`);
  const { org, fromPartnerId, ...counts } = moved;
  const detail = { name: org.name, from: fromPartnerId, to, ...counts };
  await store.audit.append(auditEvent(actor, at, { partnerId: fromPartnerId, orgId: org.id, subject: `org:${org.id}`, action: 'org.transfer_out', detail }));
  await store.audit.append(auditEvent(actor, at, { partnerId: to, orgId: org.id, subject: `org:${org.id}`, action: 'org.transfer_in', detail }));
  return moved;
}

/** A stable pseudonym of an address: keyed, so it cannot be reversed by hashing guessed addresses. */
export function pseudonymOf(email: string, secret: string): string {
  return `person-${crypto.createHmac('sha256', secret).update(email.trim().toLowerCase()).digest('hex').slice(0, 16)}`;
}

export interface ErasureReport extends Erasure {
  pseudonym: string;
  auditRewritten: number;
}

/** Replaces every occurrence of the values (any case) in every string of the event, keys and ids aside. */
function scrubber(values: string[], pseudonym: string): (e: AuditEvent) => AuditEvent {
  const escaped = [...new Set(values.map((v) => v.trim()).filter((v) => v.length >= 2))]
    .sort((a, b) => b.length - a.length)
    .map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  if (escaped.length === 0) return (e) => e;
  const pattern = new RegExp(escaped.join('|'), 'giu');
  const scrub = (v: unknown): unknown => {
    if (typeof v === 'string') return v.replace(pattern, pseudonym);
    if (Array.isArray(v)) return v.map(scrub);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, scrub(x)]));
    return v;
  };
  return (e) => ({ ...e, detail: scrub(e.detail) as Record<string, unknown> });
}

const namesOf = (u: User) => [u.displayName, `${u.firstName} ${u.lastName}`, u.firstName, u.lastName];

/**
 * Erases a person: their users in every partner, codes, suppression entry and mail events; the
 * audit events about them keep their action with the address and names replaced. One unit of work
 * where the store has them, so a crash leaves both or neither. Running it again erases nothing more.
 */
export async function erasePerson(store: Store, rawEmail: string, secret: string, actor: Actor = CLI_ACTOR): Promise<ErasureReport> {
  const email = rawEmail.trim().toLowerCase();
  const pseudonym = pseudonymOf(email, secret);
  const at = new Date();
  return store.bulk(async () => {
    const erased = await store.lifecycle.eraseEmail(email);
    const auditRewritten = await store.lifecycle.rewriteAudit(
      { userIds: erased.users.map((u) => u.id), email },
      scrubber([email, ...erased.users.flatMap(namesOf)], pseudonym),
    );
    const detail = { person: pseudonym, users: erased.users.length, verifications: erased.verifications,
      suppression: erased.suppression, emailEvents: erased.emailEvents, auditRewritten };
    // Each partner whose users went sees it in its own log; the operator's copy has no partner.
    for (const partnerId of [...new Set(erased.users.map((u) => u.partnerId)), null]) {
      await store.audit.append(auditEvent(actor, at, { partnerId, orgId: null, subject: `person:${pseudonym}`, action: 'person.erase', detail }));
    }
    return { ...erased, pseudonym, auditRewritten };
  });
}
