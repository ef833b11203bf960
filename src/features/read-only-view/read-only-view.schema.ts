// The read-only view's inputs and answers (the API document is built from them: src/openapi/operations.ts).
import { z } from 'zod';
import { recordId } from '../../http/validate';
import { deviceAnswer, domainAnswer, orgSettingsAnswer, siteAnswer, subscriptionViewAnswer, userAnswer, webOrderAnswer } from '../../openapi/records';

/** `/orgs/:id/portal/users/:userId`. */
export const readOnlyUserParams = z.object({
  id: recordId.describe('the org\'s id'), userId: recordId.describe('the user\'s id'),
});

export const readOnlyViewQuery = z.object({
  page: z.coerce.number().int().min(1).max(10_000).default(1),
});

// Its answers (read-only-view.service.ts, read-only-view.routes.ts).
const readOnlyGrant = z.object({ id: z.string(), expiresAt: z.string(), secondsLeft: z.number() });

export const readOnlyOrgViewAnswer = z.object({
  org: z.object({ id: z.string(), name: z.string(), status: z.string(), createdAt: z.string() }),
  grant: readOnlyGrant,
  sites: z.array(siteAnswer),
  domains: z.array(domainAnswer),
  settings: orgSettingsAnswer,
  orders: z.array(webOrderAnswer),
  subscriptions: z.array(subscriptionViewAnswer),
  licenseNames: z.record(z.string(), z.string()).describe('license SKU → its name, for the users\' licenses'),
  users: z.array(userAnswer.pick({ id: true, displayName: true, email: true, status: true, roles: true, licenses: true })),
  userCount: z.number().int(),
  devices: z.array(deviceAnswer.pick({ id: true, displayName: true, model: true, serial: true, status: true, ownerUserId: true })
    .extend({ ownerName: z.string().nullable().describe('the owner\'s name when they are a user of the org') })),
  deviceCount: z.number().int(),
  page: z.number().int(),
  pages: z.number().int(),
});

export const readOnlyUserViewAnswer = z.object({
  org: z.object({ id: z.string(), name: z.string() }),
  grant: readOnlyGrant,
  user: userAnswer.omit({ partnerId: true }),
  licenseNames: z.record(z.string(), z.string()).describe('license SKU → its name'),
  devices: z.array(deviceAnswer.pick({ id: true, displayName: true, model: true, serial: true, status: true })),
});
