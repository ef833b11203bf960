import { z } from 'zod';

export const lookupQuery = z.object({
  phone: z.string().trim().min(1, 'a caller id').max(200, 'at most 200 characters'),
});
