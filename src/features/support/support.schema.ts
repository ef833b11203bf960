import { z } from 'zod';
import { PLAN_FEATURES, PRIORITIES } from './support-tables';

/** `?product=` on the user page: the product the caller calls about (an empty choice asks nothing). */
export const entitlementQuery = z.object({
  product: z.string().trim().max(200, 'at most 200 characters').optional(),
  /** The priority of the caller's issue (an empty choice asks nothing). */
  priority: z.preprocess((v) => (v === '' ? undefined : v), z.enum(PRIORITIES).optional()),
});

/** The customer portal's add and remove forms; the org comes from the signed-in admin, never from here. */
export const contactForm = z.object({
  userId: z.string().trim().min(1, 'choose a user').max(100),
  product: z.string().trim().min(1, 'choose a product').max(200),
});

// The answers (support.service.ts) as the JSON API gives them, for the OpenAPI document.
const responseTime = z.union([z.object({ minutes: z.number() }), z.object({ businessDays: z.number() })]);
const inclusion = z.union([z.boolean(), z.enum(['p1_only', 'first_year']), z.object({ perYear: z.number() })]);

export const supportPlanViewAnswer = z.object({
  tier: z.enum(['online', 'business', 'enterprise', 'elite']),
  region: z.enum(['americas', 'emea', 'apac', 'japan']),
  zone: z.string(),
  hours: z.object({ open: z.string(), close: z.string() }),
  contactQuota: z.number().int(),
  targets: z.array(z.object({
    priority: z.enum(PRIORITIES),
    coverage: z.enum(['24x7', '24x5', 'business_hours']),
    within: responseTime,
    coveredNow: z.boolean(),
    startsIn: z.number().optional(),
  })),
  languages: z.array(z.string()),
  includes: z.array(z.object({ feature: z.enum(PLAN_FEATURES), value: inclusion })),
});

export const windowStatusAnswer = z.object({
  open: z.boolean(), opensIn: z.number().optional(), closesIn: z.number().optional(), zone: z.string(), localTime: z.string(),
});

export const contactViewAnswer = z.object({ userId: z.string(), displayName: z.string(), email: z.string() });
export const productContactsAnswer = z.object({
  product: z.string(), quota: z.number().int(), count: z.number().int(), over: z.boolean(), contacts: z.array(contactViewAnswer),
});

export const entitlementAnswer = z.object({
  contactFor: z.array(z.string()),
  products: z.array(z.string()),
  product: z.string().nullable(),
  isContactForProduct: z.boolean().nullable(),
  license: z.object({
    product: z.string(), answer: z.enum(['licensed', 'not_assigned', 'org_has_none']), licensed: z.boolean(), skus: z.array(z.string()),
  }).nullable(),
  priority: z.enum(PRIORITIES).nullable(),
  phoneSupport: z.enum(['included', 'p1_only', 'online_case', 'no_plan']),
  limitedHelp: z.boolean(),
});
