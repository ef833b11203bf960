// Test data with sensible defaults; each test overrides only what it is about.
import crypto from 'node:crypto';
import type { DeviceInput, Org, Partner, UserInput } from '../../src/store/store';

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
