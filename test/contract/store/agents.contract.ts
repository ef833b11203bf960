// The contract cases of src/store/agents/ (its port.ts), run on every store adapter by
// test/contract/store.contract.ts; each test writes records of its own (the store may be shared).
import type { Store } from '../../../src/store/store';
import * as f from '../../helpers/factories';
import { type StoreContract, uid, agentOf, appErrorOf } from './helpers';

export function agentsContract(c: StoreContract): void {
  let s: Store;
  beforeAll(() => { s = c.store(); });

  describe('agents', () => {
    test('when an agent is created, then get, getByEmail in any case and listByPartner find it', async () => {
      const p = f.partner();
      const agent = agentOf(p.id, { email: `Mixed.Case-${uid()}@Example.com` });
      await s.agents.create(agent);
      const stored = { ...agent, email: agent.email.toLowerCase() };

      expect(await s.agents.get(agent.id)).toEqual(stored);
      expect(await s.agents.getByEmail(agent.email.toUpperCase())).toEqual(stored);
      expect(await s.agents.listByPartner(p.id)).toEqual([stored]);
      expect(await s.agents.listByPartner(`p-${uid()}`)).toEqual([]);
    });

    test("when an agent's email is taken, in any case and by any partner, then create is refused as a conflict", async () => {
      const first = agentOf(`p-${uid()}`);
      await s.agents.create(first);

      const err = await appErrorOf(s.agents.create(agentOf(`p-${uid()}`, { email: first.email.toUpperCase() })));
      expect(err.code).toBe('conflict');
      expect((await s.agents.getByEmail(first.email))?.id).toBe(first.id);
    });

    test("when an agent is updated, then the new fields are stored, and taking another agent's email is a conflict", async () => {
      const p = f.partner();
      const a = agentOf(p.id, { email: `b-${uid()}@example.com` });
      const other = agentOf(p.id, { email: `a-${uid()}@example.com` });
      await s.agents.create(a);
      await s.agents.create(other);

      const updated = { ...a, role: 'partner_admin' as const, disabled: true, failedLogins: 3, lockedUntil: '2024-02-01T10:15:00.000Z' };
      await s.agents.update(updated);
      expect(await s.agents.get(a.id)).toEqual(updated);
      expect((await s.agents.listByPartner(p.id)).map((x) => x.id)).toEqual([other.id, a.id]);

      const err = await appErrorOf(s.agents.update({ ...updated, email: other.email }));
      expect(err.code).toBe('conflict');
      expect(await s.agents.get(a.id)).toEqual(updated);
    });

    test('when an agent id or email is unknown, then get and getByEmail answer null', async () => {
      expect(await s.agents.get(uid())).toBeNull();
      expect(await s.agents.getByEmail(`nobody-${uid()}@example.com`)).toBeNull();
    });
  });
}
