import { grow } from './prepared-docs';

/**
 * Documents as UTF-8 JSON in one growing byte buffer, document i at bytes[from[i], from[i + 1]):
 * a million documents as a million strings kept the garbage collector marking them over and over
 * while the index was built. Only the hits shown are decoded.
 */
export class PackedDocs {
  // Public for the snapshot codec (shard-snapshot.ts), which saves and sets them; nothing else does.
  bytes: Buffer = Buffer.allocUnsafe(1 << 16);
  from = new Uint32Array(1025);
  count = 0;
  /**
   * While a bulk load fills the shard: documents stay where they came in (the buffers of their
   * batches), document i at sources[at[3i]] bytes [at[3i + 1], at[3i + 2]), and select() copies them
   * out once, in their final order. Growing one buffer by doubling copied gigabytes at a million.
   */
  sources: Buffer[] | null = null;
  at = new Int32Array(0);

  /** Keeps documents in place from now on, until select(). */
  keepInPlace(): void {
    this.sources ??= [];
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
