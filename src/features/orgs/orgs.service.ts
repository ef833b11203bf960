// The org page's story: what an agent needs about a customer org to help a caller, on one screen.
// Every read is scoped by the agent's partner; another partner's org is simply not found.
//
// Where consent draws the line: without a grant an agent sees the org's identity, status, sites,
// domains, orders, subscriptions and licenses, its admins, support plan and named contacts, and
// finds individual users and devices (the caller) through the search inside the org. Listing the
// org's whole user and device inventory, and its settings, is what the org's admins allow through
// a grant: that is the read-only view's (read-only-view/read-only-view.service.ts), never this page's.
import type { Clock } from '../../clock';
import { notFound } from '../../errors';
import type { Principal } from '../../http/request-context';
import type { Org, Store, User } from '../../store/store';
import { subscriptionView, type SubscriptionView } from '../support/products';
import type { ProductContacts, SupportPlanView, SupportService } from '../support/support.service';
import type { WindowStatus } from '../support/support-plans';


/** The org without its settings, which only the read-only view shows. */
export type OrgSummary = Omit<Org, 'settings'>;

export interface OrgView {
  org: OrgSummary;
  partnerName: string;
  admins: Array<Pick<User, 'id' | 'displayName' | 'email' | 'roles'>>;
  /** How many, never who: the lists are the read-only view's. */
  userCount: number;
  deviceCount: number;
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
      const [partner, admins, userCount, deviceCount, supportContacts] = await Promise.all([
        store.partners.get(org.partnerId),
        store.users.listAdmins(principal.partnerId, org.id),
        store.users.countByOrg(principal.partnerId, org.id),
        store.devices.countByOrg(principal.partnerId, org.id),
        support.contacts(principal, org.id),
      ]);
      const plan = support.plan(org);
      const { settings: _settings, ...summary } = org;
      return {
        org: summary,
        partnerName: partner?.name ?? '',
        admins: admins.map((u) => ({ id: u.id, displayName: u.displayName, email: u.email, roles: u.roles })),
        userCount,
        deviceCount,
        subscriptions: org.subscriptions.map((s) => subscriptionView(s, clock.now())),
        supportPlan: plan?.supportPlan ?? null,
        businessHours: plan?.businessHours ?? null,
        supportContacts,
      };
    },
  };
}
