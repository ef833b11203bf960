// Search for the agent on a call: always within the agent's own partner, whatever the query says.
// When the search engine does not answer, exact identifiers (UUID, email) are still looked up in
// the store and the answer says it is degraded, so a call can go on.
import type { Logger } from 'pino';
import type { Principal } from '../../http/request-context';
import { deviceToDoc, orgToDoc, userToDoc } from '../../search-index/documents';
import { classifyQuery, findMatch, isUuid, normalizeEmail, uuidPrefixOf } from '../../search-index/query';
import { observeSearch } from '../../metrics/metrics';
import { MAX_LIMIT, type HitKind, type SearchDoc, type SearchHit, type SearchIndex, type SearchResult } from '../../search-index/search-index';
import type { Store } from '../../store/store';

export interface SearchInput { q: string; kind?: HitKind; limit: number }
export interface SearchAnswer extends SearchResult {
  degraded: boolean;
  /** There are hits past `limit` (at `limit` = MAX_LIMIT: maybe; the engine answers no more than that). */
  more?: boolean;
  /** How many hits the engine found, counted up to the `upTo` asked (the page's "showing 30 of N"). */
  found?: number;
  /**
   * No record has every word: these hits have all but `without` (the word that matched nothing),
   * so a typo in one word (or a word the source does not hold) does not empty the page.
   */
  partial?: { without: string };
}

/** Names of a few words only: beyond this a query is too long to retry word by word. */
const MAX_RETRY_WORDS = 5;

export interface SearchService {
  /**
   * The first `limit` hits. `upTo` (at least limit + 1, at most MAX_LIMIT) is how many the engine
   * is asked for, to tell whether there are more and how many: the page counts up to MAX_LIMIT, the
   * API, called per keystroke, only looks one past the limit.
   */
  search(principal: Principal, input: SearchInput, upTo?: number): Promise<SearchAnswer>;
  searchInOrg(principal: Principal, orgId: string, input: { q: string; limit: number }): Promise<SearchAnswer>;
}

const EMPTY: SearchAnswer = { hits: [], processingTimeMs: 0, degraded: false };

/**
 * A UUID prefix typed past its first 8 characters ('5f0c2d1e-8b7a') is looked up by those 8 (the
 * engines index no longer prefix): of the records found by their id, only those whose id starts
 * with all of it stay.
 */
function withIdPrefix(result: SearchResult, q: string): SearchResult {
  const prefix = uuidPrefixOf(q);
  if (prefix === null || prefix.length <= 8) return result;
  const hits = result.hits.filter((h) => !(h.exact && h.matched?.field === 'uuid') || h.id.toLowerCase().startsWith(prefix));
  return hits.length === result.hits.length ? result : { ...result, hits };
}

export function createSearchService(index: SearchIndex, store: Store, log: Logger): SearchService {
  const toHit = (doc: SearchDoc, q: string): SearchHit =>
    ({ kind: doc.kind, id: doc.id, orgId: doc.orgId, title: doc.title, subtitle: doc.subtitle, matched: findMatch(doc, q), exact: true });

  /** Exact identifiers straight from the store: the part of search that must survive an engine outage. */
  async function fromStore(partnerId: string, q: string, kind?: HitKind, orgId?: string): Promise<SearchHit[]> {
    const t = q.trim();
    const docs: SearchDoc[] = [];
    const orgName = async (id: string) => (await store.orgs.get(partnerId, id))?.name ?? '';
    if (isUuid(t)) {
      const id = t.toLowerCase();
      const [org, user, device] = await Promise.all([
        store.orgs.get(partnerId, id), store.users.get(partnerId, id), store.devices.get(partnerId, id),
      ]);
      if (org) docs.push(orgToDoc(org));
      if (user) docs.push(userToDoc(user, await orgName(user.orgId)));
      if (device) docs.push(deviceToDoc(device, await orgName(device.orgId)));
    } else if (t.includes('@')) {
      for (const user of await store.users.findByEmail(partnerId, normalizeEmail(t))) {
        docs.push(userToDoc(user, await orgName(user.orgId)));
      }
    }
    return docs
      .filter((d) => (!kind || d.kind === kind) && (!orgId || d.orgId === orgId))
      .map((d) => toHit(d, t));
  }

  async function run(principal: Principal, q: string, limit: number, kind?: HitKind, orgId?: string): Promise<SearchAnswer> {
    const began = performance.now();
    const took = (engine: string) => observeSearch(engine, classifyQuery(q), orgId ? 'org' : 'all', (performance.now() - began) / 1000);
    try {
      const result = await index.search({ q, kind, orgId, limit, partnerId: principal.partnerId });
      took(index.name);
      return { ...withIdPrefix(result, q), degraded: false };
    } catch (err) {
      log.warn({ err, engine: index.name }, 'search engine failed: answering exact identifiers from the store');
      const started = Date.now();
      const hits = await fromStore(principal.partnerId, q, kind, orgId);
      took('store');
      return { hits: hits.slice(0, limit), processingTimeMs: Date.now() - started, degraded: true };
    }
  }

  /**
   * When every word must match and nothing has them all: first the same words with one unfinished
   * word moved last (only the last word is a prefix: `Harr Walker` is `Walker Harr`), then the hits
   * of all words but one, marked partial. Only for plain words (not an identifier), and only when the
   * engine answered (a degraded answer cannot say that nothing matched).
   */
  async function withFallbacks(principal: Principal, q: string, limit: number, kind?: HitKind, orgId?: string): Promise<SearchAnswer> {
    const answer = await run(principal, q, limit, kind, orgId);
    const words = q.trim().split(/\s+/);
    if (answer.hits.length > 0 || answer.degraded || words.length < 2 || words.length > MAX_RETRY_WORDS || classifyQuery(q) !== 'text') return answer;
    for (let i = 0; i < words.length - 1; i++) {
      const reordered = [...words.slice(0, i), ...words.slice(i + 1), words[i]].join(' ');
      const retry = await run(principal, reordered, limit, kind, orgId);
      if (retry.hits.length > 0) return retry;
    }
    let best: SearchAnswer | null = null;
    let without = '';
    for (let i = 0; i < words.length; i++) {
      const rest = [...words.slice(0, i), ...words.slice(i + 1)].join(' ');
      const retry = await run(principal, rest, limit, kind, orgId);
      if (retry.hits.length > (best?.hits.length ?? 0)) {
        best = retry;
        without = words[i];
      }
    }
    return best ? { ...best, partial: { without } } : answer;
  }

  return {
    async search(principal, { q, kind, limit }, upTo = limit + 1) {
      if (!q.trim()) return EMPTY;
      const answer = await withFallbacks(principal, q, Math.min(Math.max(upTo, limit + 1), MAX_LIMIT), kind);
      const found = answer.hits.length;
      const more = found > limit || (limit === MAX_LIMIT && found === MAX_LIMIT);
      return { ...answer, hits: answer.hits.slice(0, limit), more, found };
    },
    async searchInOrg(principal, orgId, { q, limit }) {
      if (!q.trim()) return EMPTY;
      const answer = await withFallbacks(principal, q, limit + 1, undefined, orgId);
      // Users and devices only: the org itself is the page the agent is on.
      return { ...answer, hits: answer.hits.filter((h) => h.kind !== 'org').slice(0, limit) };
    },
  };
}
