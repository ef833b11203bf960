// The embedded index on disk: a JSON header, then binary sections (typed arrays and byte buffers),
// each 8-byte aligned. Written to a temporary file and renamed into place, so a reader sees the
// old snapshot or the new one, never half of one; read back in one go.
//
// Layout: magic (8 bytes) · header length (u32 LE) · CRC-32 of the header and its padding (u32 LE)
// · header JSON {meta, sections: [{kind, offset, length, crc}]} · padding · sections. Each section's
// CRC-32 covers its bytes and its padding, so every byte of the file is checked: a flipped bit
// anywhere makes readSnapshot() throw, and the caller rebuilds from the store.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const MAGIC = 'HDSNAP02';
const OLDER_MAGIC = /^HDSNAP0[01]$/;
const PREFIX = MAGIC.length + 8;

type Section = Int32Array | Uint32Array | Uint16Array | Uint8Array;
const KINDS = { i32: Int32Array, u32: Uint32Array, u16: Uint16Array, u8: Uint8Array } as const;
type Kind = keyof typeof KINDS;

function kindOf(a: Section): Kind {
  if (a instanceof Int32Array) return 'i32';
  if (a instanceof Uint32Array) return 'u32';
  if (a instanceof Uint16Array) return 'u16';
  return 'u8';
}

/** `crc`: CRC-32 as 8 hex digits, so that a header rewritten with other checksums keeps its length. */
interface SectionEntry { kind: Kind; offset: number; length: number; crc: string }

const hex8 = (n: number) => n.toString(16).padStart(8, '0');

/**
 * CRC-32 of `bytes` then `padding` zero bytes, a slice at a time with a turn of the event loop
 * between slices: a gigabyte takes about 0.3 s, which searches must not wait for in one go.
 */
async function crcOf(bytes: Uint8Array, padding: number): Promise<string> {
  const SLICE = 16 << 20;
  let crc = 0;
  for (let at = 0; at < bytes.length; at += SLICE) {
    crc = zlib.crc32(bytes.subarray(at, Math.min(bytes.length, at + SLICE)), crc);
    if (at + SLICE < bytes.length) await new Promise((resolve) => setImmediate(resolve));
  }
  return hex8(zlib.crc32(Buffer.alloc(padding), crc));
}

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
      entries.push({ kind: kindOf(a), offset, length: a.length, crc: '' });
      offset = pad8(offset + a.byteLength);
      return entries.length - 1;
    },
    json(value) {
      return writer.array(Buffer.from(JSON.stringify(value)));
    },
  };
  const meta = build(writer);
  for (const [i, s] of sections.entries()) {
    const bytes = new Uint8Array(s.buffer, s.byteOffset, s.byteLength);
    entries[i]!.crc = await crcOf(bytes, pad8(s.byteLength) - s.byteLength);
  }
  const header = Buffer.from(JSON.stringify({ meta, sections: entries }));
  const head = Buffer.alloc(pad8(PREFIX + header.length));
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(header.length, MAGIC.length);
  header.copy(head, PREFIX);
  head.writeUInt32LE(zlib.crc32(head.subarray(PREFIX)), MAGIC.length + 4);

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

/**
 * Only one process writes the snapshot at a time (processes sharing a data folder reach the same
 * point of the outbox together): a lock file beside it, created exclusively, holding the writer's
 * pid. Returns its release, or null while another live process holds it. A lock left by a process
 * that died (its pid gone, or older than any write takes) is taken over.
 */
export function lockSnapshot(file: string): (() => void) | null {
  const lock = `${file}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx', mode: 0o600 });
      return () => fs.rmSync(lock, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (!lockIsStale(lock)) return null;
      // Two processes may both find it stale and both write: harmless, each renames a whole file.
      fs.rmSync(lock, { force: true });
    }
  }
  return null;
}

function lockIsStale(lock: string): boolean {
  try {
    const pid = Number(fs.readFileSync(lock, 'latin1'));
    if (Date.now() - fs.statSync(lock).mtimeMs > STALE_MS) return true;
    if (!Number.isSafeInteger(pid) || pid <= 0) return false; // being written: not stale yet
    process.kill(pid, 0);
    return false;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // ESRCH: no such process; ENOENT: released meanwhile. EPERM: alive, another user's.
    return code === 'ESRCH' || code === 'ENOENT';
  }
}

/** The header's meta of the snapshot on disk, without its sections; null when none or damaged. */
export function readSnapshotMeta<M>(file: string): M | null {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    const prefix = Buffer.alloc(PREFIX);
    if (fs.readSync(fd, prefix, 0, PREFIX, 0) !== PREFIX || prefix.toString('latin1', 0, MAGIC.length) !== MAGIC) return null;
    const headerLength = prefix.readUInt32LE(MAGIC.length);
    const size = pad8(PREFIX + headerLength) - PREFIX;
    // Validated before allocating: a damaged length must not ask for gigabytes.
    if (size > fs.fstatSync(fd).size - PREFIX) return null;
    const head = Buffer.alloc(size);
    if (fs.readSync(fd, head, 0, size, PREFIX) !== size || zlib.crc32(head) !== prefix.readUInt32LE(MAGIC.length + 4)) return null;
    return (JSON.parse(head.toString('utf8', 0, headerLength)) as { meta: M }).meta;
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

export interface SnapshotReader<M> {
  meta: M;
  array<T extends Section>(index: number): T;
  json<T>(index: number): T;
}

/** A snapshot that fails its checks: the caller rebuilds the index from the store. */
export class SnapshotDamagedError extends Error {
  constructor(reason: string) {
    super(`search index snapshot is damaged: ${reason}`);
    this.name = 'SnapshotDamagedError';
  }
}

/**
 * Reads a snapshot; null when there is none. The magic, the header's and every section's checksum
 * and every section's bounds are checked before anything is returned: a damaged or truncated file
 * throws a SnapshotDamagedError (the caller rebuilds), whatever its bytes say.
 */
export function readSnapshot<M>(file: string): SnapshotReader<M> | null {
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const damaged = (reason: string) => new SnapshotDamagedError(reason);
  if (data.length < PREFIX) throw damaged('truncated');
  const magic = data.toString('latin1', 0, MAGIC.length);
  if (magic !== MAGIC) throw damaged(OLDER_MAGIC.test(magic) ? 'an older format' : 'not a search index snapshot');
  const headerLength = data.readUInt32LE(MAGIC.length);
  const base = pad8(PREFIX + headerLength);
  if (base > data.length) throw damaged('truncated');
  if (zlib.crc32(data.subarray(PREFIX, base)) !== data.readUInt32LE(MAGIC.length + 4)) throw damaged('header checksum mismatch');
  const { meta, sections } = JSON.parse(data.toString('utf8', PREFIX, PREFIX + headerLength)) as { meta: M; sections: SectionEntry[] };
  if (!Array.isArray(sections)) throw damaged('no list of sections');
  let end = base;
  const bounds = sections.map((e, i) => {
    const Type = Object.hasOwn(KINDS, e?.kind) ? KINDS[e.kind] : undefined;
    if (!Type || !Number.isSafeInteger(e.offset) || !Number.isSafeInteger(e.length) || e.offset < 0 || e.length < 0) {
      throw damaged(`section ${i} is described wrongly`);
    }
    const start = base + e.offset;
    const size = e.length * Type.BYTES_PER_ELEMENT;
    if (start + pad8(size) > data.length) throw damaged('truncated');
    if (hex8(zlib.crc32(data.subarray(start, start + pad8(size)))) !== e.crc) throw damaged(`section ${i} checksum mismatch`);
    end = Math.max(end, start + pad8(size));
    return { start, size, Type, length: e.length };
  });
  if (end !== data.length) throw damaged('bytes after the last section');
  const section = (index: number) => {
    const b = Number.isInteger(index) ? bounds[index] : undefined;
    if (!b) throw damaged(`no section ${index}`);
    return b;
  };
  return {
    meta,
    array<T extends Section>(index: number): T {
      const { start, size, Type, length } = section(index);
      // A copy of its own: the file's buffer is released once the index is loaded.
      const copy = new Type(length);
      new Uint8Array(copy.buffer).set(data.subarray(start, start + size));
      return copy as T;
    },
    json<T>(index: number): T {
      const { start, size } = section(index);
      return JSON.parse(data.toString('utf8', start, start + size)) as T;
    },
  };
}
