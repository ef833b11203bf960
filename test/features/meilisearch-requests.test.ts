// The Meilisearch adapter against a recorded contract: the real `meilisearch` client sends its
// requests to a loopback stand-in (test/helpers/meili-stand-in.ts) that answers as Meilisearch 1.36's
// API reference says the server does and records them; each test compares method, path and JSON
// body with that reference. What Meilisearch then does with them (matching, typos, ranking) is
// proven only against a real server: test/contract/meilisearch-search-index.test.ts with MEILI_HOST.
import { randomUUID } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { runCli } from '../../src/cli/cli';
import { AppError } from '../../src/errors';
import {
  APP_KEY_ACTIONS, MeilisearchIncompatibleError, MeilisearchSearchIndex, versionProblem,
} from '../../src/search-index/meilisearch/meilisearch-search-index';
import { meiliId, scopeKey } from '../../src/search-index/meilisearch/meilisearch-settings';
import { userToDoc } from '../../src/search-index/documents';
import type { SearchDoc } from '../../src/search-index/search-index';
import * as f from '../helpers/factories';
import { readFilter } from '../helpers/meili-filter';
import { PROXY_502, startMeiliStandIn, type MeiliStandIn, type RecordedRequest } from '../helpers/meili-stand-in';

const KEY = 'scoped-app-key-0123456789abcdef';

/**
 * The settings object's fields (https://www.meilisearch.com/docs/reference/api/settings), the
 * built-in ranking rules of 1.36 (https://www.meilisearch.com/docs/learn/relevancy/ranking_rules;
 * attributeRank and wordPosition: https://www.meilisearch.com/docs/changelog/v1.36) and the
 * typoTolerance object's fields (https://www.meilisearch.com/docs/reference/api/settings#typo-tolerance-object).
 */
const DOCUMENTED_SETTINGS = [
  'displayedAttributes', 'searchableAttributes', 'filterableAttributes', 'sortableAttributes', 'rankingRules',
  'stopWords', 'nonSeparatorTokens', 'separatorTokens', 'dictionary', 'synonyms', 'distinctAttribute',
  'proximityPrecision', 'typoTolerance', 'faceting', 'pagination', 'facetSearch', 'prefixSearch',
  'searchCutoffMs', 'localizedAttributes', 'embedders',
];
const BUILT_IN_RANKING_RULES = ['words', 'typo', 'proximity', 'attribute', 'attributeRank', 'wordPosition', 'sort', 'exactness'];
const TYPO_TOLERANCE_FIELDS = ['enabled', 'minWordSizeForTypos', 'disableOnWords', 'disableOnAttributes', 'disableOnNumbers'];
/** "A document identifier can be of type integer or string, only composed of alphanumeric characters (a-z A-Z 0-9), hyphens (-) and underscores (_)", at most 511 bytes (https://www.meilisearch.com/docs/learn/getting_started/primary_key). */
const DOCUMENT_ID = /^[A-Za-z0-9_-]{1,511}$/;

const strip = (r: RecordedRequest) => ({ method: r.method, path: r.path });
const taskPoll = { method: 'GET', path: expect.stringMatching(/^\/tasks\/\d+$/) };

function doc(over: Partial<SearchDoc> = {}): SearchDoc {
  const org = f.org('p-north', { name: 'Boulangerie Dupré' });
  return { ...userToDoc({ ...f.user(org.id, { firstName: 'Hélène', lastName: 'Dupré' }), id: randomUUID(), partnerId: 'p-north' } as never, org.name), ...over };
}

describe('Meilisearch adapter: the requests it sends, against the 1.36 API reference', () => {
  let meili: MeiliStandIn;
  beforeEach(async () => { meili = await startMeiliStandIn(); });
  afterEach(async () => { await meili.close(); });

  const connect = () => MeilisearchSearchIndex.connect({ host: meili.host, apiKey: KEY, timeoutMs: 1000 });

  test('when the app connects to an empty server, then it checks health and version, creates the index with primary key id and applies documented settings', async () => {
    await connect();
    expect(meili.requests.map(strip)).toEqual([
      { method: 'GET', path: '/health' },
      { method: 'GET', path: '/version' },
      { method: 'GET', path: '/indexes/helpdesk' },
      // https://www.meilisearch.com/docs/reference/api/indexes#create-an-index: {uid, primaryKey}
      { method: 'POST', path: '/indexes' },
      taskPoll,
      // https://www.meilisearch.com/docs/reference/api/settings#update-settings: PATCH, partial object
      { method: 'PATCH', path: '/indexes/helpdesk/settings' },
      taskPoll,
    ]);
    expect(meili.requests[3]!.body).toEqual({ uid: 'helpdesk', primaryKey: 'id' });
    for (const r of meili.requests) expect(r.authorization).toBe(`Bearer ${KEY}`);

    const settings = meili.requests[5]!.body as Record<string, unknown>;
    for (const name of Object.keys(settings)) expect(DOCUMENTED_SETTINGS).toContain(name);
    expect(settings.rankingRules).toEqual(['words', 'typo', 'attributeRank', 'exactness', 'sort']);
    for (const rule of settings.rankingRules as string[]) expect(BUILT_IN_RANKING_RULES).toContain(rule);
    const typo = settings.typoTolerance as Record<string, unknown>;
    for (const name of Object.keys(typo)) expect(TYPO_TOLERANCE_FIELDS).toContain(name);
    // Meilisearch's defaults, which the search rules promise: one typo from 5 letters, two from 9.
    expect(typo).toMatchObject({ enabled: true, minWordSizeForTypos: { oneTypo: 5, twoTypos: 9 } });
    expect(settings).toMatchObject({ distinctAttribute: null, stopWords: [], synonyms: {} });
    expect(meili.indexes.get('helpdesk')?.settings).toEqual(settings);
  });

  test('when documents are indexed and removed, then they go as documented: a JSON array with primaryKey=id, ids for delete-batch', async () => {
    const index = await connect();
    meili.requests.length = 0;
    const odd = doc({ id: 'SEP 00:1A/Rivoli' });
    const helene = doc();
    await index.upsert([helene, odd]);
    await index.remove([odd.id]);

    expect(meili.requests.map(strip)).toEqual([
      // https://www.meilisearch.com/docs/reference/api/documents#add-or-replace-documents
      { method: 'POST', path: '/indexes/helpdesk/documents?primaryKey=id' },
      taskPoll,
      // https://www.meilisearch.com/docs/reference/api/documents#delete-documents-by-batch: an array of ids
      { method: 'POST', path: '/indexes/helpdesk/documents/delete-batch' },
      taskPoll,
    ]);
    const sent = meili.requests[0]!.body as Array<{ id: string; docId: string }>;
    expect(sent.map((d) => d.docId)).toEqual([helene.id, odd.id]);
    for (const d of sent) expect(d.id).toMatch(DOCUMENT_ID);
    expect(meili.requests[2]!.body).toEqual([meiliId(odd.id)]);
    expect([...meili.indexes.get('helpdesk')!.docs.keys()]).toEqual([helene.id]);
  });

  test('when an agent searches with quotes and backslashes, then one multi-search goes out whose filter keeps every value one value, partner first', async () => {
    const index = await connect();
    meili.requests.length = 0;
    const q = 'o"neil\\x@dupre.example';
    await index.search({ q, partnerId: 'p-north" OR partnerKey != "x', kind: 'user', limit: 5 });

    // https://www.meilisearch.com/docs/reference/api/multi_search: {queries: [{indexUid, q, filter, ...}]}
    expect(meili.requests.map(strip)).toEqual([{ method: 'POST', path: '/multi-search' }]);
    const { queries } = meili.requests[0]!.body as { queries: Array<Record<string, unknown>> };
    expect(queries).toHaveLength(2);
    const partner = scopeKey('p-north" OR partnerKey != "x');
    for (const query of queries) {
      expect(query).toMatchObject({ indexUid: 'helpdesk', sort: ['sortTitle:asc', 'docId:asc'] });
      const tokens = readFilter(query.filter as string);
      expect(tokens.slice(0, 3)).toEqual([{ word: 'partnerKey' }, { word: '=' }, { value: partner }]);
      expect(tokens.slice(3, 7)).toEqual([{ word: 'AND' }, { word: 'kind' }, { word: '=' }, { value: 'user' }]);
      // Every attribute filtered or sorted on was declared so in the settings the adapter applied.
      const settings = meili.indexes.get('helpdesk')!.settings as { filterableAttributes: string[]; sortableAttributes: string[] };
      for (const t of tokens) if ('word' in t && /^[a-z]+[A-Z]?[a-z]*$/.test(t.word) && !['AND', 'IN'].includes(t.word)) {
        expect(settings.filterableAttributes).toContain(t.word);
      }
      for (const s of query.sort as string[]) expect(settings.sortableAttributes).toContain(s.split(':')[0]);
    }
    // The exact query: the identifier keys, each one quoted value with its quote and backslash kept.
    const exact = readFilter(queries[0]!.filter as string);
    expect(exact).toContainEqual({ value: 'email:o"neil\\x@dupre.example' });
    expect(queries[0]).toMatchObject({ q: '', limit: 100 });
    // The text query: folded words only, every word required.
    expect(queries[1]).toMatchObject({ q: 'o neil x dupre example', limit: 5, matchingStrategy: 'all' });
  });

  test('when the index is rebuilt, then a new index is filled, caught up, swapped with rename false and the old one deleted', async () => {
    const index = await connect();
    const old = doc();
    await index.upsert([old]);
    meili.requests.length = 0;
    const fresh = doc();
    const late = doc();
    async function* source() { yield [fresh]; }

    const result = await index.rebuild(source(), { beforeSwap: (next) => next.upsert([late]) });

    const next = (meili.requests[0]!.path.match(/^\/indexes\/(helpdesk_next_[0-9_]+)$/) ?? [])[1]!;
    expect(next).toBeDefined();
    expect(meili.requests.map(strip)).toEqual([
      { method: 'GET', path: `/indexes/${next}` },
      { method: 'POST', path: '/indexes' },
      taskPoll,
      { method: 'PATCH', path: `/indexes/${next}/settings` },
      taskPoll,
      { method: 'POST', path: `/indexes/${next}/documents?primaryKey=id` },
      taskPoll,
      { method: 'POST', path: `/indexes/${next}/documents?primaryKey=id` },
      taskPoll,
      { method: 'POST', path: '/swap-indexes' },
      taskPoll,
      { method: 'DELETE', path: `/indexes/${next}` },
      taskPoll,
      { method: 'GET', path: '/indexes/helpdesk/stats' },
    ]);
    // https://www.meilisearch.com/docs/reference/api/indexes/swap-indexes: an array of pairs; with
    // `rename: true` the first index would be renamed to the second instead of swapped.
    expect(meili.requests[9]!.body).toEqual([{ indexes: ['helpdesk', next], rename: false }]);
    expect(result).toEqual({ count: 2 });
    expect([...meili.indexes.get('helpdesk')!.docs.keys()].sort()).toEqual([fresh.id, late.id].sort());
    expect(meili.indexes.has(next)).toBe(false);
  });

  test('when the old index cannot be deleted after the swap, then the rebuild succeeds with a warning naming it', async () => {
    const index = await connect();
    meili.taskOutcome = (type) => (type === 'indexDeletion'
      ? { status: 'failed', code: 'internal', message: 'disk full' }
      : { status: 'succeeded' });
    const fresh = doc();
    async function* source() { yield [fresh]; }

    const result = await index.rebuild(source());

    expect(result.count).toBe(1);
    expect(result.warnings).toEqual([expect.stringMatching(/deleting index helpdesk_next_\d+_\d+ failed .*disk full.*The rebuilt index is live; delete the old index helpdesk_next_\d+_\d+/)]);
    expect([...meili.indexes.get('helpdesk')!.docs.keys()]).toEqual([fresh.id]);
  });

  test('when a task fails, then the write fails with a 503 naming the task and Meilisearch\'s reason', async () => {
    const index = await connect();
    meili.taskOutcome = () => ({ status: 'failed', code: 'invalid_document_id', message: 'bad id' });
    const err = await index.upsert([doc()]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ status: 503, message: expect.stringMatching(/^Meilisearch: indexing 1 documents failed \(task \d+, invalid_document_id: bad id\)\.$/) });
  });
});

describe('Meilisearch adapter: start-up compatibility', () => {
  let meili: MeiliStandIn;
  beforeEach(async () => { meili = await startMeiliStandIn(); });
  afterEach(async () => { await meili.close(); });

  test.each(['1.35.2', '1.9.0', '0.30.5'])('when the server is version %s, then connect refuses with one line naming the version and the fix, before any setting', async (version) => {
    meili.version = version;
    const err = await MeilisearchSearchIndex.connect({ host: meili.host, apiKey: KEY }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MeilisearchIncompatibleError);
    const message = (err as Error).message;
    expect(message).not.toContain('\n');
    expect(message).toContain(`is version ${version}; this app needs 1.36 or later`);
    expect(message).toMatch(/upgrade it .*or unset MEILI_HOST/);
    expect(meili.requests.some((r) => r.path.includes('/settings') || r.method !== 'GET')).toBe(false);
  });

  test.each(['1.36.0', '1.36.1', '1.41.0', '2.0.0'])('when the server is version %s, then the app connects', async (version) => {
    meili.version = version;
    await expect(MeilisearchSearchIndex.connect({ host: meili.host, apiKey: KEY })).resolves.toBeInstanceOf(MeilisearchSearchIndex);
  });

  test('when the version is not a version number, then the app refuses to start and says what it got', () => {
    expect(versionProblem('prototype-build', 'http://meili:7700')).toMatch(/reports version "prototype-build", which is not a version number/);
    expect(versionProblem('v1.36.0', 'http://meili:7700')).toBeNull();
  });

  test('when the app is given a key that can manage API keys, then it warns once and names the fix; a scoped key gets no warning', async () => {
    meili.masterKey = 'the-master-key-0123456789abcdef';
    const warnings: string[] = [];
    await MeilisearchSearchIndex.connect({ host: meili.host, apiKey: meili.masterKey, onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual([expect.stringMatching(/^MEILI_API_KEY can manage Meilisearch's API keys .*helpdesk meili-key/)]);
    expect(warnings[0]).not.toContain(meili.masterKey);

    warnings.length = 0;
    await MeilisearchSearchIndex.connect({ host: meili.host, apiKey: KEY, onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual([]);
  });
});

describe('Meilisearch adapter behind a proxy that answers for it', () => {
  let meili: MeiliStandIn;
  beforeEach(async () => { meili = await startMeiliStandIn(); });
  afterEach(async () => { await meili.close(); });

  test('when the proxy answers an HTML 502 at start, then connect fails with a 503, not a SyntaxError', async () => {
    meili.intercept = () => PROXY_502;
    const err = await MeilisearchSearchIndex.connect({ host: meili.host, apiKey: KEY }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({
      status: 503, code: 'unavailable',
      message: 'Meilisearch answered with something other than JSON during setting up the index (a proxy in front of it answering for it?).',
    });
  });

  test('when the proxy answers an HTML 502 after start, then search, ping and writes fail with a 503', async () => {
    const index = await MeilisearchSearchIndex.connect({ host: meili.host, apiKey: KEY });
    meili.intercept = () => PROXY_502;
    const attempts = [() => index.search({ q: 'helene', partnerId: 'p-north' }), () => index.ping(), () => index.upsert([doc()]), () => index.count()];
    for (const attempt of attempts) {
      const err = await (attempt() as Promise<unknown>).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect(err).toMatchObject({ status: 503, message: expect.stringContaining('something other than JSON') });
    }
  });

  test('when the proxy answers HTML while a task is polled, then the write fails with a 503 at once', async () => {
    const index = await MeilisearchSearchIndex.connect({ host: meili.host, apiKey: KEY });
    meili.intercept = (r) => (r.path.startsWith('/tasks/') ? PROXY_502 : undefined);
    const started = Date.now();
    await expect(index.upsert([doc()])).rejects.toMatchObject({ status: 503 });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('the app\'s scoped Meilisearch key', () => {
  let meili: MeiliStandIn;
  beforeEach(async () => { meili = await startMeiliStandIn(); });
  afterEach(async () => { await meili.close(); });

  /**
   * The action each route needs (https://www.meilisearch.com/docs/reference/api/keys#actions);
   * GET /health needs none. A route missing here fails the test below: add it with its action.
   */
  function actionOf(r: RecordedRequest): string | null {
    const p = r.path.split('?')[0]!;
    const table: Array<[string, RegExp, string | null]> = [
      ['GET', /^\/health$/, null],
      ['GET', /^\/version$/, 'version'],
      ['GET', /^\/indexes\/[^/]+$/, 'indexes.get'],
      ['POST', /^\/indexes$/, 'indexes.create'],
      ['DELETE', /^\/indexes\/[^/]+$/, 'indexes.delete'],
      ['PATCH', /^\/indexes\/[^/]+\/settings$/, 'settings.update'],
      ['POST', /^\/indexes\/[^/]+\/documents$/, 'documents.add'],
      ['POST', /^\/indexes\/[^/]+\/documents\/delete-batch$/, 'documents.delete'],
      ['GET', /^\/indexes\/[^/]+\/stats$/, 'stats.get'],
      ['POST', /^\/swap-indexes$/, 'indexes.swap'],
      ['GET', /^\/tasks\/\d+$/, 'tasks.get'],
      ['POST', /^\/multi-search$/, 'search'],
    ];
    const row = table.find(([method, re]) => method === r.method && re.test(p));
    if (!row) throw new Error(`no action known for ${r.method} ${r.path}`);
    return row[2];
  }

  test('when the app starts, writes, searches and rebuilds, then every request it sends is one the scoped key allows', async () => {
    const index = await MeilisearchSearchIndex.connect({ host: meili.host, apiKey: KEY });
    const d = doc();
    await index.upsert([d]);
    await index.search({ q: d.title, partnerId: 'p-north' });
    await index.remove([d.id]);
    async function* source() { yield [doc()]; }
    await index.rebuild(source());
    await index.ping();

    const needed = new Set(meili.requests.map(actionOf).filter((a): a is string => a !== null));
    expect([...needed].filter((a) => !(APP_KEY_ACTIONS as readonly string[]).includes(a))).toEqual([]);
    // Every index it touched is one of the key's: the live one and those rebuild() fills beside it.
    const touched = meili.requests.map((r) => /^\/indexes\/([^/?]+)/.exec(r.path)?.[1]).filter((u): u is string => !!u);
    for (const uid of touched) expect(uid === 'helpdesk' || uid.startsWith('helpdesk_')).toBe(true);
  });

  test('when an operator runs helpdesk meili-key, then a key for the app\'s actions on its indexes is created with the master key and printed', async () => {
    meili.masterKey = 'the-master-key-0123456789abcdef';
    let stdout = '';
    let stderr = '';
    const sink = (append: (s: string) => void) => new Writable({ write(c: Buffer, _e, done) { append(c.toString()); done(); } });
    const code = await runCli(['meili-key'], {
      stdout: sink((s) => { stdout += s; }), stderr: sink((s) => { stderr += s; }), stdin: Readable.from([]),
      env: { MEILI_HOST: meili.host, MEILI_MASTER_KEY: meili.masterKey },
    });

    expect(code).toBe(0);
    const created = meili.requests.find((r) => r.method === 'POST' && r.path === '/keys')!;
    expect(created.authorization).toBe(`Bearer ${meili.masterKey}`);
    // https://www.meilisearch.com/docs/reference/api/keys#create-a-key: actions, indexes, expiresAt required
    expect(created.body).toMatchObject({ actions: [...APP_KEY_ACTIONS], indexes: ['helpdesk', 'helpdesk_*'], expiresAt: null });
    expect(stdout).toBe(`${meili.createdKeys[0]!.key as string}\n`);
    expect(stderr).toContain('MEILI_API_KEY');
    expect(stdout + stderr).not.toContain(meili.masterKey);
  });

  test('when MEILI_MASTER_KEY is missing, then helpdesk meili-key says so and creates nothing', async () => {
    let stderr = '';
    const code = await runCli(['meili-key'], {
      stdout: new Writable({ write(_c, _e, done) { done(); } }),
      stderr: new Writable({ write(c: Buffer, _e, done) { stderr += c.toString(); done(); } }),
      stdin: Readable.from([]),
      env: { MEILI_HOST: meili.host },
    });
    expect(code).toBe(2);
    expect(stderr).toMatch(/^error: MEILI_MASTER_KEY: not set/);
    expect(meili.requests).toEqual([]);
  });
});
