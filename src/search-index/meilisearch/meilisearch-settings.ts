// How our search documents live in Meilisearch: index settings, document shape, filters, the two
// queries a search sends and how their hits are merged. Pure (no client, no server), so all of it
// is unit-tested in test/features/meilisearch-settings.test.ts.
//
// Exact identifiers first: no Meilisearch ranking rule knows that a query *is* an email or a phone
// number in another notation, so each document carries `idKeys` (identifierKeysOf: the normalized
// identifiers it is found by exactly) as a filterable attribute. A search sends two queries in one
// multi-search request: an exact one (placeholder search filtered by `idKeys IN [identifierKeys(q)]`)
// and the text one. The exact hits come first, ordered like the embedded engine (field of the
// matched identifier, then title, then id); the text hits follow without those documents.
//
// Partner and org are filtered on a SHA-256 of their id (partnerKey, orgKey), not on the id:
// Meilisearch compares filter strings after trimming, NFKD-normalizing and lower-casing them
// (milli's normalize_facet), so `partnerId = "P-North"` would also match partner 'p-north'. A hex
// digest is unchanged by that normalization: the scope filters stay exact.
//
// Requires Meilisearch 1.36 or later for the `attributeRank` ranking rule (see RANKING_RULES).
import { createHash } from 'node:crypto';
import type { MultiSearchQuery, Settings } from 'meilisearch';
import {
  MAX_LIMIT, SEARCH_FIELDS, TYPO_FIELDS, WORD_FIELDS,
  type HitKind, type SearchDoc, type SearchField, type SearchFields, type SearchHit,
} from '../search-index';
import { matchFinder, foldText, identifierEntriesOf, identifierKeys, identifierKeysOf, queryWords, tokenize } from '../query';

/** A SearchDoc as stored in Meilisearch. */
export type MeiliDocument = Record<SearchField, string[]> & {
  /** Primary key: our id when Meilisearch accepts it as one, else a hash of it (see meiliId). */
  id: string;
  /** Our id, as the rest of the app knows it. */
  docId: string;
  kind: HitKind;
  partnerId: string;
  orgId: string;
  /** scopeKey(partnerId) and scopeKey(orgId): what the filters compare. */
  partnerKey: string;
  orgKey: string;
  status: string;
  title: string;
  subtitle: string;
  /** Folded title: the tie-break order of the embedded engine. */
  sortTitle: string;
  /** Keys the document is found by exactly, e.g. 'email:helene.dupre@dupre.example'. */
  idKeys: string[];
  /** The original field values, not searched: what findMatch highlights. */
  fields: SearchFields;
};

/** Attributes a search needs back to build a SearchHit; the searchable copies stay on the server. */
export const RETRIEVED_ATTRIBUTES = ['docId', 'kind', 'partnerId', 'orgId', 'status', 'title', 'subtitle', 'fields'];

/** Ties are broken by title then id, as on the embedded engine. */
export const SORT = ['sortTitle:asc', 'docId:asc'];

/**
 * Ranking rules in the embedded engine's order: every word must match (`words`, and
 * matchingStrategy 'all' on every query), fewer typos, earlier attribute (`attributeRank`: the
 * attribute only, not the word's position in it, which `attribute` would add), more words matched
 * exactly, then title and id (`sort` with SORT). No `proximity` or `wordPosition`: the embedded
 * engine ranks by neither. Exact identifiers are ranked before all of this, by the exact query.
 */
export const RANKING_RULES = ['words', 'typo', 'attributeRank', 'exactness', 'sort'];

export const FILTERABLE_ATTRIBUTES = ['partnerKey', 'kind', 'orgKey', 'status', 'idKeys'];

/** Identifier fields take no typos: one letter off in an email or a serial is another record. */
export const TYPO_DISABLED_ATTRIBUTES: string[] = WORD_FIELDS.filter((f) => !TYPO_FIELDS.includes(f));

export const MEILI_SETTINGS = {
  // As on the embedded engine, a UUID and a MAC are found by their identifier keys only, not by fragments.
  searchableAttributes: [...WORD_FIELDS],
  filterableAttributes: FILTERABLE_ATTRIBUTES,
  sortableAttributes: ['sortTitle', 'docId'],
  rankingRules: RANKING_RULES,
  typoTolerance: {
    enabled: true,
    // Meilisearch's defaults, written out because the search rules promise them (README, JSON API; test/contract/search-index.contract.ts).
    minWordSizeForTypos: { oneTypo: 5, twoTypos: 9 },
    disableOnAttributes: TYPO_DISABLED_ATTRIBUTES,
  },
  distinctAttribute: null,
  // "Every word of the query must match": a stop word would be dropped from the query.
  stopWords: [],
  synonyms: {},
} satisfies Settings;

/** A partner or org id as the filters compare it: exact, whatever Meilisearch folds. */
export function scopeKey(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

/** Meilisearch accepts ids of [a-zA-Z0-9_-], at most 511 bytes; imported device ids may be anything. */
const SAFE_ID = /^[A-Za-z0-9_-]{1,511}$/;
const HASHED = 'h_';

/**
 * The primary key for one of our ids: the id itself when Meilisearch accepts it (every UUID), else
 * 'h_' + SHA-256. Ids that already start with 'h_' are hashed too, so two ids never share a key.
 */
export function meiliId(id: string): string {
  return SAFE_ID.test(id) && !id.startsWith(HASHED) ? id : HASHED + createHash('sha256').update(id).digest('hex');
}

/**
 * The searchable copy of a field: each value as our own tokenizer's folded words, space-separated.
 * Meilisearch then splits exactly where the embedded engine does (an email, a site or 'FOC2231X0QZ'
 * give the same words on both), and the query is sent the same way (see textQuery).
 */
const searchableValues = (values: readonly string[]): string[] =>
  values.map((v) => tokenize(v).map((t) => t.text).join(' ')).filter((v) => v !== '');

export function toMeiliDocument(doc: SearchDoc): MeiliDocument {
  const searchable = Object.fromEntries(
    SEARCH_FIELDS.map((f) => [f, WORD_FIELDS.includes(f) ? searchableValues(doc.fields[f] ?? []) : []]),
  ) as Record<SearchField, string[]>;
  const fields = Object.fromEntries(SEARCH_FIELDS.map((f) => [f, [...(doc.fields[f] ?? [])]])) as unknown as SearchFields;
  return {
    ...searchable,
    id: meiliId(doc.id),
    docId: doc.id,
    kind: doc.kind,
    partnerId: doc.partnerId,
    orgId: doc.orgId,
    partnerKey: scopeKey(doc.partnerId),
    orgKey: scopeKey(doc.orgId),
    status: doc.status,
    title: doc.title,
    subtitle: doc.subtitle,
    sortTitle: foldText(doc.title),
    idKeys: identifierKeysOf(doc),
    fields,
  };
}

/** The stored fields a hit comes back with (RETRIEVED_ATTRIBUTES). */
export type StoredHit = Pick<MeiliDocument, 'docId' | 'kind' | 'partnerId' | 'orgId' | 'status' | 'title' | 'subtitle' | 'fields'>;

export function fromStoredHit(hit: StoredHit): SearchDoc {
  return {
    id: hit.docId, kind: hit.kind, partnerId: hit.partnerId, orgId: hit.orgId, status: hit.status,
    title: hit.title, subtitle: hit.subtitle, fields: hit.fields,
  };
}

/**
 * A string value in a filter expression. Meilisearch reads a double-quoted value up to the first
 * unescaped `"`, then unescapes `\"` and `\\`; escaping both makes any input one value, never syntax.
 */
export function quoteFilterValue(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

export interface FilterScope {
  partnerId: string;
  kind?: string;
  orgId?: string;
  /** Only documents of these orgs (the orgs of the exact hits). */
  orgIds?: readonly string[];
  idKeys?: readonly string[];
}

/** The filter of every query: the partner clause always, first, and ANDed with the rest. */
export function buildFilter({ partnerId, kind, orgId, orgIds, idKeys }: FilterScope): string {
  const clauses = [`partnerKey = ${quoteFilterValue(scopeKey(partnerId))}`];
  if (kind !== undefined) clauses.push(`kind = ${quoteFilterValue(kind)}`);
  if (orgId !== undefined) clauses.push(`orgKey = ${quoteFilterValue(scopeKey(orgId))}`);
  if (orgIds !== undefined) clauses.push(`orgKey IN [${orgIds.map((id) => quoteFilterValue(scopeKey(id))).join(', ')}]`);
  if (idKeys !== undefined) clauses.push(`idKeys IN [${idKeys.map(quoteFilterValue).join(', ')}]`);
  return clauses.join(' AND ');
}

/** Same caps as the embedded engine: longer queries are no one's search. */
export const MAX_QUERY_CHARS = 256;

export function clampLimit(limit: number | undefined, fallback: number): number {
  if (limit === undefined || !Number.isFinite(limit)) return fallback;
  return Math.min(Math.max(Math.floor(limit), 0), MAX_LIMIT);
}

export interface PlannedSearch {
  /** Identifier keys of the query; findMatch highlights the identifier they hit. */
  keys: string[];
  exact: MultiSearchQuery | null;
  text: MultiSearchQuery | null;
}

/**
 * The queries for one search. The exact query asks for up to MAX_LIMIT documents so that they can
 * be ordered by the field of their identifier (which Meilisearch cannot sort on) before the cut.
 * The text query asks for `limit`: even if every exact hit is among them, enough others remain.
 */
export function planSearch(
  indexUid: string,
  query: { q: string; partnerId: string; kind?: HitKind; orgId?: string },
  limit: number,
): PlannedSearch {
  const q = query.q.slice(0, MAX_QUERY_CHARS);
  const keys = identifierKeys(q);
  // The query goes out as the folded words the embedded engine reads: at most ten, with no quotes
  // (a phrase search) or leading '-' (a negation) for Meilisearch to interpret.
  const words = queryWords(q);
  const scope = { partnerId: query.partnerId, kind: query.kind, orgId: query.orgId };
  const common = { indexUid, sort: SORT, attributesToRetrieve: RETRIEVED_ATTRIBUTES };
  return {
    keys,
    exact: keys.length > 0 && limit > 0
      ? { ...common, q: '', filter: buildFilter({ ...scope, idKeys: keys }), limit: MAX_LIMIT }
      : null,
    // Without words the text query would be a placeholder search: every document of the partner.
    text: words.length > 0 && limit > 0
      ? { ...common, q: words.join(' '), filter: buildFilter(scope), limit, matchingStrategy: 'all' }
      : null,
  };
}

/**
 * Field rank of the identifier a document was found by, as the embedded engine orders exact hits;
 * -1 when none of its keys equals one of the query's. Meilisearch's `IN` compares folded values
 * (so a key in full-width letters would match), hence this check on the document itself.
 */
function exactRank(doc: SearchDoc, keys: readonly string[]): number {
  const entries = identifierEntriesOf(doc);
  for (const key of keys) {
    const entry = entries.find((e) => e.key === key);
    if (entry) return SEARCH_FIELDS.indexOf(entry.field);
  }
  return -1;
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The documents an identifier of the query equals, in the embedded engine's order: field of the
 * identifier, then folded title, then id. A hit of another partner is dropped, should the filter
 * ever be wrong: isolation does not rest on one line.
 */
export function exactDocs(partnerId: string, keys: readonly string[], exactHits: readonly StoredHit[]): SearchDoc[] {
  return exactHits.filter((h) => h.partnerId === partnerId).map(fromStoredHit)
    .map((doc) => ({ doc, rank: exactRank(doc, keys), title: foldText(doc.title) }))
    .filter(({ rank }) => rank >= 0)
    .sort((a, b) => a.rank - b.rank || byString(a.title, b.title) || byString(a.doc.id, b.doc.id))
    .map(({ doc }) => doc);
}

/**
 * The text query once an identifier was found exactly: as the embedded engine does, words then
 * only find more records of the orgs of the exact hits.
 */
export function textAmongOrgs(
  text: MultiSearchQuery,
  query: { partnerId: string; kind?: HitKind; orgId?: string },
  orgIds: readonly string[],
): MultiSearchQuery {
  return { ...text, filter: buildFilter({ partnerId: query.partnerId, kind: query.kind, orgId: query.orgId, orgIds: [...new Set(orgIds)] }) };
}

/**
 * The hits of a search: exact ones first (see exactDocs), then the text ones in Meilisearch's
 * order without the documents already listed, up to `limit`. Hits of another partner are dropped.
 */
export function mergeHits(
  query: { q: string; partnerId: string },
  keys: readonly string[],
  exactHits: readonly StoredHit[],
  textHits: readonly StoredHit[],
  limit: number,
): SearchHit[] {
  const q = query.q.slice(0, MAX_QUERY_CHARS);
  const exact = exactDocs(query.partnerId, keys, exactHits);
  const hits: SearchHit[] = [];
  const seen = new Set<string>();
  const explain = matchFinder(q, keys);
  const push = (doc: SearchDoc, isExact: boolean) => {
    if (hits.length >= limit || seen.has(doc.id)) return;
    seen.add(doc.id);
    hits.push({
      kind: doc.kind, id: doc.id, orgId: doc.orgId, title: doc.title, subtitle: doc.subtitle,
      matched: explain(doc), exact: isExact,
    });
  };
  for (const doc of exact) push(doc, true);
  for (const hit of textHits) if (hit.partnerId === query.partnerId) push(fromStoredHit(hit), false);
  return hits;
}
