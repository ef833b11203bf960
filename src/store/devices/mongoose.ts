// The devices of customer organizations, each optionally owned by one of their users.
// Its MongoDB adapter (mongoose); the collection's schema is in mongoose.schema.ts.
import { conflict, invalid } from '../../errors';
import type { MongooseContext } from '../mongoose/context';
import type { Device, DeviceRepo } from './port';

export function mongooseDeviceRepo(ctx: MongooseContext): DeviceRepo {
  const { Device, User } = ctx.m;
  return {
    upsert: (input) => ctx.run(async () => {
      let saved: Device | null = null;
      await ctx.withChange('device', input.id, async (session) => {
        const partnerId = await ctx.orgPartner(input.orgId, session);
        const device: Device = { ...input, partnerId };
        await ctx.validate(Device, device);
        if (device.ownerUserId) {
          const owner = await User.findOne({ id: device.ownerUserId }, { orgId: 1 }).session(session ?? null).lean<{ orgId: string }>();
          if (!owner || owner.orgId !== device.orgId) {
            throw invalid(`ownerUserId: no user ${device.ownerUserId} in org ${device.orgId}`,
              [{ field: 'ownerUserId', message: 'unknown user in this org' }]);
          }
        }
        const existing = await Device.findOne({ id: device.id }, { orgId: 1 }).session(session ?? null).lean<{ orgId: string }>();
        if (existing && existing.orgId !== device.orgId) throw conflict(`device ${device.id} belongs to another org`);
        await Device.replaceOne({ id: device.id }, device, { upsert: true, session });
        saved = device;
      });
      return saved!;
    }),
    get: (partnerId, id) => ctx.findOne<Device>(Device, { id, partnerId }),
    listByOrg: (partnerId, orgId, page) =>
      ctx.findMany<Device>(Device, { partnerId, orgId }, { displayName: 1, id: 1 }, page),
    countByOrg: (partnerId, orgId) => ctx.countDocs(Device, { partnerId, orgId }),
    listByOwner: (partnerId, ownerUserId) => ctx.findMany<Device>(Device, { partnerId, ownerUserId }, { id: 1 }),
    count: (partnerId) => ctx.countDocs(Device, partnerId === undefined ? {} : { partnerId }),
    getByIds: (ids) => ctx.getByIds<Device>(Device, ids),
    scan: (batchSize, part) => ctx.scan<Device>(Device, batchSize, part),
  };
}
