// Stopping an HTTP server at shutdown without failing a request a client already sent.
//
// Node's server.close() also closes every connection it deems idle at that instant: one kept alive
// between requests, but also one just accepted whose request has not been read yet. Destroying a
// socket with unread bytes makes the kernel answer with a reset, so that client's request fails
// (ECONNRESET) although it reached the server in time; and a kept-alive connection closed just as
// its client sends on it fails the same way. Here instead: once draining, every answer says
// `Connection: close` (the client opens a new connection for its next request, and the server
// closes this one after answering); closing stops accepting but leaves open connections alone,
// and one with no request in progress is closed only after it has stayed quiet for QUIET_MS.
import net, { type Socket } from 'node:net';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** A connection that carries no request and receives nothing for this long is closed once the listener is. */
const QUIET_MS = 1_000;
const SWEEP_EVERY_MS = 100;

interface ConnectionState {
  /** Requests received on it and not answered yet. */
  busy: number;
  /** Bytes read so far: bytes arriving mean a request is on its way, even before it is parsed. */
  bytesRead: number;
  quietSince: number;
}

export interface GracefulServer {
  /** From now on every answer, and every answer still being written, carries `Connection: close`. */
  beginDrain(): void;
  /** Requests received and not answered yet. */
  inFlight(): number;
  /**
   * Stops accepting connections and resolves once every open one has closed: each finishes the
   * requests it carries, or was quiet for QUIET_MS. After timeoutMs the rest are closed as they are
   * (resolves with how many).
   */
  close(timeoutMs: number): Promise<{ cutOff: number }>;
}

export function gracefulServer(server: Server): GracefulServer {
  const connections = new Map<Socket, ConnectionState>();
  const answering = new Set<ServerResponse>();
  let draining = false;

  server.on('connection', (socket: Socket) => {
    connections.set(socket, { busy: 0, bytesRead: 0, quietSince: Date.now() });
    socket.once('close', () => connections.delete(socket));
  });
  // First of the 'request' listeners, so the header is set before the app answers.
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    if (draining) res.setHeader('Connection', 'close');
    const state = connections.get(req.socket);
    if (state) state.busy += 1;
    answering.add(res);
    res.once('close', () => {
      answering.delete(res);
      if (state) {
        state.busy -= 1;
        state.quietSince = Date.now();
      }
    });
  });

  return {
    beginDrain() {
      draining = true;
      for (const res of answering) if (!res.headersSent) res.setHeader('Connection', 'close');
    },
    inFlight: () => answering.size,
    async close(timeoutMs) {
      draining = true;
      // Close right after the event loop's poll phase, which accepts every connection already
      // waiting: one left in the kernel's queue when the listener closes would be reset.
      await new Promise((resolve) => setImmediate(resolve));
      // net.Server's close, not http.Server's: that one also destroys connections whose request has
      // not been read yet, the resets described at the top of this file.
      const closed = new Promise<void>((resolve) => net.Server.prototype.close.call(server, () => resolve()));
      const sweep = setInterval(() => {
        const now = Date.now();
        for (const [socket, state] of connections) {
          if (state.busy > 0) continue;
          if (socket.bytesRead !== state.bytesRead) {
            state.bytesRead = socket.bytesRead;
            state.quietSince = now;
          } else if (now - state.quietSince >= QUIET_MS) {
            socket.destroy();
          }
        }
      }, SWEEP_EVERY_MS);
      let cutOff = 0;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        closed,
        new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            cutOff = connections.size;
            for (const socket of connections.keys()) socket.destroy();
            resolve();
          }, timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      clearInterval(sweep);
      return { cutOff };
    },
  };
}
