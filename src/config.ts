// The app's configuration (README, Configuration): the only reader of process.env. Every problem is listed at
// once, each naming its variable, and start-up stops on any of them.
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { ensurePrivateDir, PRIVATE_FILE_MODE, restrictFiles } from './data-dir';

const url = (protocols: string[]) => z.string().trim().refine((v) => {
  try {
    return protocols.includes(new URL(v).protocol);
  } catch {
    return false;
  }
}, { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` });

const secret = z.string().min(32, { message: 'must be at least 32 characters' });

const schema = z.object({
  /** HTTP port. */
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /**
   * App processes sharing the port (node:cluster); 1 runs the app in this process. One process
   * uses one core: set it to the machine's cores when the app has the machine to itself.
   */
  WEB_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
  /** Folder of the embedded store, generated secrets and the outbox. */
  DATA_DIR: z.string().trim().min(1).default('./data'),
  /** Selects MongoDB (mongoose) as the store. */
  MONGODB_URI: url(['mongodb:', 'mongodb+srv:']).optional(),
  /** Selects Meilisearch as the search engine. */
  MEILI_HOST: url(['http:', 'https:']).optional(),
  MEILI_API_KEY: z.string().optional(),
  /** Selects SMTP delivery; without it mail goes to the local outbox. */
  SMTP_URL: url(['smtp:', 'smtps:']).optional(),
  MAIL_FROM: z.string().trim().min(3).default('Partner Help Desk <helpdesk@localhost>'),
  SESSION_SECRET: secret.optional(),
  /** Key of the HMAC that verification codes are stored under. */
  CODE_SECRET: secret.optional(),
  /**
   * Shared with the mail provider: its event webhook (POST /webhooks/mail-events) is signed with it.
   * Without it the webhook is off and answers 503; bounces then arrive only through the import.
   */
  MAIL_WEBHOOK_SECRET: secret.optional(),
  /**
   * In production, GET /metrics answers only with `Authorization: Bearer <METRICS_TOKEN>` (the
   * Prometheus scrape job's credentials); without it /metrics answers 404. Outside production it is open.
   */
  METRICS_TOKEN: secret.optional(),
  /** Address people reach the app at (links in emails, cookie prefix over HTTPS). */
  PUBLIC_URL: url(['http:', 'https:']).optional(),
  /**
   * The reverse proxies whose X-Forwarded-For and X-Forwarded-Proto headers are believed: the
   * client address in the audit log and the per-address rate limits come from them. A comma list
   * of IP addresses, CIDR ranges (10.0.0.0/8, fd00::/8) and Express's names `loopback`
   * (127.0.0.1/8, ::1/128), `linklocal` (169.254.0.0/16, fe80::/10) and `uniquelocal` (10.0.0.0/8,
   * 172.16.0.0/12, 192.168.0.0/16, fc00::/7); `none` believes no one. Default with an https
   * PUBLIC_URL (a TLS proxy in front): `loopback,linklocal,uniquelocal`; with http: none. A client
   * that reaches the app port from any other address cannot choose its own address.
   */
  TRUST_PROXY: z.string().trim().optional(),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * Days the audit log keeps an event; the app deletes older ones itself, every hour (in whole
   * days, 30 to 3650: an audit trail shorter than a month would not answer a customer's question).
   */
  AUDIT_RETENTION_DAYS: z.coerce.number().int().min(30).max(3650).default(400),
});

export interface Config {
  port: number;
  /** App processes sharing the port (WEB_CONCURRENCY). */
  processes: number;
  dataDir: string;
  mongodbUri?: string;
  meili?: { host: string; apiKey?: string };
  smtpUrl?: string;
  mailFrom: string;
  sessionSecret: string;
  codeSecret: string;
  /** Absent: the mail provider's webhook is off. */
  mailWebhookSecret?: string;
  /** Absent: /metrics is off in production (open outside it). */
  metricsToken?: string;
  publicUrl: string;
  production: boolean;
  /** Cookies get Secure and the __Host- prefix when people reach the app over HTTPS. */
  https: boolean;
  /** Express `trust proxy`: the proxies' addresses, ranges and preset names (TRUST_PROXY), or none. */
  trustProxy: string[] | false;
  logLevel: string;
  /** AUDIT_RETENTION_DAYS. */
  auditRetentionDays: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): Config {
  // An empty variable counts as unset, as in most deployment tools.
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(given);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const problems: string[] = [];
  if (production) {
    if (!e.SESSION_SECRET) problems.push('SESSION_SECRET: required when NODE_ENV=production (32 characters or more)');
    if (!e.CODE_SECRET) problems.push('CODE_SECRET: required when NODE_ENV=production (32 characters or more)');
    // Links in emails point at PUBLIC_URL, and production cookies are Secure with the __Host- prefix.
    if (!e.PUBLIC_URL) problems.push('PUBLIC_URL: required when NODE_ENV=production (the https:// address people reach the app at)');
    else if (!e.PUBLIC_URL.startsWith('https:')) problems.push('PUBLIC_URL: must start with https:// when NODE_ENV=production');
  }
  if (e.MEILI_API_KEY && !e.MEILI_HOST) problems.push('MEILI_API_KEY: set without MEILI_HOST');
  const trustProxy = parseTrustProxy(e.TRUST_PROXY, (e.PUBLIC_URL ?? '').startsWith('https:'), problems);
  if (problems.length) throw new ConfigError(problems);

  const dataDir = path.resolve(e.DATA_DIR);
  const generated = production ? null : generatedSecrets(dataDir);
  const publicUrl = e.PUBLIC_URL ?? `http://localhost:${e.PORT}`;
  return {
    port: e.PORT,
    processes: e.WEB_CONCURRENCY,
    dataDir,
    mongodbUri: e.MONGODB_URI,
    meili: e.MEILI_HOST ? { host: e.MEILI_HOST, apiKey: e.MEILI_API_KEY } : undefined,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    sessionSecret: e.SESSION_SECRET ?? generated!.sessionSecret,
    codeSecret: e.CODE_SECRET ?? generated!.codeSecret,
    mailWebhookSecret: e.MAIL_WEBHOOK_SECRET,
    metricsToken: e.METRICS_TOKEN,
    publicUrl: publicUrl.replace(/\/+$/, ''),
    production,
    https: publicUrl.startsWith('https:'),
    trustProxy,
    logLevel: e.LOG_LEVEL,
    auditRetentionDays: e.AUDIT_RETENTION_DAYS,
  };
}

const PROXY_PRESETS = ['loopback', 'linklocal', 'uniquelocal'];
export const DEFAULT_TRUST_PROXY = PROXY_PRESETS;

/** One TRUST_PROXY entry: a preset, an address, or an address with a prefix length (or IPv4 netmask). */
function isProxyEntry(entry: string): boolean {
  if (PROXY_PRESETS.includes(entry)) return true;
  const [address, range, ...rest] = entry.split('/');
  const family = net.isIP(address);
  if (!family || rest.length) return false;
  if (range === undefined) return true;
  if (/^\d{1,3}$/.test(range)) return Number(range) <= (family === 4 ? 32 : 128);
  return family === 4 && net.isIPv4(range);
}

function parseTrustProxy(value: string | undefined, https: boolean, problems: string[]): string[] | false {
  if (value === undefined) return https ? DEFAULT_TRUST_PROXY : false;
  if (value.toLowerCase() === 'none') {
    // The app speaks plain HTTP: an https PUBLIC_URL means a TLS proxy whose X-Forwarded-Proto must
    // be believed, or the Secure session cookie is never set and nobody can sign in.
    if (https) problems.push('TRUST_PROXY: none is not possible with an https PUBLIC_URL (name the TLS proxy\'s address)');
    return false;
  }
  const entries = value.split(',').map((v) => v.trim()).filter(Boolean);
  const bad = entries.filter((v) => !isProxyEntry(v));
  if (!entries.length || bad.length) {
    problems.push(`TRUST_PROXY: ${bad.length ? `not an address, range or preset: ${bad.join(', ')}` : 'empty'} `
      + `(a comma list of addresses, CIDR ranges, ${PROXY_PRESETS.join(', ')}; or none)`);
  }
  return entries;
}

/** Outside production, secrets are generated once and kept (mode 0600) in DATA_DIR. */
function generatedSecrets(dataDir: string): { sessionSecret: string; codeSecret: string } {
  const file = path.join(dataDir, 'secrets.json');
  try {
    const kept = JSON.parse(fs.readFileSync(file, 'utf8'));
    restrictFiles([file]);
    return kept;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new ConfigError([`DATA_DIR: cannot read ${file}: ${(err as Error).message}`]);
  }
  const secrets = {
    sessionSecret: crypto.randomBytes(32).toString('base64url'),
    codeSecret: crypto.randomBytes(32).toString('base64url'),
  };
  try {
    ensurePrivateDir(dataDir);
    fs.writeFileSync(file, JSON.stringify(secrets), { mode: PRIVATE_FILE_MODE, flag: 'wx' });
  } catch (err) {
    // Another process wrote it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return JSON.parse(fs.readFileSync(file, 'utf8'));
    throw new ConfigError([`DATA_DIR: cannot write ${file}: ${(err as Error).message}`]);
  }
  return secrets;
}
