// Structured JSON logs (pino). Anything that could carry a secret is redacted by path, and codes,
// tokens and passwords are never passed to the logger in the first place.
import pino, { type Logger } from 'pino';

export const REDACT_PATHS = [
  'req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]',
  '*.password', '*.token', '*.code', '*.secret', '*.sessionSecret', '*.codeSecret', '*.passwordHash', '*.tokenHash',
];

export function createLogger(level: string, destination: pino.DestinationStream = standardOutput()): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, destination);
}

/**
 * JSON lines are for programs (a log collector, `jq`); a person at a terminal reads them better as
 * pino-pretty prints them. Pretty only when standard output is a terminal, outside production, and
 * when pino-pretty is installed (a development dependency): otherwise, and always in production,
 * JSON. Redaction happens before, in pino, so pretty lines hide the same secrets.
 */
export function prettyWhenInteractive(options: { production: boolean; isTTY: boolean | undefined }): ((line: string) => string) | null {
  if (options.production || !options.isTTY) return null;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { prettyFactory } = require('pino-pretty') as typeof import('pino-pretty');
    return prettyFactory({ colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' });
  } catch {
    return null;
  }
}

/** The app's logger: JSON, or pretty at a developer's terminal (prettyWhenInteractive). */
export function createAppLogger(level: string, production: boolean): Logger {
  const pretty = prettyWhenInteractive({ production, isTTY: process.stdout.isTTY });
  return createLogger(level, pretty ? standardOutput(pretty) : standardOutput());
}

/** Past this much log waiting for a reader that does not read, lines are dropped (and counted). */
const MAX_UNWRITTEN_BYTES = 8 * 1024 * 1024;

/**
 * The log's way out: Node's own stdout stream, which never blocks the process. pino's default
 * destination writes from a thread and, at exit, flushes synchronously, retrying for ever: with a
 * full pipe (nobody reads) or a closed one (the reader exited) the process could never exit. Here
 * a full pipe queues (up to MAX_UNWRITTEN_BYTES, then lines are dropped), a closed one (EPIPE)
 * ends logging, and flushLogs() waits a bounded time: the last lines are best effort.
 */
/** Shared by every StandardOutput on one stream: whether its reader has gone (EPIPE). */
const PIPE_STATE = Symbol.for('partner-helpdesk.stdout-pipe-state');

class StandardOutput implements pino.DestinationStream {
  private dropped = 0;

  constructor(private readonly out: NodeJS.WriteStream, private readonly format: ((line: string) => string) | null = null) {
    // Without a listener an EPIPE would be thrown as an uncaught error and end the process mid-drain.
    // One listener per stream, however many times this module is loaded (a test runner reloads it
    // per test file on the same process.stdout).
    const stream = out as NodeJS.WriteStream & { [PIPE_STATE]?: { broken: boolean } };
    if (!stream[PIPE_STATE]) {
      const state = { broken: false };
      stream[PIPE_STATE] = state;
      out.on('error', () => { state.broken = true; });
    }
    this.pipe = stream[PIPE_STATE]!;
  }

  private readonly pipe: { broken: boolean };
  private get broken(): boolean {
    return this.pipe.broken;
  }

  write(line: string): void {
    if (this.broken) return;
    if (this.out.writableLength > MAX_UNWRITTEN_BYTES) {
      this.dropped += 1;
      return;
    }
    if (this.dropped) {
      this.out.write(`${JSON.stringify({ level: 40, time: Date.now(), pid: process.pid, msg: `log lines dropped: standard output was not read (${this.dropped} lines)` })}\n`);
      this.dropped = 0;
    }
    this.out.write(this.format ? this.format(line) : line);
  }

  /** Resolves once what was logged has left the process, or after timeoutMs (a reader that does not read). */
  flush(timeoutMs: number): Promise<void> {
    if (this.broken || this.out.writableLength === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.out.off('drain', done);
        this.out.off('error', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.out.once('drain', done);
      this.out.once('error', done);
    });
  }
}

let stdout: StandardOutput | undefined;
/** One per process, made on first use: importing this module touches no stream. */
const standardOutput = (format?: (line: string) => string) => (stdout ??= new StandardOutput(process.stdout, format ?? null));

/** Waits (at most timeoutMs) for the log written so far to reach standard output: call before process.exit(). */
export function flushLogs(timeoutMs: number): Promise<void> {
  return stdout ? stdout.flush(timeoutMs) : Promise.resolve();
}

/**
 * Paths that carry a secret in the address itself (a single-use link); the log keeps only their
 * shape. Case-insensitive because Express routes case-insensitively: `/Customer/Login/<token>`
 * signs in too. Routing stays case-insensitive: a link retyped or rewritten in another case by a
 * mail client keeps working.
 */
const SECRET_PATHS: RegExp[] = [/^(\/set-password\/)[^/]+/i, /^(\/customer\/login\/)[^/]+/i];

export function redactPath(path: string): string {
  return SECRET_PATHS.reduce((p, re) => p.replace(re, '$1[redacted]'), path);
}
