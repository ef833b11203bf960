// The change outbox the search indexers follow, and their cursors.
// The port of this repository: its records and interface (docs/architecture.md, "The store").

/** 'all' asks every index follower to rebuild from the store (`helpdesk reindex` on the embedded engine). */
export type ChangedEntity = 'org' | 'user' | 'device' | 'all';

/** One row of the change outbox, written in the same transaction as the change. */
export interface Change {
  seq: number;
  entity: ChangedEntity;
  id: string;
  at: string;
}

export interface ChangeRepo {
  /** Changes with seq > after, oldest first. */
  listAfter(after: number, limit: number): Promise<Change[]>;
  latestSeq(): Promise<number>;
  /** Appends an 'all' change: followers rebuild their index from the store. */
  requestRebuild(): Promise<void>;
  /** Where a durable follower (an indexer of a shared search engine) got to; null before its first run. */
  getCursor(consumer: string): Promise<number | null>;
  /** Saves a follower's position; it never moves back, whichever process saves last. */
  saveCursor(consumer: string, seq: number): Promise<void>;
  /** Drop changes older than `before` (every consumer has read them by then). */
  prune(before: Date): Promise<number>;
}
