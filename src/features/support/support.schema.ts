import { z } from 'zod';

/** `?product=` on the user page: the product the caller calls about (an empty choice asks nothing). */
export const entitlementQuery = z.object({
  product: z.string().trim().max(200, 'at most 200 characters').optional(),
});
