import { grow } from './prepared-docs';
import { ensure, isCount } from './shard-format';

/**
 * A character trie stored as a ternary search tree in flat arrays: millions of words without an
 * object each, and a child found in a few comparisons (a binary tree of siblings) instead of a scan.
 * Node 0 is the root (the empty word); `eq` leads to a node's children, `lo`/`hi` to its siblings.
 * Each node also knows the node of its word minus the last character (`up`), its depth, and how many
 * tokens went through it (`under`, an estimate: never decremented), so the words a query word
 * matches by prefix can be described by a few subtrees, counted and tested without visiting them.
 */
export class Trie {
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

  /**
   * Nodes are only ever appended, after their parent and their siblings: every link points to a
   * later node and every `up` to an earlier one, so no walk can loop or leave the arrays.
   * Run on a trie loaded from a snapshot (shard-snapshot.ts).
   */
  check(): void {
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
