// The codec of a shard in a snapshot (see EmbeddedSearchIndex.snapshots): ONE declared list of
// fields per class (SHARD_CODEC and the codecs of its parts), which both saveWith() and loadWith()
// walk, so a field cannot be saved and forgotten on load. Each codec also names the fields it does
// not save (rebuilt on load, or transient), so that every field of the class is accounted for:
// test/features/shard-snapshot-roundtrip.test.ts fails when a class gains a field no list names.
// The layout in the snapshot's header is { name: value or section number, ... } per class, nested.
import { KeyTable } from './key-table';
import { PackedDocs } from './packed-docs';
import { KIND_CODE } from './prepared-docs';
import { DEAD, ensure, entriesOk, isCount, isStrings } from './shard-format';
import { ShardStorage } from './shard-storage';
import type { SnapshotReader, SnapshotWriter } from './snapshot-file';
import { Trie } from './trie';

type Section = Int32Array | Uint32Array | Uint16Array | Uint8Array;

/**
 * One saved field. `read` gives what is saved (the used part of an array with spare room), `write`
 * sets the field of an object being loaded from it and checks what it can on its own. `kind`: a
 * typed-array section, a JSON section (lists of strings, maps), a plain value in the header, or a
 * part with a codec of its own.
 */
export type Field<T> = { name: string; owns: keyof T & string; read(o: T): unknown; write(o: T, value: never): void } & (
  | { kind: 'array' | 'json' | 'value' }
  | { kind: 'part'; codec: Codec<never> }
);

export interface Codec<T> {
  /** In the order load sets them. */
  fields: readonly Field<T>[];
  /** Fields of the class not saved, as they are rebuilt from the others by `finish`. */
  rebuilt: readonly (keyof T & string)[];
  /** Fields of the class not saved, as they only matter while it is being built or searched. */
  transient: readonly (keyof T & string)[];
  /** A new, empty object for load to fill (the header's values are not checked yet). */
  create(meta: Record<string, unknown>): T;
  /** Before saving: throws when the object is in no state to be saved. */
  beforeSave?(o: T): void;
  /** After load has set every field: the checks that need them all, and the rebuilt fields. */
  finish(o: T): void;
}

function field<T, V>(
  kind: 'array' | 'json' | 'value', owns: keyof T & string, read: (o: T) => V, write: (o: T, value: V) => void, name: string = owns,
): Field<T> {
  return { kind, name, owns, read, write: write as (o: T, value: never) => void };
}

function part<T, P>(owns: keyof T & string, codec: Codec<P>, read: (o: T) => P, write: (o: T, value: P) => void): Field<T> {
  return { kind: 'part', name: owns, owns, codec: codec as unknown as Codec<never>, read, write: write as (o: T, value: never) => void };
}

export function saveWith<T>(codec: Codec<T>, o: T, w: SnapshotWriter): Record<string, unknown> {
  codec.beforeSave?.(o);
  const out: Record<string, unknown> = {};
  for (const f of codec.fields) {
    const value = f.read(o);
    out[f.name] = f.kind === 'array' ? w.array(value as Section)
      : f.kind === 'json' ? w.json(value)
        : f.kind === 'part' ? saveWith(f.codec as unknown as Codec<unknown>, value, w)
          : value;
  }
  return out;
}

/** Reads every declared field; a field missing from the snapshot makes it damaged, not silently empty. */
export function loadWith<T>(codec: Codec<T>, r: SnapshotReader<unknown>, meta: unknown): T {
  ensure(typeof meta === 'object' && meta !== null, 'snapshot part');
  const m = meta as Record<string, unknown>;
  const o = codec.create(m);
  for (const f of codec.fields) {
    ensure(Object.hasOwn(m, f.name), `snapshot part: no ${f.name}`);
    const saved = m[f.name];
    const value = f.kind === 'array' ? r.array(saved as number)
      : f.kind === 'json' ? r.json(saved as number)
        : f.kind === 'part' ? loadWith(f.codec as unknown as Codec<unknown>, r, saved)
          : saved;
    f.write(o, value as never);
  }
  codec.finish(o);
  return o;
}

export const TRIE_CODEC: Codec<Trie> = {
  fields: [
    field('value', 'size', (t) => t.size, (t, v: number) => { t.size = v; }),
    field('value', 'numbered', (t) => t.numbered, (t, v: number) => { t.numbered = v; }),
    field('array', 'ch', (t) => t.ch.subarray(0, t.size), (t, v: Uint16Array<ArrayBuffer>) => { t.ch = v; }),
    field('array', 'lo', (t) => t.lo.subarray(0, t.size), (t, v: Int32Array<ArrayBuffer>) => { t.lo = v; }),
    field('array', 'hi', (t) => t.hi.subarray(0, t.size), (t, v: Int32Array<ArrayBuffer>) => { t.hi = v; }),
    field('array', 'eq', (t) => t.eq.subarray(0, t.size), (t, v: Int32Array<ArrayBuffer>) => { t.eq = v; }),
    field('array', 'up', (t) => t.up.subarray(0, t.size), (t, v: Int32Array<ArrayBuffer>) => { t.up = v; }),
    field('array', 'depth', (t) => t.depth.subarray(0, t.size), (t, v: Int32Array<ArrayBuffer>) => { t.depth = v; }),
    field('array', 'under', (t) => t.under.subarray(0, t.size), (t, v: Int32Array<ArrayBuffer>) => { t.under = v; }),
    field('array', 'typo', (t) => t.typo.subarray(0, t.size), (t, v: Uint8Array<ArrayBuffer>) => { t.typo = v; }),
    field('array', 'pre', (t) => t.pre, (t, v: Int32Array<ArrayBuffer>) => { t.pre = v; }),
    field('array', 'below', (t) => t.below, (t, v: Int32Array<ArrayBuffer>) => { t.below = v; }),
  ],
  rebuilt: [],
  transient: [],
  create: () => new Trie(),
  finish: (t) => t.check(),
};

export const KEY_TABLE_CODEC: Codec<KeyTable> = {
  fields: [
    field('array', 'hashes', (k) => k.hashes, (k, v: Int32Array<ArrayBuffer>) => { k.hashes = v; }),
    field('array', 'slots', (k) => k.slots, (k, v: Int32Array<ArrayBuffer>) => { k.slots = v; }),
    field('value', 'used', (k) => k.used, (k, v: number) => { k.used = v; }),
  ],
  rebuilt: [],
  // Only while a bulk load fills the shard, which is saved once finalized.
  transient: ['deferred', 'deferredUsed'],
  create: () => new KeyTable(),
  // Checked against the shard's slot count by SHARD_CODEC.finish.
  finish: () => {},
};

export const PACKED_DOCS_CODEC: Codec<PackedDocs> = {
  fields: [
    field('array', 'bytes', (d) => new Uint8Array(d.bytes.buffer, d.bytes.byteOffset, d.from[d.count]!),
      (d, v: Uint8Array) => { d.bytes = Buffer.from(v.buffer, v.byteOffset, v.byteLength); }),
    field('array', 'from', (d) => d.from.subarray(0, d.count + 1), (d, v: Uint32Array<ArrayBuffer>) => { d.from = v; }),
    field('value', 'count', (d) => d.count, (d, v: number) => { d.count = v; }),
  ],
  rebuilt: [],
  // Only while a bulk load fills the shard (PackedDocs.keepInPlace).
  transient: ['sources', 'at'],
  create: () => new PackedDocs(),
  beforeSave: (d) => {
    if (d.sources) throw new Error('a shard is saved only once loaded');
  },
  finish: (d) => {
    ensure(isCount(d.count) && d.from.length === d.count + 1 && d.from[0] === 0, 'document offsets');
    let ok = true;
    for (let i = 0; i < d.count && ok; i++) ok = d.from[i]! <= d.from[i + 1]!;
    ensure(ok, 'document offsets');
    ensure(d.from[d.count]! <= d.bytes.length, 'document offsets');
  },
};

/**
 * Arrays by slot keep room to add documents: add() doubles them when full, which an empty one
 * never is. Their saved part is ids.length long (+ `extra`), which ids, set before them, says.
 */
function withRoom<A extends Uint8Array<ArrayBuffer> | Int32Array<ArrayBuffer>>(s: ShardStorage, a: A, make: (size: number) => A, extra = 0): A {
  const n = s.ids.length;
  ensure(a.length === n + extra, 'shard arrays');
  const out = make(Math.max(1024, n * 2) + extra);
  out.set(a);
  return out;
}

export const SHARD_CODEC: Codec<ShardStorage> = {
  fields: [
    // Set by create(): checked here.
    field('value', 'partnerId', (s) => s.partnerId, (s, v: unknown) => ensure(v === s.partnerId, 'shard lists')),
    part('trie', TRIE_CODEC, (s) => s.trie, (s, v) => { s.trie = v; }),
    part('keys', KEY_TABLE_CODEC, (s) => s.keys, (s, v) => { s.keys = v; }),
    part('packed', PACKED_DOCS_CODEC, (s) => s.packed, (s, v) => { s.packed = v; }),
    // ids before the arrays by slot: their length is the shard's slot count.
    field('json', 'ids', (s) => s.ids, (s, v: unknown) => { ensure(isStrings(v), 'shard lists'); s.ids = v; }),
    field('json', 'sortTitles', (s) => s.sortTitles, (s, v: unknown) => { ensure(isStrings(v), 'shard lists'); s.sortTitles = v; }),
    field('value', 'ranked', (s) => s.ranked, (s, v: number) => { s.ranked = v; }),
    field('json', 'orgCodes', (s) => [...s.orgCodes.keys()], (s, v: unknown) => {
      ensure(isStrings(v), 'org list');
      v.forEach((id, code) => s.orgCodes.set(id, code));
    }, 'orgIds'),
    field('array', 'fieldMask', (s) => s.fieldMask.subarray(0, Math.min(s.fieldMask.length, s.trie.size)),
      (s, v: Uint16Array<ArrayBuffer>) => { s.fieldMask = v; }),
    field('array', 'kinds', (s) => s.kinds.subarray(0, s.ids.length),
      (s, v: Uint8Array<ArrayBuffer>) => { s.kinds = withRoom(s, v, (k) => new Uint8Array(k)); }),
    field('array', 'orgs', (s) => s.orgs.subarray(0, s.ids.length),
      (s, v: Int32Array<ArrayBuffer>) => { s.orgs = withRoom(s, v, (k) => new Int32Array(k)); }),
    field('array', 'wordsFrom', (s) => s.wordsFrom.subarray(0, s.ids.length + 1),
      (s, v: Int32Array<ArrayBuffer>) => { s.wordsFrom = withRoom(s, v, (k) => new Int32Array(k), 1); }),
    field('array', 'words', (s) => s.words.subarray(0, s.wordsFrom[s.ids.length]!), (s, v: Int32Array<ArrayBuffer>) => { s.words = v; }),
    field('array', 'postData', (s) => s.postData, (s, v: Int32Array<ArrayBuffer>) => { s.postData = v; }),
    field('array', 'postStart', (s) => s.postStart, (s, v: Int32Array<ArrayBuffer>) => { s.postStart = v; }),
    field('array', 'postEnd', (s) => s.postEnd, (s, v: Int32Array<ArrayBuffer>) => { s.postEnd = v; }),
    field('json', 'postExtra', (s) => [...s.postExtra], (s, v: Array<[number, number[]]>) => { s.postExtra = new Map(v); }),
  ],
  rebuilt: ['members', 'slotOf', 'dead'],
  // A saved shard is in live mode (bulk false), not being saved, with no search under way.
  transient: ['bulk', 'saving', 'nodesOfBatch', 'nodesOfWords', 'scratch'],
  create: (m) => {
    ensure(typeof m.partnerId === 'string', 'shard lists');
    return new ShardStorage(m.partnerId);
  },
  beforeSave: (s) => {
    if (s.bulk) throw new Error('a shard is saved only once loaded');
  },
  finish: (s) => {
    const n = s.ids.length;
    ensure(s.sortTitles.length === n && s.packed.length === n && isCount(s.ranked) && s.ranked <= n, 'shard sizes');
    s.keys.check(n);
    checkShard(s, n, s.orgCodes.size);
    for (let slot = 0; slot < n; slot++) {
      (s.members[s.orgs[slot]!] ??= []).push(slot);
      if (s.kinds[slot] === DEAD) s.dead++;
      else s.slotOf.set(s.ids[slot]!, slot);
    }
  },
};

/** See ensure(): every slot, node and range the search code follows from these arrays. */
function checkShard(s: ShardStorage, n: number, orgCount: number): void {
  const nodes = s.trie.size;
  const kindOk = new Set([...Object.values(KIND_CODE), DEAD]);
  const { kinds, orgs, wordsFrom, postStart, postEnd } = s;
  let ok = true;
  for (let slot = 0; slot < n && ok; slot++) {
    ok = kindOk.has(kinds[slot]!) && orgs[slot]! >= 0 && orgs[slot]! < orgCount && wordsFrom[slot]! <= wordsFrom[slot + 1]!;
  }
  ensure(ok, 'document kind, org or words');
  ensure(wordsFrom[0] === 0 && wordsFrom[n] === s.words.length && entriesOk(s.words, nodes), 'forward index');
  ensure(s.fieldMask.length <= nodes && postStart.length === postEnd.length && postStart.length <= nodes, 'posting lists');
  const total = s.postData.length;
  for (let i = 0; i < postStart.length && ok; i++) ok = postStart[i]! >= 0 && postStart[i]! <= postEnd[i]! && postEnd[i]! <= total;
  ensure(ok && entriesOk(s.postData, n), 'posting lists');
  for (const [node, entries] of s.postExtra) {
    ensure(isCount(node) && node < nodes && Array.isArray(entries) && entries.every(Number.isInteger) && entriesOk(entries, n), 'added postings');
  }
}

