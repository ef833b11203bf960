// The retention job's deletes on the embedded store. Old audit events can be many (a first run on
// years of history): they go a batch at a time, each batch its own short transaction, so requests
// of this and other processes get the write lock in between.
import type { SqliteContext } from '../embedded/context';
import type { RetentionCounts, RetentionRepo, RetentionRule } from './port';

const BATCH = 5000;

export const SCHEMA = `
CREATE INDEX IF NOT EXISTS audit_at ON audit_events (at);
CREATE INDEX IF NOT EXISTS verifications_created ON verifications (created_at);
`;

export function embeddedRetentionRepo({ db }: SqliteContext): RetentionRepo {
  const inBatches = async (sql: string, ...args: unknown[]): Promise<number> => {
    const stmt = db.prepare(sql);
    let deleted = 0;
    for (;;) {
      const n = stmt.run(...args, BATCH).changes;
      deleted += n;
      if (n < BATCH) return deleted;
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return {
    purge: async (rule: RetentionRule): Promise<RetentionCounts> => {
      const now = rule.now.getTime();
      return {
        verifications: await inBatches(
          'DELETE FROM verifications WHERE rowid IN (SELECT rowid FROM verifications WHERE created_at < ? LIMIT ?)',
          rule.verificationsBefore.toISOString()),
        signInLinks: db.prepare('DELETE FROM magic_links WHERE consumed = 1 OR expires_at <= ?').run(now).changes,
        invitations: db.prepare('DELETE FROM password_setups WHERE used_at IS NOT NULL OR expires_at <= ?').run(now).changes,
        sessions: db.prepare('DELETE FROM sessions WHERE expires_at <= ?').run(now).changes,
        audit: await inBatches(
          'DELETE FROM audit_events WHERE rowid IN (SELECT rowid FROM audit_events WHERE at < ? LIMIT ?)',
          rule.auditBefore.toISOString()),
      };
    },
  };
}
