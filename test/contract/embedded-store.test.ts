// The Store contract on the embedded adapter, in memory and on a file, plus what only a file can
// show: the data outlives the process that wrote it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store';
import * as f from '../helpers/factories';
import { checkWithMongooseSchemas } from '../helpers/mongoose-checked-store';
import { storeContract } from './store.contract';

const tempFile = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-store-')), 'helpdesk.sqlite');

async function closeAndRemove(s: EmbeddedStore): Promise<void> {
  await s.close();
  fs.rmSync(path.dirname(s.file), { recursive: true, force: true });
}

// Each record the contract writes is also checked against the mongoose schemas (what MongoDB would refuse fails).
storeContract('EmbeddedStore (:memory:)', async () => checkWithMongooseSchemas(new EmbeddedStore(':memory:')), (s) => s.close());
storeContract('EmbeddedStore (file)', async () => checkWithMongooseSchemas(new EmbeddedStore(tempFile())), closeAndRemove);

describe('EmbeddedStore durability', () => {
  test('when the store is closed and the same file reopened, then every record, session, counter and change is still there', async () => {
    const file = tempFile();
    const now = new Date();
    const partner = f.partner();
    const org = f.org(partner.id);
    const session = { sid: 'sid-1', agentId: 'agent-1', data: '{}', expiresAt: new Date(now.getTime() + 3_600_000).toISOString() };

    const first = new EmbeddedStore(file);
    await first.partners.upsert(partner);
    await first.orgs.upsert(org);
    const user = await first.users.upsert(f.user(org.id));
    const device = await first.devices.upsert(f.device(org.id, { ownerUserId: user.id }));
    await first.sessions.set(session);
    await first.rateLimits.hit('sign-in:x', 60_000, now);
    const seq = await first.changes.latestSeq();
    await first.close();

    const second = new EmbeddedStore(file);
    try {
      expect(await second.partners.get(partner.id)).toEqual(partner);
      expect(await second.orgs.get(partner.id, org.id)).toEqual(org);
      expect(await second.users.get(partner.id, user.id)).toEqual(user);
      expect(await second.devices.get(partner.id, device.id)).toEqual(device);
      expect(await second.sessions.get(session.sid, now)).toEqual(session);
      expect(await second.rateLimits.count('sign-in:x', now)).toBe(1);
      expect(await second.changes.latestSeq()).toBe(seq);
      expect((await second.changes.listAfter(0, 10)).map((c) => c.entity)).toEqual(['org', 'user', 'device']);
    } finally {
      await closeAndRemove(second);
    }
  });
});
