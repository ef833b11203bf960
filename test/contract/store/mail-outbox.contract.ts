// The contract cases of src/store/mail-outbox/ (its port.ts), run on every store adapter by
// test/contract/store.contract.ts; each test writes records of its own (the store may be shared).
import type { Store } from '../../../src/store/store';
import { type StoreContract, uid, mailOf } from './helpers';

export function mailOutboxContract(c: StoreContract): void {
  let s: Store;
  beforeAll(() => { s = c.store(); });

  describe('mail outbox', () => {
    test("when mails are appended, then the partner lists them newest first, a page at a time, and another partner sees none", async () => {
      const partnerId = `p-${uid()}`;
      const mails = ['2024-04-01', '2024-04-03', '2024-04-02'].map((d) => mailOf(partnerId, { createdAt: `${d}T10:00:00.000Z` }));
      for (const m of mails) await s.mailOutbox.append(m);
      await s.mailOutbox.append(mailOf(`p-${uid()}`));

      expect(await s.mailOutbox.listByPartner(partnerId, { limit: 2, offset: 0 })).toEqual([mails[1], mails[2]]);
      expect(await s.mailOutbox.listByPartner(partnerId, { limit: 2, offset: 2 })).toEqual([mails[0]]);
      expect(await s.mailOutbox.listByPartner(`p-${uid()}`, { limit: 10, offset: 0 })).toEqual([]);
    });

    test('when the development mailbox lists every mail, then every partner\'s mail comes newest first', async () => {
      // Dated after anything else in the suite, so they are the newest.
      const a = mailOf(`p-${uid()}`, { createdAt: '2099-01-01T10:00:00.000Z' });
      const b = mailOf(`p-${uid()}`, { createdAt: '2099-01-02T10:00:00.000Z' });
      for (const m of [a, b]) await s.mailOutbox.append(m);
      expect(await s.mailOutbox.listAll({ limit: 2, offset: 0 })).toEqual([b, a]);
      expect((await s.mailOutbox.listAll({ limit: 1, offset: 1 }))).toEqual([a]);
    });
  });
}
