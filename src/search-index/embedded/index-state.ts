// The embedded engine's documents, one shard per partner.
import type { HitKind, SearchHit } from '../search-index';
import { BatchReader, type PreparedBatch } from './prepared-docs';
import { searchShard } from './ranking';
import { ensure } from './shard-format';
import { SHARD_CODEC, loadWith, saveWith } from './shard-snapshot';
import { ShardStorage } from './shard-storage';
import type { SnapshotReader, SnapshotWriter } from './snapshot-file';

/** One generation of the index; rebuild() fills a new one and swaps it in. */
export class IndexState {
  readonly shards = new Map<string, ShardStorage>();

  /** `bulk`: filled by rebuild() and finalized before anyone searches it. */
  constructor(private bulk = false) {}

  /**
   * Adds (or replaces) every document of the batch. `fresh`: none of them is in another shard (a
   * full scan reads each record once, with its partner: see SearchIndex.rebuild).
   */
  upsert(batch: PreparedBatch, fresh = false): void {
    for (const doc = new BatchReader(batch); doc.next();) {
      const partnerId = doc.partnerId;
      let shard = this.shards.get(partnerId);
      if (!shard) {
        shard = new ShardStorage(partnerId, this.bulk);
        this.shards.set(partnerId, shard);
      }
      if (!fresh && this.shards.size > 1) {
        // A record that moved to another partner leaves its old shard. No map of id to partner:
        // at a million documents it cost more than looking in each of the few shards.
        const id = doc.id;
        for (const other of this.shards.values()) if (other !== shard) other.remove(id);
      }
      shard.add(doc);
    }
  }

  /** The hits of a search of one partner's documents (none when the partner has none). */
  search(partnerId: string, q: string, kind: HitKind | undefined, orgId: string | undefined, limit: number): SearchHit[] {
    const shard = this.shards.get(partnerId);
    return shard ? searchShard(shard, q, kind, orgId, limit) : [];
  }

  remove(id: string): void {
    for (const shard of this.shards.values()) shard.remove(id);
  }

  /** While a snapshot is written from the shards' arrays, searches do not tidy them (ShardStorage.saving). */
  setSaving(saving: boolean): void {
    for (const shard of this.shards.values()) shard.saving = saving;
  }

  /** After a bulk load: see ShardStorage.finalize(). */
  finalize(): void {
    for (const shard of this.shards.values()) shard.finalize();
    // A partner's first document after this goes into a live shard.
    this.bulk = false;
  }

  get count(): number {
    let n = 0;
    for (const shard of this.shards.values()) n += shard.size;
    return n;
  }

  save(w: SnapshotWriter) {
    return { shards: [...this.shards.values()].map((shard) => saveWith(SHARD_CODEC, shard, w)) };
  }

  static load(r: SnapshotReader<unknown>, m: ReturnType<IndexState['save']>): IndexState {
    const state = new IndexState();
    ensure(Array.isArray(m?.shards), 'shard list');
    for (const saved of m.shards) {
      const shard = loadWith(SHARD_CODEC, r, saved);
      ensure(!state.shards.has(shard.partnerId), 'shard list');
      state.shards.set(shard.partnerId, shard);
    }
    return state;
  }
}
