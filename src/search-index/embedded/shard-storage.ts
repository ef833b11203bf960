// One partner's documents and the index over them: adding, removing, the bulk load and its
// finalize(), compaction and the renumbering both rely on. Searching is in ranking.ts (it reads these
// fields, and only tidies posting lists through tidyPostings()); the snapshot codec, which sets these
// fields on load, is shard-snapshot.ts. Every field is listed there as persisted, rebuilt on load or
// transient: a field added here and not there fails test/features/shard-snapshot-roundtrip.test.ts.
import { SEARCH_FIELDS, type SearchDoc } from '../search-index';
import { KeyTable } from './key-table';
import { PackedDocs } from './packed-docs';
import { BatchReader, TYPO_FIELD, grow, type Packed, type PreparedBatch } from './prepared-docs';
import { SearchScratch } from './search-scratch';
import { DEAD, FIELD_BITS, FIELD_MASK } from './shard-format';
import { Trie } from './trie';

/** Compact a shard once this many replaced or removed documents linger, and they outnumber the live ones. */
const COMPACT_AFTER = 10_000;

/**
 * What a search may use of a shard (ranking.ts, word-matches.ts): its fields, read-only, and
 * tidyPostings(), the one change a search makes (see there).
 */
export type ShardView = Readonly<Pick<ShardStorage,
  | 'partnerId' | 'bulk' | 'trie' | 'postData' | 'postStart' | 'postEnd' | 'postExtra' | 'keys' | 'ids' | 'ranked'
  | 'fieldMask' | 'kinds' | 'orgs' | 'words' | 'wordsFrom' | 'orgCodes' | 'members' | 'scratch'
  | 'doc' | 'postingCount' | 'tidyPostings' | 'tieBreak'>>;

/**
 * All documents of one partner. Every query is scoped to one partner, so keeping partners apart
 * makes the partner filter free and isolation structural: another partner's docs are not there.
 * A document lives in a slot; replacing or removing it marks the slot dead (kinds[slot] = DEAD,
 * everything else about it stays until the next renumbering), and postings are cleaned lazily (when
 * a search walks them, tidyPostings()) or all at once by compact().
 *
 * Its fields are public for ranking.ts (which reads them) and shard-snapshot.ts (which saves them and
 * sets them on load); nothing else writes them.
 */
export class ShardStorage {
  trie = new Trie();
  /**
   * Posting lists (entries slot << FIELD_BITS | field, by slot) in flat arrays: node n's list is
   * postData[postStart[n] .. postEnd[n]), built in one go by renumber(), then postExtra[n] for
   * entries added since. No array object per word: a million documents make millions of words.
   * Within a list, entries are in slot order: the flat part by construction (buildPostings), the
   * added ones because a new document always takes the next slot.
   */
  postData = new Int32Array(0);
  postStart = new Int32Array(0);
  postEnd = new Int32Array(0);
  postExtra = new Map<number, number[]>();
  keys = new KeyTable();
  /** Documents as compact JSON, parsed only for the hits shown: objects would double the heap at a million documents. */
  packed = new PackedDocs();
  /** By slot, dead slots included (a dead slot's sortTitle is ''). */
  ids: string[] = [];
  sortTitles: string[] = [];
  /**
   * The ranked prefix: slots below this hold the documents of the last finalize(), in tie-break
   * order (finalize renumbers them so): two of them compare by slot, and their postings are in
   * ranking order, which lets one-word searches stop early. Documents added since come after,
   * unranked; compact() keeps the prefix (it keeps the order of slots), nothing else moves it.
   */
  ranked = 0;
  /** Per trie node, a bit for each field its postings hold, so a scan for one field skips the other lists. */
  fieldMask = new Uint16Array(1024);
  /** By slot: KIND_CODE of the document, or DEAD. The arrays by slot have spare room past ids.length. */
  kinds = new Uint8Array(1024);
  /** By slot: the org's code in orgCodes. */
  orgs = new Int32Array(1024);
  /**
   * Forward index: slot s's words are words[wordsFrom[s] .. wordsFrom[s + 1]), each node << FIELD_BITS | field.
   * Only the rarest query word walks postings; the others are checked on its candidates' own words.
   */
  words = new Int32Array(4096);
  wordsFrom = new Int32Array(1025);
  /** Org id → code, codes given in order of first appearance (0, 1, 2...): saved as the list of ids. */
  orgCodes = new Map<string, number>();
  /** Slots of each org's documents (by org code), dead ones included until the next renumbering. Rebuilt on load. */
  members: number[][] = [];
  /** Id → slot of its live document. Rebuilt on load. */
  slotOf = new Map<string, number>();
  /** How many slots are dead. Rebuilt on load. */
  dead = 0;
  /**
   * A snapshot is being written from these arrays (they go to disk as they are, without a copy):
   * searches must not tidy them meanwhile, see tidyPostings().
   */
  saving = false;
  /** In a bulk load, the trie node of each word of the last batch seen (-1: not looked up yet). */
  nodesOfBatch: PreparedBatch | null = null;
  nodesOfWords = new Int32Array(0);
  /** Per-search scratch (search-scratch.ts): never saved, dropped by renumber(). */
  readonly scratch = new SearchScratch();

  /**
   * Bulk versus live mode. While a bulk load fills the shard (`bulk`), posting lists are not kept,
   * nor are keys put in the key table or documents packed: finalize() does all of it in one pass
   * (which is how posting lists end up sorted by rank anyway) and switches the shard to live mode,
   * where every add() updates everything at once. Nothing searches a shard in bulk mode.
   */
  constructor(readonly partnerId: string, public bulk = false) {
    if (bulk) {
      this.keys.defer();
      this.packed.keepInPlace();
    }
  }

  get size(): number { return this.slotOf.size; }

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

  /** The document in `slot`, decoded from its packed JSON. */
  doc(slot: number): SearchDoc {
    const [kind, orgId, status, title, subtitle, ...values] = JSON.parse(this.packed.get(slot)) as Packed;
    const fields = {} as SearchDoc['fields'];
    SEARCH_FIELDS.forEach((f, i) => { fields[f] = values[i] ?? []; });
    return { id: this.ids[slot]!, kind, partnerId: this.partnerId, orgId, status, title, subtitle, fields };
  }

  /** How many entries node's posting list has (dead ones included). */
  postingCount(node: number): number {
    const flat = node < this.postStart.length ? this.postEnd[node]! - this.postStart[node]! : 0;
    return flat + (this.postExtra.get(node)?.length ?? 0);
  }

  /**
   * Drops the entries of removed or replaced documents from node's list, in place: searches call
   * it on lists they found mostly dead. Not while a snapshot is written (`saving`): the writer holds
   * these very arrays, so dead entries stay until it is done (they are skipped when read anyway).
   */
  tidyPostings(node: number): void {
    if (this.saving) return;
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

  tieBreak(a: number, b: number): number {
    return a < this.ranked && b < this.ranked ? a - b : this.compareTitles(a, b);
  }

  compareTitles(a: number, b: number): number {
    const ta = this.sortTitles[a]!;
    const tb = this.sortTitles[b]!;
    if (ta !== tb) return ta < tb ? -1 : 1;
    const ia = this.ids[a]!;
    const ib = this.ids[b]!;
    return ia < ib ? -1 : ia > ib ? 1 : 0;
  }

  orgCode(orgId: string, create: boolean): number {
    let code = this.orgCodes.get(orgId);
    if (code === undefined) {
      if (!create) return -1;
      code = this.orgCodes.size;
      this.orgCodes.set(orgId, code);
    }
    return code;
  }

  /** Renumbers live documents densely and drops dead postings, so memory follows the live count. */
  compact(): void {
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
   * Everything that holds a slot moves with it: the arrays by slot, ids, sortTitles, members, the
   * key table, slotOf, the packed documents; the posting lists are rebuilt; the scratch is dropped.
   * The caller sets `ranked` (it alone knows whether `order` is the tie-break order).
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
    this.scratch.release();
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
