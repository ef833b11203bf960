// Faults injected through the ports: a search index and a store that stop answering on demand and
// come back, so a test can cause an outage in the middle of real traffic and end it.
import { STORE_RETRY_AFTER_S, unavailable } from '../../src/errors';
import { deviceToDoc, orgToDoc, userToDoc } from '../../src/search-index/documents';
import type { SearchDoc, SearchIndex } from '../../src/search-index/search-index';
import type { Store } from '../../src/store/store';

export interface Switch {
  down: boolean;
}

/**
 * Every call fails while `sw.down`, the way MeilisearchSearchIndex fails when its host stops
 * answering (AppError 'unavailable'); otherwise it goes to the real index.
 */
export function failingSearchIndex(inner: SearchIndex, sw: Switch): SearchIndex {
  const fail = <T>(what: string, call: () => Promise<T>): Promise<T> =>
    (sw.down ? Promise.reject(unavailable(`Search engine is unreachable during ${what}.`)) : call());
  return {
    name: inner.name,
    durable: inner.durable,
    upsert: (docs) => fail('indexing documents', () => inner.upsert(docs)),
    remove: (ids) => fail('removing documents', () => inner.remove(ids)),
    search: (query) => fail('search', () => inner.search(query)),
    rebuild: (docs) => fail('rebuilding the index', () => inner.rebuild(docs)),
    count: () => fail('reading the index size', () => inner.count()),
    ping: () => fail('health check', () => inner.ping()),
    close: () => inner.close(),
  };
}

/**
 * While `sw.down`, every repo method and ping rejects with what MongooseStore answers once its
 * connection is lost (a 503 with Retry-After, after server selection gives up); the store itself
 * is untouched, so when the switch flips back the next call succeeds, as after a reconnect.
 */
export function failingStore(inner: Store, sw: Switch): Store {
  const lost = () => unavailable('The database is not answering. Try again in a moment.', STORE_RETRY_AFTER_S);
  const repo = (target: object) => new Proxy(target, {
    get(obj, key, receiver) {
      const value = Reflect.get(obj, key, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (!sw.down) return (value as (...a: unknown[]) => unknown).apply(obj, args);
        if (key === 'scan') return (async function* failed() { throw lost(); })();
        return Promise.reject(lost());
      };
    },
  });
  return new Proxy(inner, {
    get(obj, key, receiver) {
      const value = Reflect.get(obj, key, receiver) as unknown;
      if (key === 'ping' || key === 'batch') {
        return (...args: unknown[]) => (sw.down ? Promise.reject(lost())
          : (value as (...a: unknown[]) => unknown).apply(obj, args));
      }
      if (typeof value === 'function') return (value as (...a: unknown[]) => unknown).bind(obj);
      return value !== null && typeof value === 'object' ? repo(value) : value;
    },
  });
}

/**
 * Passes every call to `inner` and keeps what it was successfully told to hold, by id: lets a test
 * compare everything the indexer wrote with the store without a search per record.
 */
export function recordingSearchIndex(inner: SearchIndex): { index: SearchIndex; told: Map<string, SearchDoc> } {
  let told = new Map<string, SearchDoc>();
  const index: SearchIndex = {
    name: inner.name,
    durable: inner.durable,
    async upsert(docs) { await inner.upsert(docs); for (const d of docs) told.set(d.id, d); },
    async remove(ids) { await inner.remove(ids); for (const id of ids) told.delete(id); },
    search: (query) => inner.search(query),
    async rebuild(batches) {
      const next = new Map<string, SearchDoc>();
      const result = await inner.rebuild((async function* tee() {
        for await (const docs of batches) { for (const d of docs) next.set(d.id, d); yield docs; }
      })());
      told = next;
      return result;
    },
    count: () => inner.count(),
    ping: () => inner.ping(),
    close: () => inner.close(),
  };
  return { index, get told() { return told; } };
}

/**
 * Every org, user and device of the store is in the index as the store has it now, and the index
 * holds nothing else. With `told` (see recordingSearchIndex), every document written is compared
 * with the store and `sample` records, spread over the store, are looked up in the engine; without
 * it every record is looked up by its id through the port (title and subtitle compared).
 * Returns what differs; empty when the index matches the store.
 */
export async function indexMismatches(
  store: Store, index: SearchIndex, options: { told?: Map<string, SearchDoc>; sample?: number } = {},
): Promise<string[]> {
  const expected: SearchDoc[] = [];
  const orgNames = new Map<string, string>();
  for await (const orgs of store.orgs.scan(500)) for (const o of orgs) { orgNames.set(o.id, o.name); expected.push(orgToDoc(o)); }
  for await (const users of store.users.scan(500)) for (const u of users) expected.push(userToDoc(u, orgNames.get(u.orgId) ?? ''));
  for await (const devices of store.devices.scan(500)) for (const d of devices) expected.push(deviceToDoc(d, orgNames.get(d.orgId) ?? ''));

  const problems: string[] = [];
  if (options.told) {
    for (const doc of expected) {
      const written = options.told.get(doc.id);
      if (!written) problems.push(`${doc.kind} ${doc.id} never written to the index`);
      else if (JSON.stringify(written) !== JSON.stringify(doc)) problems.push(`${doc.kind} ${doc.id} written as it no longer is in the store`);
    }
    if (options.told.size !== expected.length) problems.push(`${options.told.size} documents written, store has ${expected.length} records`);
  }
  const step = options.told && options.sample ? Math.max(1, Math.floor(expected.length / options.sample)) : 1;
  for (let i = 0; i < expected.length; i += step) {
    const doc = expected[i]!;
    const { hits } = await index.search({ q: doc.id, partnerId: doc.partnerId, limit: 5 });
    const hit = hits.find((h) => h.id === doc.id);
    if (!hit) problems.push(`${doc.kind} ${doc.id} missing from the index`);
    else if (hit.title !== doc.title || hit.subtitle !== doc.subtitle) {
      problems.push(`${doc.kind} ${doc.id} indexed as "${hit.title} / ${hit.subtitle}", store has "${doc.title} / ${doc.subtitle}"`);
    }
  }
  const count = await index.count();
  if (count !== expected.length) problems.push(`index holds ${count} documents, store ${expected.length} records`);
  return problems;
}
