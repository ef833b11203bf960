// Deletion, transfer and erasure on MongoDB (docs/data-lifecycle.md): deletion, transfer and erasure.
// Each operation runs in one transaction where the server has them (a replica set), with a change
// row per record removed or moved, so the search indexers drop or move each record as for an update.
// On a standalone server the writes run in order and a crash can leave part of one done; running
// the same operation again finishes it (every step is conditional on what is still there).
import type { ClientSession } from 'mongoose';
import { conflict, invalid } from '../../errors';
import type { MongooseContext } from '../mongoose/context';
import type { AuditEvent } from '../audit/port';
import type { ChangedEntity } from '../changes/port';
import type { AccessRequest } from '../consent/port';
import type { Device } from '../devices/port';
import type { Org } from '../orgs/port';
import type { User } from '../users/port';
import type { EndedAccess, Erasure, LifecycleKind, LifecycleRepo, LifecycleScope, OrgDeletion, OrgTransfer } from './port';

/** Who ended a grant or closed a request that the customer did not end: the data lifecycle itself. */
export const LIFECYCLE_ACTOR = 'system:lifecycle';

type Lean = Record<string, unknown>;
const plain = <T>(doc: Lean): T => {
  const { _id, __v, ...rest } = doc;
  return rest as T;
};
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Sessions keep express-session's JSON as one string: a customer admin's is found by the ids inside it. */
const customerSession = (key: 'orgId' | 'userId', id: string) =>
  ({ data: { $regex: `"customerAdmin":\\{[^}]*"${key}":"${escapeRegex(id)}"` } });

export function mongooseLifecycleRepo(ctx: MongooseContext): LifecycleRepo {
  const { m } = ctx;
  /** Runs `body` as one transaction where the server has them, and translates errors. */
  const unit = <T>(body: (session?: ClientSession) => Promise<T>): Promise<T> =>
    ctx.run(() => ctx.connection.transaction((session) => body(session)));
  const appendChange = (entity: ChangedEntity, id: string, session?: ClientSession) => ctx.appendChange(entity, id, session);
  /** Runs a read outside any transaction, and translates errors. */
  const read = <T>(op: () => Promise<T>): Promise<T> => ctx.run(op);
  const models = { org: m.Org, user: m.User, device: m.Device } as const;
  const inScope = (partnerId: string, scope: LifecycleScope) => scope.partnerId === undefined || scope.partnerId === partnerId;

  const idsOf = async (model: (typeof models)[LifecycleKind], filter: object, session?: ClientSession) =>
    (await (model as typeof m.Org).find(filter, { id: 1 }).session(session ?? null).lean<Array<{ id: string }>>()).map((r) => r.id);
  const changedAll = async (entity: ChangedEntity, ids: string[], session?: ClientSession) => {
    for (const id of ids) await appendChange(entity, id, session);
    return ids.length;
  };

  const endAccess = async (orgId: string, partnerId: string, at: Date, session?: ClientSession): Promise<EndedAccess> => {
    const iso = at.toISOString();
    const grants = await m.ConsentGrant.updateMany(
      { partnerId, orgId, revokedAt: null, expiresAt: { $gt: at } },
      { $set: { revokedAt: iso, revokedBy: LIFECYCLE_ACTOR } }, { session },
    );
    // The status set has no "closed": a request nobody can answer any more is settled as denied by the lifecycle.
    const closed: Partial<AccessRequest> = { status: 'denied', decidedAt: iso, decidedBy: LIFECYCLE_ACTOR, grantId: null };
    const requests = await m.AccessRequest.updateMany({ partnerId, orgId, status: 'pending' }, { $set: closed }, { session });
    await m.Verification.updateMany({ partnerId, orgId, outcome: 'pending' }, { $set: { outcome: 'voided', settledAt: iso } }, { session });
    await m.MagicLink.deleteMany({ orgId, consumedAt: null }, { session });
    const sessions = await m.Session.deleteMany(customerSession('orgId', orgId), { session });
    return { grantsRevoked: grants.modifiedCount, requestsClosed: requests.modifiedCount, sessionsEnded: sessions.deletedCount };
  };

  const removeUser = async (user: User, session?: ClientSession) => {
    await m.Verification.deleteMany({ userId: user.id }, { session });
    const owned = await idsOf(m.Device, { ownerUserId: user.id }, session);
    await m.Device.updateMany({ ownerUserId: user.id }, { $set: { ownerUserId: null } }, { session });
    await changedAll('device', owned, session);
    await m.Session.deleteMany(customerSession('userId', user.id), { session });
    await m.MagicLink.deleteMany({ userId: user.id }, { session });
    await m.User.deleteOne({ id: user.id }, { session });
    await appendChange('user', user.id, session);
  };

  const find = async <T extends { partnerId: string }>(kind: LifecycleKind, id: string, scope: LifecycleScope, session?: ClientSession) => {
    const doc = await (models[kind] as typeof m.Org).findOne({ id }).session(session ?? null).lean<Lean>();
    const record = doc ? plain<T>(doc) : null;
    return record && inScope(record.partnerId, scope) ? record : null;
  };

  return {
    deleteOrg: (id, scope) => unit(async (session): Promise<OrgDeletion | null> => {
      const org = await find<Org>('org', id, scope, session);
      if (!org) return null;
      const ended = await endAccess(id, org.partnerId, scope.at, session);
      await m.Verification.deleteMany({ orgId: id }, { session });
      const deviceIds = await idsOf(m.Device, { orgId: id }, session);
      await m.Device.deleteMany({ orgId: id }, { session });
      const userIds = await idsOf(m.User, { orgId: id }, session);
      await m.User.deleteMany({ orgId: id }, { session });
      await m.Org.deleteOne({ id }, { session });
      const devices = await changedAll('device', deviceIds, session);
      const users = await changedAll('user', userIds, session);
      await appendChange('org', id, session);
      return { org, users, devices, ...ended };
    }),
    deleteUser: (id, scope) => unit(async (session) => {
      const user = await find<User>('user', id, scope, session);
      if (user) await removeUser(user, session);
      return user;
    }),
    deleteDevice: (id, scope) => unit(async (session) => {
      const device = await find<Device>('device', id, scope, session);
      if (!device) return null;
      await m.Device.deleteOne({ id }, { session });
      await appendChange('device', id, session);
      return device;
    }),
    transferOrg: (id, to, at) => unit(async (session): Promise<OrgTransfer | null> => {
      const org = await find<Org>('org', id, { at }, session);
      if (!org) return null;
      if (!(await m.Partner.exists({ id: to }).session(session ?? null))) {
        throw invalid(`to: no partner with id ${to}`, [{ field: 'to', message: 'unknown partner' }]);
      }
      if (org.partnerId === to) throw conflict(`org ${id} belongs to ${to} already`);
      const ended = await endAccess(id, org.partnerId, at, session);
      await m.Org.updateOne({ id }, { $set: { partnerId: to } }, { session });
      const userIds = await idsOf(m.User, { orgId: id }, session);
      await m.User.updateMany({ orgId: id }, { $set: { partnerId: to } }, { session });
      const deviceIds = await idsOf(m.Device, { orgId: id }, session);
      await m.Device.updateMany({ orgId: id }, { $set: { partnerId: to } }, { session });
      await appendChange('org', id, session);
      const users = await changedAll('user', userIds, session);
      const devices = await changedAll('device', deviceIds, session);
      return { org: { ...org, partnerId: to }, fromPartnerId: org.partnerId, users, devices, ...ended };
    }),
    async *ids(kind, partnerId, batchSize) {
      const model = models[kind] as typeof m.Org;
      for (let after = ''; ;) {
        const rows = await read(() => model.find({ partnerId, id: { $gt: after } }, { id: 1 }).sort({ id: 1 }).limit(batchSize)
          .lean<Array<{ id: string }>>());
        if (rows.length === 0) return;
        after = rows[rows.length - 1].id;
        yield rows.map((r) => r.id);
      }
    },
    eraseEmail: (raw) => unit(async (session): Promise<Erasure> => {
      const email = raw.trim().toLowerCase();
      const users = (await m.User.find({ email }).sort({ id: 1 }).session(session ?? null).lean<Lean[]>()).map((d) => plain<User>(d));
      let verifications = 0;
      for (const user of users) {
        verifications += await m.Verification.countDocuments({ userId: user.id }).session(session ?? null);
        await removeUser(user, session);
      }
      verifications += (await m.Verification.deleteMany({ sentTo: email }, { session })).deletedCount;
      const suppression = (await m.Suppression.deleteOne({ email }, { session })).deletedCount > 0;
      const emailEvents = (await m.EmailEvent.deleteMany({ email }, { session })).deletedCount;
      const magicLinks = (await m.MagicLink.deleteMany({ email }, { session })).deletedCount;
      return { users, verifications, suppression, emailEvents, magicLinks };
    }),
    rewriteAudit: (match, rewrite) => unit(async (session) => {
      const email = match.email.trim().toLowerCase();
      // Detail is free-form: the address is looked for in the fields that carry addresses today.
      const named = ['email', 'sentTo', 'owner', 'to', 'grantedByEmail'].map((k) => ({ [`detail.${k}`]: { $regex: `^${escapeRegex(email)}$`, $options: 'i' } }));
      const rows = await m.AuditEvent.find({ $or: [
        { actorId: { $in: match.userIds } }, { subject: { $in: match.userIds.map((id) => `user:${id}`) } }, ...named,
      ] }).session(session ?? null).lean<Lean[]>();
      let n = 0;
      for (const before of rows.map((r) => plain<AuditEvent>(r))) {
        const after = rewrite(before);
        if (JSON.stringify(after) === JSON.stringify(before)) continue;
        await m.AuditEvent.updateOne({ id: before.id }, { $set: { subject: after.subject, detail: after.detail } }, { session });
        n += 1;
      }
      return n;
    }),
  };
}
