import { grow } from './prepared-docs';
import { ensure } from './shard-format';

/**
 * Identifier key → slots, as an open-addressing table of 32-bit hashes: a Map of millions of
 * string keys costs far more memory. Collisions are harmless: every hit is checked against the doc.
 */
export class KeyTable {
  // Public for the snapshot codec (shard-snapshot.ts), which saves and sets them; nothing else does.
  hashes = new Int32Array(1024);
  slots = new Int32Array(1024); // slot + 1; 0 = empty
  used = 0;
  /**
   * While a bulk load fills the shard, keys are only listed here (hash, slot, hash, slot...) and
   * put in a table of the right size by compact(): growing the table by doubling rehashed every
   * key again and again. Lookups do not see them, and nothing searches a shard being loaded.
   */
  deferred: Int32Array | null = null;
  deferredUsed = 0;

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
