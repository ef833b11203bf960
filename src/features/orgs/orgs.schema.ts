import { z } from 'zod';
import { orgSummaryAnswer, subscriptionViewAnswer } from '../../openapi/records';
import { productContactsAnswer, supportPlanViewAnswer, windowStatusAnswer } from '../support/support.schema';


/** What /api/v1/orgs/{id} answers (orgs.service.ts, OrgView). */
export const orgViewAnswer = z.object({
  org: orgSummaryAnswer,
  partnerName: z.string(),
  admins: z.array(z.object({ id: z.string(), displayName: z.string(), email: z.string(), roles: z.array(z.string()) })),
  userCount: z.number().int(),
  deviceCount: z.number().int(),
  subscriptions: z.array(subscriptionViewAnswer),
  supportPlan: supportPlanViewAnswer.nullable(),
  businessHours: windowStatusAnswer.nullable(),
  supportContacts: z.array(productContactsAnswer),
});
