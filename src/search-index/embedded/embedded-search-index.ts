// The in-process search engine: an inverted index per partner with Meilisearch's ranking rules
// (exact identifiers, then typos, attribute, exactness, then a stable order). The rules are pinned by
// test/contract/search-index.contract.ts.
import { performance } from 'node:perf_hooks';
import {
  DEFAULT_LIMIT, MAX_LIMIT, SEARCH_FIELDS,
  type HitKind, type IndexSnapshots, type SearchDoc, type SearchHit, type SearchIndex, type SearchQuery, type SearchResult,
  type SnapshotPosition,
} from '../search-index';
import {
  MAX_QUERY_WORDS, firstLetterBudget, identifierEntriesOf, identifierKeys, matchFinder, queryWords, typoBudget, type MatchFinder,
} from '../query';
import { buildWorkerCount, preparedFromStore } from './build-workers';
import { BatchReader, KIND_CODE, TYPO_FIELD, grow, hashKey, prepareDocs, type Packed, type PreparedBatch } from './prepared-docs';
import {
  SnapshotDamagedError, lockSnapshot, readSnapshot, readSnapshotMeta, writeSnapshot, type SnapshotReader, type SnapshotWriter,
} from './snapshot-file';

/** Marks a slot whose document was replaced or removed; postings pointing at it are skipped. */
const DEAD = 255;
/**
 * Postings hold slot << FIELD_BITS | field index, so one number says which doc and which field
 * (a shift, not a division: these are read millions of times a second).
 */
const FIELD_BITS = 4;
const FIELD_MASK = (1 << FIELD_BITS) - 1;
/** Longer queries are no one's search; the cap bounds the work a hostile query can cause. */
const MAX_QUERY_CHARS = 256;
/** Compact a shard once this many replaced or removed documents linger, and they outnumber the live ones. */
const COMPACT_AFTER = 10_000;

/**
 * Checks made while a snapshot is loaded: its checksums say the file is as written, these say the
 * index in it is one the search code can walk (every link, slot, node and range where it must be),
 * so that even a file written wrongly cannot send a search out of bounds or into a loop.
 */
function ensure(ok: boolean, what: string): asserts ok {
  if (!ok) throw new SnapshotDamagedError(`inconsistent ${what}`);
}
const isCount = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;
const isStrings = (a: unknown): a is string[] => Array.isArray(a) && a.every((x) => typeof x === 'string');
/**
 * Whether every entry is (slot or node) << FIELD_BITS | field with both in range. A plain loop:
 * tens of millions of entries at a million documents, checked at every start.
 */
function entriesOk(entries: ArrayLike<number>, below: number): boolean {
  const fields = SEARCH_FIELDS.length;
  for (let i = 0; i < entries.length; i++) {
    const v = entries[i]!;
    if (!(v >= 0 && (v >> FIELD_BITS) < below && (v & FIELD_MASK) < fields)) return false;
  }
  return true;
}

/**
 * A character trie stored as a ternary search tree in flat arrays: millions of words without an
 * object each, and a child found in a few comparisons (a binary tree of siblings) instead of a scan.
 * Node 0 is the root (the empty word); `eq` leads to a node's children, `lo`/`hi` to its siblings.
 * Each node also knows the node of its word minus the last character (`up`), its depth, and how many
 * tokens went through it (`under`, an estimate: never decremented), so the words a query word
 * matches by prefix can be described by a few subtrees, counted and tested without visiting them.
 */
class Trie {
  ch = new Uint16Array(1024);
  lo = new Int32Array(1024).fill(-1);
  hi = new Int32Array(1024).fill(-1);
  eq = new Int32Array(1024).fill(-1);
  up = new Int32Array(1024);
  depth = new Int32Array(1024);
  under = new Int32Array(1024);
  /** 1 when the node's word or a word below it is in a typo field: typo matching skips the other subtrees. */
  typo = new Uint8Array(1024);
  size = 1;

  /** Inserts the word of these code units; returns its node. */
  insert(text: Uint16Array, start: number, length: number): number {
    let node = 0;
    for (let i = 0; i < length; i++) {
      const c = text[start + i]!;
      let n = this.eq[node]!;
      if (n < 0) {
        n = this.newNode(c, node, i + 1);
        this.eq[node] = n;
      } else {
        for (;;) {
          const nc = this.ch[n]!;
          if (c === nc) break;
          const links = c < nc ? this.lo : this.hi;
          const next = links[n]!;
          if (next < 0) {
            const created = this.newNode(c, node, i + 1);
            // newNode may have replaced the arrays.
            (c < nc ? this.lo : this.hi)[n] = created;
            n = created;
            break;
          }
          n = next;
        }
      }
      this.under[n]!++;
      node = n;
    }
    return node;
  }

  find(word: string): number {
    let node = 0;
    for (let i = 0; i < word.length && node >= 0; i++) {
      const c = word.charCodeAt(i);
      let n = this.eq[node]!;
      while (n >= 0 && this.ch[n] !== c) n = c < this.ch[n]! ? this.lo[n]! : this.hi[n]!;
      node = n;
    }
    return node;
  }

  /** Marks `node` and its ancestors as leading to a word of a typo field. */
  markTypo(node: number): void {
    for (let n = node; this.typo[n] === 0; n = this.up[n]!) {
      this.typo[n] = 1;
      if (n === 0) break;
    }
  }

  /** The children of `node`, in no particular order. */
  children(node: number, out: number[]): number[] {
    out.length = 0;
    const first = this.eq[node]!;
    if (first < 0) return out;
    out.push(first);
    for (let i = 0; i < out.length; i++) {
      const n = out[i]!;
      if (this.lo[n]! >= 0) out.push(this.lo[n]!);
      if (this.hi[n]! >= 0) out.push(this.hi[n]!);
    }
    return out;
  }

  /** Every node strictly below `node`: in a ternary tree, everything reachable from eq[node]. */
  forEachBelow(node: number, fn: (n: number) => void): void {
    const stack = this.eq[node]! >= 0 ? [this.eq[node]!] : [];
    while (stack.length > 0) {
      const n = stack.pop()!;
      fn(n);
      if (this.lo[n]! >= 0) stack.push(this.lo[n]!);
      if (this.hi[n]! >= 0) stack.push(this.hi[n]!);
      if (this.eq[n]! >= 0) stack.push(this.eq[n]!);
    }
  }

  /**
   * Numbers the nodes in depth-first order, so that "word X is below node R" is one comparison of
   * numbers instead of a walk up from X: pre[R] < pre[X] <= pre[R] + below[R]. Nodes added later
   * (live updates) are not numbered: `numbered` says up to where the numbers hold.
   */
  number(postings?: { start: Int32Array; end: Int32Array }): void {
    const pre = new Int32Array(this.size);
    const below = new Int32Array(this.size);
    const order = new Int32Array(this.size);
    const stack = [0];
    const kids: number[] = [];
    let next = 0;
    while (stack.length > 0) {
      const n = stack.pop()!;
      pre[n] = next;
      order[next++] = n;
      for (const c of this.children(n, kids)) stack.push(c);
    }
    // In reverse depth-first order every node comes after all of its descendants.
    if (postings) {
      // Exact counts from the posting lists: insert() counted replaced documents and repeated words too.
      for (let n = 0; n < this.size; n++) this.under[n] = postings.end[n]! - postings.start[n]!;
    }
    for (let i = next - 1; i > 0; i--) {
      const n = order[i]!;
      below[this.up[n]!]! += below[n]! + 1;
      if (postings) this.under[this.up[n]!]! += this.under[n]!;
    }
    this.pre = pre;
    this.below = below;
    this.numbered = this.size;
  }

  pre = new Int32Array(0);
  below = new Int32Array(0);
  numbered = 0;

  save(w: SnapshotWriter) {
    const n = this.size;
    return {
      size: n, numbered: this.numbered,
      ch: w.array(this.ch.subarray(0, n)), lo: w.array(this.lo.subarray(0, n)), hi: w.array(this.hi.subarray(0, n)),
      eq: w.array(this.eq.subarray(0, n)), up: w.array(this.up.subarray(0, n)), depth: w.array(this.depth.subarray(0, n)),
      under: w.array(this.under.subarray(0, n)), typo: w.array(this.typo.subarray(0, n)),
      pre: w.array(this.pre), below: w.array(this.below),
    };
  }

  static load(r: SnapshotReader<unknown>, m: ReturnType<Trie['save']>): Trie {
    const t = new Trie();
    t.ch = r.array(m.ch);
    t.lo = r.array(m.lo);
    t.hi = r.array(m.hi);
    t.eq = r.array(m.eq);
    t.up = r.array(m.up);
    t.depth = r.array(m.depth);
    t.under = r.array(m.under);
    t.typo = r.array(m.typo);
    t.pre = r.array(m.pre);
    t.below = r.array(m.below);
    t.size = m.size;
    t.numbered = m.numbered;
    t.check();
    return t;
  }

  /**
   * Nodes are only ever appended, after their parent and their siblings: every link points to a
   * later node and every `up` to an earlier one, so no walk can loop or leave the arrays.
   */
  private check(): void {
    const n = this.size;
    ensure(isCount(n) && n >= 1 && isCount(this.numbered) && this.numbered <= n, 'trie size');
    for (const a of [this.ch, this.lo, this.hi, this.eq, this.up, this.depth, this.under, this.typo]) ensure(a.length === n, 'trie arrays');
    ensure(this.pre.length === this.numbered && this.below.length === this.numbered, 'trie numbering');
    const { lo, hi, eq, up, pre, below, numbered } = this;
    let ok = up[0] === 0;
    for (let i = 0; i < n && ok; i++) {
      const l = lo[i]!;
      const h = hi[i]!;
      const e = eq[i]!;
      ok = (l === -1 || (l > i && l < n)) && (h === -1 || (h > i && h < n)) && (e === -1 || (e > i && e < n))
        && (i === 0 || (up[i]! >= 0 && up[i]! < i));
    }
    ensure(ok, 'trie links');
    for (let i = 0; i < numbered && ok; i++) ok = pre[i]! >= 0 && below[i]! >= 0 && pre[i]! + below[i]! < numbered;
    ensure(ok, 'trie numbering');
  }

  /** Gives back the unused half of the arrays once a build is complete. */
  trim(): void {
    const n = this.size;
    this.ch = this.ch.slice(0, n);
    this.lo = this.lo.slice(0, n);
    this.hi = this.hi.slice(0, n);
    this.eq = this.eq.slice(0, n);
    this.up = this.up.slice(0, n);
    this.depth = this.depth.slice(0, n);
    this.under = this.under.slice(0, n);
    this.typo = this.typo.slice(0, n);
  }

  private newNode(c: number, up: number, depth: number): number {
    if (this.size === this.ch.length) {
      const cap = Math.max(1024, this.size * 2);
      this.ch = grow(this.ch, new Uint16Array(cap));
      this.lo = grow(this.lo, new Int32Array(cap).fill(-1));
      this.hi = grow(this.hi, new Int32Array(cap).fill(-1));
      this.eq = grow(this.eq, new Int32Array(cap).fill(-1));
      this.up = grow(this.up, new Int32Array(cap));
      this.depth = grow(this.depth, new Int32Array(cap));
      this.under = grow(this.under, new Int32Array(cap));
      this.typo = grow(this.typo, new Uint8Array(cap));
    }
    this.ch[this.size] = c;
    this.up[this.size] = up;
    this.depth[this.size] = depth;
    return this.size++;
  }
}

/**
 * Identifier key → slots, as an open-addressing table of 32-bit hashes: a Map of millions of
 * string keys costs far more memory. Collisions are harmless: every hit is checked against the doc.
 */
class KeyTable {
  private hashes = new Int32Array(1024);
  private slots = new Int32Array(1024); // slot + 1; 0 = empty
  private used = 0;
  /**
   * While a bulk load fills the shard, keys are only listed here (hash, slot, hash, slot...) and
   * put in a table of the right size by compact(): growing the table by doubling rehashed every
   * key again and again. Lookups do not see them, and nothing searches a shard being loaded.
   */
  private deferred: Int32Array | null = null;
  private deferredUsed = 0;

  save(w: SnapshotWriter) {
    return { hashes: w.array(this.hashes), slots: w.array(this.slots), used: this.used };
  }

  static load(r: SnapshotReader<unknown>, m: ReturnType<KeyTable['save']>): KeyTable {
    const t = new KeyTable();
    t.hashes = r.array(m.hashes);
    t.slots = r.array(m.slots);
    t.used = m.used;
    return t;
  }

  /** A table lookup probes until an empty place: one must exist, and every slot be one of `slots`. */
  check(slots: number): void {
    const size = this.slots.length;
    ensure(size > 0 && (size & (size - 1)) === 0 && this.hashes.length === size, 'key table size');
    let used = 0;
    let ok = true;
    for (let i = 0; i < size && ok; i++) {
      const v = this.slots[i]!;
      ok = v >= 0 && v <= slots;
      if (v !== 0) used++;
    }
    ensure(ok, 'key table slot');
    ensure(used === this.used && used < size, 'key table count');
  }

  /** Lists keys from now on instead of adding them, until the next compact(). */
  defer(): void {
    this.deferred ??= new Int32Array(1 << 12);
  }

  add(hash: number, slot: number): void {
    if (this.deferred) {
      if (this.deferredUsed + 2 > this.deferred.length) this.deferred = grow(this.deferred, new Int32Array(this.deferred.length * 2));
      this.deferred[this.deferredUsed++] = hash;
      this.deferred[this.deferredUsed++] = slot;
      return;
    }
    if ((this.used + 1) * 2 > this.slots.length) this.resize(this.slots.length * 2);
    this.put(hash, slot);
    this.used++;
  }

  lookup(hash: number, out: number[]): void {
    const mask = this.slots.length - 1;
    for (let i = hash & mask; this.slots[i] !== 0; i = (i + 1) & mask) {
      if (this.hashes[i] === hash) out.push(this.slots[i]! - 1);
    }
  }

  /** Rewrites the table without dead slots, renumbering live ones; listed keys go in too. */
  compact(remap: Int32Array): void {
    let live = 0;
    for (let i = 0; i < this.slots.length; i++) if (this.slots[i] !== 0 && remap[this.slots[i]! - 1]! >= 0) live++;
    const deferred = this.deferred;
    for (let i = 0; i < this.deferredUsed; i += 2) if (remap[deferred![i + 1]!]! >= 0) live++;
    let cap = 1024;
    while (live * 2 > cap) cap *= 2;
    this.resize(cap, remap);
    for (let i = 0; i < this.deferredUsed; i += 2) {
      const slot = remap[deferred![i + 1]!]!;
      if (slot < 0) continue;
      this.put(deferred![i]!, slot);
      this.used++;
    }
    this.deferred = null;
    this.deferredUsed = 0;
  }

  private resize(capacity: number, remap?: Int32Array): void {
    const { hashes, slots } = this;
    this.hashes = new Int32Array(capacity);
    this.slots = new Int32Array(capacity);
    this.used = 0;
    for (let i = 0; i < slots.length; i++) {
      if (slots[i] === 0) continue;
      const slot = remap ? remap[slots[i]! - 1]! : slots[i]! - 1;
      if (slot < 0) continue;
      this.put(hashes[i]!, slot);
      this.used++;
    }
  }

  private put(hash: number, slot: number): void {
    const mask = this.slots.length - 1;
    let i = hash & mask;
    while (this.slots[i] !== 0) i = (i + 1) & mask;
    this.hashes[i] = hash;
    this.slots[i] = slot + 1;
  }
}

/**
 * The dictionary words one query word matches, with how (typos << 1 | byPrefix: smaller is better,
 * in the order of the ranking rules): single words, and subtrees whose every word matches as a prefix.
 */
interface WordMatches {
  nodes: number[];
  codes: number[];
  /** Every word strictly below these nodes matches, with rootCodes. */
  roots: number[];
  rootCodes: number[];
  /** About how many postings the word's matches hold. */
  estimate: number;
}

interface Ranked { slot: number; score: number }

/**
 * Documents as UTF-8 JSON in one growing byte buffer, document i at bytes[from[i], from[i + 1]):
 * a million documents as a million strings kept the garbage collector marking them over and over
 * while the index was built. Only the hits shown are decoded.
 */
class PackedDocs {
  private bytes: Buffer = Buffer.allocUnsafe(1 << 16);
  private from = new Uint32Array(1025);
  private count = 0;
  /**
   * While a bulk load fills the shard: documents stay where they came in (the buffers of their
   * batches), document i at sources[at[3i]] bytes [at[3i + 1], at[3i + 2]), and select() copies them
   * out once, in their final order. Growing one buffer by doubling copied gigabytes at a million.
   */
  private sources: Buffer[] | null = null;
  private at = new Int32Array(0);

  /** Keeps documents in place from now on, until select(). */
  keepInPlace(): void {
    this.sources ??= [];
  }

  save(w: SnapshotWriter) {
    if (this.sources) throw new Error('a shard is saved only once loaded');
    const used = this.from[this.count]!;
    return { bytes: w.array(new Uint8Array(this.bytes.buffer, this.bytes.byteOffset, used)), from: w.array(this.from.subarray(0, this.count + 1)), count: this.count };
  }

  static load(r: SnapshotReader<unknown>, m: ReturnType<PackedDocs['save']>): PackedDocs {
    const d = new PackedDocs();
    const bytes = r.array<Uint8Array>(m.bytes);
    d.bytes = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    d.from = r.array(m.from);
    d.count = m.count;
    ensure(isCount(d.count) && d.from.length === d.count + 1 && d.from[0] === 0, 'document offsets');
    let ok = true;
    for (let i = 0; i < d.count && ok; i++) ok = d.from[i]! <= d.from[i + 1]!;
    ensure(ok, 'document offsets');
    ensure(d.from[d.count]! <= d.bytes.length, 'document offsets');
    return d;
  }

  get length(): number { return this.count; }

  push(json: Uint8Array): void {
    if (this.sources) {
      const last = this.sources[this.sources.length - 1];
      if (last?.buffer !== json.buffer) this.sources.push(Buffer.from(json.buffer));
      if (this.count * 3 + 3 > this.at.length) this.at = grow(this.at, new Int32Array(Math.max(3072, this.at.length * 2)));
      this.at[this.count * 3] = this.sources.length - 1;
      this.at[this.count * 3 + 1] = json.byteOffset;
      this.at[this.count * 3 + 2] = json.byteOffset + json.length;
      this.count++;
      return;
    }
    const at = this.from[this.count]!;
    if (at + json.length > this.bytes.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, at + json.length));
      this.bytes.copy(bigger, 0, 0, at);
      this.bytes = bigger;
    }
    if (this.count + 1 === this.from.length) this.from = grow(this.from, new Uint32Array(this.from.length * 2));
    this.bytes.set(json, at);
    this.from[++this.count] = at + json.length;
  }

  get(i: number): string {
    if (this.sources) return this.sources[this.at[i * 3]!]!.toString('utf8', this.at[i * 3 + 1]!, this.at[i * 3 + 2]!);
    return this.bytes.toString('utf8', this.from[i]!, this.from[i + 1]!);
  }

  /** The documents of `order`, in that order, in one buffer of their own size. */
  select(order: number[]): PackedDocs {
    const out = new PackedDocs();
    const { sources, at: where } = this;
    let size = 0;
    for (const i of order) size += sources ? where[i * 3 + 2]! - where[i * 3 + 1]! : this.from[i + 1]! - this.from[i]!;
    out.bytes = Buffer.allocUnsafe(Math.max(1 << 16, size));
    out.from = new Uint32Array(order.length + 1025);
    let at = 0;
    for (const i of order) {
      at += sources
        ? sources[where[i * 3]!]!.copy(out.bytes, at, where[i * 3 + 1]!, where[i * 3 + 2]!)
        : this.bytes.copy(out.bytes, at, this.from[i]!, this.from[i + 1]!);
      out.from[++out.count] = at;
    }
    return out;
  }
}

/**
 * All documents of one partner. Every query is scoped to one partner, so keeping partners apart
 * makes the partner filter free and isolation structural: another partner's docs are not there.
 * A document lives in a slot; replacing or removing it marks the slot dead, and postings are
 * cleaned lazily (when a search walks them) or all at once by compact().
 */
class Shard {
  private trie = new Trie();
  /**
   * Posting lists (entries slot << FIELD_BITS | field, by slot) in flat arrays: node n's list is
   * postData[postStart[n] .. postEnd[n]), built in one go by renumber(), then postExtra[n] for
   * entries added since. No array object per word: a million documents make millions of words.
   */
  private postData = new Int32Array(0);
  private postStart = new Int32Array(0);
  private postEnd = new Int32Array(0);
  private postExtra = new Map<number, number[]>();
  private keys = new KeyTable();
  /** Documents as compact JSON, parsed only for the hits shown: objects would double the heap at a million documents. */
  private packed = new PackedDocs();
  private ids: string[] = [];
  private sortTitles: string[] = [];
  /**
   * Slots below this hold the documents of the last finalize(), in tie-break order (finalize
   * renumbers them so): two of them compare by slot, and their postings are in ranking order, which
   * lets one-word searches stop early. Documents added since come after, unranked.
   */
  private ranked = 0;
  /** Per trie node, a bit for each field its postings hold, so a scan for one field skips the other lists. */
  private fieldMask = new Uint16Array(1024);
  private kinds = new Uint8Array(1024);
  private orgs = new Int32Array(1024);
  /**
   * Forward index: slot s's words are words[wordsFrom[s] .. wordsFrom[s + 1]), each node << FIELD_BITS | field.
   * Only the rarest query word walks postings; the others are checked on its candidates' own words.
   */
  private words = new Int32Array(4096);
  private wordsFrom = new Int32Array(1025);
  private orgCodes = new Map<string, number>();
  /** Slots of each org's documents (by org code), dead ones included until the next renumbering. */
  private members: number[][] = [];
  private slotOf = new Map<string, number>();
  private dead = 0;
  /** A snapshot is being written from these arrays: searches leave dead postings where they are. */
  saving = false;
  /** In a bulk load, the trie node of each word of the last batch seen (-1: not looked up yet). */
  private nodesOfBatch: PreparedBatch | null = null;
  private nodesOfWords = new Int32Array(0);
  // Per-search scratch, indexed by slot or trie node; stamps avoid clearing them between words and searches.
  private epoch = 0;
  private wordStamp = new Uint32Array(0);
  private wordBest = new Uint8Array(0);
  private candidateStamp = new Uint32Array(0);
  private typoSum = new Uint8Array(0);
  private attrSum = new Uint8Array(0);
  private exactCount = new Uint8Array(0);
  private nodeStamp = new Uint32Array(0);
  private nodeCode = new Uint8Array(0);
  private rootStamp = new Uint32Array(0);
  private rootCode = new Uint8Array(0);

  /**
   * While a bulk load fills the shard (`bulk`), posting lists are not kept: finalize() builds them
   * from the forward index in one pass, which is how they end up sorted by rank anyway.
   */
  constructor(private readonly partnerId: string, private bulk = false) {
    if (bulk) {
      this.keys.defer();
      this.packed.keepInPlace();
    }
  }

  get size(): number { return this.slotOf.size; }

  /** This shard's whole state, for a snapshot: see EmbeddedSearchIndex.saveSnapshot(). */
  save(w: SnapshotWriter) {
    const n = this.ids.length;
    return {
      partnerId: this.partnerId, ranked: this.ranked,
      trie: this.trie.save(w), keys: this.keys.save(w), packed: this.packed.save(w),
      ids: w.json(this.ids), sortTitles: w.json(this.sortTitles), orgIds: w.json([...this.orgCodes.keys()]),
      fieldMask: w.array(this.fieldMask.subarray(0, Math.min(this.fieldMask.length, this.trie.size))),
      kinds: w.array(this.kinds.subarray(0, n)), orgs: w.array(this.orgs.subarray(0, n)),
      wordsFrom: w.array(this.wordsFrom.subarray(0, n + 1)), words: w.array(this.words.subarray(0, this.wordsFrom[n]!)),
      postData: w.array(this.postData), postStart: w.array(this.postStart), postEnd: w.array(this.postEnd),
      postExtra: w.json([...this.postExtra]),
    };
  }

  static load(r: SnapshotReader<unknown>, m: ReturnType<Shard['save']>): Shard {
    const shard = new Shard(m.partnerId);
    shard.trie = Trie.load(r, m.trie);
    shard.keys = KeyTable.load(r, m.keys);
    shard.packed = PackedDocs.load(r, m.packed);
    shard.ids = r.json(m.ids);
    shard.sortTitles = r.json(m.sortTitles);
    shard.ranked = m.ranked;
    ensure(typeof m.partnerId === 'string' && isStrings(shard.ids) && isStrings(shard.sortTitles), 'shard lists');
    const n = shard.ids.length;
    ensure(shard.sortTitles.length === n && shard.packed.length === n && isCount(m.ranked) && m.ranked <= n, 'shard sizes');
    shard.keys.check(n);
    // Room to add documents: add() doubles these arrays when full, which an empty one never is.
    const room = <T extends Uint8Array<ArrayBuffer> | Int32Array<ArrayBuffer>>(a: T, make: (size: number) => T, extra = 0) => {
      ensure(a.length === n + extra, 'shard arrays');
      const out = make(Math.max(1024, n * 2) + extra);
      out.set(a);
      return out;
    };
    shard.kinds = room(r.array<Uint8Array<ArrayBuffer>>(m.kinds), (k) => new Uint8Array(k));
    shard.orgs = room(r.array<Int32Array<ArrayBuffer>>(m.orgs), (k) => new Int32Array(k));
    shard.wordsFrom = room(r.array<Int32Array<ArrayBuffer>>(m.wordsFrom), (k) => new Int32Array(k), 1);
    shard.words = r.array(m.words);
    shard.fieldMask = r.array(m.fieldMask);
    shard.postData = r.array(m.postData);
    shard.postStart = r.array(m.postStart);
    shard.postEnd = r.array(m.postEnd);
    shard.postExtra = new Map(r.json<Array<[number, number[]]>>(m.postExtra));
    const orgIds = r.json<string[]>(m.orgIds);
    ensure(isStrings(orgIds), 'org list');
    orgIds.forEach((id, code) => shard.orgCodes.set(id, code));
    shard.check(n, orgIds.length);
    for (let slot = 0; slot < n; slot++) {
      (shard.members[shard.orgs[slot]!] ??= []).push(slot);
      if (shard.kinds[slot] === DEAD) shard.dead++;
      else shard.slotOf.set(shard.ids[slot]!, slot);
    }
    return shard;
  }

  /** See ensure(): every slot, node and range the search code follows from these arrays. */
  private check(n: number, orgCount: number): void {
    const nodes = this.trie.size;
    const kindOk = new Set([...Object.values(KIND_CODE), DEAD]);
    const { kinds, orgs, wordsFrom, postStart, postEnd } = this;
    let ok = true;
    for (let slot = 0; slot < n && ok; slot++) {
      ok = kindOk.has(kinds[slot]!) && orgs[slot]! >= 0 && orgs[slot]! < orgCount && wordsFrom[slot]! <= wordsFrom[slot + 1]!;
    }
    ensure(ok, 'document kind, org or words');
    ensure(wordsFrom[0] === 0 && wordsFrom[n] === this.words.length && entriesOk(this.words, nodes), 'forward index');
    ensure(this.fieldMask.length <= nodes && postStart.length === postEnd.length && postStart.length <= nodes, 'posting lists');
    const total = this.postData.length;
    for (let i = 0; i < postStart.length && ok; i++) ok = postStart[i]! >= 0 && postStart[i]! <= postEnd[i]! && postEnd[i]! <= total;
    ensure(ok && entriesOk(this.postData, n), 'posting lists');
    for (const [node, entries] of this.postExtra) {
      ensure(isCount(node) && node < nodes && Array.isArray(entries) && entries.every(Number.isInteger) && entriesOk(entries, n), 'added postings');
    }
  }

  /** Adds (or replaces) the reader's current document. */
  add(doc: BatchReader): void {
    const id = doc.id;
    // A bulk load does not look for the document first: a million lookups in a map of a million
    // ids. finalize() sweeps out any document added twice, keeping the last.
    if (!this.bulk) this.remove(id);
    const slot = this.ids.length;
    if (slot === this.kinds.length) {
      this.kinds = grow(this.kinds, new Uint8Array(slot * 2));
      this.orgs = grow(this.orgs, new Int32Array(slot * 2));
      this.wordsFrom = grow(this.wordsFrom, new Int32Array(slot * 2 + 1));
    }
    this.packed.push(doc.packed);
    this.ids.push(id);
    this.sortTitles.push(doc.sortTitle);
    this.kinds[slot] = doc.kind;
    this.orgs[slot] = this.orgCode(doc.orgId, true);
    (this.members[this.orgs[slot]!] ??= []).push(slot);
    const text = doc.batch.text;
    const words = doc.wordCount;
    let w = this.wordsFrom[slot]!;
    if (w + words > this.words.length) this.words = grow(this.words, new Int32Array(Math.max(4096, (w + words) * 2)));
    // While a bulk load fills the shard, each word of a batch is looked up in the trie once (the
    // counts of words under each node that insert() keeps are made exact by finalize() anyway).
    if (this.bulk && doc.batch !== this.nodesOfBatch) {
      this.nodesOfBatch = doc.batch;
      const n = doc.batch.dict.length >> 1;
      if (this.nodesOfWords.length < n) this.nodesOfWords = new Int32Array(n * 2);
      this.nodesOfWords.fill(-1, 0, n);
    }
    for (let i = 0; i < words; i++) {
      const fi = doc.wordField(i);
      const wn = doc.wordNumber(i);
      let node = this.bulk ? this.nodesOfWords[wn]! : -1;
      if (node < 0) {
        node = this.trie.insert(text, doc.wordStart(wn), doc.wordLength(wn));
        if (this.bulk) this.nodesOfWords[wn] = node;
      }
      if (!this.bulk) {
        const more = this.postExtra.get(node);
        if (more) more.push((slot << FIELD_BITS) | fi);
        else this.postExtra.set(node, [(slot << FIELD_BITS) | fi]);
      }
      if (node >= this.fieldMask.length) this.fieldMask = grow(this.fieldMask, new Uint16Array(Math.max(node + 1, this.fieldMask.length * 2)));
      this.fieldMask[node]! |= 1 << fi;
      if (TYPO_FIELD[fi]) this.trie.markTypo(node);
      this.words[w++] = (node << FIELD_BITS) | fi;
    }
    this.wordsFrom[slot + 1] = w;
    this.slotOf.set(id, slot);
    for (let i = 0, n = doc.keyCount; i < n; i++) this.keys.add(doc.keyHash(i), slot);
  }

  remove(id: string): void {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return;
    this.slotOf.delete(id);
    this.sortTitles[slot] = '';
    this.kinds[slot] = DEAD;
    this.dead++;
    if (this.dead > COMPACT_AFTER && this.dead > this.slotOf.size) this.compact();
  }

  /**
   * After a bulk load: renumbers the documents in tie-break order (title, then id), so every
   * posting list is in that order too, and trims the build's spare capacity.
   */
  finalize(): void {
    if (this.slotOf.size + this.dead !== this.ids.length) {
      for (let slot = 0; slot < this.ids.length; slot++) {
        if (this.kinds[slot] !== DEAD && this.slotOf.get(this.ids[slot]!) !== slot) {
          this.kinds[slot] = DEAD;
          this.dead++;
        }
      }
    }
    const live: number[] = [];
    for (let slot = 0; slot < this.ids.length; slot++) if (this.kinds[slot] !== DEAD) live.push(slot);
    live.sort((a, b) => this.compareTitles(a, b));
    this.renumber(live, 0);
    this.ranked = live.length;
    this.bulk = false;
    this.nodesOfBatch = null;
    this.nodesOfWords = new Int32Array(0);
    this.trie.trim();
    this.trie.number({ start: this.postStart, end: this.postEnd });
  }

  search(q: string, kind: HitKind | undefined, orgId: string | undefined, limit: number): SearchHit[] {
    const kindCode = kind === undefined ? -1 : KIND_CODE[kind];
    const orgCode = orgId === undefined ? -1 : this.orgCode(orgId, false);
    if (limit === 0 || (orgId !== undefined && orgCode < 0)) return [];
    const passes = (slot: number) => this.kinds[slot] !== DEAD
      && (kindCode < 0 || this.kinds[slot] === kindCode) && (orgCode < 0 || this.orgs[slot] === orgCode);

    const keys = identifierKeys(q);
    const exact = this.exactSlots(keys, passes);
    const explain = matchFinder(q, keys);
    const hits = exact.slice(0, limit).map((slot) => this.hit(slot, explain, true));
    if (hits.length < limit) {
      const exactSet = new Set(exact);
      // An identifier found exactly says whose call it is: words then only find more of those orgs'
      // records (the people at a domain, the org of a site), not every record sharing a word with it.
      const among = exact.length > 0 ? this.membersOf(exact, passes, exactSet) : undefined;
      for (const { slot } of this.textSlots(q, passes, limit - hits.length, exactSet, among)) hits.push(this.hit(slot, explain, false));
    }
    return hits;
  }

  private doc(slot: number): SearchDoc {
    const [kind, orgId, status, title, subtitle, ...values] = JSON.parse(this.packed.get(slot)) as Packed;
    const fields = {} as SearchDoc['fields'];
    SEARCH_FIELDS.forEach((f, i) => { fields[f] = values[i] ?? []; });
    return { id: this.ids[slot]!, kind, partnerId: this.partnerId, orgId, status, title, subtitle, fields };
  }

  private hit(slot: number, explain: MatchFinder, exact: boolean): SearchHit {
    const doc = this.doc(slot);
    return {
      kind: doc.kind, id: doc.id, orgId: doc.orgId, title: doc.title, subtitle: doc.subtitle,
      matched: explain(doc), exact,
    };
  }

  /** Docs with an identifier equal to the query, in the order of SEARCH_FIELDS, then title and id. */
  private exactSlots(keys: string[], passes: (slot: number) => boolean): number[] {
    const found = new Map<number, number>();
    for (const key of keys) {
      const slots: number[] = [];
      this.keys.lookup(hashKey(key), slots);
      for (const slot of slots) {
        if (found.has(slot) || !passes(slot)) continue;
        const entry = identifierEntriesOf(this.doc(slot)).find((e) => e.key === key);
        if (entry) found.set(slot, SEARCH_FIELDS.indexOf(entry.field));
      }
    }
    return [...found.entries()]
      .sort(([a, fa], [b, fb]) => fa - fb || this.tieBreak(a, b))
      .map(([slot]) => slot);
  }

  /**
   * Text search as Meilisearch's bucket sort: every word must match; fewer typos first, then the
   * best attributes, then more words matched exactly, then title and id. Only the rarest word walks
   * its postings; each other word is looked for among the candidates' own words (forward index),
   * so a common word or a one-letter prefix costs what the rare word found, not what it matches.
   */
  /** The live documents of the orgs of these slots that the filters let through, but not `skip`. */
  private membersOf(slots: number[], passes: (slot: number) => boolean, skip: Set<number>): number[] {
    const out: number[] = [];
    for (const org of new Set(slots.map((slot) => this.orgs[slot]!))) {
      for (const slot of this.members[org] ?? []) if (passes(slot) && !skip.has(slot)) out.push(slot);
    }
    return out;
  }

  private textSlots(
    q: string, passes: (slot: number) => boolean, want: number, skip: Set<number>, among?: number[],
  ): Ranked[] {
    const qWords = queryWords(q);
    if (qWords.length === 0) return [];
    // A word typed twice ("E2:E2") matches the same documents twice: looked up once, counted twice.
    const byText = new Map<string, { m: WordMatches; weight: number }>();
    for (const [i, w] of qWords.entries()) {
      const isLast = i === qWords.length - 1;
      const k = `${isLast ? '>' : '='}${w}`;
      const seen = byText.get(k);
      if (seen) seen.weight++;
      else byText.set(k, { m: this.matchWord(w, isLast), weight: 1 });
    }
    if ([...byText.values()].some(({ m }) => m.nodes.length === 0 && m.roots.length === 0)) return [];
    this.ensureScratch();

    const ordered = [...byText.values()].sort((a, b) => a.m.estimate - b.m.estimate);
    let candidates: number[];
    let next = 1;
    if (among) {
      // A few given documents: each word is looked for in their own words.
      for (const slot of among) {
        this.typoSum[slot] = 0;
        this.attrSum[slot] = 0;
        this.exactCount[slot] = 0;
      }
      candidates = among;
      next = 0;
    } else if (ordered.length === 1 && ordered[0]!.weight === 1) {
      return this.topOneWord(ordered[0]!.m, passes, want, skip);
    } else {
      candidates = this.walkPostings(ordered[0]!.m, passes);
      this.addScores(candidates, ordered[0]!.weight, true);
    }
    const wordsPerDoc = this.wordsFrom[this.ids.length]! / Math.max(1, this.ids.length);
    for (let w = next; w < ordered.length && candidates.length > 0; w++) {
      const { m, weight } = ordered[w]!;
      // Looking the word up in each candidate's own words costs about candidates x words per doc;
      // walking the word's postings and keeping the candidates costs about what the word matches.
      const forward = candidates.length * wordsPerDoc * (m.roots.length > 0 ? 2 : 1);
      if (this.walkCost(m) < forward) {
        const mark = this.nextEpoch();
        for (const slot of candidates) this.candidateStamp[slot] = mark;
        candidates = this.walkPostings(m, (slot) => this.candidateStamp[slot] === mark);
        this.addScores(candidates, weight, false);
      } else {
        candidates = this.checkWord(m, candidates, weight);
      }
    }
    if (candidates.length === 0) return [];

    // Keep only the best `want` in a small sorted array: no sort of every candidate.
    const top: Ranked[] = [];
    for (const slot of candidates) {
      if (skip.has(slot)) continue;
      const r = { slot, score: this.typoSum[slot]! * 65536 + this.attrSum[slot]! * 256 + (MAX_QUERY_WORDS - this.exactCount[slot]!) };
      if (top.length === want && this.compare(r, top[want - 1]!) >= 0) continue;
      let lo = 0;
      let hi = top.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.compare(top[mid]!, r) <= 0) lo = mid + 1; else hi = mid;
      }
      top.splice(lo, 0, r);
      if (top.length > want) top.pop();
    }
    return top;
  }

  /**
   * The best `want` documents for a one-word query without visiting every match: ranked documents
   * are taken bucket by bucket in ranking order (typos, field, exact before prefix), and within a
   * bucket in slot order, which is title order; a posting list is read only while its slots can
   * still make the top. A bucket is read completely unless it fills the top, so a document met in
   * a later bucket has no better one. Documents added since the last finalize() are few and unranked:
   * they are all scored and merged in.
   */
  private topOneWord(m: WordMatches, passes: (slot: number) => boolean, want: number, skip: Set<number>): Ranked[] {
    const nodes = [...m.nodes];
    const codes = [...m.codes];
    for (let r = 0; r < m.roots.length; r++) {
      const code = m.rootCodes[r]!;
      this.trie.forEachBelow(m.roots[r]!, (n) => {
        if (this.postingCount(n) > 0) { nodes.push(n); codes.push(code); }
      });
    }
    const stamp = this.nextEpoch();
    const ranked = this.ranked;
    const taken: Ranked[] = [];
    const usable = (slot: number) => this.kinds[slot] !== DEAD && !skip.has(slot) && this.wordStamp[slot] !== stamp && passes(slot);
    for (let typos = 0; typos <= 2 && taken.length < want; typos++) {
      for (let field = 0; field < SEARCH_FIELDS.length && taken.length < want; field++) {
        if (typos > 0 && !TYPO_FIELD[field]) continue;
        // With typos, a whole word and a prefix score the same (no exact word either way).
        for (const byPrefix of typos === 0 ? [0, 1] : [-1]) {
          const room = want - taken.length;
          if (room <= 0) break;
          const best: number[] = [];
          for (let i = 0; i < nodes.length; i++) {
            const code = codes[i]!;
            if (code >> 1 !== typos || (byPrefix >= 0 && (code & 1) !== byPrefix)) continue;
            const node = nodes[i]!;
            if ((this.fieldMask[node]! & (1 << field)) === 0) continue;
            // Ranked documents are all in the flat part of the list (entries added since come after).
            const { postData } = this;
            for (let p = node < this.postStart.length ? this.postStart[node]! : 0, end = node < this.postStart.length ? this.postEnd[node]! : 0; p < end; p++) {
              const entry = postData[p]!;
              const slot = entry >> FIELD_BITS;
              if (slot >= ranked || (best.length === room && slot >= best[room - 1]!)) break;
              if ((entry & FIELD_MASK) !== field || !usable(slot)) continue;
              let at = best.length;
              while (at > 0 && best[at - 1]! > slot) at--;
              if (best[at - 1] === slot) continue;
              best.splice(at, 0, slot);
              if (best.length > room) best.pop();
            }
          }
          const score = typos * 65536 + field * 256 + (MAX_QUERY_WORDS - (typos === 0 && byPrefix === 0 ? 1 : 0));
          for (const slot of best) {
            this.wordStamp[slot] = stamp;
            taken.push({ slot, score });
          }
        }
      }
    }
    if (ranked === this.ids.length) return taken;

    // Unranked documents sit at the end of every posting list.
    const extra = new Map<number, number>();
    for (let i = 0; i < nodes.length; i++) {
      const typos = codes[i]! >> 1;
      const score = (entry: number) => typos * 65536 + (entry & FIELD_MASK) * 256 + (MAX_QUERY_WORDS - (codes[i] === 0 ? 1 : 0));
      const consider = (entry: number): boolean => {
        const slot = entry >> FIELD_BITS;
        if (slot < ranked) return false;
        const field = entry & FIELD_MASK;
        if ((typos > 0 && !TYPO_FIELD[field]) || !usable(slot)) return true;
        const previous = extra.get(slot);
        const value = score(entry);
        if (previous === undefined || value < previous) extra.set(slot, value);
        return true;
      };
      const node = nodes[i]!;
      const more = this.postExtra.get(node) ?? [];
      let going = true;
      for (let p = more.length - 1; p >= 0 && going; p--) going = consider(more[p]!);
      if (node < this.postStart.length) {
        for (let p = this.postEnd[node]! - 1; p >= this.postStart[node]! && going; p--) going = consider(this.postData[p]!);
      }
    }
    return [...taken, ...[...extra].map(([slot, score]) => ({ slot, score }))]
      .sort((a, b) => this.compare(a, b))
      .slice(0, want);
  }

  /** The documents one word matches (and `accept` lets through), with their best match in wordBest. */
  private walkPostings(m: WordMatches, accept: (slot: number) => boolean): number[] {
    const stamp = this.nextEpoch();
    const list: number[] = [];
    let typos = 0;
    let byPrefix = 0;
    let deadEntries = 0;
    const take = (entry: number) => {
      const slot = entry >> FIELD_BITS;
      const field = entry & FIELD_MASK;
      if (this.kinds[slot] === DEAD) { deadEntries++; return; }
      if (typos > 0 && !TYPO_FIELD[field]) return;
      if (!accept(slot)) return;
      const best = (typos << 5) | (field << 1) | byPrefix;
      if (this.wordStamp[slot] !== stamp) {
        this.wordStamp[slot] = stamp;
        this.wordBest[slot] = best;
        list.push(slot);
      } else if (best < this.wordBest[slot]!) {
        this.wordBest[slot] = best;
      }
    };
    const visit = (node: number, code: number) => {
      typos = code >> 1;
      byPrefix = code & 1;
      deadEntries = 0;
      if (node < this.postStart.length) {
        const { postData } = this;
        for (let p = this.postStart[node]!, end = this.postEnd[node]!; p < end; p++) take(postData[p]!);
      }
      const more = this.postExtra.get(node);
      if (more) for (let p = 0; p < more.length; p++) take(more[p]!);
      if (deadEntries * 2 > this.postingCount(node) && !this.saving) this.dropDeadPostings(node);
    };
    for (let t = 0; t < m.nodes.length; t++) visit(m.nodes[t]!, m.codes[t]!);
    for (let r = 0; r < m.roots.length; r++) {
      const code = m.rootCodes[r]!;
      this.trie.forEachBelow(m.roots[r]!, (n) => visit(n, code));
    }
    return list;
  }

  /** How many entries node's posting list has (dead ones included). */
  private postingCount(node: number): number {
    const flat = node < this.postStart.length ? this.postEnd[node]! - this.postStart[node]! : 0;
    return flat + (this.postExtra.get(node)?.length ?? 0);
  }

  /** Drops the entries of removed or replaced documents from node's list, in place. */
  private dropDeadPostings(node: number): void {
    if (node < this.postStart.length) {
      let to = this.postStart[node]!;
      for (let p = to, end = this.postEnd[node]!; p < end; p++) {
        const entry = this.postData[p]!;
        if (this.kinds[entry >> FIELD_BITS] !== DEAD) this.postData[to++] = entry;
      }
      this.postEnd[node] = to;
    }
    const more = this.postExtra.get(node);
    if (more) {
      const live = more.filter((e) => this.kinds[e >> FIELD_BITS] !== DEAD);
      if (live.length > 0) this.postExtra.set(node, live);
      else this.postExtra.delete(node);
    }
  }

  /** About what walkPostings costs for this word: its postings, and the trie nodes of its subtrees. */
  private walkCost(m: WordMatches): number {
    let nodes = 0;
    for (const root of m.roots) nodes += root < this.trie.numbered ? this.trie.below[root]! : this.trie.under[root]!;
    return m.estimate + nodes;
  }

  /** Adds each slot's best match of the word just walked (wordBest) to its scores, `weight` times. */
  private addScores(slots: number[], weight: number, first: boolean): void {
    for (const slot of slots) {
      const best = this.wordBest[slot]!;
      const typos = (best >> 5) * weight;
      const attr = ((best >> 1) & 15) * weight;
      const exact = (best >> 5) === 0 && (best & 1) === 0 ? weight : 0;
      if (first) {
        this.typoSum[slot] = typos;
        this.attrSum[slot] = attr;
        this.exactCount[slot] = exact;
      } else {
        this.typoSum[slot]! += typos;
        this.attrSum[slot]! += attr;
        this.exactCount[slot]! += exact;
      }
    }
  }

  /** The candidates that also match this word, with its best match added to their scores. */
  private checkWord(m: WordMatches, candidates: number[], weight: number): number[] {
    const stamp = this.nextEpoch();
    const { nodeStamp, nodeCode, rootStamp, rootCode, trie } = this;
    for (let t = 0; t < m.nodes.length; t++) {
      const n = m.nodes[t]!;
      if (nodeStamp[n] !== stamp || m.codes[t]! < nodeCode[n]!) nodeCode[n] = m.codes[t]!;
      nodeStamp[n] = stamp;
    }
    // Subtrees matched by prefix: numbered ones as [from, to] ranges of depth-first numbers, sorted
    // and disjoint (the trie walk never goes below a subtree it kept); roots added since the last
    // numbering are found by walking up from the word.
    const { pre, below, numbered, up, depth } = trie;
    const from: number[] = [];
    const to: number[] = [];
    const rangeCode: number[] = [];
    let minDepth = Infinity;
    const order = m.roots.map((_, r) => r).sort((a, b) => (pre[m.roots[a]!] ?? 0) - (pre[m.roots[b]!] ?? 0));
    for (const r of order) {
      const n = m.roots[r]!;
      if (n < numbered) {
        from.push(pre[n]! + 1);
        to.push(pre[n]! + below[n]!);
        rangeCode.push(m.rootCodes[r]!);
      }
      if (rootStamp[n] !== stamp || m.rootCodes[r]! < rootCode[n]!) rootCode[n] = m.rootCodes[r]!;
      rootStamp[n] = stamp;
      minDepth = Math.min(minDepth, depth[n]!);
    }
    const ranges = from.length;
    const kept: number[] = [];
    for (let c = 0; c < candidates.length; c++) {
      const slot = candidates[c]!;
      let best = 255;
      for (let e = this.wordsFrom[slot]!, end = this.wordsFrom[slot + 1]!; e < end; e++) {
        const v = this.words[e]!;
        const node = v >> FIELD_BITS;
        const field = v & FIELD_MASK;
        const typoOk = TYPO_FIELD[field];
        if (nodeStamp[node] === stamp) {
          const code = nodeCode[node]!;
          if (typoOk || code < 2) best = Math.min(best, ((code >> 1) << 5) | (field << 1) | (code & 1));
        }
        if (ranges === 0 && minDepth === Infinity) continue;
        if (node < numbered) {
          if (ranges === 0) continue;
          // The last range starting at or before this node's number is the only one that can hold it.
          const x = pre[node]!;
          let lo = 0;
          let hi = ranges;
          while (lo < hi) {
            const mid = (lo + hi) >> 1;
            if (from[mid]! <= x) lo = mid + 1; else hi = mid;
          }
          if (lo === 0 || x > to[lo - 1]!) continue;
          const code = rangeCode[lo - 1]!;
          if (typoOk || code < 2) best = Math.min(best, ((code >> 1) << 5) | (field << 1) | (code & 1));
        } else {
          // Added since the numbering: matched by prefix when an ancestor is the root of a matching subtree.
          for (let a = up[node]!; a > 0 && depth[a]! >= minDepth; a = up[a]!) {
            if (rootStamp[a] !== stamp) continue;
            const code = rootCode[a]!;
            if (typoOk || code < 2) best = Math.min(best, ((code >> 1) << 5) | (field << 1) | (code & 1));
          }
        }
      }
      if (best === 255) continue;
      const typos = best >> 5;
      this.typoSum[slot]! += typos * weight;
      this.attrSum[slot]! += ((best >> 1) & 15) * weight;
      this.exactCount[slot]! += typos === 0 && (best & 1) === 0 ? weight : 0;
      kept.push(slot);
    }
    return kept;
  }

  private compare(a: Ranked, b: Ranked): number {
    return a.score - b.score || this.tieBreak(a.slot, b.slot);
  }

  private tieBreak(a: number, b: number): number {
    return a < this.ranked && b < this.ranked ? a - b : this.compareTitles(a, b);
  }

  private compareTitles(a: number, b: number): number {
    const ta = this.sortTitles[a]!;
    const tb = this.sortTitles[b]!;
    if (ta !== tb) return ta < tb ? -1 : 1;
    const ia = this.ids[a]!;
    const ib = this.ids[b]!;
    return ia < ib ? -1 : ia > ib ? 1 : 0;
  }

  /**
   * Dictionary words matching one query word: exactly, within the typo budget (an optimal string
   * alignment DP row carried down the trie, pruned when the whole row exceeds the budget) and, for
   * the last word, as a prefix (every word under a trie node that matches the query word, kept as
   * that subtree's root).
   */
  private matchWord(word: string, isLast: boolean): WordMatches {
    const out: WordMatches = { nodes: [], codes: [], roots: [], rootCodes: [], estimate: 0 };
    const { trie } = this;
    const add = (node: number, code: number) => {
      const count = this.postingCount(node);
      if (count === 0) return;
      out.nodes.push(node);
      out.codes.push(code);
      out.estimate += count;
    };
    const below = (node: number, code: number) => {
      if (trie.eq[node]! < 0) return;
      out.roots.push(node);
      out.rootCodes.push(code);
      out.estimate += trie.under[node]!;
    };
    const budget = typoBudget(word.length);
    if (budget === 0) {
      const node = trie.find(word);
      if (node < 0) return out;
      add(node, 0);
      if (isLast) below(node, 1);
      return out;
    }

    const m = word.length;
    const w = Array.from({ length: m }, (_, j) => word.charCodeAt(j));
    const rows: Int32Array[] = [Int32Array.from({ length: m + 1 }, (_, j) => j)];
    const kids: number[][] = [];
    // Below a first letter other than the query word's, a typo on the first letter counts as two
    // (firstLetterBudget): the distance may be at most `limit` and a match counts `extra` more.
    let limit = budget;
    let extra = 0;
    const walk = (node: number, depth: number, bestPrefix: number): void => {
      const row = rows[depth]!;
      const full = row[m]!;
      const prefixTypos = isLast ? Math.min(bestPrefix, full) : limit + 1;
      if (full <= limit || prefixTypos <= limit) {
        // A word equal to the query word within the budget beats the same word read as a prefix.
        add(node, Math.min(full <= limit ? (full + extra) << 1 : Infinity, prefixTypos <= limit ? ((prefixTypos + extra) << 1) | 1 : Infinity));
      }
      let rowMin = row[0]!;
      for (let j = 1; j <= m; j++) if (row[j]! < rowMin) rowMin = row[j]!;
      if (rowMin > limit || prefixTypos === 0) {
        // Nothing below can match better than as a prefix of what matched here.
        if (prefixTypos <= limit) below(node, ((prefixTypos + extra) << 1) | 1);
        return;
      }
      const next = (rows[depth + 1] ??= new Int32Array(m + 1));
      const prev2 = depth > 0 ? rows[depth - 1]! : null;
      const parentCh = trie.ch[node]!;
      // The query word's own path: its prefixes, which match other fields without typos too.
      const exactPath = depth < m && row[depth] === 0;
      for (const c of trie.children(node, (kids[depth] ??= []))) {
        const ch = trie.ch[c]!;
        // Typos count only in typo fields: off the exact path, a subtree without their words cannot match.
        if (trie.typo[c] === 0 && !(exactPath && ch === w[depth])) continue;
        if (depth === 0) {
          const sameFirst = ch === w[0];
          limit = sameFirst ? budget : firstLetterBudget(budget);
          extra = sameFirst ? 0 : 1;
          // With one typo allowed, no word of another first letter matches: most of the trie is skipped.
          if (limit === 0 && !sameFirst) continue;
        }
        next[0] = depth + 1;
        for (let j = 1; j <= m; j++) {
          let d = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (w[j - 1] === ch ? 0 : 1));
          if (prev2 && j > 1 && w[j - 1] === parentCh && w[j - 2] === ch) d = Math.min(d, prev2[j - 2]! + 1);
          next[j] = d;
        }
        walk(c, depth + 1, prefixTypos);
      }
    };
    walk(0, 0, budget + 1);
    return out;
  }

  private orgCode(orgId: string, create: boolean): number {
    let code = this.orgCodes.get(orgId);
    if (code === undefined) {
      if (!create) return -1;
      code = this.orgCodes.size;
      this.orgCodes.set(orgId, code);
    }
    return code;
  }

  private ensureScratch(): void {
    const n = this.ids.length;
    if (this.wordStamp.length < n) {
      const cap = Math.max(1024, n * 2);
      this.wordStamp = new Uint32Array(cap);
      this.wordBest = new Uint8Array(cap);
      this.candidateStamp = new Uint32Array(cap);
      this.typoSum = new Uint8Array(cap);
      this.attrSum = new Uint8Array(cap);
      this.exactCount = new Uint8Array(cap);
      this.resetStamps();
    }
    if (this.nodeStamp.length < this.trie.size) {
      const cap = Math.max(1024, this.trie.size + (this.trie.size >> 3));
      this.nodeStamp = new Uint32Array(cap);
      this.nodeCode = new Uint8Array(cap);
      this.rootStamp = new Uint32Array(cap);
      this.rootCode = new Uint8Array(cap);
      this.resetStamps();
    }
  }

  private resetStamps(): void {
    this.wordStamp.fill(0);
    this.candidateStamp.fill(0);
    this.nodeStamp.fill(0);
    this.rootStamp.fill(0);
    this.epoch = 0;
  }

  private nextEpoch(): number {
    if (this.epoch === 0xffffffff) this.resetStamps();
    return ++this.epoch;
  }

  /** Renumbers live documents densely and drops dead postings, so memory follows the live count. */
  private compact(): void {
    const live: number[] = [];
    let ranked = 0;
    for (let slot = 0; slot < this.ids.length; slot++) {
      if (this.kinds[slot] === DEAD) continue;
      live.push(slot);
      if (slot < this.ranked) ranked++;
    }
    this.renumber(live, 1024);
    this.ranked = ranked;
  }

  /**
   * Moves the documents of `order` to slots 0, 1, 2... in that order and drops the others. Posting
   * lists are rebuilt from the forward index in slot order, so each list stays sorted by slot.
   */
  private renumber(order: number[], spare: number): void {
    const remap = new Int32Array(this.ids.length).fill(-1);
    const cap = Math.max(1024, order.length + spare);
    const kinds = new Uint8Array(cap);
    const orgs = new Int32Array(cap);
    const wordsFrom = new Int32Array(cap + 1);
    const words = new Int32Array(Math.max(1024, this.wordsFrom[this.ids.length]!));
    const ids: string[] = [];
    const sortTitles: string[] = [];
    const members: number[][] = [];
    order.forEach((slot, to) => {
      remap[slot] = to;
      kinds[to] = this.kinds[slot]!;
      orgs[to] = this.orgs[slot]!;
      (members[orgs[to]!] ??= []).push(to);
      let w = wordsFrom[to]!;
      for (let e = this.wordsFrom[slot]!, end = this.wordsFrom[slot + 1]!; e < end; e++) {
        const v = this.words[e]!;
        words[w++] = v;
      }
      wordsFrom[to + 1] = w;
      ids.push(this.ids[slot]!);
      sortTitles.push(this.sortTitles[slot]!);
    });
    this.keys.compact(remap);
    for (const [id, slot] of this.slotOf) this.slotOf.set(id, remap[slot]!);
    this.buildPostings(words, wordsFrom, order.length);
    this.members = members;
    this.packed = this.packed.select(order);
    this.ids = ids;
    this.sortTitles = sortTitles;
    this.kinds = kinds;
    this.orgs = orgs;
    this.words = words.slice(0, wordsFrom[order.length]!);
    this.wordsFrom = wordsFrom;
    this.dead = 0;
    this.wordStamp = new Uint32Array(0);
  }

  /** Every node's posting list from the forward index, in slot order: a count, then a fill. */
  private buildPostings(words: Int32Array, wordsFrom: Int32Array, slots: number): void {
    const nodes = this.trie.size;
    const start = new Int32Array(nodes + 1);
    const total = wordsFrom[slots]!;
    for (let e = 0; e < total; e++) start[(words[e]! >> FIELD_BITS) + 1]!++;
    for (let n = 0; n < nodes; n++) start[n + 1]! += start[n]!;
    const end = start.slice(0, nodes);
    const data = new Int32Array(total);
    for (let slot = 0; slot < slots; slot++) {
      for (let e = wordsFrom[slot]!, stop = wordsFrom[slot + 1]!; e < stop; e++) {
        const v = words[e]!;
        data[end[v >> FIELD_BITS]!++] = (slot << FIELD_BITS) | (v & FIELD_MASK);
      }
    }
    this.postData = data;
    this.postStart = start.subarray(0, nodes);
    this.postEnd = end;
    this.postExtra = new Map();
  }
}

/** One generation of the index; rebuild() fills a new one and swaps it in. */
class IndexState {
  readonly shards = new Map<string, Shard>();

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
        shard = new Shard(partnerId, this.bulk);
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

  remove(id: string): void {
    for (const shard of this.shards.values()) shard.remove(id);
  }

  /** While a snapshot is written from the shards' arrays, searches do not tidy them (Shard.saving). */
  setSaving(saving: boolean): void {
    for (const shard of this.shards.values()) shard.saving = saving;
  }

  /** After a bulk load: see Shard.finalize(). */
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
    return { shards: [...this.shards.values()].map((shard) => shard.save(w)) };
  }

  static load(r: SnapshotReader<unknown>, m: ReturnType<IndexState['save']>): IndexState {
    const state = new IndexState();
    ensure(Array.isArray(m?.shards), 'shard list');
    for (const saved of m.shards) {
      ensure(!state.shards.has(saved?.partnerId), 'shard list');
      const shard = Shard.load(r, saved);
      state.shards.set(saved.partnerId, shard);
    }
    return state;
  }
}

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
    const shard = this.state.shards.get(query.partnerId);
    const hits = shard && q.trim() !== '' ? shard.search(q, query.kind, query.orgId, limit) : [];
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
