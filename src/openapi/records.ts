// The store's records (src/store/records.ts) as the JSON API answers them, in zod: the answer
// schemas of the features build on these, and the OpenAPI document is generated from them
// (src/openapi/document.ts). The tests hold every API answer to the document, so a field added to
// a record but not here fails them: keep the two in step.
import { z } from 'zod';

const iso = z.string().describe('ISO 8601 date or date-time');

export const domainAnswer = z.object({ name: z.string(), claimed: z.boolean(), verified: z.boolean() });
export const siteAnswer = z.object({ url: z.string(), type: z.string(), status: z.string() });
export const webOrderAnswer = z.object({ number: z.string(), product: z.string(), status: z.string(), date: z.string() });

export const licenseViewAnswer = z.object({
  sku: z.string(), name: z.string(), quantity: z.number().int(), used: z.number().int(), percent: z.number(), over: z.boolean(),
});

/** A subscription with where it stands today (src/features/support/products.ts, subscriptionView). */
export const subscriptionViewAnswer = z.object({
  id: z.string(), plan: z.string(), status: z.string(), start: z.string(), end: z.string(),
  state: z.enum(['active', 'ending', 'ended', 'not_started', 'inactive']),
  daysLeft: z.number().int().nullable(),
  endingSoon: z.boolean(),
  licenses: z.array(licenseViewAnswer),
});

export const supportPlanRecord = z.object({
  tier: z.enum(['online', 'business', 'enterprise', 'elite']),
  region: z.enum(['americas', 'emea', 'apac', 'japan']),
  timeZone: z.string().nullable().optional(),
});

export const orgSummaryAnswer = z.object({
  id: z.string(), partnerId: z.string(), name: z.string(),
  status: z.enum(['active', 'trial', 'suspended']),
  createdAt: iso,
  domains: z.array(domainAnswer),
  sites: z.array(siteAnswer),
  orders: z.array(webOrderAnswer),
  subscriptions: z.array(z.object({
    id: z.string(), plan: z.string(), status: z.string(), start: z.string(), end: z.string(),
    licenses: z.array(z.object({ sku: z.string(), name: z.string(), quantity: z.number().int(), used: z.number().int() })),
  })),
  supportPlan: supportPlanRecord.nullable(),
});

export const orgSettingsAnswer = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

export const lastEmailAnswer = z.object({
  kind: z.string().describe('welcome, activation, verification, …'),
  status: z.enum(['sent', 'delivered', 'bounced', 'deferred', 'suppressed']),
  at: iso,
  detail: z.string(),
});

export const userAnswer = z.object({
  id: z.string(), orgId: z.string(), partnerId: z.string(),
  email: z.string(), firstName: z.string(), lastName: z.string(), displayName: z.string(),
  phone: z.string(), sipAddress: z.string(),
  status: z.enum(['active', 'pending', 'inactive']),
  createdAt: iso,
  roles: z.array(z.string()), licenses: z.array(z.string()), features: z.array(z.string()),
  supportContactFor: z.array(z.string()),
  lastEmail: lastEmailAnswer.nullable(),
});

export const deviceAnswer = z.object({
  id: z.string(), orgId: z.string(), partnerId: z.string(),
  ownerUserId: z.string().nullable(),
  displayName: z.string(), model: z.string(), serial: z.string(), mac: z.string(), sipAddress: z.string(), status: z.string(),
});

/** An address on the suppression list, as the partner asking may see it (suppression.service.ts, suppressionSeenBy). */
export const suppressionAnswer = z.object({
  email: z.string(),
  reason: z.enum(['hard_bounce', 'complaint', 'unsubscribe', 'manual']),
  since: iso,
  detail: z.string(),
});
