// The contract cases of src/store/password-setups/ (its port.ts), run on every store adapter by
// test/contract/store.contract.ts; each test writes records of its own (the store may be shared).
import crypto from 'node:crypto';
import type { Store } from '../../../src/store/store';
import { type StoreContract, uid, setupOf } from './helpers';

export function passwordSetupsContract(c: StoreContract): void {
  let s: Store;
  beforeAll(() => { s = c.store(); });

  describe('password setup links', () => {
    test('when a link is created, then find answers it while unused and unexpired, and nothing for an unknown hash', async () => {
      const setup = setupOf(uid());
      await s.passwordSetups.create(setup);

      expect(await s.passwordSetups.find(setup.tokenHash, new Date())).toEqual(setup);
      expect(await s.passwordSetups.find(setup.tokenHash, new Date(setup.expiresAt))).toBeNull();
      expect(await s.passwordSetups.find(crypto.createHash('sha256').update(uid()).digest('hex'), new Date())).toBeNull();
    });

    test('when a link is consumed, then it is marked used once and can be neither found nor consumed again', async () => {
      const setup = setupOf(uid());
      await s.passwordSetups.create(setup);
      const now = new Date();

      expect(await s.passwordSetups.consume(setup.tokenHash, now)).toEqual({ ...setup, usedAt: now.toISOString() });
      expect(await s.passwordSetups.consume(setup.tokenHash, now)).toBeNull();
      expect(await s.passwordSetups.find(setup.tokenHash, now)).toBeNull();
    });

    test('when the same link is submitted twice at once, then exactly one submission consumes it', async () => {
      const setup = setupOf(uid());
      await s.passwordSetups.create(setup);

      const results = await Promise.all([1, 2].map(() => s.passwordSetups.consume(setup.tokenHash, new Date())));
      expect(results.filter((r) => r !== null)).toHaveLength(1);
    });

    test('when an expired link is consumed, then nothing happens', async () => {
      const setup = setupOf(uid());
      await s.passwordSetups.create(setup);

      expect(await s.passwordSetups.consume(setup.tokenHash, new Date(setup.expiresAt))).toBeNull();
      expect(await s.passwordSetups.find(setup.tokenHash, new Date())).toEqual(setup);
    });

    test("when a new link is created for the agent, then the agent's earlier unused link stops working", async () => {
      const agentId = uid();
      const first = setupOf(agentId);
      const second = setupOf(agentId, { createdAt: new Date(Date.now() + 1000).toISOString() });
      const otherAgents = setupOf(uid());
      await s.passwordSetups.create(first);
      await s.passwordSetups.create(otherAgents);
      await s.passwordSetups.create(second);

      expect(await s.passwordSetups.find(first.tokenHash, new Date())).toBeNull();
      expect(await s.passwordSetups.consume(first.tokenHash, new Date())).toBeNull();
      expect(await s.passwordSetups.find(second.tokenHash, new Date())).toEqual(second);
      expect(await s.passwordSetups.find(otherAgents.tokenHash, new Date())).toEqual(otherAgents);
    });
  });
}
