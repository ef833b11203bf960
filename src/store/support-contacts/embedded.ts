// Named support contacts: kept on the user record (users/), listed and changed here with the quota checked.
// Its embedded adapter (SQLite), on the users table.
import { type SqliteContext, parse, type Row } from '../embedded/context';
import type { AddSupportContactResult, SupportContact, SupportContactRepo } from './port';
import type { User } from '../users/port';

export function embeddedSupportContactRepo(ctx: SqliteContext): SupportContactRepo {
  const db = ctx.db;
  const userInOrg = (partnerId: string, orgId: string, userId: string) => parse<User>(ctx.sql(
    'SELECT data FROM users WHERE id = ? AND partner_id = ? AND org_id = ?',
  ).get(userId, partnerId, orgId) as Row);
  const save = (user: User) => {
    ctx.sql('UPDATE users SET data = ? WHERE id = ?').run(JSON.stringify(user), user.id);
    ctx.recordChange('user', user.id);
  };
  const add = db.transaction((partnerId: string, orgId: string, userId: string, product: string, quota: number):
    AddSupportContactResult => {
    const user = userInOrg(partnerId, orgId, userId);
    if (!user) return 'no_such_user';
    if (user.supportContactFor.includes(product)) return 'already';
    const { n } = ctx.sql(`SELECT COUNT(*) AS n FROM users, json_each(users.data, '$.supportContactFor') AS c
      WHERE users.partner_id = ? AND users.org_id = ? AND c.value = ?`).get(partnerId, orgId, product) as { n: number };
    if (n >= quota) return 'quota_reached';
    save({ ...user, supportContactFor: [...user.supportContactFor, product] });
    return 'added';
  });
  const remove = db.transaction((partnerId: string, orgId: string, userId: string, product: string) => {
    const user = userInOrg(partnerId, orgId, userId);
    if (!user?.supportContactFor.includes(product)) return false;
    save({ ...user, supportContactFor: user.supportContactFor.filter((p) => p !== product) });
    return true;
  });
  return {
    listByOrg: async (partnerId, orgId) => ctx.sql(
      `SELECT c.value AS product, users.id AS userId, json_extract(users.data, '$.displayName') AS displayName,
        users.email AS email
       FROM users, json_each(users.data, '$.supportContactFor') AS c
       WHERE users.partner_id = ? AND users.org_id = ?
       ORDER BY c.value, json_extract(users.data, '$.displayName'), users.id`,
    ).all(partnerId, orgId) as SupportContact[],
    // IMMEDIATE: the count and the write happen under one write lock, across processes too.
    add: async (partnerId, orgId, userId, product, quota) => add.immediate(partnerId, orgId, userId, product, quota),
    remove: async (partnerId, orgId, userId, product) => remove.immediate(partnerId, orgId, userId, product),
  };
}
