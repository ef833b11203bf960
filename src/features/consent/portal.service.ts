// The read-only org view (spec 3.6): what the org's own admins see in their portal (users, devices,
// licenses, sites, settings), shown to an agent only while the org's grant is active. The grant is
// read from the store on every call, never cached, so a revocation holds from the very next request.
import { notFound } from '../../errors';
import type { Principal } from '../../http/request-context';
import type { Device, Domain, Org, Site, Store, User } from '../../store/store';
import type { Clock } from '../../clock';
import { subscriptionView, type SubscriptionView } from '../support/products';
import type { ConsentService, GrantView } from './consent.service';

export const PORTAL_PAGE_SIZE = 50;

export interface PortalGrant { id: string; expiresAt: string; secondsLeft: number }

export interface PortalOrgView {
  org: { id: string; name: string; status: string; createdAt: string };
  grant: PortalGrant;
  sites: Site[];
  domains: Domain[];
  settings: Org['settings'];
  subscriptions: SubscriptionView[];
  users: Array<Pick<User, 'id' | 'displayName' | 'email' | 'status' | 'roles' | 'licenses'>>;
  userCount: number;
  devices: Array<Pick<Device, 'id' | 'displayName' | 'model' | 'serial' | 'status' | 'ownerUserId'>>;
  deviceCount: number;
  page: number;
  pages: number;
}

export interface PortalUserView {
  org: { id: string; name: string };
  grant: PortalGrant;
  user: Omit<User, 'partnerId'>;
  devices: Array<Pick<Device, 'id' | 'displayName' | 'model' | 'serial' | 'status'>>;
}

export interface PortalService {
  orgView(principal: Principal, orgId: string, page: number): Promise<PortalOrgView>;
  userView(principal: Principal, orgId: string, userId: string): Promise<PortalUserView>;
}

const grantOf = (g: GrantView): PortalGrant => ({ id: g.id, expiresAt: g.expiresAt, secondsLeft: g.secondsLeft });

export function createPortalService(store: Store, consent: ConsentService, clock: Clock): PortalService {
  return {
    async orgView(principal, orgId, page) {
      const { org, grant } = await consent.requireActive(principal, orgId);
      const offset = (page - 1) * PORTAL_PAGE_SIZE;
      const [users, userCount, devices, deviceCount] = await Promise.all([
        store.users.listByOrg(org.partnerId, org.id, { limit: PORTAL_PAGE_SIZE, offset }),
        store.users.countByOrg(org.partnerId, org.id),
        store.devices.listByOrg(org.partnerId, org.id, { limit: PORTAL_PAGE_SIZE, offset }),
        store.devices.countByOrg(org.partnerId, org.id),
      ]);
      return {
        org: { id: org.id, name: org.name, status: org.status, createdAt: org.createdAt },
        grant: grantOf(grant),
        sites: org.sites,
        domains: org.domains,
        settings: org.settings,
        subscriptions: org.subscriptions.map((s) => subscriptionView(s, clock.now())),
        users: users.map(({ id, displayName, email, status, roles, licenses }) => ({ id, displayName, email, status, roles, licenses })),
        userCount,
        devices: devices.map(({ id, displayName, model, serial, status, ownerUserId }) => ({ id, displayName, model, serial, status, ownerUserId })),
        deviceCount,
        page,
        pages: Math.max(1, Math.ceil(Math.max(userCount, deviceCount) / PORTAL_PAGE_SIZE)),
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
        devices: devices.map(({ id, displayName, model, serial, status }) => ({ id, displayName, model, serial, status })),
      };
    },
  };
}
