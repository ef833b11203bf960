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

const inForce = (s: Subscription, now: Date) =>
  (s.status === 'active' || s.status === 'trial') && s.end.slice(0, 10) >= now.toISOString().slice(0, 10);

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
