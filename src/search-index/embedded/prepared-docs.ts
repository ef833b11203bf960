// Search documents worked out for the embedded engine ahead of indexing: each document's words by
// field, the hashes of its identifier keys, its stored JSON and its sort title, laid out in a few
// typed arrays. Everything here depends on the document alone, so a batch can be prepared in a
// worker thread and handed to the engine without a copy (its buffers are transferred); the engine
// then only inserts words into its trie and fills its tables. Live changes take the same path.
import { SEARCH_FIELDS, TYPO_FIELDS, WORD_FIELDS, type HitKind, type SearchDoc } from '../search-index';
import { foldText, identifierKeysOf, tokenWords } from '../query';

export const KIND_CODE: Record<HitKind, number> = { org: 0, user: 1, device: 2 };
export const TYPO_FIELD = SEARCH_FIELDS.map((f) => TYPO_FIELDS.includes(f));
const WORD_FIELD_INDEXES = SEARCH_FIELDS.flatMap((f, i) => (WORD_FIELDS.includes(f) ? [i] : []));

/** A document's stored form, parsed only for the hits shown: [kind, orgId, status, title, subtitle, ...field values]. */
export type Packed = [HitKind, string, string, string, string, ...string[][]];

/** `from` copied into the larger `to`, which it returns. */
export function grow<T extends Uint8Array | Uint16Array | Int32Array | Uint32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/** 32-bit FNV-1a of an identifier key: the engine keeps hashes, not strings, and checks every hit. */
export function hashKey(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h | 0;
}

/**
 * Per document in `ints`: kind, partner id, org id, id and sort title (each a start and length in
 * `text`), the end of its JSON in `packed`, its word count and its key count; then each word as field
 * index and word number; then each key hash. Word n is `text` from dict[2n], dict[2n + 1] units long:
 * each distinct word of the batch once (a domain, a common first name), so the engine looks it up
 * in its trie once per batch, not once per document.
 */
export interface PreparedBatch {
  count: number;
  ints: Int32Array<ArrayBuffer>;
  dict: Int32Array<ArrayBuffer>;
  text: Uint16Array<ArrayBuffer>;
  packed: Uint8Array<ArrayBuffer>;
}

const HEAD = 12;

/** Fills a PreparedBatch document by document. */
export class BatchWriter {
  private ints = new Int32Array(1 << 12);
  private dict = new Int32Array(1 << 12);
  private dictUsed = 0;
  private wordNumbers = new Map<string, number>();
  private text = new Uint16Array(1 << 14);
  private packed = Buffer.allocUnsafe(1 << 16);
  private intsUsed = 0;
  private textUsed = 0;
  private packedUsed = 0;
  private count = 0;
  /** Partner and org ids repeat across a batch: each is written once. */
  private shared = new Map<string, number>();

  get size(): number { return this.count; }

  add(doc: SearchDoc): void {
    const title = foldText(doc.title);
    const json = JSON.stringify([doc.kind, doc.orgId, doc.status, doc.title, doc.subtitle, ...SEARCH_FIELDS.map((f) => doc.fields[f] ?? [])]);
    const keys = identifierKeysOf(doc);
    const head = this.intsUsed;
    this.reserveInts(HEAD);
    this.intsUsed += HEAD;
    const ints = this.ints; // reserved above: nothing replaces it before the words
    ints[head] = KIND_CODE[doc.kind];
    ints[head + 1] = this.sharedString(doc.partnerId);
    ints[head + 2] = doc.partnerId.length;
    ints[head + 3] = this.sharedString(doc.orgId);
    ints[head + 4] = doc.orgId.length;
    ints[head + 5] = this.string(doc.id);
    ints[head + 6] = doc.id.length;
    ints[head + 7] = this.string(title);
    ints[head + 8] = title.length;
    this.packedUsed += this.writePacked(json);
    ints[head + 9] = this.packedUsed;
    let words = 0;
    for (const fi of WORD_FIELD_INDEXES) {
      const values = doc.fields[SEARCH_FIELDS[fi]!] ?? [];
      // A word twice in one field (a name in displayName and lastName) is one posting.
      const fieldFrom = this.intsUsed;
      for (const value of values) {
        for (const word of tokenWords(value)) {
          const n = this.wordNumber(word);
          let seen = false;
          for (let at = fieldFrom + 1; at < this.intsUsed && !seen; at += 2) seen = this.ints[at] === n;
          if (seen) continue;
          this.reserveInts(2);
          this.ints[this.intsUsed++] = fi;
          this.ints[this.intsUsed++] = n;
          words++;
        }
      }
    }
    this.reserveInts(keys.length);
    for (const key of keys) this.ints[this.intsUsed++] = hashKey(key);
    this.ints[head + 10] = words;
    this.ints[head + 11] = keys.length;
    this.count++;
  }

  /** The batch so far; the writer starts over empty. */
  finish(): PreparedBatch {
    const batch: PreparedBatch = {
      count: this.count,
      ints: this.ints.slice(0, this.intsUsed),
      dict: this.dict.slice(0, this.dictUsed),
      text: this.text.slice(0, this.textUsed),
      packed: new Uint8Array(this.packed.subarray(0, this.packedUsed)),
    };
    this.intsUsed = this.textUsed = this.packedUsed = this.count = this.dictUsed = 0;
    this.shared.clear();
    this.wordNumbers.clear();
    return batch;
  }

  private wordNumber(word: string): number {
    let n = this.wordNumbers.get(word);
    if (n === undefined) {
      n = this.dictUsed >> 1;
      if (this.dictUsed + 2 > this.dict.length) this.dict = grow(this.dict, new Int32Array(this.dict.length * 2));
      this.dict[this.dictUsed++] = this.string(word);
      this.dict[this.dictUsed++] = word.length;
      this.wordNumbers.set(word, n);
    }
    return n;
  }

  private sharedString(s: string): number {
    let at = this.shared.get(s);
    if (at === undefined) {
      at = this.string(s);
      this.shared.set(s, at);
    }
    return at;
  }

  private string(s: string): number {
    const at = this.textUsed;
    if (at + s.length > this.text.length) this.text = grow(this.text, new Uint16Array(Math.max(this.text.length * 2, at + s.length)));
    for (let i = 0; i < s.length; i++) this.text[at + i] = s.charCodeAt(i);
    this.textUsed = at + s.length;
    return at;
  }

  private writePacked(json: string): number {
    const at = this.packedUsed;
    // A UTF-16 unit takes at most 3 bytes in UTF-8.
    if (at + json.length * 3 > this.packed.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.packed.length * 2, at + json.length * 3));
      this.packed.copy(bigger, 0, 0, at);
      this.packed = bigger;
    }
    return this.packed.write(json, at);
  }

  private reserveInts(n: number): void {
    if (this.intsUsed + n <= this.ints.length) return;
    this.ints = grow(this.ints, new Int32Array(Math.max(this.ints.length * 2, this.intsUsed + n)));
  }
}

/** The batch of these documents. */
export function prepareDocs(docs: Iterable<SearchDoc>): PreparedBatch {
  const w = new BatchWriter();
  for (const doc of docs) w.add(doc);
  return w.finish();
}

/**
 * Walks a PreparedBatch one document at a time: `next()` moves to the next one, the getters read
 * the current one. Partner and org ids are decoded once per batch.
 */
export class BatchReader {
  /** Where the current document's entry starts in `ints`. */
  at = -1;
  private following = 0;
  private index = -1;
  private packedFrom = 0;
  private decoded = new Map<number, string>();

  /** `batch.text` as bytes: decoding UTF-16 from a Buffer is several times faster than String.fromCharCode. */
  private readonly bytes: Buffer;

  constructor(readonly batch: PreparedBatch) {
    this.bytes = Buffer.from(batch.text.buffer, batch.text.byteOffset, batch.text.byteLength);
  }

  next(): boolean {
    if (this.index + 1 >= this.batch.count) return false;
    if (this.at >= 0) this.packedFrom = this.batch.ints[this.at + 9]!;
    this.index++;
    this.at = this.following;
    this.following = this.at + HEAD + this.batch.ints[this.at + 10]! * 2 + this.batch.ints[this.at + 11]!;
    return true;
  }

  get kind(): number { return this.batch.ints[this.at]!; }
  get partnerId(): string { return this.shared(this.at + 1); }
  get orgId(): string { return this.shared(this.at + 3); }
  get id(): string { return this.string(this.at + 5); }
  get sortTitle(): string { return this.string(this.at + 7); }
  /** The stored JSON's bytes. */
  get packed(): Uint8Array { return this.batch.packed.subarray(this.packedFrom, this.batch.ints[this.at + 9]!); }
  get wordCount(): number { return this.batch.ints[this.at + 10]!; }
  /** The document's word i: its field index, and its number in the batch's dictionary. */
  wordField(i: number): number { return this.batch.ints[this.at + HEAD + i * 2]!; }
  wordNumber(i: number): number { return this.batch.ints[this.at + HEAD + i * 2 + 1]!; }
  /** Where word number n's code units are in `batch.text`. */
  wordStart(n: number): number { return this.batch.dict[n * 2]!; }
  wordLength(n: number): number { return this.batch.dict[n * 2 + 1]!; }
  get keyCount(): number { return this.batch.ints[this.at + 11]!; }
  keyHash(i: number): number { return this.batch.ints[this.at + HEAD + this.wordCount * 2 + i]!; }

  private string(i: number): string {
    const start = this.batch.ints[i]! * 2;
    return this.bytes.toString('utf16le', start, start + this.batch.ints[i + 1]! * 2);
  }

  private shared(i: number): string {
    const start = this.batch.ints[i]!;
    let s = this.decoded.get(start);
    // An empty string starts where the next one does: the length tells them apart.
    if (s === undefined || s.length !== this.batch.ints[i + 1]) {
      s = this.string(i);
      this.decoded.set(start, s);
    }
    return s;
  }
}
