import { z } from 'zod';

export const livenessAnswer = z.object({ status: z.literal('ok') });

export const readinessAnswer = z.object({
  status: z.enum(['ready', 'not ready']),
  shuttingDown: z.boolean(),
  components: z.array(z.object({ name: z.string(), status: z.enum(['up', 'down']), error: z.string().optional() })),
});
