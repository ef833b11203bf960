// The embedded index keeps a snapshot of itself in the data folder: a restart loads it and
// catches up from the change outbox instead of rebuilding from the store, but only when every
// change since is still in the outbox and the snapshot was taken of this store.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { generateDemoData } from '../../src/demo/demo-data';
import { importNdjson } from '../../src/import/importer';
import { createLogger } from '../../src/logger';
import { EmbeddedSearchIndex } from '../../src/search-index/embedded/embedded-search-index';
import { Indexer } from '../../src/search-index/indexer';
import type { SearchIndex } from '../../src/search-index/search-index';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store';
import * as f from '../helpers/factories';

const log = createLogger('silent');
const P = 'p-north';

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
