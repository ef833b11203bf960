// Support entitlement's story: an org's plan with its response targets and business hours
// now, its named support contacts per product within the tier's quota, and the user page's answer to
// "is this caller a named contact, and licensed for the product they call about?".
//
// Readers: an agent reads any org of their partner; a customer admin (the customer portal) reads only
// their own org. Writers: only a principal pinned to one org (a customer admin) manages contacts, and
// the org comes from that principal, never from the request; agents see contacts but cannot change
// them, which the types enforce (an agent principal has no orgId).
import type { Clock } from '../../clock';
import { conflict, invalid, notFound } from '../../errors';
import { LocalizedRefusal } from '../../http/action-context';
import type { Org, Store, SupportRegion, SupportTier, User } from '../../store/store';
import { checkLicense, orgProducts, type LicenseCheck } from './products';
import {
  BUSINESS_HOURS, CONTACT_QUOTA, PRIORITIES, businessHoursStatus, coverageNow, planIncludes, planZone, supportLanguages,
  type Coverage, type Inclusion, type PlanFeature, type Priority, type ResponseTime, type WindowStatus,
} from './support-plans';

/** Who reads: any principal of a partner; one that carries an orgId reads that org only. */
export interface SupportReader { partnerId: string; orgId?: string }
/** Who manages contacts: a principal pinned to one org of a partner (a customer admin). */
export interface SupportManager { partnerId: string; orgId: string }

export interface TargetView {
  priority: Priority;
  coverage: Coverage;
  within: ResponseTime;
  /** Whether the response clock runs right now (inside this target's coverage). */
  coveredNow: boolean;
  /** Minutes until it starts running, when it does not now. */
  startsIn?: number;
}

export interface SupportPlanView {
  tier: SupportTier;
  region: SupportRegion;
  /** The clock of the business hours: the plan's own zone, else the region's. */
  zone: string;
  hours: { open: string; close: string };
  contactQuota: number;
  targets: TargetView[];
  /** Languages support is given in (BCP 47). */
  languages: string[];
  /** What the plan includes, in the tier comparison's order. */
  includes: Array<{ feature: PlanFeature; value: Inclusion }>;
}

export interface ContactView { userId: string; displayName: string; email: string }

export interface ProductContacts {
  product: string;
  quota: number;
  count: number;
  /** Imported data may exceed the quota: the platform is the source, the quota binds changes made here. */
  over: boolean;
  contacts: ContactView[];
}

export interface ContactsPanel {
  products: ProductContacts[];
  /** Products a contact may be named for: the org's own (imported contacts may name others). */
  addable: string[];
  users: ContactView[];
  /** The org has more users than the picker lists. */
  moreUsers: boolean;
}

/** Users listed in the customer portal's picker: enough for an org's admins to find theirs by name. */
export const PICKER_LIMIT = 1000;

export interface EntitlementView {
  /** Products this user is a named support contact for. */
  contactFor: string[];
  /** The org's products, for the picker. */
  products: string[];
  /** The product asked about, if any, and the answers for it. */
  product: string | null;
  isContactForProduct: boolean | null;
  license: LicenseCheck | null;
  /** The priority of the caller's issue, if the agent gave one. */
  priority: Priority | null;
  /**
   * Whether the agent may help on the phone: `included`; `p1_only` (an online plan, priority not
   * given); `online_case` (an online plan and not a P1: live phone support is not included, the
   * customer opens an online case); `no_plan`.
   */
  phoneSupport: 'included' | 'p1_only' | 'online_case' | 'no_plan';
  /** Not a named support contact (for the product asked about, or for any): limited help, general questions. */
  limitedHelp: boolean;
}

export interface SupportService {
  plan(org: Org): { supportPlan: SupportPlanView; businessHours: WindowStatus } | null;
  contacts(principal: SupportReader, orgId: string): Promise<ProductContacts[]>;
  /** The customer portal's section: each product's contacts, and the org's users to name. */
  contactsPanel(manager: SupportManager): Promise<ContactsPanel>;
  addContact(principal: SupportManager, userId: string, product: string): Promise<ProductContacts[]>;
  removeContact(principal: SupportManager, userId: string, product: string): Promise<ProductContacts[]>;
  entitlement(org: Org, user: User, product?: string, priority?: Priority): EntitlementView;
}

// An org without a plan gets the smallest quota: entitlement is never assumed beyond what was bought.
const quotaOf = (org: Org) => CONTACT_QUOTA[org.supportPlan?.tier ?? 'online'];

export function createSupportService(store: Store, clock: Clock): SupportService {
  const getOrg = async (principal: SupportReader, orgId: string) => {
    // Out of a customer admin's own org answers like a missing org.
    const org = principal.orgId === undefined || principal.orgId === orgId ? await store.orgs.get(principal.partnerId, orgId) : null;
    if (!org) throw notFound('Organization');
    return org;
  };

  const contactsOf = async (org: Org): Promise<ProductContacts[]> => {
    const quota = quotaOf(org);
    const listed = await store.supportContacts.listByOrg(org.partnerId, org.id);
    const products = [...new Set([...orgProducts(org), ...listed.map((c) => c.product)])].sort((a, b) => a.localeCompare(b));
    return products.map((product) => {
      const contacts = listed.filter((c) => c.product === product)
        .map(({ userId, displayName, email }) => ({ userId, displayName, email }));
      return { product, quota, count: contacts.length, over: contacts.length > quota, contacts };
    });
  };

  const userOfOrg = async (principal: SupportManager, userId: string) => {
    const user = await store.users.get(principal.partnerId, userId);
    if (!user || user.orgId !== principal.orgId) throw notFound('User');
    return user;
  };

  return {
    plan(org) {
      if (!org.supportPlan) return null;
      const { tier, region } = org.supportPlan;
      const now = clock.now();
      const { open, close } = BUSINESS_HOURS[region];
      const zone = planZone(org.supportPlan);
      const targets = PRIORITIES.map((priority): TargetView => {
        const c = coverageNow(tier, priority, region, now, zone);
        return { priority, coverage: c.coverage, within: c.within, coveredNow: c.open, ...(c.open ? {} : { startsIn: c.opensIn }) };
      });
      return {
        supportPlan: {
          tier, region, zone, hours: { open, close }, contactQuota: CONTACT_QUOTA[tier], targets,
          languages: supportLanguages(region), includes: planIncludes(tier),
        },
        businessHours: businessHoursStatus(region, now, zone),
      };
    },

    async contacts(principal, orgId) {
      return contactsOf(await getOrg(principal, orgId));
    },

    async contactsPanel(manager) {
      const org = await getOrg(manager, manager.orgId);
      const [products, users] = await Promise.all([
        contactsOf(org),
        store.users.listByOrg(org.partnerId, org.id, { limit: PICKER_LIMIT + 1, offset: 0 }),
      ]);
      return {
        products,
        addable: orgProducts(org),
        users: users.slice(0, PICKER_LIMIT).map((u) => ({ userId: u.id, displayName: u.displayName, email: u.email })),
        moreUsers: users.length > PICKER_LIMIT,
      };
    },

    async addContact(principal, userId, product) {
      const org = await getOrg(principal, principal.orgId);
      // The user first: another org's user is not found, whatever the product.
      await userOfOrg(principal, userId);
      if (!orgProducts(org).includes(product)) {
        throw invalid(`${org.name} has no product ${product}.`, [{ field: 'product', message: 'not a product of this org' }]);
      }
      const quota = quotaOf(org);
      const result = await store.supportContacts.add(principal.partnerId, org.id, userId, product, quota);
      if (result === 'no_such_user') throw notFound('User');
      if (result === 'quota_reached') {
        const tier = org.supportPlan?.tier ?? 'online';
        throw new LocalizedRefusal(
          conflict(`${product} already has ${quota} named support contacts, the most the ${tier} tier allows. Remove one first.`),
          'support.contacts.error.quota', { product, quota });
      }
      return contactsOf(org);
    },

    async removeContact(principal, userId, product) {
      const org = await getOrg(principal, principal.orgId);
      await userOfOrg(principal, userId);
      await store.supportContacts.remove(principal.partnerId, org.id, userId, product);
      return contactsOf(org);
    },

    entitlement(org, user, product, priority) {
      const asked = product?.trim() || null;
      const isContactForProduct = asked ? user.supportContactFor.includes(asked) : null;
      const tier = org.supportPlan?.tier;
      const phoneSupport = !tier ? 'no_plan'
        : tier !== 'online' ? 'included'
          : priority === 'P1' ? 'included' : priority ? 'online_case' : 'p1_only';
      return {
        contactFor: user.supportContactFor,
        products: orgProducts(org),
        product: asked,
        isContactForProduct,
        license: asked ? checkLicense(org, user, asked, clock.now()) : null,
        priority: priority ?? null,
        phoneSupport,
        limitedHelp: asked ? !isContactForProduct : user.supportContactFor.length === 0,
      };
    },
  };
}
