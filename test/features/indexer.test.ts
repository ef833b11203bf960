// The indexer keeps the search index following the store through the change outbox: idempotent,
// retried after failures, resumable from a saved cursor, and rebuilt without an empty moment.
import type {
  RebuildOptions, RebuildResult, SearchDoc, SearchIndex, SearchQuery, SearchResult,
} from '../../src/search-index/search-index';
import { EmbeddedSearchIndex } from '../../src/search-index/embedded/embedded-search-index';
import { Indexer } from '../../src/search-index/indexer';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store';
import { createLogger } from '../../src/logger';
import * as f from '../helpers/factories';

const log = createLogger('silent');
const names = async (index: SearchIndex, q: string) =>
  (await index.search({ q, partnerId: 'p-north' })).hits.map((h) => h.title);

/** The in-process engine presented as an index that outlives the process, as Meilisearch does. */
class DurableIndex extends EmbeddedSearchIndex {
  override readonly durable = true;
}

/**
 * A shared index as `helpdesk reindex` rebuilds it: a new index filled beside the live one, then
 * swapped in, while the app's processes keep writing to whichever index is live. It records what
 * each index got; the hooks let a test write to the store at the moments that matter.
 */
class SwappingIndex implements SearchIndex {
  readonly name = 'swapping';
  readonly durable = true;
  live = new Map<string, SearchDoc>();
  /** After the new index read every document, before beforeSwap. */
  afterScan: () => Promise<void> = async () => undefined;
  /** After beforeSwap, just before the swap. */
  beforeSwap: () => Promise<void> = async () => undefined;

  async upsert(docs: SearchDoc[]): Promise<void> { for (const d of docs) this.live.set(d.id, d); }
  async remove(ids: string[]): Promise<void> { for (const id of ids) this.live.delete(id); }
  async search(_q: SearchQuery): Promise<SearchResult> { throw new Error('not searched here'); }
  async count(): Promise<number> { return this.live.size; }
  async ping(): Promise<void> {}
  async close(): Promise<void> {}
  async rebuild(docs: AsyncIterable<SearchDoc[]>, options: RebuildOptions = {}): Promise<RebuildResult> {
    const next = new Map<string, SearchDoc>();
    for await (const batch of docs) for (const d of batch) next.set(d.id, d);
    await this.afterScan();
    await options.beforeSwap?.({
      upsert: async (ds) => { for (const d of ds) next.set(d.id, d); },
      remove: async (ids) => { for (const id of ids) next.delete(id); },
    });
    await this.beforeSwap();
    this.live = next;
    return { count: next.size };
  }

  titles(): string[] { return [...this.live.values()].map((d) => d.title).sort(); }
}

describe('search indexer', () => {
  let store: EmbeddedStore;
  beforeEach(async () => {
    store = new EmbeddedStore(':memory:');
    await store.partners.upsert({ id: 'p-north', name: 'Northwind' });
  });
  afterEach(() => store.close());

  test('when a change is delivered twice, then the index holds the record once, as the store has it', async () => {
    const index = new EmbeddedSearchIndex();
    const indexer = new Indexer(store, index, log);
    const org = f.org('p-north', { name: 'Quokka Labs' });
    await store.orgs.upsert(org);
    await store.orgs.upsert(org);
    await indexer.catchUp();
    await indexer.catchUp();
    expect(await names(index, 'quokka')).toEqual(['Quokka Labs']);
    expect(await index.count()).toBe(1);
  });

  test('when an index write fails, then the cursor stays and the outbox drains once the engine is back', async () => {
    const index = new EmbeddedSearchIndex();
    const indexer = new Indexer(store, index, log);
    const upsert = jest.spyOn(index, 'upsert').mockRejectedValueOnce(new Error('engine down'));
    await store.orgs.upsert(f.org('p-north', { name: 'Wombat Works' }));
    await expect(indexer.catchUp()).rejects.toThrow('engine down');
    expect(await names(index, 'wombat')).toEqual([]);
    expect(await indexer.catchUp()).toBe(1);
    expect(await names(index, 'wombat')).toEqual(['Wombat Works']);
    expect(upsert).toHaveBeenCalledTimes(2);
  });

  test('when an org is renamed, then its users are found under the new org name', async () => {
    const index = new EmbeddedSearchIndex();
    const indexer = new Indexer(store, index, log);
    const org = f.org('p-north', { name: 'Old Name' });
    await store.orgs.upsert(org);
    const u = await store.users.upsert(f.user(org.id, { firstName: 'Tess', lastName: 'Tamsin' }));
    await indexer.rebuild();
    await store.orgs.upsert({ ...org, name: 'New Name' });
    await indexer.catchUp();
    const hit = (await index.search({ q: 'tess tamsin', partnerId: 'p-north' })).hits[0];
    expect(hit).toMatchObject({ id: u.id, subtitle: expect.stringContaining('New Name') });
  });

  test('when the CLI asks for a reindex, then the follower rebuilds from the store', async () => {
    const index = new EmbeddedSearchIndex();
    const indexer = new Indexer(store, index, log);
    await store.orgs.upsert(f.org('p-north', { name: 'Kestrel Inc' }));
    await indexer.catchUp();
    const rebuild = jest.spyOn(index, 'rebuild');
    await store.changes.requestRebuild();
    await indexer.catchUp();
    expect(rebuild).toHaveBeenCalledTimes(1);
    expect(await names(index, 'kestrel')).toEqual(['Kestrel Inc']);
  });

  test('when a rebuild runs, then searches keep answering from the old index until the swap', async () => {
    const index = new EmbeddedSearchIndex();
    const indexer = new Indexer(store, index, log);
    for (let i = 0; i < 1200; i++) await store.orgs.upsert(f.org('p-north', { name: `Heron ${i}` }));
    await indexer.rebuild();
    const during: number[] = [];
    const rebuilding = indexer.rebuild();
    for (let i = 0; i < 20; i++) {
      during.push((await index.search({ q: 'heron', partnerId: 'p-north', limit: 5 })).hits.length);
      await new Promise((r) => setImmediate(r));
    }
    await rebuilding;
    expect(during.every((n) => n === 5)).toBe(true);
  });

  test('when a durable index restarts, then it resumes from the saved cursor instead of rebuilding', async () => {
    const index = new DurableIndex();
    const first = new Indexer(store, index, log);
    await store.orgs.upsert(f.org('p-north', { name: 'Puffin Partners' }));
    expect(await first.open()).toEqual({ rebuilt: true, count: 1 });
    await store.orgs.upsert(f.org('p-north', { name: 'Gannet Group' }));
    // The process stops before applying this change; the next one picks it up from the cursor.
    const rebuild = jest.spyOn(index, 'rebuild');
    const second = new Indexer(store, index, log);
    expect(await second.open()).toEqual({ rebuilt: false, count: 2 });
    expect(rebuild).not.toHaveBeenCalled();
    expect(await names(index, 'gannet')).toEqual(['Gannet Group']);
  });

  test('when a durable index resumes after a restart and an org is renamed, then its users show the new name', async () => {
    const index = new DurableIndex();
    const org = f.org('p-north', { name: 'Old Name' });
    await store.orgs.upsert(org);
    const u = await store.users.upsert(f.user(org.id, { firstName: 'Tess', lastName: 'Tamsin' }));
    await new Indexer(store, index, log).open();
    const resumed = new Indexer(store, index, log);
    await resumed.open();
    await store.orgs.upsert({ ...org, name: 'New Name' });
    await resumed.catchUp();
    const hit = (await index.search({ q: 'tess tamsin', partnerId: 'p-north' })).hits[0];
    expect(hit).toMatchObject({ id: u.id, subtitle: expect.stringContaining('New Name') });
  });

  test('when an in-process index starts, then it is always built from the store', async () => {
    await store.orgs.upsert(f.org('p-north', { name: 'Osprey Ltd' }));
    const index = new EmbeddedSearchIndex();
    expect(await new Indexer(store, index, log).open()).toEqual({ rebuilt: true, count: 1 });
  });

  test('when records change while a shared index is rebuilt, then the swapped-in index has every change', async () => {
    const index = new SwappingIndex();
    const org = f.org('p-north', { name: 'Swift Ltd' });
    await store.orgs.upsert(org);
    const ada = await store.users.upsert(f.user(org.id, { firstName: 'Ada', lastName: 'Lovelace' }));
    const grace = await store.users.upsert(f.user(org.id, { firstName: 'Grace', lastName: 'Hopper' }));
    // An app process follows the outbox into whichever index is live.
    const app = new Indexer(store, index, log);
    await app.open();
    expect(index.titles()).toEqual(['Ada Lovelace', 'Grace Hopper', 'Swift Ltd']);

    index.afterScan = async () => {
      // The store was read already: these reach the old index only, through the app's indexer.
      await store.users.upsert({ ...ada, lastName: 'Byron', displayName: 'Ada Byron' });
      await store.users.upsert(f.user(org.id, { firstName: 'Alan', lastName: 'Turing' }));
      await app.catchUp();
    };
    index.beforeSwap = async () => {
      // After the catch-up into the new index, before the swap.
      await store.users.upsert({ ...grace, lastName: 'Murray', displayName: 'Grace Murray' });
      await store.users.upsert(f.user(org.id, { firstName: 'Katherine', lastName: 'Johnson' }));
      await app.catchUp();
    };
    const reindex = new Indexer(store, index, log);
    await reindex.rebuild();

    expect(index.titles()).toEqual(['Ada Byron', 'Alan Turing', 'Grace Murray', 'Katherine Johnson', 'Swift Ltd']);
    // Nothing is left for the app to apply: its cursor was past all of these already.
    expect(await app.catchUp()).toBe(0);
    expect(reindex.position).toBe(await store.changes.latestSeq());
  });

  test('when a rebuild fails after an org was renamed, then catching up still shows its users under the new name', async () => {
    const index = new EmbeddedSearchIndex();
    const indexer = new Indexer(store, index, log);
    const org = f.org('p-north', { name: 'Old Name' });
    await store.orgs.upsert(org);
    const u = await store.users.upsert(f.user(org.id, { firstName: 'Tess', lastName: 'Tamsin' }));
    await indexer.rebuild();
    await store.orgs.upsert({ ...org, name: 'New Name' });
    jest.spyOn(index, 'rebuild').mockRejectedValueOnce(new Error('engine down'));
    await expect(indexer.rebuild()).rejects.toThrow('engine down');

    await indexer.catchUp();
    const hit = (await index.search({ q: 'tess tamsin', partnerId: 'p-north' })).hits[0];
    expect(hit).toMatchObject({ id: u.id, subtitle: expect.stringContaining('New Name') });
  });
});
