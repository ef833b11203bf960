import { z } from 'zod';
import { MAX_LIMIT, DEFAULT_LIMIT } from '../../search-index/search-index';

/** Hits the search page shows at first, as many as the page's live search asks for (public/js/app.js). */
export const PAGE_LIMIT = 30;

export const searchQuery = z.object({
  q: z.string().max(200, 'at most 200 characters').default(''),
  kind: z.enum(['org', 'user', 'device']).optional(),
  limit: z.coerce.number().int('a whole number').min(1).max(MAX_LIMIT, `at most ${MAX_LIMIT}`).default(DEFAULT_LIMIT),
});

export const orgSearchQuery = z.object({
  q: z.string().max(200, 'at most 200 characters').default(''),
  limit: z.coerce.number().int('a whole number').min(1).max(MAX_LIMIT, `at most ${MAX_LIMIT}`).default(DEFAULT_LIMIT),
});
