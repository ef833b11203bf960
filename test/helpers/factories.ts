// Test data with sensible defaults; each test overrides only what it is about.
import crypto from 'node:crypto';
import type { Agent, AgentRole, Device, DeviceInput, Org, Partner, Store, User, UserInput } from '../../src/store/store';
import type { AuthService } from '../../src/features/auth/auth.service';
import { PASSWORD } from './test-app';

export const partner = (over: Partial<Partner> = {}): Partner => ({ id: `p-${crypto.randomUUID().slice(0, 8)}`, name: 'Test Partner', ...over });

export const org = (partnerId: string, over: Partial<Org> = {}): Org => ({
  id: crypto.randomUUID(),
  partnerId,
  name: 'Acme Corporation',
  status: 'active',
  createdAt: '2024-01-10T09:00:00.000Z',
  domains: [],
  sites: [],
  orders: [],
  subscriptions: [],
  supportPlan: { tier: 'business', region: 'emea' },
  settings: {},
  ...over,
});

export const user = (orgId: string, over: Partial<UserInput> = {}): UserInput => {
  const firstName = over.firstName ?? 'Jane';
  const lastName = over.lastName ?? 'Doe';
  return {
    id: crypto.randomUUID(),
    orgId,
    email: `${firstName}.${lastName}@example.com`.toLowerCase(),
    firstName,
    lastName,
    displayName: `${firstName} ${lastName}`,
    phone: '',
    sipAddress: '',
    status: 'active',
    createdAt: '2024-01-11T09:00:00.000Z',
    roles: [],
    licenses: [],
    features: [],
    supportContactFor: [],
    lastEmail: null,
    ...over,
  };
};

export const device = (orgId: string, over: Partial<DeviceInput> = {}): DeviceInput => ({
  id: crypto.randomUUID(),
  orgId,
  ownerUserId: null,
  displayName: 'Meeting Room 1',
  model: 'Room Kit',
  serial: 'FOC0000X0AA',
  mac: '00:11:22:33:44:55',
  sipAddress: '',
  status: 'online',
  ...over,
});

// Saved records with their parents (partner → org → user or device; partner → agent → token): a
// test names only the records it is about, and whatever parent it does not give is created.

/** The partners most tests use, by the names their pages show. */
const PARTNER_NAMES: Record<string, string> = { 'p-north': 'Northwind', 'p-south': 'Southwind' };

/** The partner `id` (a new one without it), saved unless the store has it already. */
export async function savePartner(store: Store, id?: string): Promise<Partner> {
  const found = id ? await store.partners.get(id) : null;
  if (found) return found;
  const saved = partner(id ? { id, name: PARTNER_NAMES[id] ?? 'Test Partner' } : {});
  await store.partners.upsert(saved);
  return saved;
}

/** An org saved under its partner (`partnerId`, saved first if missing; a new partner without it). */
export async function saveOrg(store: Store, over: Partial<Org> = {}): Promise<Org> {
  const { id: partnerId } = await savePartner(store, over.partnerId);
  const saved = org(partnerId, over);
  await store.orgs.upsert(saved);
  return saved;
}

/** A user saved in its org (`orgId`; without it, a new org of `partnerId`, or of a new partner). */
export async function saveUser(store: Store, over: Partial<UserInput> & { partnerId?: string } = {}): Promise<User> {
  const { partnerId, ...fields } = over;
  const orgId = fields.orgId ?? (await saveOrg(store, partnerId ? { partnerId } : {})).id;
  return store.users.upsert(user(orgId, fields));
}

/** A device saved in its org (`orgId`; without it, a new org of `partnerId`, or of a new partner). */
export async function saveDevice(store: Store, over: Partial<DeviceInput> & { partnerId?: string } = {}): Promise<Device> {
  const { partnerId, ...fields } = over;
  const orgId = fields.orgId ?? (await saveOrg(store, partnerId ? { partnerId } : {})).id;
  return store.devices.upsert(device(orgId, fields));
}

interface AgentSaving { store: Store; auth: Pick<AuthService, 'createAgent' | 'createToken'> }

/** An agent (password PASSWORD: signIn()'s default) saved under its partner (`partnerId`, saved first if missing). */
export async function saveAgent(t: AgentSaving, over: { partnerId?: string; email?: string; role?: AgentRole } = {}): Promise<Agent> {
  const { id: partnerId } = await savePartner(t.store, over.partnerId);
  const email = over.email ?? `agent-${crypto.randomUUID().slice(0, 8)}@${partnerId}.example`;
  return t.auth.createAgent({ partnerId, email, name: email.split('@')[0]!, role: over.role ?? 'helpdesk', password: PASSWORD });
}

/** An API token of the agent `email` (saved first, with `partnerId` and `role`, when missing). */
export async function saveToken(t: AgentSaving, over: { partnerId?: string; email?: string; role?: AgentRole } = {}): Promise<{ token: string; agent: Agent }> {
  const agent = (over.email ? await t.store.agents.getByEmail(over.email) : null) ?? await saveAgent(t, over);
  return { token: (await t.auth.createToken(agent.email, 'test')).token, agent };
}
