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

/** What /api/v1/search and /api/v1/orgs/{id}/search answer (search.service.ts, SearchAnswer). */
export const searchAnswer = z.object({
  hits: z.array(z.object({
    kind: z.enum(['org', 'user', 'device']),
    id: z.string(),
    orgId: z.string(),
    title: z.string(),
    subtitle: z.string(),
    matched: z.object({
      field: z.enum(['name', 'email', 'sip', 'site', 'domain', 'order', 'serial', 'mac', 'phone', 'uuid']),
      value: z.string(),
      ranges: z.array(z.tuple([z.number().int(), z.number().int()])).describe('[start, end) character ranges of value that matched'),
    }).nullable(),
    exact: z.boolean().describe('the query equals one of the record\'s identifiers'),
  })),
  processingTimeMs: z.number(),
  degraded: z.boolean().describe('true when the search engine is down and the answer comes from the store\'s slower scan'),
  more: z.boolean().optional().describe('there are hits past `limit`: ask again with a larger limit (at most 100)'),
  found: z.number().int().optional().describe('how many hits the engine found, counted up to what was asked'),
  partial: z.object({ without: z.string() }).optional()
    .describe('no record has every word: these hits have all words but `without`, the one that matched nothing'),
});
