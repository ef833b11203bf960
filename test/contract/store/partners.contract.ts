// The contract cases of src/store/partners/ (its port.ts), run on every store adapter by
// test/contract/store.contract.ts; each test writes records of its own (the store may be shared).
import type { Store } from '../../../src/store/store';
import * as f from '../../helpers/factories';
import { type StoreContract, uid } from './helpers';

export function partnersContract(c: StoreContract): void {
  let s: Store;
  beforeAll(() => { s = c.store(); });

  describe('partners', () => {
    test('when a partner is upserted twice, then get answers the latest version and list holds it once', async () => {
      const p = f.partner({ name: 'Before' });
      await s.partners.upsert(p);
      await s.partners.upsert({ ...p, name: 'After' });

      expect(await s.partners.get(p.id)).toEqual({ id: p.id, name: 'After' });
      expect((await s.partners.list()).filter((x) => x.id === p.id)).toEqual([{ id: p.id, name: 'After' }]);
    });

    test('when a partner id is unknown, then get answers null', async () => {
      expect(await s.partners.get(`p-${uid()}`)).toBeNull();
    });
  });
}
