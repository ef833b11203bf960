// Identity verification codes sent to users.
// Its embedded adapter (SQLite): the tables and the repository.
import type { SqliteContext } from '../embedded/context';
import type { Verification, VerificationOutcome, VerificationRepo } from './port';

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS verifications (
  id TEXT PRIMARY KEY, partner_id TEXT NOT NULL, org_id TEXT NOT NULL, user_id TEXT NOT NULL,
  sent_to TEXT NOT NULL, requested_by TEXT NOT NULL, code_hash TEXT NOT NULL, created_at TEXT NOT NULL,
  expires_at INTEGER NOT NULL, attempts INTEGER NOT NULL, outcome TEXT NOT NULL, settled_at TEXT);
CREATE INDEX IF NOT EXISTS verifications_user ON verifications (partner_id, user_id, created_at);
`;

interface VerificationRow {
  id: string; partner_id: string; org_id: string; user_id: string; sent_to: string; requested_by: string;
  code_hash: string; created_at: string; expires_at: number; attempts: number; outcome: VerificationOutcome;
  settled_at: string | null;
}

const toVerification = (r: VerificationRow | undefined): Verification | null => (r ? {
  id: r.id, partnerId: r.partner_id, orgId: r.org_id, userId: r.user_id, sentTo: r.sent_to,
  requestedBy: r.requested_by, codeHash: r.code_hash, createdAt: r.created_at,
  expiresAt: new Date(r.expires_at).toISOString(), attempts: r.attempts, outcome: r.outcome, settledAt: r.settled_at,
} : null);

export function embeddedVerificationRepo(ctx: SqliteContext): VerificationRepo {
  const db = ctx.db;
  const create = db.transaction((v: Verification) => {
    // Only the newest code of a user may be answered: the caller reads the latest mail.
    ctx.sql(`UPDATE verifications SET outcome = 'voided', settled_at = ?
      WHERE partner_id = ? AND user_id = ? AND outcome = 'pending'`).run(v.createdAt, v.partnerId, v.userId);
    ctx.sql(`INSERT INTO verifications (id, partner_id, org_id, user_id, sent_to, requested_by, code_hash,
      created_at, expires_at, attempts, outcome, settled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(v.id, v.partnerId, v.orgId, v.userId, v.sentTo, v.requestedBy, v.codeHash, v.createdAt,
        Date.parse(v.expiresAt), v.attempts, v.outcome, v.settledAt);
  });
  // One statement decides: SQLite evaluates every SET expression on the row as it was, and the
  // WHERE clause lets only the first of two concurrent answers through once the code is settled.
  const attempt = ctx.sql(`UPDATE verifications SET
      attempts = attempts + 1,
      outcome = CASE WHEN @correct = 1 THEN 'verified' WHEN attempts + 1 >= @max THEN 'locked' ELSE 'pending' END,
      settled_at = CASE WHEN @correct = 1 OR attempts + 1 >= @max THEN @at ELSE settled_at END
    WHERE id = @id AND partner_id = @partnerId AND outcome = 'pending' AND expires_at > @now AND attempts < @max
    RETURNING *`);
  return {
    create: async (v) => { create.immediate(v); },
    get: async (partnerId, id) => toVerification(ctx.sql(
      'SELECT * FROM verifications WHERE id = ? AND partner_id = ?',
    ).get(id, partnerId) as VerificationRow | undefined),
    latestForUser: async (partnerId, userId) => toVerification(ctx.sql(
      'SELECT * FROM verifications WHERE partner_id = ? AND user_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1',
    ).get(partnerId, userId) as VerificationRow | undefined),
    attempt: async (partnerId, id, a) => toVerification(attempt.get({
      id, partnerId, correct: a.correct ? 1 : 0, max: a.maxAttempts, now: a.now.getTime(), at: a.now.toISOString(),
    }) as VerificationRow | undefined),
    void: async (partnerId, id, at) => {
      ctx.sql(`UPDATE verifications SET outcome = 'voided', settled_at = ?
        WHERE id = ? AND partner_id = ? AND outcome = 'pending'`).run(at.toISOString(), id, partnerId);
    },
  };
}
