// The SearchIndex port: what the app needs from a search engine, in our own types.
// Both adapters (the in-process engine and Meilisearch) pass test/contract/search-index.contract.ts.

export type HitKind = 'org' | 'user' | 'device';

/**
 * One searchable record, flattened. Built from store records by orgToDoc, userToDoc and deviceToDoc (documents.ts),
 * so both adapters index exactly the same thing.
 * Text fields are matched word by word (accents and case folded, typos on `name` only);
 * identifier fields are also matched as whole normalized values (see query.ts).
 */
export interface SearchDoc {
  id: string;
  kind: HitKind;
  partnerId: string;
  orgId: string;
  status: string;
  title: string;
  subtitle: string;
  /** Fields in ranking order (attribute rule): earlier fields rank higher. Missing = empty. */
  fields: SearchFields;
}

export interface SearchFields {
  name: string[];      // org name; user display/first/last name; device display name
  email: string[];
  sip: string[];
  site: string[];      // Webex site URLs, e.g. acme.webex.com
  domain: string[];
  order: string[];     // web order numbers
  serial: string[];
  mac: string[];
  phone: string[];
  uuid: string[];      // the record's own id
}

export type SearchField = keyof SearchFields;

/** Ranking order of fields (Meilisearch searchableAttributes order). */
export const SEARCH_FIELDS: readonly SearchField[] = [
  'name', 'email', 'sip', 'site', 'domain', 'order', 'serial', 'mac', 'phone', 'uuid',
];

/** Fields on which typos are tolerated (Meilisearch typoTolerance.disableOnAttributes = the rest). */
export const TYPO_FIELDS: readonly SearchField[] = ['name'];

/**
 * Fields searched by their words. A UUID is found whole or by its first 8 characters, a MAC whole or
 * by its first 3 to 5 octets (identifier keys, see query.ts), never by fragments: no one types a
 * UUID's hex fragments (they were a third of all words), and a MAC's octets ('56', '78') are the
 * same one- and two-digit words a phone number or a name is searched by.
 */
export const WORD_FIELDS: readonly SearchField[] = SEARCH_FIELDS.filter((f) => f !== 'uuid' && f !== 'mac');

export interface SearchQuery {
  q: string;
  /** Always set by the server from the signed-in principal, never from request data. */
  partnerId: string;
  kind?: HitKind;
  orgId?: string;
  limit?: number;
}

export interface MatchedField {
  field: SearchField;
  value: string;
  /** [start, end) character ranges of `value` that matched the query. */
  ranges: Array<[number, number]>;
}

export interface SearchHit {
  kind: HitKind;
  id: string;
  orgId: string;
  title: string;
  subtitle: string;
  matched: MatchedField | null;
  /** True when the query equals one of the record's identifiers (UUID, email, phone, site...). */
  exact: boolean;
}

export interface SearchResult {
  hits: SearchHit[];
  processingTimeMs: number;
}

export interface SearchIndex {
  readonly name: string;
  /**
   * True when the index outlives the app process (Meilisearch): at start the indexer resumes from
   * its saved cursor. An in-process index is rebuilt from the store at every start.
   */
  readonly durable: boolean;
  /**
   * An in-process index that can keep a copy of itself on disk (the embedded engine with a data
   * folder): the indexer starts from it and catches up instead of rebuilding from the store.
   */
  readonly snapshots?: IndexSnapshots;
  /** Insert or replace documents by id. Idempotent. */
  upsert(docs: SearchDoc[]): Promise<void>;
  /** Remove documents by id; unknown ids are ignored. Idempotent. */
  remove(ids: string[]): Promise<void>;
  search(query: SearchQuery): Promise<SearchResult>;
  /**
   * Build a fresh index from `docs` (each id at most once, as a store scan gives them) and swap it
   * in: searches keep answering from the old index until the new one is complete.
   */
  rebuild(docs: AsyncIterable<SearchDoc[]>, options?: RebuildOptions): Promise<RebuildResult>;
  /**
   * An in-process index next to the embedded store: rebuild() with the store read and the
   * documents prepared in worker threads, on the other cores. `orgNames` (id → name, every org,
   * read by the caller) are the names users and devices show: one map for all workers.
   */
  rebuildFromStore?(orgNames: ReadonlyMap<string, string>): Promise<{ count: number }>;
  /** Number of documents currently indexed. */
  count(): Promise<number>;
  /** Throws when the engine does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Writes to an index being built, before it is swapped in. */
export type IndexWriter = Pick<SearchIndex, 'upsert' | 'remove'>;

export interface RebuildOptions {
  /**
   * Called once the new index holds every document and before it is swapped in, with a writer to
   * the new index: the indexer applies there the changes made while the store was read, so the
   * swapped-in index is not behind the one it replaces. An adapter that swaps in its own process
   * without delay may ignore it: the indexer catches up right after the swap as well.
   */
  beforeSwap?: (next: IndexWriter) => Promise<void>;
}

export interface RebuildResult {
  count: number;
  /** What went wrong after the swap succeeded (e.g. the old index not deleted): for the operator, not a failure. */
  warnings?: string[];
}

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;

/** Where a snapshot stands in the store's change outbox, for the indexer to check it is still usable. */
export interface SnapshotPosition {
  /** The outbox cursor: every change up to it is in the snapshot. */
  seq: number;
  /** When the change `seq` was written, as the store said when the snapshot was saved; null if unknown. */
  seqAt: string | null;
  savedAt: string;
}

export interface IndexSnapshots {
  /**
   * Writes the whole index to disk with its position; resolves to the bytes written. The index is
   * written from its own arrays, not a copy: nothing may change it until the promise settles.
   */
  save(position: SnapshotPosition): Promise<number>;
  /**
   * save(), unless another process is writing the snapshot right now (processes sharing the data
   * folder write one at a time): then resolves to null without writing.
   */
  saveUnlessBusy(position: SnapshotPosition): Promise<number | null>;
  /**
   * Replaces the index with the saved one when `usable` accepts its position, and returns that
   * position; null when there is no snapshot or it was not usable. A damaged file throws.
   */
  load(usable: (position: SnapshotPosition) => Promise<boolean>): Promise<SnapshotPosition | null>;
  /** The position of the snapshot on disk now, whichever process wrote it; null when none or damaged. */
  saved(): Promise<SnapshotPosition | null>;
}
