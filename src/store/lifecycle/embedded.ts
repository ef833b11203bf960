// Deletion, transfer and erasure on the embedded store (docs/data-lifecycle.md): deletion, transfer and erasure on
// the same SQLite file. Each operation is one IMMEDIATE transaction (a savepoint inside an import's
// batch), so a crash leaves either all of it or none of it, and every record it removes or moves
// leaves its change row in the same transaction for the search indexers.
import type Database from 'better-sqlite3';
import { conflict, invalid } from '../../errors';
import type { SqliteContext } from '../embedded/context';
import type { AuditEvent } from '../audit/port';
import type { ChangedEntity } from '../changes/port';
import type { AccessRequest, ConsentGrant } from '../consent/port';
import type { Device } from '../devices/port';
import type { Org } from '../orgs/port';
import type { User } from '../users/port';
import type { EndedAccess, Erasure, LifecycleKind, LifecycleRepo, LifecycleScope, OrgDeletion, OrgTransfer } from './port';

type Row = { data: string };
const parseAll = <T>(rows: unknown[]): T[] => rows.map((r) => JSON.parse((r as Row).data) as T);

/** Who ended a grant or closed a request that the customer did not end: the data lifecycle itself. */
export const LIFECYCLE_ACTOR = 'system:lifecycle';

const TABLES: Record<LifecycleKind, string> = { org: 'orgs', user: 'users', device: 'devices' };

/**
 * A customer admin's session and sign-in links are found by the ids inside their JSON; these
 * indexes keep a full sync that deletes thousands of users from reading the sessions table once per user.
 */
const LIFECYCLE_SCHEMA = `
CREATE INDEX IF NOT EXISTS sessions_customer_user ON sessions (json_extract(data, '$.customerAdmin.userId')) WHERE agent_id IS NULL;
CREATE INDEX IF NOT EXISTS sessions_customer_org ON sessions (json_extract(data, '$.customerAdmin.orgId')) WHERE agent_id IS NULL;
CREATE INDEX IF NOT EXISTS magic_links_user ON magic_links (json_extract(data, '$.userId'));
`;

export function embeddedLifecycleRepo({ db, recordChange }: SqliteContext): LifecycleRepo {
  db.exec(LIFECYCLE_SCHEMA);
  // Each statement is prepared once: a sweep runs the same few thousands of times.
  const statements = new Map<string, Database.Statement>();
  const sql = (source: string): Database.Statement => {
    let stmt = statements.get(source);
    if (!stmt) statements.set(source, stmt = db.prepare(source));
    return stmt;
  };
  const inScope = (partnerId: string, scope: LifecycleScope) => scope.partnerId === undefined || scope.partnerId === partnerId;
  const changed = (entity: ChangedEntity, rows: unknown[]) => {
    for (const r of rows) recordChange(entity, (r as { id: string }).id);
    return rows.length;
  };

  /** Ends what a partner held on an org: its active grants, its pending requests, pending codes, customer sessions and links. */
  const endAccess = (orgId: string, partnerId: string, at: Date): EndedAccess => {
    const iso = at.toISOString();
    const grants = parseAll<ConsentGrant>(sql(
      'SELECT data FROM consent_grants WHERE partner_id = ? AND org_id = ? AND revoked = 0 AND expires_at > ?',
    ).all(partnerId, orgId, at.getTime()));
    for (const g of grants) {
      sql('UPDATE consent_grants SET revoked = 1, data = ? WHERE id = ?')
        .run(JSON.stringify({ ...g, revokedAt: iso, revokedBy: LIFECYCLE_ACTOR }), g.id);
    }
    // The status set has no "closed": a request nobody can answer any more is settled as denied by the lifecycle.
    const requests = parseAll<AccessRequest>(sql(
      "SELECT data FROM access_requests WHERE partner_id = ? AND org_id = ? AND status = 'pending'",
    ).all(partnerId, orgId));
    for (const r of requests) {
      const closed: AccessRequest = { ...r, status: 'denied', decidedAt: iso, decidedBy: LIFECYCLE_ACTOR, grantId: null };
      sql('UPDATE access_requests SET status = ?, data = ? WHERE id = ?').run(closed.status, JSON.stringify(closed), r.id);
    }
    sql(`UPDATE verifications SET outcome = 'voided', settled_at = ?
      WHERE partner_id = ? AND org_id = ? AND outcome = 'pending'`).run(iso, partnerId, orgId);
    sql("DELETE FROM magic_links WHERE json_extract(data, '$.orgId') = ? AND consumed = 0").run(orgId);
    const sessions = sql("DELETE FROM sessions WHERE agent_id IS NULL AND json_extract(data, '$.customerAdmin.orgId') = ?").run(orgId).changes;
    return { grantsRevoked: grants.length, requestsClosed: requests.length, sessionsEnded: sessions };
  };

  /** Removes a user and what hangs on them alone; the caller records nothing else. */
  const removeUser = (user: User): void => {
    // partner_id first: the indexes on verifications and devices start with it.
    sql('DELETE FROM verifications WHERE partner_id = ? AND user_id = ?').run(user.partnerId, user.id);
    changed('device', sql(`UPDATE devices SET owner_user_id = NULL, data = json_set(data, '$.ownerUserId', json('null'))
      WHERE partner_id = ? AND owner_user_id = ? RETURNING id`).all(user.partnerId, user.id));
    sql("DELETE FROM sessions WHERE agent_id IS NULL AND json_extract(data, '$.customerAdmin.userId') = ?").run(user.id);
    sql("DELETE FROM magic_links WHERE json_extract(data, '$.userId') = ?").run(user.id);
    sql('DELETE FROM users WHERE id = ?').run(user.id);
    recordChange('user', user.id);
  };

  const find = <T>(table: string, id: string, scope: LifecycleScope): T | null => {
    const row = sql(`SELECT partner_id, data FROM ${table} WHERE id = ?`).get(id) as
      { partner_id: string; data: string } | undefined;
    return row && inScope(row.partner_id, scope) ? JSON.parse(row.data) as T : null;
  };

  const deleteOrg = db.transaction((id: string, scope: LifecycleScope): OrgDeletion | null => {
    const org = find<Org>('orgs', id, scope);
    if (!org) return null;
    const ended = endAccess(id, org.partnerId, scope.at);
    sql('DELETE FROM verifications WHERE partner_id = ? AND org_id = ?').run(org.partnerId, id);
    const devices = changed('device', sql('DELETE FROM devices WHERE partner_id = ? AND org_id = ? RETURNING id').all(org.partnerId, id));
    const users = changed('user', sql('DELETE FROM users WHERE partner_id = ? AND org_id = ? RETURNING id').all(org.partnerId, id));
    sql('DELETE FROM orgs WHERE id = ?').run(id);
    recordChange('org', id);
    return { org, users, devices, ...ended };
  });

  const deleteUser = db.transaction((id: string, scope: LifecycleScope): User | null => {
    const user = find<User>('users', id, scope);
    if (user) removeUser(user);
    return user;
  });

  const deleteDevice = db.transaction((id: string, scope: LifecycleScope): Device | null => {
    const device = find<Device>('devices', id, scope);
    if (!device) return null;
    sql('DELETE FROM devices WHERE id = ?').run(id);
    recordChange('device', id);
    return device;
  });

  const transferOrg = db.transaction((id: string, to: string, at: Date): OrgTransfer | null => {
    const org = find<Org>('orgs', id, { at });
    if (!org) return null;
    if (!sql('SELECT 1 FROM partners WHERE id = ?').get(to)) {
      throw invalid(`to: no partner with id ${to}`, [{ field: 'to', message: 'unknown partner' }]);
    }
    if (org.partnerId === to) throw conflict(`org ${id} belongs to ${to} already`);
    const ended = endAccess(id, org.partnerId, at);
    const move = (table: string, key: string) => sql(
      `UPDATE ${table} SET partner_id = ?, data = json_set(data, '$.partnerId', ?) WHERE partner_id = ? AND ${key} = ? RETURNING id`,
    ).all(to, to, org.partnerId, id);
    changed('org', move('orgs', 'id'));
    const users = changed('user', move('users', 'org_id'));
    const devices = changed('device', move('devices', 'org_id'));
    return { org: { ...org, partnerId: to }, fromPartnerId: org.partnerId, users, devices, ...ended };
  });

  const eraseEmail = db.transaction((email: string): Erasure => {
    const users = parseAll<User>(sql('SELECT data FROM users WHERE email = ? ORDER BY id').all(email));
    let verifications = 0;
    for (const user of users) {
      verifications += sql('SELECT COUNT(*) FROM verifications WHERE partner_id = ? AND user_id = ?').pluck()
        .get(user.partnerId, user.id) as number;
      removeUser(user);
    }
    verifications += sql('DELETE FROM verifications WHERE sent_to = ?').run(email).changes;
    const suppression = sql('DELETE FROM suppressions WHERE email = ?').run(email).changes > 0;
    const emailEvents = sql('DELETE FROM email_events WHERE email = ?').run(email).changes;
    const magicLinks = sql("DELETE FROM magic_links WHERE json_extract(data, '$.email') = ?").run(email).changes;
    return { users, verifications, suppression, emailEvents, magicLinks };
  });

  const rewriteAudit = db.transaction((match: { userIds: string[]; email: string }, rewrite: (e: AuditEvent) => AuditEvent) => {
    const rows = sql(`SELECT data FROM audit_events
      WHERE actor_id IN (SELECT value FROM json_each(@ids)) OR subject IN (SELECT 'user:' || value FROM json_each(@ids))
        OR instr(lower(data), @email) > 0`).all({ ids: JSON.stringify(match.userIds), email: match.email });
    let n = 0;
    for (const before of parseAll<AuditEvent>(rows)) {
      const after = rewrite(before);
      const data = JSON.stringify(after);
      if (data === JSON.stringify(before)) continue;
      sql('UPDATE audit_events SET subject = ?, data = ? WHERE id = ?').run(after.subject, data, before.id);
      n += 1;
    }
    return n;
  });

  return {
    deleteOrg: async (id, scope) => deleteOrg.immediate(id, scope),
    deleteUser: async (id, scope) => deleteUser.immediate(id, scope),
    deleteDevice: async (id, scope) => deleteDevice.immediate(id, scope),
    transferOrg: async (id, to, at) => transferOrg.immediate(id, to, at),
    async *ids(kind, partnerId, batchSize) {
      // In the order of the partner's index ((partner_id[, org_id]) and the rowid behind it), from
      // where the last page ended: no page sorts, and a row is never read twice.
      type Page = Array<{ r: number; k: string; id: string }>;
      const page = kind === 'org'
        ? (after: { k: string; r: number }) => sql(`SELECT rowid AS r, '' AS k, id FROM orgs
            WHERE partner_id = ? AND rowid > ? ORDER BY rowid LIMIT ?`).all(partnerId, after.r, batchSize) as Page
        : (after: { k: string; r: number }) => sql(`SELECT rowid AS r, org_id AS k, id FROM ${TABLES[kind]}
            WHERE partner_id = ? AND (org_id, rowid) > (?, ?) ORDER BY org_id, rowid LIMIT ?`)
          .all(partnerId, after.k, after.r, batchSize) as Page;
      for (let after = { k: '', r: 0 }; ;) {
        const rows = page(after);
        if (rows.length === 0) return;
        after = rows[rows.length - 1];
        yield rows.map((row) => row.id);
      }
    },
    eraseEmail: async (email) => eraseEmail.immediate(email.trim().toLowerCase()),
    rewriteAudit: async (match, rewrite) => rewriteAudit.immediate({ ...match, email: match.email.trim().toLowerCase() }, rewrite),
  };
}
