// Consent on the embedded store (SQLite): grants, access requests, magic links and reminder
// claims on the same SQLite file. Every conditional write runs in an IMMEDIATE transaction, which
// takes the write lock before reading, so two processes sharing the file never both pass a check.
import { type SqliteContext, parse, parseAll } from '../embedded/context';
import type {
  AccessRequest, AccessRequestRepo, ConsentGrant, ConsentGrantRepo, GrantReminderRepo, MagicLink, MagicLinkRepo,
} from './port';

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS consent_grants (
  id TEXT PRIMARY KEY, partner_id TEXT NOT NULL, org_id TEXT NOT NULL, granted_at TEXT NOT NULL,
  expires_at INTEGER NOT NULL, revoked INTEGER NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS consent_grants_org ON consent_grants (partner_id, org_id, granted_at);
CREATE INDEX IF NOT EXISTS consent_grants_ending ON consent_grants (revoked, expires_at);
CREATE TABLE IF NOT EXISTS access_requests (
  id TEXT PRIMARY KEY, partner_id TEXT NOT NULL, org_id TEXT NOT NULL, created_at TEXT NOT NULL,
  status TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS access_requests_org ON access_requests (partner_id, org_id, created_at);
CREATE TABLE IF NOT EXISTS magic_links (
  token_hash TEXT PRIMARY KEY, expires_at INTEGER NOT NULL, consumed INTEGER NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS magic_links_expiry ON magic_links (expires_at);
CREATE TABLE IF NOT EXISTS grant_reminders (
  grant_id TEXT NOT NULL, kind TEXT NOT NULL, ends_at TEXT NOT NULL, claimed_at TEXT NOT NULL,
  PRIMARY KEY (grant_id, kind, ends_at));
`;

export function embeddedConsentGrantRepo({ db }: SqliteContext): ConsentGrantRepo {
  const activeRow = db.prepare(`SELECT data FROM consent_grants
    WHERE partner_id = ? AND org_id = ? AND revoked = 0 AND expires_at > ? ORDER BY expires_at DESC LIMIT 1`);
  const byId = db.prepare('SELECT data FROM consent_grants WHERE partner_id = ? AND org_id = ? AND id = ?');
  const save = db.prepare('UPDATE consent_grants SET expires_at = ?, revoked = ?, data = ? WHERE id = ?');
  const stillActive = (partnerId: string, orgId: string, id: string, now: Date) => {
    const grant = parse<ConsentGrant>(byId.get(partnerId, orgId, id));
    return grant && !grant.revokedAt && Date.parse(grant.expiresAt) > now.getTime() ? grant : null;
  };
  const write = (g: ConsentGrant) => save.run(Date.parse(g.expiresAt), g.revokedAt ? 1 : 0, JSON.stringify(g), g.id);

  const create = db.transaction((g: ConsentGrant, now: number) => {
    if (activeRow.get(g.partnerId, g.orgId, now)) return false;
    db.prepare(`INSERT INTO consent_grants (id, partner_id, org_id, granted_at, expires_at, revoked, data)
      VALUES (?, ?, ?, ?, ?, ?, ?)`)
      .run(g.id, g.partnerId, g.orgId, g.grantedAt, Date.parse(g.expiresAt), g.revokedAt ? 1 : 0, JSON.stringify(g));
    return true;
  });
  const extend = db.transaction((partnerId: string, orgId: string, id: string, expiresAt: string, now: Date) => {
    const grant = stillActive(partnerId, orgId, id, now);
    if (!grant) return null;
    const next = { ...grant, expiresAt };
    write(next);
    return next;
  });
  const revoke = db.transaction((partnerId: string, orgId: string, id: string, by: string, now: Date) => {
    const grant = stillActive(partnerId, orgId, id, now);
    if (!grant) return null;
    const next = { ...grant, revokedAt: now.toISOString(), revokedBy: by };
    write(next);
    return next;
  });

  return {
    create: async (grant, now) => create.immediate(grant, now.getTime()),
    get: async (partnerId, orgId, id) => parse<ConsentGrant>(byId.get(partnerId, orgId, id)),
    active: async (partnerId, orgId, now) => parse<ConsentGrant>(activeRow.get(partnerId, orgId, now.getTime())),
    listByOrg: async (partnerId, orgId, page) => parseAll<ConsentGrant>(db.prepare(
      'SELECT data FROM consent_grants WHERE partner_id = ? AND org_id = ? ORDER BY granted_at DESC, rowid DESC LIMIT ? OFFSET ?',
    ).all(partnerId, orgId, page.limit, page.offset)),
    extend: async (partnerId, orgId, id, expiresAt, now) => extend.immediate(partnerId, orgId, id, expiresAt, now),
    revoke: async (partnerId, orgId, id, by, now) => revoke.immediate(partnerId, orgId, id, by, now),
    endingBy: async (now, until) => parseAll<ConsentGrant>(db.prepare(
      'SELECT data FROM consent_grants WHERE revoked = 0 AND expires_at > ? AND expires_at <= ? ORDER BY expires_at, id',
    ).all(now.getTime(), until.getTime())),
  };
}

export function embeddedAccessRequestRepo({ db }: SqliteContext): AccessRequestRepo {
  const byId = db.prepare('SELECT data FROM access_requests WHERE partner_id = ? AND org_id = ? AND id = ?');
  const decide = db.transaction((partnerId: string, orgId: string, id: string,
    d: { status: 'approved' | 'denied'; by: string; at: string; grantId: string | null }) => {
    const request = parse<AccessRequest>(byId.get(partnerId, orgId, id));
    if (!request || request.status !== 'pending') return null;
    const next: AccessRequest = { ...request, status: d.status, decidedBy: d.by, decidedAt: d.at, grantId: d.grantId };
    db.prepare('UPDATE access_requests SET status = ?, data = ? WHERE id = ?').run(next.status, JSON.stringify(next), id);
    return next;
  });
  return {
    create: async (r) => {
      db.prepare(`INSERT INTO access_requests (id, partner_id, org_id, created_at, status, data)
        VALUES (?, ?, ?, ?, ?, ?)`).run(r.id, r.partnerId, r.orgId, r.createdAt, r.status, JSON.stringify(r));
    },
    get: async (partnerId, orgId, id) => parse<AccessRequest>(byId.get(partnerId, orgId, id)),
    listByOrg: async (partnerId, orgId, q) => parseAll<AccessRequest>(db.prepare(
      `SELECT data FROM access_requests WHERE partner_id = @partnerId AND org_id = @orgId
        ${q.status ? 'AND status = @status' : ''} ORDER BY created_at DESC, rowid DESC LIMIT @limit OFFSET @offset`,
    ).all({ partnerId, orgId, limit: q.limit, offset: q.offset, ...(q.status ? { status: q.status } : {}) })),
    decide: async (partnerId, orgId, id, d) => decide.immediate(partnerId, orgId, id, d),
  };
}

export function embeddedMagicLinkRepo({ db }: SqliteContext): MagicLinkRepo {
  const usable = db.prepare('SELECT data FROM magic_links WHERE token_hash = ? AND consumed = 0 AND expires_at > ?');
  // One statement decides: of two requests using the same link, only the first finds consumed = 0.
  const consume = db.prepare(`UPDATE magic_links SET consumed = 1, data = json_set(data, '$.consumedAt', @at)
    WHERE token_hash = @hash AND consumed = 0 AND expires_at > @now RETURNING data`);
  return {
    create: async (l: MagicLink) => {
      db.prepare('INSERT INTO magic_links (token_hash, expires_at, consumed, data) VALUES (?, ?, ?, ?)')
        .run(l.tokenHash, Date.parse(l.expiresAt), l.consumedAt ? 1 : 0, JSON.stringify(l));
    },
    peek: async (hash, now) => parse<MagicLink>(usable.get(hash, now.getTime())),
    consume: async (hash, now) =>
      parse<MagicLink>(consume.get({ hash, now: now.getTime(), at: now.toISOString() })),
    purgeExpired: async (now) => db.prepare('DELETE FROM magic_links WHERE expires_at <= ?').run(now.getTime()).changes,
  };
}

export function embeddedGrantReminderRepo({ db }: SqliteContext): GrantReminderRepo {
  return {
    claim: async (grantId, kind, endsAt, at) => db.prepare(
      'INSERT OR IGNORE INTO grant_reminders (grant_id, kind, ends_at, claimed_at) VALUES (?, ?, ?, ?)',
    ).run(grantId, kind, endsAt, at.toISOString()).changes === 1,
    release: async (grantId, kind, endsAt) => {
      db.prepare('DELETE FROM grant_reminders WHERE grant_id = ? AND kind = ? AND ends_at = ?').run(grantId, kind, endsAt);
    },
  };
}
