// The devices of customer organizations, each optionally owned by one of their users.
// Its embedded adapter (SQLite): the tables and the repository.
import { conflict, invalid } from '../../errors';
import { type SqliteContext, parse, parseAll, type Row } from '../embedded/context';
import type { Device, DeviceInput, DeviceRepo } from './port';

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS devices (
  id TEXT PRIMARY KEY, org_id TEXT NOT NULL, partner_id TEXT NOT NULL, owner_user_id TEXT,
  data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS devices_org ON devices (partner_id, org_id);
CREATE INDEX IF NOT EXISTS devices_owner ON devices (partner_id, owner_user_id);
`;

export function embeddedDeviceRepo(ctx: SqliteContext): DeviceRepo {
  const db = ctx.db;
  const upsert = db.transaction((input: DeviceInput): Device => {
    const partnerId = ctx.orgPartner(input.orgId);
    const device: Device = { ...input, partnerId };
    if (device.ownerUserId) {
      const owner = ctx.sql('SELECT org_id FROM users WHERE id = ?').get(device.ownerUserId) as { org_id: string } | undefined;
      if (!owner || owner.org_id !== device.orgId) {
        throw invalid(`ownerUserId: no user ${device.ownerUserId} in org ${device.orgId}`,
          [{ field: 'ownerUserId', message: 'unknown user in this org' }]);
      }
    }
    const existing = ctx.sql('SELECT org_id FROM devices WHERE id = ?').get(device.id) as { org_id: string } | undefined;
    if (existing && existing.org_id !== device.orgId) throw conflict(`device ${device.id} belongs to another org`);
    ctx.sql(`INSERT INTO devices (id, org_id, partner_id, owner_user_id, data) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT(id) DO UPDATE SET owner_user_id = excluded.owner_user_id, data = excluded.data`)
      .run(device.id, device.orgId, partnerId, device.ownerUserId, JSON.stringify(device));
    ctx.recordChange('device', device.id);
    return device;
  });
  return {
    upsert: async (input) => upsert(input),
    get: async (partnerId, id) =>
      parse<Device>(ctx.sql('SELECT data FROM devices WHERE id = ? AND partner_id = ?').get(id, partnerId) as Row),
    listByOrg: async (partnerId, orgId, page) => parseAll<Device>(ctx.sql(
      `SELECT data FROM devices WHERE partner_id = ? AND org_id = ?
       ORDER BY json_extract(data, '$.displayName'), id LIMIT ? OFFSET ?`,
    ).all(partnerId, orgId, page.limit, page.offset) as Row[]),
    countByOrg: async (partnerId, orgId) => (ctx.sql(
      'SELECT COUNT(*) AS n FROM devices WHERE partner_id = ? AND org_id = ?',
    ).get(partnerId, orgId) as { n: number }).n,
    listByOwner: async (partnerId, ownerUserId) => parseAll<Device>(ctx.sql(
      'SELECT data FROM devices WHERE partner_id = ? AND owner_user_id = ? ORDER BY id',
    ).all(partnerId, ownerUserId) as Row[]),
    count: async (partnerId) => ctx.count('devices', partnerId),
    getByIds: async (ids) => ctx.getByIds<Device>('devices', ids),
    scan: (batchSize, part) => ctx.scanTable<Device>('devices', batchSize, part),
  };
}
