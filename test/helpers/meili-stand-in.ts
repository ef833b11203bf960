// A loopback HTTP server that answers the requests MeilisearchSearchIndex sends the way
// Meilisearch 1.36's API reference says the server answers them, and records every request
// (method, path, JSON body, Authorization header) for tests to compare with that reference:
//   https://www.meilisearch.com/docs/reference/api/indexes (index object, 404 index_not_found)
//   https://www.meilisearch.com/docs/reference/api/tasks (summarized task on 202, task object)
//   https://www.meilisearch.com/docs/reference/api/indexes/swap-indexes
//   https://www.meilisearch.com/docs/reference/api/version
// It keeps documents per index and swaps them, but it does not search: what a query finds and how
// it ranks is Meilisearch's own, proven only by the contract suite against a real server
// (test/contract/meilisearch-search-index.test.ts with MEILI_HOST).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query string, e.g. '/indexes/helpdesk/documents?primaryKey=id'. */
  path: string;
  body: unknown;
  authorization: string | undefined;
}

export interface Reply {
  status: number;
  body: string;
  contentType?: string;
}

interface StoredIndex {
  uid: string;
  primaryKey: string | null;
  createdAt: string;
  docs: Map<string, Record<string, unknown>>;
  settings: Record<string, unknown>;
}

export interface MeiliStandIn {
  host: string;
  requests: RecordedRequest[];
  indexes: Map<string, StoredIndex>;
  /** Answer before the stand-in does (a fault, a proxy page); undefined lets it answer. */
  intercept: (req: RecordedRequest) => Reply | undefined;
  /** What GET /version reports. */
  version: string;
  /** The key that may manage API keys (GET/POST /keys); any other gets 403 there. */
  masterKey: string | undefined;
  /** Keys created through POST /keys, as the server stored them. */
  createdKeys: Array<Record<string, unknown>>;
  /** Tasks are done at once unless this says otherwise (e.g. to fail one). */
  taskOutcome: (type: string, indexUid: string | null) => { status: 'succeeded' } | { status: 'failed'; code: string; message: string };
  close(): Promise<void>;
}

const json = (status: number, body: unknown): Reply => ({ status, body: JSON.stringify(body), contentType: 'application/json' });

const apiError = (status: number, code: string, message: string, type = 'invalid_request'): Reply =>
  json(status, { message, code, type, link: `https://docs.meilisearch.com/errors#${code}` });

export async function startMeiliStandIn(): Promise<MeiliStandIn> {
  const requests: RecordedRequest[] = [];
  const indexes = new Map<string, StoredIndex>();
  const tasks = new Map<number, Record<string, unknown>>();
  let nextTask = 0;

  const standIn: MeiliStandIn = {
    host: '',
    requests,
    indexes,
    intercept: () => undefined,
    version: '1.36.0',
    masterKey: undefined,
    createdKeys: [],
    taskOutcome: () => ({ status: 'succeeded' }),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };

  /** Runs the change, records its task as done (or failed), answers 202 with the summarized task. */
  function enqueue(type: string, indexUid: string | null, apply: () => { code: string; message: string } | void): Reply {
    const uid = nextTask++;
    const now = new Date().toISOString();
    let outcome = standIn.taskOutcome(type, indexUid);
    if (outcome.status === 'succeeded') {
      const failed = apply();
      if (failed) outcome = { status: 'failed', ...failed };
    }
    tasks.set(uid, {
      uid, batchUid: uid, indexUid, status: outcome.status, type, canceledBy: null, details: {},
      error: outcome.status === 'failed' ? { message: outcome.message, code: outcome.code, type: 'invalid_request', link: '' } : null,
      duration: 'PT0.001S', enqueuedAt: now, startedAt: now, finishedAt: now,
    });
    return json(202, { taskUid: uid, indexUid, status: 'enqueued', type, enqueuedAt: now });
  }

  function answer(req: RecordedRequest): Reply {
    const url = new URL(req.path, 'http://stand-in');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const m = req.method;
    const index = parts[0] === 'indexes' && parts[1] ? indexes.get(parts[1]) : undefined;
    const noIndex = () => apiError(404, 'index_not_found', `Index \`${parts[1]}\` not found.`);

    if (m === 'GET' && url.pathname === '/health') return json(200, { status: 'available' });
    if (m === 'GET' && url.pathname === '/version') {
      return json(200, { commitSha: '0000000', commitDate: '2026-01-01T00:00:00Z', pkgVersion: standIn.version });
    }
    if (url.pathname === '/keys') {
      if (!standIn.masterKey || req.authorization !== `Bearer ${standIn.masterKey}`) {
        return apiError(403, 'invalid_api_key', 'The provided API key is invalid.', 'auth');
      }
      if (m === 'GET') return json(200, { results: standIn.createdKeys, offset: 0, limit: 20, total: standIn.createdKeys.length });
      if (m === 'POST') {
        const now = new Date().toISOString();
        const key = { uid: `0000000${standIn.createdKeys.length}-0000-4000-8000-000000000000`, key: `scoped-${standIn.createdKeys.length}-0123456789abcdef`, name: null, description: null, ...(req.body as object), createdAt: now, updatedAt: now };
        standIn.createdKeys.push(key);
        return json(201, key);
      }
    }
    if (m === 'GET' && parts[0] === 'tasks' && parts.length === 2) {
      const task = tasks.get(Number(parts[1]));
      return task ? json(200, task) : apiError(404, 'task_not_found', `Task \`${parts[1]}\` not found.`);
    }
    if (m === 'POST' && url.pathname === '/indexes') {
      const { uid, primaryKey } = req.body as { uid: string; primaryKey?: string };
      return enqueue('indexCreation', uid, () => {
        if (indexes.has(uid)) return { code: 'index_already_exists', message: `Index \`${uid}\` already exists.` };
        indexes.set(uid, { uid, primaryKey: primaryKey ?? null, createdAt: new Date().toISOString(), docs: new Map(), settings: {} });
      });
    }
    if (parts[0] === 'indexes' && parts.length === 2) {
      if (m === 'GET') {
        if (!index) return noIndex();
        return json(200, { uid: index.uid, primaryKey: index.primaryKey, createdAt: index.createdAt, updatedAt: index.createdAt });
      }
      if (m === 'DELETE') {
        return enqueue('indexDeletion', parts[1]!, () => {
          if (!indexes.delete(parts[1]!)) return { code: 'index_not_found', message: `Index \`${parts[1]}\` not found.` };
        });
      }
    }
    if (parts[0] === 'indexes' && parts[2] === 'settings' && m === 'PATCH') {
      return enqueue('settingsUpdate', parts[1]!, () => {
        const target = indexes.get(parts[1]!);
        if (!target) return { code: 'index_not_found', message: `Index \`${parts[1]}\` not found.` };
        Object.assign(target.settings, req.body);
      });
    }
    if (parts[0] === 'indexes' && parts[2] === 'documents' && m === 'POST' && parts.length === 3) {
      return enqueue('documentAdditionOrUpdate', parts[1]!, () => {
        const target = indexes.get(parts[1]!);
        if (!target) return { code: 'index_not_found', message: `Index \`${parts[1]}\` not found.` };
        const key = url.searchParams.get('primaryKey') ?? target.primaryKey ?? 'id';
        for (const doc of req.body as Array<Record<string, unknown>>) target.docs.set(String(doc[key]), doc);
      });
    }
    if (parts[0] === 'indexes' && parts[2] === 'documents' && parts[3] === 'delete-batch' && m === 'POST') {
      return enqueue('documentDeletion', parts[1]!, () => {
        const target = indexes.get(parts[1]!);
        if (!target) return { code: 'index_not_found', message: `Index \`${parts[1]}\` not found.` };
        for (const id of req.body as string[]) target.docs.delete(String(id));
      });
    }
    if (parts[0] === 'indexes' && parts[2] === 'stats' && m === 'GET') {
      if (!index) return noIndex();
      return json(200, { numberOfDocuments: index.docs.size, isIndexing: false, fieldDistribution: {} });
    }
    if (m === 'POST' && url.pathname === '/swap-indexes') {
      const pairs = req.body as Array<{ indexes: [string, string]; rename?: boolean }>;
      return enqueue('indexSwap', null, () => {
        for (const { indexes: [a, b], rename } of pairs) {
          const ia = indexes.get(a);
          const ib = indexes.get(b);
          if (rename) return { code: 'invalid_swap_indexes', message: 'rename is not what this stand-in was built for' };
          if (!ia || !ib) return { code: 'index_not_found', message: `Index \`${ia ? b : a}\` not found.` };
          indexes.set(a, { ...ib, uid: a });
          indexes.set(b, { ...ia, uid: b });
        }
      });
    }
    if (m === 'POST' && url.pathname === '/multi-search') {
      const { queries } = req.body as { queries: Array<{ indexUid: string; q?: string; limit?: number }> };
      return json(200, {
        results: queries.map((q) => ({ indexUid: q.indexUid, hits: [], query: q.q ?? '', processingTimeMs: 0, limit: q.limit ?? 20, offset: 0, estimatedTotalHits: 0 })),
      });
    }
    return apiError(404, 'not_found', `not in this stand-in: ${m} ${req.path}`);
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        body: text === '' ? undefined : JSON.parse(text),
        authorization: req.headers.authorization,
      };
      requests.push(recorded);
      const reply = standIn.intercept(recorded) ?? answer(recorded);
      res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'text/html' }).end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  standIn.host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return standIn;
}

/** An nginx-style 502 page, as a proxy answers while Meilisearch behind it restarts. */
export const PROXY_502: Reply = {
  status: 502,
  contentType: 'text/html',
  body: '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n',
};
