// The test factories save a record with every parent it needs, so a test names only what it is about.
import { EmbeddedStore } from '../../src/store/embedded/embedded-store';
import { ManualClock } from '../../src/clock';
import { createAuthService } from '../../src/features/auth/auth.service';
import * as f from '../helpers/factories';
import { TEST_PASSWORD_LOG_N } from '../helpers/test-app';

describe('test factories', () => {
  let store: EmbeddedStore;
  beforeEach(() => { store = new EmbeddedStore(':memory:'); });
  afterEach(() => store.close());

  test('when a user is saved with no parent given, then its org and partner are in the store too', async () => {
    const user = await f.saveUser(store, { firstName: 'Ana' });
    const org = (await store.orgs.get(user.partnerId, user.orgId))!;
    expect(org.id).toBe(user.orgId);
    expect(await store.partners.get(user.partnerId)).toEqual({ id: user.partnerId, name: 'Test Partner' });
  });

  test('when records name a known partner, then it is saved once with its name and reused', async () => {
    const a = await f.saveOrg(store, { partnerId: 'p-north' });
    const device = await f.saveDevice(store, { partnerId: 'p-north' });
    expect(device.partnerId).toBe('p-north');
    expect(a.partnerId).toBe('p-north');
    expect(await store.partners.list()).toEqual([{ id: 'p-north', name: 'Northwind' }]);
  });

  test('when a token is saved for an agent not in the store, then the agent and its partner are saved and the token authenticates it', async () => {
    const auth = createAuthService(store, new ManualClock(new Date()), TEST_PASSWORD_LOG_N);
    const { token, agent } = await f.saveToken({ store, auth }, { partnerId: 'p-south', email: 'agent@south.example' });
    expect((await store.agents.getByEmail('agent@south.example'))!.partnerId).toBe('p-south');
    expect(await store.partners.get('p-south')).toEqual({ id: 'p-south', name: 'Southwind' });
    const principal = await auth.authenticateToken(token);
    expect(principal && 'agentId' in principal ? principal.agentId : null).toBe(agent.id);
  });
});
