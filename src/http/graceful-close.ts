// Stopping an HTTP server at shutdown without failing a request a client already sent.
//
// Two things reset requests when a server simply calls close() while clients still send:
// - Connections the kernel has completed but the app has not accepted yet (they queue while the
//   event loop is busy: a dozen under load) are reset when the listening socket closes, and their
//   clients' requests fail with ECONNRESET although they were sent in time. So the listener stays
//   open, answering, until no connection has arrived for QUIET_LISTENER_MS (clients, or the load
//   balancer in front, have stopped sending), or until the drain's bound.
// - http.Server's close() also destroys every kept-alive connection idle at that instant, which
//   fails a request its client is sending at the same moment. Here a connection with no request in
//   progress is closed only once it has stayed quiet (nothing received) for QUIET_MS.
// Meanwhile every answer says `Connection: close`: a client opens a new connection for its next
// request, and the server closes this one after answering.
import net, { type Socket } from 'node:net';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** A connection that carries no request and receives nothing for this long is closed once the listener is. */
const QUIET_MS = 1_000;
/** The listener closes once no connection has arrived for this long. */
const QUIET_LISTENER_MS = 250;
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
   * Closes the listener once no connection has arrived for QUIET_LISTENER_MS, or after maxWaitMs
   * (resolves with how many connections had arrived in the last QUIET_LISTENER_MS then).
   */
  stopAccepting(maxWaitMs: number): Promise<{ arriving: number }>;
  /**
   * Resolves once every open connection has closed: each finishes the requests it carries, or was
   * quiet for QUIET_MS. After timeoutMs the rest are closed as they are (resolves with how many).
   */
  finish(timeoutMs: number): Promise<{ cutOff: number }>;
}

export function gracefulServer(server: Server): GracefulServer {
  const connections = new Map<Socket, ConnectionState>();
  const answering = new Set<ServerResponse>();
  let draining = false;
  /** When the last few connections arrived, newest last. */
  const arrivals: number[] = [];
  let closed: Promise<void> | null = null;

  server.on('connection', (socket: Socket) => {
    const now = Date.now();
    arrivals.push(now);
    if (arrivals.length > 64) arrivals.shift();
    connections.set(socket, { busy: 0, bytesRead: 0, quietSince: now });
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

  const stopAccepting = async (maxWaitMs: number) => {
    draining = true;
    const until = Date.now() + maxWaitMs;
    const recent = () => arrivals.filter((t) => Date.now() - t < QUIET_LISTENER_MS).length;
    while (recent() > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
    const arriving = recent();
    // Close right after the event loop's poll phase, which accepts every connection already waiting.
    await new Promise((resolve) => setImmediate(resolve));
    // net.Server's close, not http.Server's: that one also destroys the connections idle right now.
    closed = new Promise<void>((resolve) => net.Server.prototype.close.call(server, () => resolve()));
    return { arriving };
  };

  return {
    beginDrain() {
      draining = true;
      for (const res of answering) if (!res.headersSent) res.setHeader('Connection', 'close');
    },
    inFlight: () => answering.size,
    stopAccepting,
    async finish(timeoutMs) {
      if (!closed) await stopAccepting(0);
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
