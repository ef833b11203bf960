// The contract cases of src/store/api-tokens/ (its port.ts), run on every store adapter by
// test/contract/store.contract.ts; each test writes records of its own (the store may be shared).
import crypto from 'node:crypto';
import type { Store } from '../../../src/store/store';
import { type StoreContract, uid, tokenOf } from './helpers';

export function apiTokensContract(c: StoreContract): void {
  let s: Store;
  beforeAll(() => { s = c.store(); });

  describe('API tokens', () => {
    test('when a token is created, then getByHash finds it and an unknown hash finds nothing', async () => {
      const t = tokenOf(`p-${uid()}`);
      await s.apiTokens.create(t);

      expect(await s.apiTokens.getByHash(t.tokenHash)).toEqual(t);
      expect(await s.apiTokens.getByHash(crypto.createHash('sha256').update(uid()).digest('hex'))).toBeNull();
    });

    test('when an integration token (acting as no agent) is created, then it reads back with its role and no agent, listed with its partner', async () => {
      const partnerId = `p-${uid()}`;
      const t = tokenOf(partnerId, { agentId: null, role: 'integration' });
      await s.apiTokens.create(t);

      expect(await s.apiTokens.getByHash(t.tokenHash)).toEqual(t);
      expect(await s.apiTokens.listByPartner(partnerId)).toEqual([t]);
    });

    test('when a token is touched, then its lastUsedAt is set', async () => {
      const t = tokenOf(`p-${uid()}`);
      await s.apiTokens.create(t);
      await s.apiTokens.touch(t.id, '2024-02-02T09:30:00.000Z');

      expect(await s.apiTokens.getByHash(t.tokenHash)).toEqual({ ...t, lastUsedAt: '2024-02-02T09:30:00.000Z' });
    });

    test('when another partner revokes a token, then nothing happens; its own partner revokes it exactly once', async () => {
      const partnerId = `p-${uid()}`;
      const t = tokenOf(partnerId);
      await s.apiTokens.create(t);

      expect(await s.apiTokens.revoke(`p-${uid()}`, t.id, '2024-02-03T00:00:00.000Z')).toBe(false);
      expect((await s.apiTokens.getByHash(t.tokenHash))?.revokedAt).toBeNull();
      expect(await s.apiTokens.revoke(partnerId, t.id, '2024-02-03T00:00:00.000Z')).toBe(true);
      expect((await s.apiTokens.getByHash(t.tokenHash))?.revokedAt).toBe('2024-02-03T00:00:00.000Z');
      expect(await s.apiTokens.revoke(partnerId, t.id, '2024-02-04T00:00:00.000Z')).toBe(false);
      expect((await s.apiTokens.getByHash(t.tokenHash))?.revokedAt).toBe('2024-02-03T00:00:00.000Z');
      expect(await s.apiTokens.revoke(partnerId, uid(), '2024-02-04T00:00:00.000Z')).toBe(false);
    });

    test("when tokens are listed, then only the partner's come, newest first", async () => {
      const partnerId = `p-${uid()}`;
      const older = tokenOf(partnerId, { createdAt: '2024-01-01T00:00:00.000Z' });
      const newer = tokenOf(partnerId, { createdAt: '2024-06-01T00:00:00.000Z' });
      await s.apiTokens.create(older);
      await s.apiTokens.create(newer);
      await s.apiTokens.create(tokenOf(`p-${uid()}`));

      expect(await s.apiTokens.listByPartner(partnerId)).toEqual([newer, older]);
    });
  });
}
