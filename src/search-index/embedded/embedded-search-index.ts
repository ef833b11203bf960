// The in-process search engine: an inverted index per partner with Meilisearch's ranking rules
// (exact identifiers, then typos, attribute, exactness, then a stable order). The rules are pinned by
// test/contract/search-index.contract.ts. This file is the SearchIndex port (rebuilds, the journal of
// changes made meanwhile, snapshots on disk); the engine's parts and their rules are listed in
// docs/architecture.md: index-state.ts (shards by partner), shard-storage.ts, ranking.ts,
// word-matches.ts, search-scratch.ts, shard-snapshot.ts, trie.ts, key-table.ts, packed-docs.ts.
import { performance } from 'node:perf_hooks';
import {
  DEFAULT_LIMIT, MAX_LIMIT,
  type IndexSnapshots, type SearchDoc, type SearchIndex, type SearchQuery, type SearchResult, type SnapshotPosition,
} from '../search-index';
import { buildWorkerCount, preparedFromStore } from './build-workers';
import { IndexState } from './index-state';
import { prepareDocs, type PreparedBatch } from './prepared-docs';
import { lockSnapshot, readSnapshot, readSnapshotMeta, writeSnapshot, type SnapshotReader } from './snapshot-file';

/** Longer queries are no one's search; the cap bounds the work a hostile query can cause. */
const MAX_QUERY_CHARS = 256;

type Change = { upsert: PreparedBatch } | { remove: string[] };

/**
 * Changes with the format, and with what a document is indexed under (its words and identifier
 * keys, query.ts): a snapshot of another version is not read (the index is rebuilt instead).
 * 2: MACs by their prefixes instead of their octets, phones by their national number too.
 */
const SNAPSHOT_VERSION = 2;

export interface EmbeddedSearchIndexOptions {
  /** Where to keep the index between runs (in the data folder); none: rebuilt at every start. */
  snapshotFile?: string;
  /** The embedded store's file: a full rebuild reads it in worker threads (rebuildFromStore). */
  storeFile?: string;
  /** Worker threads for rebuildFromStore() (none: no such method); by default buildWorkerCount(). */
  buildWorkers?: number;
}

export class EmbeddedSearchIndex implements SearchIndex {
  readonly name = 'embedded';
  readonly durable: boolean = false;
  readonly snapshots?: IndexSnapshots;
  readonly rebuildFromStore?: (orgNames: ReadonlyMap<string, string>) => Promise<{ count: number }>;
  private state = new IndexState();
  /** Set by close(): see ping(). */
  private closed = false;
  /** Changes made while a rebuild runs, replayed on the new index before it is swapped in. */
  private readonly journals = new Set<Change[]>();

  constructor(options: EmbeddedSearchIndexOptions = {}) {
    const { storeFile, buildWorkers = buildWorkerCount() } = options;
    if (storeFile && buildWorkers > 0) {
      this.rebuildFromStore = (names) => this.rebuildPrepared(preparedFromStore(storeFile, names, buildWorkers));
    }
    const file = options.snapshotFile;
    if (file) {
      type Meta = { version: number; position: SnapshotPosition; state: ReturnType<IndexState['save']> };
      // The caller (the indexer) applies no change until the write is done.
      const save = async (position: SnapshotPosition) => {
        const state = this.state;
        state.setSaving(true);
        try {
          return await writeSnapshot(file, (w): Meta => ({ version: SNAPSHOT_VERSION, position, state: state.save(w) }));
        } finally {
          state.setSaving(false);
        }
      };
      this.snapshots = {
        save,
        saveUnlessBusy: async (position) => {
          const release = lockSnapshot(file);
          if (!release) return null;
          try {
            return await save(position);
          } finally {
            release();
          }
        },
        saved: async () => {
          const meta = readSnapshotMeta<Meta>(file);
          return meta?.version === SNAPSHOT_VERSION ? meta.position : null;
        },
        load: async (usable) => {
          const r = readSnapshot<Meta>(file);
          if (!r || r.meta.version !== SNAPSHOT_VERSION || !(await usable(r.meta.position))) return null;
          const state = IndexState.load(r as SnapshotReader<unknown>, r.meta.state);
          // Changes applied while `usable` ran are in the outbox after the snapshot's position:
          // the indexer applies them again once it resumes from there.
          this.state = state;
          return r.meta.position;
        },
      };
    }
  }

  async upsert(docs: SearchDoc[]): Promise<void> {
    const batch = prepareDocs(docs);
    this.state.upsert(batch);
    for (const journal of this.journals) journal.push({ upsert: batch });
  }

  async remove(ids: string[]): Promise<void> {
    for (const id of ids) this.state.remove(id);
    for (const journal of this.journals) journal.push({ remove: ids });
  }

  async search(query: SearchQuery): Promise<SearchResult> {
    const started = performance.now();
    const q = query.q.slice(0, MAX_QUERY_CHARS);
    const limit = query.limit === undefined || !Number.isFinite(query.limit)
      ? DEFAULT_LIMIT
      : Math.min(Math.max(Math.floor(query.limit), 0), MAX_LIMIT);
    const hits = q.trim() !== '' ? this.state.search(query.partnerId, q, query.kind, query.orgId, limit) : [];
    return { hits, processingTimeMs: Math.round(performance.now() - started) };
  }

  async rebuild(docs: AsyncIterable<SearchDoc[]>): Promise<{ count: number }> {
    return this.rebuildPrepared((async function* () {
      for await (const batch of docs) yield prepareDocs(batch);
    })());
  }

  /** rebuild() from batches prepared elsewhere (see build-workers.ts), each document at most once. */
  async rebuildPrepared(batches: AsyncIterable<PreparedBatch>): Promise<{ count: number }> {
    const next = new IndexState(true);
    const journal: Change[] = [];
    this.journals.add(journal);
    try {
      for await (const batch of batches) next.upsert(batch, true);
      // No await from here to the swap: no change can slip between the replay and the swap.
      for (const change of journal) {
        if ('upsert' in change) next.upsert(change.upsert);
        else for (const id of change.remove) next.remove(id);
      }
      next.finalize();
      this.state = next;
      return { count: next.count };
    } finally {
      this.journals.delete(journal);
    }
  }

  async count(): Promise<number> {
    return this.state.count;
  }

  /**
   * The engine runs in this process, so there is no connection to check: it answers whenever the
   * process does. The one state in which it does not is after close() (shutdown), when it has
   * dropped its documents: readiness must not call such an index up.
   */
  async ping(): Promise<void> {
    if (this.closed) throw new Error('the in-process search index is closed');
  }

  async close(): Promise<void> {
    this.closed = true;
    this.state = new IndexState();
  }
}
