// A real SMTP server inside the test process (the `smtp-server` package on a loopback port): mail
// goes through nodemailer and the network exactly as in production, and tests read what arrived.
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';

export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
  raw: string;
}

export interface SmtpServerOptions {
  /** Reuse a port, e.g. to bring a stopped server back where the app's mailer points. */
  port?: number;
  /** Credentials the server accepts; without them authentication is optional and anything goes. */
  auth?: { user: string; pass: string };
  /** Recipients refused with 550, as a server does for an unknown mailbox. */
  rejectRecipients?: string[];
}

export class TestSmtpServer {
  readonly messages: ReceivedMail[] = [];
  private readonly claimed = new Set<ReceivedMail>();
  private readonly waiters = new Set<() => void>();

  private constructor(private readonly server: SMTPServer, readonly port: number) {}

  static async start(options: SmtpServerOptions = {}): Promise<TestSmtpServer> {
    let self: TestSmtpServer | undefined;
    const server = new SMTPServer({
      authOptional: !options.auth,
      disabledCommands: ['STARTTLS'],
      // Stopping must not wait for pooled client connections to time out.
      closeTimeout: 200,
      logger: false,
      onAuth(auth, _session, cb) {
        const ok = !options.auth || (auth.username === options.auth.user && auth.password === options.auth.pass);
        cb(ok ? null : new Error('Invalid username or password'), ok ? { user: auth.username } : undefined);
      },
      onRcptTo(address, _session, cb) {
        if (!options.rejectRecipients?.includes(address.address.toLowerCase())) return cb();
        cb(Object.assign(new Error('5.1.1 Mailbox unavailable'), { responseCode: 550 }));
      },
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          self!.receive({
            ...parseMessage(raw),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
          });
          cb();
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    self = new TestSmtpServer(server, (server.server.address() as AddressInfo).port);
    return self;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** The oldest message to `to` no earlier call returned, waiting for it up to `timeoutMs`. */
  async waitForMessage(to: string, timeoutMs = 5000): Promise<ReceivedMail> {
    const address = to.toLowerCase();
    const take = () => {
      const found = this.messages.find((m) => !this.claimed.has(m) && m.to.includes(address));
      if (found) this.claimed.add(found);
      return found;
    };
    const now = take();
    if (now) return now;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no mail to ${to} within ${timeoutMs} ms`));
      }, timeoutMs);
      const check = () => {
        const found = take();
        if (!found) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(found);
      };
      this.waiters.add(check);
    });
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private receive(mail: ReceivedMail): void {
    this.messages.push(mail);
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** Enough MIME for what nodemailer sends: headers, multipart/alternative, quoted-printable and base64. */
function parseMessage(raw: string): Omit<ReceivedMail, 'from' | 'to'> {
  const root = parsePart(raw);
  const parts = flatten(root);
  const body = (type: string) => {
    const part = parts.find((p) => (p.headers['content-type'] ?? 'text/plain').startsWith(type));
    return part ? decodeBody(part) : '';
  };
  return { subject: decodeWords(root.headers.subject ?? ''), text: body('text/plain'), html: body('text/html'), headers: root.headers, raw };
}

interface Part { headers: Record<string, string>; body: string; children: Part[] }

function parsePart(raw: string): Part {
  const split = raw.search(/\r?\n\r?\n/);
  const head = split < 0 ? raw : raw.slice(0, split);
  const body = split < 0 ? '' : raw.slice(split).replace(/^\r?\n\r?\n/, '');
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const boundary = /boundary="?([^";]+)"?/i.exec(headers['content-type'] ?? '')?.[1];
  const children = boundary && /^multipart\//i.test(headers['content-type'] ?? '')
    ? body.split(`--${boundary}`).slice(1).filter((p) => !p.startsWith('--')).map((p) => parsePart(p.replace(/^\r?\n/, '')))
    : [];
  return { headers, body, children };
}

const flatten = (p: Part): Part[] => (p.children.length ? p.children.flatMap(flatten) : [p]);

function decodeBody(part: Part): string {
  const encoding = (part.headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  if (encoding === 'base64') return Buffer.from(part.body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(part.body);
  return part.body;
}

function decodeQuotedPrintable(s: string): string {
  const bytes: number[] = [];
  const text = s.replace(/=\r?\n/g, '');
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '=' && /^[0-9A-F]{2}$/i.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(text[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** RFC 2047 encoded words in headers (a French subject arrives as =?UTF-8?Q?...?=). */
function decodeWords(s: string): string {
  return s
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([BQ])\?([^?]*)\?=/gi, (_m, _charset: string, enc: string, data: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : decodeQuotedPrintable(data.replace(/_/g, ' ')));
}
