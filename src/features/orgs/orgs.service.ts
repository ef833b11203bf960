// The org page's story: everything an agent needs about a customer org on one screen.
// Every read is scoped by the agent's partner; another partner's org is simply not found.
import type { Clock } from '../../clock';
import { notFound } from '../../errors';
import type { Principal } from '../../http/request-context';
import type { Device, Org, Store, User } from '../../store/store';
import { subscriptionView, type SubscriptionView } from '../support/products';
import type { ProductContacts, SupportPlanView, SupportService } from '../support/support.service';
import type { WindowStatus } from '../support/support-plans';


export interface OrgView {
  org: Org;
  partnerName: string;
  admins: Array<Pick<User, 'id' | 'displayName' | 'email' | 'roles'>>;
  userCount: number;
  deviceCount: number;
  users: User[];
  devices: Device[];
  subscriptions: SubscriptionView[];
  /** The plan with its response targets; null when the org has none. */
  supportPlan: SupportPlanView | null;
  /** The plan region's business hours at this moment. */
  businessHours: WindowStatus | null;
  supportContacts: ProductContacts[];
}

export interface OrgsService {
  getOrg(principal: Principal, id: string): Promise<Org>;
  view(principal: Principal, id: string): Promise<OrgView>;
}

const LIST_LIMIT = 50;

export function createOrgsService(store: Store, clock: Clock, support: SupportService): OrgsService {
  const getOrg = async (principal: Principal, id: string) => {
    const org = await store.orgs.get(principal.partnerId, id);
    if (!org) throw notFound('Organization');
    return org;
  };

  return {
    getOrg,
    async view(principal, id) {
      const org = await getOrg(principal, id);
      const [partner, admins, userCount, deviceCount, users, devices, supportContacts] = await Promise.all([
        store.partners.get(org.partnerId),
        store.users.listAdmins(principal.partnerId, org.id),
        store.users.countByOrg(principal.partnerId, org.id),
        store.devices.countByOrg(principal.partnerId, org.id),
        store.users.listByOrg(principal.partnerId, org.id, { limit: LIST_LIMIT, offset: 0 }),
        store.devices.listByOrg(principal.partnerId, org.id, { limit: LIST_LIMIT, offset: 0 }),
        support.contacts(principal, org.id),
      ]);
      const plan = support.plan(org);
      return {
        org,
        partnerName: partner?.name ?? '',
        admins: admins.map((u) => ({ id: u.id, displayName: u.displayName, email: u.email, roles: u.roles })),
        userCount,
        deviceCount,
        users,
        devices,
        subscriptions: org.subscriptions.map((s) => subscriptionView(s, clock.now())),
        supportPlan: plan?.supportPlan ?? null,
        businessHours: plan?.businessHours ?? null,
        supportContacts,
      };
    },
  };
}
