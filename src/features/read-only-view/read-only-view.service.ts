// The read-only org view: what the org's own admins see in their admin console (users, devices,
// licenses, sites, settings), shown to an agent only while the org's grant is active. The grant is
// read from the store on every call, never cached, so a revocation holds from the very next request.
import { notFound } from '../../errors';
import type { Principal } from '../../http/request-context';
import type { Device, Domain, Org, Site, Store, User, WebOrder } from '../../store/store';
import type { Clock } from '../../clock';
import { subscriptionView, type SubscriptionView } from '../support/products';
import type { ConsentService, GrantView } from '../consent/consent.service';

export const READ_ONLY_PAGE_SIZE = 50;

export interface ReadOnlyGrant { id: string; expiresAt: string; secondsLeft: number }

export interface ReadOnlyOrgView {
  org: { id: string; name: string; status: string; createdAt: string };
  grant: ReadOnlyGrant;
  sites: Site[];
  domains: Domain[];
  settings: Org['settings'];
  orders: WebOrder[];
  subscriptions: SubscriptionView[];
  /** License SKU → its name, from the org's subscriptions: users' licenses are shown by name. */
  licenseNames: Record<string, string>;
  users: Array<Pick<User, 'id' | 'displayName' | 'email' | 'status' | 'roles' | 'licenses'>>;
  userCount: number;
  /** `ownerName`: the owner's name when they are a user of the org, else null. */
  devices: Array<Pick<Device, 'id' | 'displayName' | 'model' | 'serial' | 'status' | 'ownerUserId'> & { ownerName: string | null }>;
  deviceCount: number;
  page: number;
  pages: number;
}

export interface ReadOnlyUserView {
  org: { id: string; name: string };
  grant: ReadOnlyGrant;
  user: Omit<User, 'partnerId'>;
  licenseNames: Record<string, string>;
  devices: Array<Pick<Device, 'id' | 'displayName' | 'model' | 'serial' | 'status'>>;
}

export interface ReadOnlyViewService {
  orgView(principal: Principal, orgId: string, page: number): Promise<ReadOnlyOrgView>;
  userView(principal: Principal, orgId: string, userId: string): Promise<ReadOnlyUserView>;
}

const grantOf = (g: GrantView): ReadOnlyGrant => ({ id: g.id, expiresAt: g.expiresAt, secondsLeft: g.secondsLeft });
const licenseNamesOf = (org: Org): Record<string, string> =>
  Object.fromEntries(org.subscriptions.flatMap((s) => s.licenses.map((l) => [l.sku, l.name])));

export function createReadOnlyViewService(store: Store, consent: ConsentService, clock: Clock): ReadOnlyViewService {
  /** Names of the devices' owners: from the page's users, else read (only users of this org count). */
  async function ownerNames(org: Org, devices: Device[], users: User[]): Promise<Map<string, string>> {
    const names = new Map(users.map((u) => [u.id, u.displayName]));
    const missing = [...new Set(devices.map((d) => d.ownerUserId).filter((id): id is string => !!id && !names.has(id)))];
    await Promise.all(missing.map(async (id) => {
      const owner = await store.users.get(org.partnerId, id);
      if (owner && owner.orgId === org.id) names.set(id, owner.displayName);
    }));
    return names;
  }

  return {
    async orgView(principal, orgId, page) {
      const { org, grant } = await consent.requireActive(principal, orgId);
      const offset = (page - 1) * READ_ONLY_PAGE_SIZE;
      const [users, userCount, devices, deviceCount] = await Promise.all([
        store.users.listByOrg(org.partnerId, org.id, { limit: READ_ONLY_PAGE_SIZE, offset }),
        store.users.countByOrg(org.partnerId, org.id),
        store.devices.listByOrg(org.partnerId, org.id, { limit: READ_ONLY_PAGE_SIZE, offset }),
        store.devices.countByOrg(org.partnerId, org.id),
      ]);
      const owners = await ownerNames(org, devices, users);
      return {
        org: { id: org.id, name: org.name, status: org.status, createdAt: org.createdAt },
        grant: grantOf(grant),
        sites: org.sites,
        domains: org.domains,
        settings: org.settings,
        orders: org.orders,
        subscriptions: org.subscriptions.map((s) => subscriptionView(s, clock.now())),
        licenseNames: licenseNamesOf(org),
        users: users.map(({ id, displayName, email, status, roles, licenses }) => ({ id, displayName, email, status, roles, licenses })),
        userCount,
        devices: devices.map(({ id, displayName, model, serial, status, ownerUserId }) =>
          ({ id, displayName, model, serial, status, ownerUserId, ownerName: ownerUserId ? owners.get(ownerUserId) ?? null : null })),
        deviceCount,
        page,
        pages: Math.max(1, Math.ceil(Math.max(userCount, deviceCount) / READ_ONLY_PAGE_SIZE)),
      };
    },

    async userView(principal, orgId, userId) {
      const { org, grant } = await consent.requireActive(principal, orgId);
      const user = await store.users.get(org.partnerId, userId);
      // A user of another org of the same partner is not part of this org's view.
      if (!user || user.orgId !== org.id) throw notFound('User');
      const devices = await store.devices.listByOwner(org.partnerId, user.id);
      const { partnerId: _partner, ...shown } = user;
      return {
        org: { id: org.id, name: org.name },
        grant: grantOf(grant),
        user: shown,
        licenseNames: licenseNamesOf(org),
        devices: devices.map(({ id, displayName, model, serial, status }) => ({ id, displayName, model, serial, status })),
      };
    },
  };
}
