// The embedded index keeps a snapshot of itself in the data folder: a restart loads it and
// catches up from the change outbox instead of rebuilding from the store, but only when every
// change since is still in the outbox and the snapshot was taken of this store.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { generateDemoData } from '../../src/demo/demo-data';
import { importNdjson } from '../../src/import/importer';
import { createLogger } from '../../src/logger';
import { EmbeddedSearchIndex } from '../../src/search-index/embedded/embedded-search-index';
import { readSnapshot, readSnapshotMeta, writeSnapshot } from '../../src/search-index/embedded/snapshot-file';
import { Indexer } from '../../src/search-index/indexer';
import type { SearchIndex, SnapshotPosition } from '../../src/search-index/search-index';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store';
import * as f from '../helpers/factories';

const log = createLogger('silent');
const P = 'p-north';

/** A logger whose lines the test reads. */
const capturingLogger = () => {
  const lines: Array<{ level: number; msg: string; err?: { message: string } }> = [];
  const logger = createLogger('info', { write: (line: string) => { lines.push(JSON.parse(line)); } });
  return { logger, lines };
};

/**
 * The snapshot as someone who knew the format would have to rewrite it to slip damage past the
 * checksums: every section's and the header's CRC-32 computed again over the damaged bytes.
 * (Offsets as documented in snapshot-file.ts: magic, header length, header CRC, header, sections.)
 */
const reseal = (data: Buffer): Buffer => {
  const out = Buffer.from(data);
  const headerLength = out.readUInt32LE(8);
  const base = (16 + headerLength + 7) & ~7;
  const header = JSON.parse(out.toString('utf8', 16, 16 + headerLength)) as { sections: Array<{ kind: string; offset: number; length: number; crc: string }> };
  const width: Record<string, number> = { i32: 4, u32: 4, u16: 2, u8: 1 };
  for (const e of header.sections) {
    const start = base + e.offset;
    const end = start + ((e.length * width[e.kind]! + 7) & ~7);
    e.crc = zlib.crc32(out.subarray(start, end)).toString(16).padStart(8, '0');
  }
  const json = Buffer.from(JSON.stringify(header));
  expect(json.length).toBe(headerLength);
  json.copy(out, 16);
  out.writeUInt32LE(zlib.crc32(out.subarray(16, base)), 12);
  return out;
};

const answers = async (index: SearchIndex, queries: string[]) => {
  const out: string[][] = [];
  for (const q of queries) out.push((await index.search({ q, partnerId: P, limit: 20 })).hits.map((h) => `${h.id} ${h.subtitle}`));
  return out;
};

describe('search index snapshot', () => {
  let dir: string;
  let file: string;
  let store: EmbeddedStore;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-snapshot-'));
    file = path.join(dir, 'search-index.snapshot');
    store = new EmbeddedStore(path.join(dir, 'store.db'));
    const lines = [...generateDemoData({ orgs: 20, users: 300, seed: 5 })].map((r) => `${JSON.stringify(r)}\n`);
    expect((await importNdjson(store, Readable.from(lines))).failed).toEqual([]);
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const firstOrg = async () => {
    for await (const batch of store.orgs.scan(100)) for (const o of batch) if (o.partnerId === P) return o;
    throw new Error('no org');
  };

  const queries = ['a', 'ma', 'webex', 'example', 'helene dupre', 'dupré', 'room', 'smith', 'muller', 'kim'];

  /** An app's start, until the snapshot it may have begun writing is on disk. */
  const start = async (index: EmbeddedSearchIndex) => {
    const indexer = new Indexer(store, index, log);
    const opened = await indexer.open();
    await indexer.snapshotWritten();
    return opened;
  };

  test('when the app restarts, then the index comes from the snapshot, with the changes made while it was down', async () => {
    const first = new EmbeddedSearchIndex({ snapshotFile: file });
    expect((await start(first)).rebuilt).toBe(true);
    expect(fs.existsSync(file)).toBe(true);

    // While no app runs: a new user, an org renamed (its people show the new name), a user removed from the org.
    const org = await firstOrg();
    const zora = await store.users.upsert(f.user(org.id, { firstName: 'Zora', lastName: 'Quintavalle' }));
    await store.orgs.upsert({ ...org, name: 'Renamed Holdings' });

    const second = new EmbeddedSearchIndex({ snapshotFile: file });
    const rebuild = jest.spyOn(second, 'rebuild');
    expect(await start(second)).toEqual({ rebuilt: false, count: (await first.count()) + 1 });
    expect(rebuild).not.toHaveBeenCalled();
    expect((await second.search({ q: 'zora quintavalle', partnerId: P })).hits.map((h) => h.id)).toEqual([zora.id]);
    const member = (await store.users.listByOrg(P, org.id, { limit: 1, offset: 0 })).find((u) => u.id !== zora.id)!;
    const hit = (await second.search({ q: member.email, partnerId: P })).hits[0];
    expect(hit).toMatchObject({ id: member.id, subtitle: expect.stringContaining('Renamed Holdings') });

    // The same answers as an index built from the store now.
    const fresh = new EmbeddedSearchIndex();
    await new Indexer(store, fresh, log).rebuild();
    expect(await answers(second, [...queries, 'renamed', 'zora'])).toEqual(await answers(fresh, [...queries, 'renamed', 'zora']));
  });

  test('when an app started from the snapshot applies org changes that are not renames, then it indexes the orgs alone, not their members again', async () => {
    const first = new EmbeddedSearchIndex({ snapshotFile: file });
    await start(first);
    const second = new EmbeddedSearchIndex({ snapshotFile: file });
    const indexer = new Indexer(store, second, log);
    expect((await indexer.open()).rebuilt).toBe(false);

    const orgs: Array<Awaited<ReturnType<typeof firstOrg>>> = [];
    for await (const batch of store.orgs.scan(100)) orgs.push(...batch.filter((o) => o.partnerId === P).slice(0, 3));
    const upsert = jest.spyOn(second, 'upsert');
    for (const org of orgs) await store.orgs.upsert({ ...org, status: 'suspended' });
    await indexer.catchUp();
    expect(upsert.mock.calls.flatMap(([docs]) => docs.map((d) => d.id)).sort()).toEqual(orgs.map((o) => o.id).sort());
    expect(await indexer.lag()).toEqual({ changes: 0, seconds: 0 });
  });

  test('when changes arrive while the first snapshot is being written, then searches answer meanwhile, and changes wait for it', async () => {
    fs.rmSync(file, { force: true });
    const live = new EmbeddedSearchIndex({ snapshotFile: file });
    const indexer = new Indexer(store, live, log);
    expect((await indexer.open()).rebuilt).toBe(true);
    const builtAt = indexer.position;
    const asBuilt = await answers(live, queries);
    const org = await firstOrg();
    await store.users.upsert(f.user(org.id, { firstName: 'Wilhelmina', lastName: 'Quarrington' }));
    await store.users.upsert(f.user(org.id, { firstName: 'Quentin', lastName: 'Quarrington' }));

    await indexer.catchUp();

    expect((await live.search({ q: 'quarrington', partnerId: P })).hits).toHaveLength(2);
    // The snapshot holds the index as it was built, not half of the changes.
    const loaded = new EmbeddedSearchIndex({ snapshotFile: file });
    expect(await loaded.snapshots!.load(async () => true)).toMatchObject({ seq: builtAt });
    expect(await answers(loaded, queries)).toEqual(asBuilt);
    expect((await loaded.search({ q: 'quarrington', partnerId: P })).hits).toEqual([]);
    await indexer.stop();
  });

  test('when the index was changed live before it was saved, then the loaded copy answers like it and takes further changes', async () => {
    const live = new EmbeddedSearchIndex({ snapshotFile: file });
    const indexer = new Indexer(store, live, log);
    await indexer.open();
    const org = await firstOrg();
    await store.users.upsert(f.user(org.id, { firstName: 'Yannick', lastName: 'Oberholzer' }));
    await indexer.catchUp();
    indexer.start();
    await indexer.stop(); // saves: changes were applied since the last snapshot

    const loaded = new EmbeddedSearchIndex({ snapshotFile: file });
    expect(await loaded.snapshots!.load(async () => true)).toMatchObject({ seq: await store.changes.latestSeq() });
    expect(await answers(loaded, [...queries, 'oberholzer'])).toEqual(await answers(live, [...queries, 'oberholzer']));
    const extra = f.user(org.id, { firstName: 'Xanthe', lastName: 'Wolstenholme' });
    const doc = { id: extra.id, kind: 'user' as const, partnerId: P, orgId: org.id, status: 'active', title: 'Xanthe Wolstenholme', subtitle: '', fields: { name: ['Xanthe Wolstenholme'], email: [], sip: [], site: [], domain: [], order: [], serial: [], mac: [], phone: [], uuid: [extra.id] } };
    await loaded.upsert([doc]);
    await live.upsert([doc]);
    expect(await answers(loaded, ['wolsten', 'xanthe w'])).toEqual(await answers(live, ['wolsten', 'xanthe w']));
  });

  test.each([
    ['older than the outbox keeps changes', async (index: EmbeddedSearchIndex) => {
      const seq = await store.changes.latestSeq();
      const [at] = await store.changes.listAfter(seq - 1, 1);
      await index.snapshots!.save({ seq, seqAt: at!.at, savedAt: new Date(Date.now() - 24 * 3600_000).toISOString() });
    }],
    ['of another store (the change at its position differs)', async (index: EmbeddedSearchIndex) => {
      const seq = await store.changes.latestSeq();
      await index.snapshots!.save({ seq, seqAt: '2001-01-01T00:00:00.000Z', savedAt: new Date().toISOString() });
    }],
    ['ahead of the store', async (index: EmbeddedSearchIndex) => {
      await index.snapshots!.save({ seq: (await store.changes.latestSeq()) + 10, seqAt: null, savedAt: new Date().toISOString() });
    }],
    ['damaged', async () => {
      fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2));
    }],
  ])('when the snapshot is %s, then the index is rebuilt from the store', async (_, spoil) => {
    const first = new EmbeddedSearchIndex({ snapshotFile: file });
    await start(first);
    await spoil(first);
    const second = new EmbeddedSearchIndex({ snapshotFile: file });
    expect(await start(second)).toEqual({ rebuilt: true, count: await first.count() });
    // The rebuild wrote a good snapshot again.
    const third = new EmbeddedSearchIndex({ snapshotFile: file });
    expect((await start(third)).rebuilt).toBe(false);
  });

  test('when a snapshot is written and read back, then every section comes back as it was', async () => {
    const arrays = [Int32Array.of(-1, 2 ** 31 - 1, 0), Uint32Array.of(0xffffffff), Uint16Array.of(1, 2, 3), Uint8Array.of(), Uint8Array.of(9, 8, 7, 6, 5)];
    const bytes = await writeSnapshot(file, (w) => ({ arrays: arrays.map((a) => w.array(a)), json: w.json({ names: ['Hélène', 'Zoë'] }) }));
    expect(fs.statSync(file).size).toBe(bytes);
    const r = readSnapshot<{ arrays: number[]; json: number }>(file)!;
    expect(r.meta.arrays.map((i) => r.array(i))).toEqual(arrays);
    expect(r.json(r.meta.json)).toEqual({ names: ['Hélène', 'Zoë'] });
  });

  test('when bytes of the snapshot are flipped anywhere, then the app starts, says it rebuilds from the store and answers searches', async () => {
    await start(new EmbeddedSearchIndex({ snapshotFile: file }));
    const good = fs.readFileSync(file);
    const fresh = new EmbeddedSearchIndex();
    await new Indexer(store, fresh, log).rebuild();
    const expected = await answers(fresh, queries);

    await fc.assert(fc.asyncProperty(
      fc.array(fc.record({ at: fc.nat({ max: good.length - 1 }), xor: fc.integer({ min: 1, max: 255 }), run: fc.integer({ min: 1, max: 64 }) }), { minLength: 1, maxLength: 4 }),
      async (flips) => {
        const bad = Buffer.from(good);
        for (const { at, xor, run } of flips) for (let i = at; i < Math.min(bad.length, at + run); i++) bad[i]! ^= xor;
        fs.writeFileSync(file, bad);
        const { logger, lines } = capturingLogger();
        const index = new EmbeddedSearchIndex({ snapshotFile: file });
        const indexer = new Indexer(store, index, logger);
        const opened = await indexer.open();
        await indexer.snapshotWritten();
        expect(opened).toEqual({ rebuilt: true, count: await fresh.count() });
        expect(lines).toContainEqual(expect.objectContaining({
          level: 40, msg: 'search index snapshot unreadable: rebuilding from the store',
          err: expect.objectContaining({ message: expect.stringMatching(/^search index snapshot is damaged: /) }),
        }));
        expect(await answers(index, queries)).toEqual(expected);
      },
    ), { numRuns: 50, seed: 24, endOnFailure: true });
    // The rebuild wrote a good snapshot again.
    expect(readSnapshot(file)).not.toBeNull();
  }, 120_000);

  test('when damage inside the sections gets past the checksums, then opening and searching never hang or take the process down', async () => {
    await start(new EmbeddedSearchIndex({ snapshotFile: file }));
    const good = fs.readFileSync(file);
    const base = (16 + good.readUInt32LE(8) + 7) & ~7;
    const outcomes = { rebuilt: 0, loaded: 0 };

    await fc.assert(fc.asyncProperty(
      fc.array(fc.record({ at: fc.integer({ min: base, max: good.length - 1 }), value: fc.integer({ min: 0, max: 255 }), run: fc.integer({ min: 1, max: 16 }) }), { minLength: 1, maxLength: 6 }),
      async (flips) => {
        const bad = Buffer.from(good);
        for (const { at, value, run } of flips) bad.fill(value, at, Math.min(bad.length, at + run));
        fs.writeFileSync(file, reseal(bad));
        const index = new EmbeddedSearchIndex({ snapshotFile: file });
        const indexer = new Indexer(store, index, log);
        const opened = await indexer.open();
        await indexer.snapshotWritten();
        outcomes[opened.rebuilt ? 'rebuilt' : 'loaded']++;
        // An index that loaded answers or fails a search with an error; it never loops or runs out of memory.
        for (const q of [...queries, 'First12', 'zzzz', 'a b c d e f', 'x@example.com']) {
          await index.search({ q, partnerId: P, limit: 20 }).catch((err: unknown) => expect(err).toBeInstanceOf(Error));
        }
      },
    ), { numRuns: 80, seed: 24, endOnFailure: true });
    // Both ways were taken: damage the checks catch, and damage they let through as harmless.
    expect(outcomes.rebuilt).toBeGreaterThan(0);
    expect(outcomes.loaded).toBeGreaterThan(0);
  }, 120_000);

  describe('in the background', () => {
    const BOUND = 100;
    const onDisk = () => readSnapshotMeta<{ position: SnapshotPosition }>(file)!.position.seq;
    const until = async (ok: () => boolean | Promise<boolean>) => {
      for (const deadline = Date.now() + 10_000; !(await ok());) {
        if (Date.now() > deadline) throw new Error('timed out');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    /** Changes `n` users, then lets the indexer apply them and finish any snapshot it begins. */
    const change = async (indexer: Indexer, n: number, name: string) => {
      const org = await firstOrg();
      for (let i = 0; i < n; i++) await store.users.upsert(f.user(org.id, { firstName: name, lastName: `Person${i}` }));
      const latest = await store.changes.latestSeq();
      await until(() => indexer.position === latest);
      await new Promise((resolve) => setTimeout(resolve, 100));
      await indexer.snapshotWritten();
      return latest;
    };

    test('when the outbox moves on by the bound, then a new snapshot is written and a restart after kill -9 replays less than the bound', async () => {
      const indexer = new Indexer(store, new EmbeddedSearchIndex({ snapshotFile: file }), log, { intervalMs: 10, snapshotEveryChanges: BOUND });
      await indexer.open();
      await indexer.snapshotWritten();
      const written = new Set([onDisk()]);
      indexer.start();

      let latest = 0;
      for (let round = 0; round < 6; round++) {
        latest = await change(indexer, 45, `Round${round}`);
        expect(latest - onDisk()).toBeLessThan(BOUND);
        written.add(onDisk());
      }
      // 270 changes: a snapshot about every 100 of them.
      expect(written.size).toBeGreaterThanOrEqual(3);
      const atKill = fs.readFileSync(file);
      await indexer.stop();
      fs.writeFileSync(file, atKill);

      const { logger, lines } = capturingLogger();
      const restarted = new EmbeddedSearchIndex({ snapshotFile: file });
      expect((await new Indexer(store, restarted, logger).open()).rebuilt).toBe(false);
      const loaded = lines.find((l) => l.msg === 'search index loaded from its snapshot') as unknown as { applied: number; seq: number };
      expect(loaded.applied).toBe(latest - loaded.seq);
      expect(loaded.applied).toBeLessThan(BOUND);
      expect((await restarted.search({ q: 'round5.person44@example.com', partnerId: P })).hits[0]).toMatchObject({ title: 'Round5 Person44', exact: true });
    });

    test('when the outbox moved on for the time bound, then a snapshot is written however few the changes', async () => {
      const indexer = new Indexer(store, new EmbeddedSearchIndex({ snapshotFile: file }), log, { intervalMs: 10, snapshotEveryMs: 300 });
      await indexer.open();
      await indexer.snapshotWritten();
      indexer.start();
      const latest = await change(indexer, 3, 'Few');
      await until(() => onDisk() === latest);
      await indexer.stop();
    });

    test('when another process is writing the snapshot, then this one does not write it too, and does once the other is done', async () => {
      const indexer = new Indexer(store, new EmbeddedSearchIndex({ snapshotFile: file }), log, { intervalMs: 10, snapshotEveryChanges: BOUND });
      await indexer.open();
      await indexer.snapshotWritten();
      const before = onDisk();
      // This test's own pid: a live process holds the lock.
      fs.writeFileSync(`${file}.lock`, String(process.pid));
      indexer.start();

      const latest = await change(indexer, BOUND + 10, 'Locked');
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(onDisk()).toBe(before);

      fs.rmSync(`${file}.lock`);
      await until(() => onDisk() === latest);
      expect(fs.existsSync(`${file}.lock`)).toBe(false);
      await indexer.stop();
    });

    test('when the process that held the lock died, then the lock is taken over and the snapshot written', async () => {
      const indexer = new Indexer(store, new EmbeddedSearchIndex({ snapshotFile: file }), log, { intervalMs: 10, snapshotEveryChanges: BOUND });
      await indexer.open();
      await indexer.snapshotWritten();
      const gone = spawnSync(process.execPath, ['-e', '']).pid;
      fs.writeFileSync(`${file}.lock`, String(gone));
      indexer.start();

      const latest = await change(indexer, BOUND + 10, 'Orphan');
      await until(() => onDisk() === latest);
      await indexer.stop();
    });

    test('when another process wrote a newer snapshot, then this one does not write the same again', async () => {
      const options = { intervalMs: 10, snapshotEveryChanges: BOUND };
      const a = new Indexer(store, new EmbeddedSearchIndex({ snapshotFile: file }), log, options);
      const b = new Indexer(store, new EmbeddedSearchIndex({ snapshotFile: file }), log, options);
      await a.open();
      await a.snapshotWritten();
      await b.open();
      a.start();
      const latest = await change(a, BOUND + 10, 'Shared');
      await until(() => onDisk() === latest);
      const mtime = fs.statSync(file).mtimeMs;

      await b.catchUp();
      b.start();
      await new Promise((resolve) => setTimeout(resolve, 200));
      await b.snapshotWritten();
      expect(fs.statSync(file).mtimeMs).toBe(mtime);
      await a.stop();
      await b.stop();
    });
  });

  test('when a reindex was requested while the app was down, then the loaded snapshot is rebuilt', async () => {
    await start(new EmbeddedSearchIndex({ snapshotFile: file }));
    await store.changes.requestRebuild();
    const index = new EmbeddedSearchIndex({ snapshotFile: file });
    const rebuild = jest.spyOn(index, 'rebuild');
    expect((await start(index)).rebuilt).toBe(false);
    expect(rebuild).toHaveBeenCalledTimes(1);
  });

  test('when a process died while writing, then its temporary file is removed by a later save once stale', async () => {
    const stale = path.join(dir, '.search-index.snapshot.99999.tmp');
    const fresh = path.join(dir, '.search-index.snapshot.88888.tmp');
    fs.writeFileSync(stale, 'half a snapshot');
    fs.writeFileSync(fresh, 'another process, writing now');
    const old = new Date(Date.now() - 2 * 3600_000);
    fs.utimesSync(stale, old, old);
    await start(new EmbeddedSearchIndex({ snapshotFile: file }));
    expect(fs.existsSync(stale)).toBe(false);
    expect(fs.existsSync(fresh)).toBe(true);
  });

  test('when no data folder is given, then nothing is written', async () => {
    const index = new EmbeddedSearchIndex();
    expect(index.snapshots).toBeUndefined();
    expect(await start(index)).toMatchObject({ rebuilt: true });
    expect(fs.readdirSync(dir).filter((n) => n.includes('snapshot'))).toEqual([]);
  });
});
