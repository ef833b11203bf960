// Search for the agent on a call: always within the agent's own partner, whatever the query says.
import type { Principal } from '../../http/request-context';
import type { HitKind, SearchIndex, SearchResult } from '../../search-index/search-index';

export interface SearchInput { q: string; kind?: HitKind; limit: number }

export interface SearchService {
  search(principal: Principal, input: SearchInput): Promise<SearchResult>;
  searchInOrg(principal: Principal, orgId: string, input: { q: string; limit: number }): Promise<SearchResult>;
}

export function createSearchService(index: SearchIndex): SearchService {
  return {
    async search(principal, { q, kind, limit }) {
      if (!q.trim()) return { hits: [], processingTimeMs: 0 };
      return index.search({ q, kind, limit, partnerId: principal.partnerId });
    },
    async searchInOrg(principal, orgId, { q, limit }) {
      if (!q.trim()) return { hits: [], processingTimeMs: 0 };
      const result = await index.search({ q, orgId, limit: limit + 1, partnerId: principal.partnerId });
      // Users and devices only: the org itself is the page the agent is on.
      return { ...result, hits: result.hits.filter((h) => h.kind !== 'org').slice(0, limit) };
    },
  };
}
