import { z } from 'zod';

/** `?product=` on the user page: the product the caller calls about (an empty choice asks nothing). */
export const entitlementQuery = z.object({
  product: z.string().trim().max(200, 'at most 200 characters').optional(),
});

/** The customer portal's add and remove forms; the org comes from the signed-in admin, never from here. */
export const contactForm = z.object({
  userId: z.string().trim().min(1, 'choose a user').max(100),
  product: z.string().trim().min(1, 'choose a product').max(200),
});
