// A digest of everything the store holds that a GET must not change. Left out on purpose: sessions
// and rate-limit counters (every request touches them), the view audits and the agent's recently
// opened list a GET is meant to write, and an API token's last-used time (bookkeeping of the
// request itself).
import crypto from 'node:crypto';
import type { EmbeddedStore } from '../../src/store/embedded/embedded-store';

const IGNORED_TABLES = new Set(['sessions', 'rate_limits', 'sqlite_sequence', 'recent_views']);
export const VIEW_AUDIT = /(\.view|^audit\.export|^lookup)$/;

export function fingerprint(store: EmbeddedStore): string {
  const hash = crypto.createHash('sha256');
  const tables = (store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>)
    .map((r) => r.name).filter((n) => !IGNORED_TABLES.has(n));
  for (const table of tables) {
    let rows = store.db.prepare(`SELECT * FROM "${table}" ORDER BY 1`).all() as Array<Record<string, unknown>>;
    if (table === 'audit_events') rows = rows.filter((r) => !VIEW_AUDIT.test(String(r.action)));
    if (table === 'api_tokens') rows = rows.map((r) => ({ ...r, data: { ...JSON.parse(String(r.data)), lastUsedAt: null } }));
    hash.update(`${table}:${JSON.stringify(rows)}\n`);
  }
  return hash.digest('hex');
}
