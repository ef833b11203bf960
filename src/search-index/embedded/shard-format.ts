// What the shard's arrays hold, shared by its storage, its search and its snapshot codec: a posting
// or forward-index entry packs a slot (or trie node) with a field index, and a dead slot's kind is DEAD.
// The checks below are the ones a snapshot's arrays must pass when loaded (see shard-snapshot.ts).
import { SEARCH_FIELDS } from '../search-index';
import { SnapshotDamagedError } from './snapshot-file';

/** Marks a slot whose document was replaced or removed; postings pointing at it are skipped. */
export const DEAD = 255;
/**
 * Postings hold slot << FIELD_BITS | field index, so one number says which doc and which field
 * (a shift, not a division: these are read millions of times a second).
 */
export const FIELD_BITS = 4;
export const FIELD_MASK = (1 << FIELD_BITS) - 1;

/**
 * Checks made while a snapshot is loaded: its checksums say the file is as written, these say the
 * index in it is one the search code can walk (every link, slot, node and range where it must be),
 * so that even a file written wrongly cannot send a search out of bounds or into a loop.
 */
export function ensure(ok: boolean, what: string): asserts ok {
  if (!ok) throw new SnapshotDamagedError(`inconsistent ${what}`);
}
export const isCount = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;
export const isStrings = (a: unknown): a is string[] => Array.isArray(a) && a.every((x) => typeof x === 'string');
/**
 * Whether every entry is (slot or node) << FIELD_BITS | field with both in range. A plain loop:
 * tens of millions of entries at a million documents, checked at every start.
 */
export function entriesOk(entries: ArrayLike<number>, below: number): boolean {
  const fields = SEARCH_FIELDS.length;
  for (let i = 0; i < entries.length; i++) {
    const v = entries[i]!;
    if (!(v >= 0 && (v >> FIELD_BITS) < below && (v & FIELD_MASK) < fields)) return false;
  }
  return true;
}
