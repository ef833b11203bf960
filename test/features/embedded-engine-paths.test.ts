// The embedded engine keeps documents three ways: built in bulk and ranked (rebuild), added one by
// one since (live upserts), and renumbered once many were replaced (compaction). Each way has its
// own fast paths; a search must answer exactly the same whichever way the documents got there.
import { Readable } from 'node:stream';
import { generateDemoData } from '../../src/demo/demo-data';
import { importNdjson } from '../../src/import/importer';
import { orgNamesOf, storeDocs } from '../../src/search-index/documents';
import { EmbeddedSearchIndex } from '../../src/search-index/embedded/embedded-search-index';
import type { SearchDoc } from '../../src/search-index/search-index';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store';
import { answers, queriesOf } from '../helpers/search-answers';

async function demoDocs(orgs: number, users: number): Promise<SearchDoc[]> {
  const store = new EmbeddedStore(':memory:');
  const lines = [...generateDemoData({ orgs, users, seed: 3 })].map((r) => `${JSON.stringify(r)}\n`);
  const summary = await importNdjson(store, Readable.from(lines));
  expect(summary.failed).toEqual([]);
  const docs: SearchDoc[] = [];
  for await (const batch of storeDocs(store, await orgNamesOf(store, 1000), 1000)) docs.push(...batch);
  await store.close();
  return docs;
}

async function* once(docs: SearchDoc[]): AsyncIterable<SearchDoc[]> {
  yield docs;
}

describe('embedded engine: the same answers whichever way the documents were indexed', () => {
  test('when documents were built in bulk, then updated and removed live, then answers equal a fresh build and live-only upserts', async () => {
    const docs = await demoDocs(40, 600);
    const partnerId = docs[0]!.partnerId;
    // Changes after the build: renamed users, a moved device, removed records.
    const renamed = docs.filter((d) => d.kind === 'user').filter((_, i) => i % 9 === 0)
      .map((d) => ({ ...d, title: `${d.title} Zed`, fields: { ...d.fields, name: [...d.fields.name, 'Zedkowski'] } }));
    const removed = docs.filter((d) => d.kind !== 'org').filter((_, i) => i % 11 === 0).map((d) => d.id);
    const final = new Map(docs.map((d) => [d.id, d]));
    for (const d of renamed) final.set(d.id, d);
    for (const id of removed) final.delete(id);

    const built = new EmbeddedSearchIndex();
    await built.rebuild(once(docs));
    await built.upsert(renamed);
    await built.remove(removed);

    const live = new EmbeddedSearchIndex();
    for (const d of final.values()) await live.upsert([d]);

    // Built while the store was still empty, every document added live since.
    const fromEmpty = new EmbeddedSearchIndex();
    await fromEmpty.rebuild(once([]));
    for (const d of final.values()) await fromEmpty.upsert([d]);

    const fresh = new EmbeddedSearchIndex();
    await fresh.rebuild(once([...final.values()]));

    const queries = [...queriesOf([...final.values()]), 'zedkowski', 'zedk', 'zedkowsky'];
    const expected = await answers(fresh, queries, partnerId);
    expect(expected.filter((a) => a.length > 0).length).toBeGreaterThan(queries.length / 2);
    expect(await answers(built, queries, partnerId)).toEqual(expected);
    expect(await answers(live, queries, partnerId)).toEqual(expected);
    expect(await answers(fromEmpty, queries, partnerId)).toEqual(expected);
  });

  test('when most documents were replaced (the shard compacts itself), then answers equal a fresh build', async () => {
    const docs = await demoDocs(60, 12_000);
    const partnerId = docs[0]!.partnerId;
    const index = new EmbeddedSearchIndex();
    await index.rebuild(once(docs));
    // Over 10,000 replaced or removed, more than the live ones: the shard renumbers itself.
    const others = docs.filter((d) => d.kind !== 'org');
    const removed = others.slice(0, 8_000).map((d) => d.id);
    const replaced = others.slice(8_000, 11_500).map((d) => ({ ...d, subtitle: `${d.subtitle} ·` }));
    await index.remove(removed);
    await index.upsert(replaced);
    const final = new Map(docs.map((d) => [d.id, d]));
    for (const id of removed) final.delete(id);
    for (const d of replaced) final.set(d.id, d);

    const fresh = new EmbeddedSearchIndex();
    await fresh.rebuild(once([...final.values()]));
    expect(await index.count()).toBe(final.size);
    const queries = queriesOf([...final.values()]);
    expect(await answers(index, queries, partnerId)).toEqual(await answers(fresh, queries, partnerId));
  }, 60_000);

  test('when a rebuild is given a document twice, then the last version is the one found, once', async () => {
    const docs = await demoDocs(10, 100);
    const partnerId = docs[0]!.partnerId;
    const user = docs.find((d) => d.kind === 'user' && d.partnerId === partnerId)!;
    const older = { ...user, title: 'Xavierre Older', fields: { ...user.fields, name: ['Xavierre Older'] } };

    const index = new EmbeddedSearchIndex();
    await index.rebuild(once([older, ...docs]));

    expect(await index.count()).toBe(docs.length);
    expect((await index.search({ q: 'xavierre', partnerId })).hits).toEqual([]);
    const byEmail = (await index.search({ q: user.fields.email[0]!, partnerId })).hits;
    expect(byEmail[0]).toMatchObject({ id: user.id, title: user.title, exact: true });
    expect(byEmail.filter((h) => h.id === user.id)).toHaveLength(1);
  });

  test('when a build comes in many small batches, then answers equal a build from one batch', async () => {
    const docs = await demoDocs(20, 300);
    const partnerId = docs[0]!.partnerId;
    async function* batchesOf7(): AsyncIterable<SearchDoc[]> {
      for (let i = 0; i < docs.length; i += 7) yield docs.slice(i, i + 7);
    }
    const small = new EmbeddedSearchIndex();
    await small.rebuild(batchesOf7());
    const whole = new EmbeddedSearchIndex();
    await whole.rebuild(once(docs));

    const queries = queriesOf(docs);
    expect(await answers(small, queries, partnerId)).toEqual(await answers(whole, queries, partnerId));
  });
});
