// The embedded index on disk: a JSON header, then binary sections (typed arrays and byte buffers),
// each 8-byte aligned. Written to a temporary file and renamed into place, so a reader sees the
// old snapshot or the new one, never half of one; read back in one go.
import fs from 'node:fs';
import path from 'node:path';

const MAGIC = 'HDSNAP01';

type Section = Int32Array | Uint32Array | Uint16Array | Uint8Array;
const KINDS = { i32: Int32Array, u32: Uint32Array, u16: Uint16Array, u8: Uint8Array } as const;
type Kind = keyof typeof KINDS;

function kindOf(a: Section): Kind {
  if (a instanceof Int32Array) return 'i32';
  if (a instanceof Uint32Array) return 'u32';
  if (a instanceof Uint16Array) return 'u16';
  return 'u8';
}

interface SectionEntry { kind: Kind; offset: number; length: number }

export interface SnapshotWriter {
  /** Adds a typed array (or bytes); returns its name for the header. */
  array(a: Section): number;
  /** Adds a JSON-encodable value as its own section (large lists of strings). */
  json(value: unknown): number;
}

const pad8 = (n: number) => (n + 7) & ~7;

/**
 * Writes `build`'s sections and header to `file`. `build` runs synchronously and lists the arrays
 * as they are, without copying them (a gigabyte at a million documents); they then go to disk
 * asynchronously, so the caller must not change them until the promise settles.
 */
export async function writeSnapshot(file: string, build: (w: SnapshotWriter) => unknown): Promise<number> {
  const sections: Section[] = [];
  const entries: SectionEntry[] = [];
  let offset = 0;
  const writer: SnapshotWriter = {
    array(a) {
      sections.push(a);
      entries.push({ kind: kindOf(a), offset, length: a.length });
      offset = pad8(offset + a.byteLength);
      return entries.length - 1;
    },
    json(value) {
      return writer.array(Buffer.from(JSON.stringify(value)));
    },
  };
  const meta = build(writer);
  const header = Buffer.from(JSON.stringify({ meta, sections: entries }));
  const head = Buffer.alloc(pad8(MAGIC.length + 4 + header.length));
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(header.length, MAGIC.length);
  header.copy(head, MAGIC.length + 4);

  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  const fh = await fs.promises.open(tmp, 'w', 0o600);
  try {
    await writeAll(fh, head);
    const zeros = Buffer.alloc(8);
    for (const s of sections) {
      await writeAll(fh, Buffer.from(s.buffer, s.byteOffset, s.byteLength));
      const rest = pad8(s.byteLength) - s.byteLength;
      if (rest > 0) await writeAll(fh, zeros.subarray(0, rest));
    }
    await fh.sync();
  } catch (err) {
    await fh.close();
    await fs.promises.rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  await fs.promises.rename(tmp, file);
  removeStaleTemporaries(file);
  return head.length + offset;
}

/** A write may take fewer bytes than asked (and at most 2 GB at once): writes the rest too. */
async function writeAll(fh: fs.promises.FileHandle, bytes: Buffer): Promise<void> {
  for (let at = 0; at < bytes.length;) {
    const { bytesWritten } = await fh.write(bytes, at, Math.min(bytes.length - at, 1 << 30));
    at += bytesWritten;
  }
}

/** A write never takes an hour: older temporary files are left by a process that died while writing. */
const STALE_MS = 60 * 60 * 1000;

function removeStaleTemporaries(file: string): void {
  const dir = path.dirname(file);
  const prefix = `.${path.basename(file)}.`;
  for (const name of fs.readdirSync(dir)) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const full = path.join(dir, name);
    try {
      if (Date.now() - fs.statSync(full).mtimeMs > STALE_MS) fs.rmSync(full, { force: true });
    } catch {
      // Gone meanwhile, or not ours to remove: nothing to clean.
    }
  }
}

export interface SnapshotReader<M> {
  meta: M;
  array<T extends Section>(index: number): T;
  json<T>(index: number): T;
}

/** Reads a snapshot; null when there is none. A damaged file throws (the caller rebuilds). */
export function readSnapshot<M>(file: string): SnapshotReader<M> | null {
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  if (data.length < MAGIC.length + 4 || data.toString('latin1', 0, MAGIC.length) !== MAGIC) throw new Error('not a search index snapshot');
  const headerLength = data.readUInt32LE(MAGIC.length);
  const { meta, sections } = JSON.parse(data.toString('utf8', MAGIC.length + 4, MAGIC.length + 4 + headerLength)) as { meta: M; sections: SectionEntry[] };
  const base = pad8(MAGIC.length + 4 + headerLength);
  const bytesOf = (e: SectionEntry) => {
    const size = e.length * KINDS[e.kind].BYTES_PER_ELEMENT;
    if (base + e.offset + size > data.length) throw new Error('search index snapshot is truncated');
    return { start: base + e.offset, size };
  };
  return {
    meta,
    array<T extends Section>(index: number): T {
      const e = sections[index]!;
      const { start, size } = bytesOf(e);
      // A copy of its own: the file's buffer is released once the index is loaded.
      const copy = new KINDS[e.kind](e.length);
      new Uint8Array(copy.buffer).set(data.subarray(start, start + size));
      return copy as T;
    },
    json<T>(index: number): T {
      const { start, size } = bytesOf(sections[index]!);
      return JSON.parse(data.toString('utf8', start, start + size)) as T;
    },
  };
}
