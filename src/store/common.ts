// Types that several repositories of the Store port share (src/store/store.ts composes them).

export interface Page { limit: number; offset: number }

/**
 * One of `of` disjoint parts of a table, numbered from 0, for scans run side by side (a reindex
 * split between worker threads): every record is in exactly one part, the parts about equal.
 */
export interface ScanPart {
  index: number;
  of: number;
}
