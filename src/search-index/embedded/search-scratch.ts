/**
 * Per-search scratch of one shard, indexed by slot or trie node. Nothing is cleared between words
 * or searches: each pass takes a fresh number from nextEpoch() and a stamp array holding that number
 * at an index says "written in this pass", so a value beside a stale stamp is never read.
 * The rule that makes this safe: read xBest/xCode/xSum only where its stamp equals the pass's number
 * (or, for typoSum/attrSum/exactCount, only for slots the pass itself wrote first, see ranking.ts).
 */
export class SearchScratch {
  private epoch = 0;
  /** Slot → the pass that last saw it, and (walkPostings) its best match then: typos << 5 | field << 1 | byPrefix. */
  wordStamp = new Uint32Array(0);
  wordBest = new Uint8Array(0);
  /** Slot → the pass that made it a candidate. */
  candidateStamp = new Uint32Array(0);
  /** Slot → the scores of the search under way, summed over its words (see addScores in ranking.ts). */
  typoSum = new Uint8Array(0);
  attrSum = new Uint8Array(0);
  exactCount = new Uint8Array(0);
  /** Trie node → the pass that matched it (as a word, or as the root of a subtree matched by prefix) and how. */
  nodeStamp = new Uint32Array(0);
  nodeCode = new Uint8Array(0);
  rootStamp = new Uint32Array(0);
  rootCode = new Uint8Array(0);

  /** Makes room for `slots` documents and `nodes` trie nodes (with spare, so added ones rarely reallocate). */
  fit(slots: number, nodes: number): void {
    if (this.wordStamp.length < slots) {
      const cap = Math.max(1024, slots * 2);
      this.wordStamp = new Uint32Array(cap);
      this.wordBest = new Uint8Array(cap);
      this.candidateStamp = new Uint32Array(cap);
      this.typoSum = new Uint8Array(cap);
      this.attrSum = new Uint8Array(cap);
      this.exactCount = new Uint8Array(cap);
      this.resetStamps();
    }
    if (this.nodeStamp.length < nodes) {
      const cap = Math.max(1024, nodes + (nodes >> 3));
      this.nodeStamp = new Uint32Array(cap);
      this.nodeCode = new Uint8Array(cap);
      this.rootStamp = new Uint32Array(cap);
      this.rootCode = new Uint8Array(cap);
      this.resetStamps();
    }
  }

  /** A number no stamp holds yet; once they run out, every stamp is cleared and numbering starts over. */
  nextEpoch(): number {
    if (this.epoch === 0xffffffff) this.resetStamps();
    return ++this.epoch;
  }

  /**
   * After the shard renumbered its slots (ShardStorage.renumber): the next fit() allocates the slot
   * arrays again at the new size, so their memory follows the live count.
   */
  release(): void {
    this.wordStamp = new Uint32Array(0);
  }

  private resetStamps(): void {
    this.wordStamp.fill(0);
    this.candidateStamp.fill(0);
    this.nodeStamp.fill(0);
    this.rootStamp.fill(0);
    this.epoch = 0;
  }
}
