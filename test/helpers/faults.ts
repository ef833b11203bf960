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
 * Every org, user and device of the store is in the index as the store has it now (looked up by its
 * id through the port, title and subtitle compared), and the index holds nothing else (same count).
 * Returns what differs; empty when the index matches the store.
 */
export async function indexMismatches(store: Store, index: SearchIndex): Promise<string[]> {
  const expected: SearchDoc[] = [];
  const orgNames = new Map<string, string>();
  for await (const orgs of store.orgs.scan(500)) for (const o of orgs) { orgNames.set(o.id, o.name); expected.push(orgToDoc(o)); }
  for await (const users of store.users.scan(500)) for (const u of users) expected.push(userToDoc(u, orgNames.get(u.orgId) ?? ''));
  for await (const devices of store.devices.scan(500)) for (const d of devices) expected.push(deviceToDoc(d, orgNames.get(d.orgId) ?? ''));

  const problems: string[] = [];
  for (const doc of expected) {
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
