// The Meilisearch adapter when no Meilisearch answers: a closed port and a host that accepts the
// connection and never replies, both on loopback. No server stands in for Meilisearch here; these
// are the faults themselves, and the adapter must turn them into the app's 503 without the API key.
import net from 'node:net';
import { AppError } from '../../src/errors';
import { MeilisearchSearchIndex } from '../../src/search-index/meilisearch/meilisearch-search-index';

const API_KEY = 'test-master-key-0123456789abcdef';

async function listen(onConnection: (socket: net.Socket) => void): Promise<net.Server> {
  const server = net.createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

const portOf = (server: net.Server) => (server.address() as net.AddressInfo).port;

describe('MeilisearchSearchIndex when Meilisearch does not answer', () => {
  test('when nothing listens on the host, then connect fails with a 503 naming Meilisearch and not the key', async () => {
    const server = await listen(() => undefined);
    const port = portOf(server);
    await new Promise((resolve) => server.close(resolve));

    const err = await MeilisearchSearchIndex.connect({ host: `http://127.0.0.1:${port}`, apiKey: API_KEY }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'unavailable', status: 503 });
    expect((err as AppError).message).toMatch(/^Meilisearch is unreachable during setting up the index\.$/);
    expect((err as AppError).message).not.toContain(API_KEY);
  });

  test('when the host accepts connections but never replies, then connect gives up after the timeout with a 503', async () => {
    const sockets = new Set<net.Socket>();
    const server = await listen((socket) => { sockets.add(socket); });
    try {
      const started = Date.now();
      const err = await MeilisearchSearchIndex.connect({
        host: `http://127.0.0.1:${portOf(server)}`, apiKey: API_KEY, timeoutMs: 300,
      }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'unavailable', status: 503 });
      expect((err as AppError).message).toMatch(/^Meilisearch did not answer in time/);
      expect((err as AppError).message).not.toContain(API_KEY);
      // Bounded by the client timeout, not by the test's: a down engine must not hold a page.
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
