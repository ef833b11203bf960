// Products and licenses: which products an org has, and whether a user holds a license for one.
//
// The import carries product names (web orders' `product`, named contacts' `supportContactFor`) and
// license SKUs (subscriptions' licenses, users' `licenses`), but no link between the two. The link:
// a license of the org is for product P when
//   1. its SKU family (the prefix before the first dash, below) belongs to P, or
//   2. its own name is P, or
//   3. its subscription's plan is P (a suite sold as one product covers every license in it).
// Only subscriptions in force count: status active or trial, and not past their end date.
// A user is licensed for P when one of the user's SKUs is one of those licenses.
import type { License, Org, Subscription, User } from '../../store/records';

export const SKU_FAMILIES: Readonly<Record<string, string>> = {
  MEET: 'Webex Meetings',
  CALL: 'Webex Calling',
  MSG: 'Webex Messaging',
  WEBINAR: 'Webex Webinars',
  CC: 'Webex Contact Center',
};

/** The product a license is sold as: its SKU family, else its own name. */
export function productOfLicense(license: License): string {
  return SKU_FAMILIES[license.sku.split('-')[0].toUpperCase()] ?? license.name;
}

/** Products the org has bought (orders) or holds licenses for, sorted. */
export function orgProducts(org: Org): string[] {
  const names = new Set<string>();
  for (const o of org.orders) if (o.product) names.add(o.product);
  for (const s of org.subscriptions) for (const l of s.licenses) names.add(productOfLicense(l));
  return [...names].sort((a, b) => a.localeCompare(b));
}

/**
 * Where a subscription stands today, from its dates and the clock rather than the status last
 * imported (a source may leave `active` on a subscription that ended):
 * - `inactive`: the source says it is not active or on trial (expired, cancelled, suspended…);
 * - `not_started`: its start date is still ahead;
 * - `ended`: its end date has passed (the end date is the last day it covers);
 * - `ending`: in force, and its last day is within `soonDays`;
 * - `active`: in force.
 * Dates are compared as UTC calendar days, as the import gives them.
 */
export type SubscriptionState = 'inactive' | 'not_started' | 'active' | 'ending' | 'ended';
export interface SubscriptionTimeline {
  state: SubscriptionState;
  /** Whole days from today to its last day (0 = ends today); null unless in force. */
  daysLeft: number | null;
}

export const ENDING_SOON_DAYS = 30;
const DAY_MS = 86_400_000;
const dayNumber = (iso: string) => Math.floor(Date.parse(`${iso.slice(0, 10)}T00:00:00Z`) / DAY_MS);

export function subscriptionTimeline(s: Pick<Subscription, 'status' | 'start' | 'end'>, now: Date, soonDays = ENDING_SOON_DAYS): SubscriptionTimeline {
  if (s.status !== 'active' && s.status !== 'trial') return { state: 'inactive', daysLeft: null };
  const today = Math.floor(now.getTime() / DAY_MS);
  const end = s.end ? dayNumber(s.end) : Number.NaN;
  const start = s.start ? dayNumber(s.start) : Number.NaN;
  if (Number.isFinite(end) && today > end) return { state: 'ended', daysLeft: null };
  if (Number.isFinite(start) && today < start) return { state: 'not_started', daysLeft: null };
  if (!Number.isFinite(end)) return { state: 'active', daysLeft: null };
  const daysLeft = end - today;
  return { state: daysLeft <= soonDays ? 'ending' : 'active', daysLeft };
}

const inForce = (s: Subscription, now: Date) => {
  const { state } = subscriptionTimeline(s, now);
  return state === 'active' || state === 'ending';
};

/** SKUs of the org's licenses, in subscriptions in force, that are for `product`. */
export function skusForProduct(org: Org, product: string, now: Date): string[] {
  const skus = new Set<string>();
  for (const s of org.subscriptions) {
    if (!inForce(s, now)) continue;
    for (const l of s.licenses) {
      if (productOfLicense(l) === product || l.name === product || s.plan === product) skus.add(l.sku);
    }
  }
  return [...skus];
}

export type LicenseAnswer =
  /** The user holds one of the org's licenses for the product. */
  | 'licensed'
  /** The org has licenses for the product, but none is the user's. */
  | 'not_assigned'
  /** The org holds no license in force for the product. */
  | 'org_has_none';

export interface LicenseCheck { product: string; answer: LicenseAnswer; licensed: boolean; skus: string[] }

export function checkLicense(org: Org, user: Pick<User, 'licenses'>, product: string, now: Date): LicenseCheck {
  const orgSkus = skusForProduct(org, product, now);
  const held = user.licenses.filter((sku) => orgSkus.includes(sku));
  const answer: LicenseAnswer = held.length ? 'licensed' : orgSkus.length ? 'not_assigned' : 'org_has_none';
  return { product, answer, licensed: answer === 'licensed', skus: held };
}

export interface LicenseView { sku: string; name: string; quantity: number; used: number; percent: number; over: boolean }
export interface SubscriptionView extends SubscriptionTimeline {
  /** `status` is the source's word; `state` and `daysLeft` are today's, from the dates. */
  id: string; plan: string; status: string; start: string; end: string; endingSoon: boolean; licenses: LicenseView[];
}

/** A subscription as pages and the API show it: where it stands today, and its license bars. */
export function subscriptionView(s: Subscription, now: Date): SubscriptionView {
  const timeline = subscriptionTimeline(s, now);
  return {
    ...s,
    ...timeline,
    endingSoon: timeline.state === 'ending',
    licenses: s.licenses.map((l) => ({
      ...l,
      percent: l.quantity > 0 ? Math.min(100, Math.round((l.used / l.quantity) * 100)) : 0,
      over: l.used > l.quantity,
    })),
  };
}
