// A full rebuild on the embedded store reads and prepares the records in worker threads. It must
// answer exactly like a build in one thread, keep the org names the indexer needs, and fall back
// to one thread when the workers cannot do it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import pino from 'pino';
import { generateDemoData } from '../../src/demo/demo-data';
import { importNdjson } from '../../src/import/importer';
import { buildWorkerCount } from '../../src/search-index/embedded/build-workers';
import { EmbeddedSearchIndex } from '../../src/search-index/embedded/embedded-search-index';
import { Indexer } from '../../src/search-index/indexer';
import { EMBEDDED_FILE } from '../../src/store';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store';
import { answers, queriesOf } from '../helpers/search-answers';
import { orgNamesOf, storeDocs } from '../../src/search-index/documents';
import type { SearchDoc } from '../../src/search-index/search-index';

let dir: string;
let store: EmbeddedStore;
let docs: SearchDoc[];
const logged: Array<{ level: number; msg: string }> = [];
const log = pino({ level: 'info' }, { write: (line: string) => { logged.push(JSON.parse(line)); } });

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'build-workers-'));
  store = new EmbeddedStore(path.join(dir, EMBEDDED_FILE));
  const lines = [...generateDemoData({ orgs: 30, users: 500, seed: 5 })].map((r) => `${JSON.stringify(r)}\n`);
  expect((await importNdjson(store, Readable.from(lines))).failed).toEqual([]);
  docs = [];
  for await (const batch of storeDocs(store, await orgNamesOf(store, 1000), 1000)) docs.push(...batch);
});

afterAll(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => { logged.length = 0; });

async function inOneThread(): Promise<EmbeddedSearchIndex> {
  const index = new EmbeddedSearchIndex();
  await new Indexer(store, index, log).rebuild();
  return index;
}

describe('index build in worker threads', () => {
  test.each([1, 2, 3])('when %i workers build the index, then every answer equals a build in one thread, on both partners', async (workers) => {
    const expected = await inOneThread();
    const index = new EmbeddedSearchIndex({ storeFile: path.join(dir, EMBEDDED_FILE), buildWorkers: workers });

    const { count } = await new Indexer(store, index, log).rebuild();

    expect(logged.map((l) => l.msg)).toContain('search index built in worker threads');
    expect(count).toBe(docs.length);
    const partners = [...new Set(docs.map((d) => d.partnerId))];
    expect(partners.length).toBe(2);
    const queries = queriesOf(docs);
    expect(queries.length).toBeGreaterThan(50);
    for (const partnerId of partners) {
      expect(await answers(index, queries, partnerId)).toEqual(await answers(expected, queries, partnerId));
    }
  });

  test('when an org is renamed after a worker build, then its users show the new name', async () => {
    const index = new EmbeddedSearchIndex({ storeFile: path.join(dir, EMBEDDED_FILE), buildWorkers: 2 });
    const indexer = new Indexer(store, index, log);
    await indexer.rebuild();
    const org = docs.find((d) => d.kind === 'org')!;
    const member = docs.find((d) => d.kind === 'user' && d.orgId === org.id)!;
    const stored = (await store.orgs.getByIds([org.id]))[0]!;

    await store.orgs.upsert({ ...stored, name: 'Quokkaville Renamed' });
    await indexer.catchUp();

    // The indexer knows each org's name as built (from the workers): a change of name reindexes the members.
    const [hit] = (await index.search({ q: member.fields.email[0]!, partnerId: org.partnerId })).hits;
    expect(hit?.id).toBe(member.id);
    expect(hit?.subtitle).toContain('Quokkaville Renamed');
    await store.orgs.upsert(stored);
    await indexer.catchUp();
  });

  test('when the workers cannot open the store, then the index is built in this thread and the failure logged', async () => {
    // A folder is not a database file: every worker fails to open it.
    const index = new EmbeddedSearchIndex({ storeFile: dir, buildWorkers: 2 });

    const { count } = await new Indexer(store, index, log).rebuild();

    expect(count).toBe(docs.length);
    expect(logged).toContainEqual(expect.objectContaining({ level: 40, msg: 'search index: building in worker threads failed, building in this thread' }));
    const hit = docs.find((d) => d.kind === 'user')!;
    expect((await index.search({ q: hit.fields.email[0]!, partnerId: hit.partnerId })).hits[0]?.id).toBe(hit.id);
  });

  test('when the machine has one core, then the build stays in this thread; with more, one worker per core up to four', async () => {
    expect([1, 2, 3, 8].map((cores) => buildWorkerCount(cores))).toEqual([0, 2, 3, 4]);
    const index = new EmbeddedSearchIndex({ storeFile: path.join(dir, EMBEDDED_FILE), buildWorkers: 0 });
    expect(index.rebuildFromStore).toBeUndefined();

    expect((await new Indexer(store, index, log).rebuild()).count).toBe(docs.length);
    expect(logged.map((l) => l.msg)).not.toContain('search index built in worker threads');
  });
});
