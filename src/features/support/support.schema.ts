import { z } from 'zod';
import { PRIORITIES } from './support-tables';

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
