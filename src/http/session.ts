// Sessions live in the Store (not in memory) so any number of app processes share them, and so
// disabling an agent can end every session of theirs at once.
import session from 'express-session';
import type { RequestHandler } from 'express';
import type { Clock } from '../clock';
import type { Config } from '../config';
import type { Store } from '../store/store';

export const IDLE_TIMEOUT_MS = 30 * 60 * 1000;
export const ABSOLUTE_TIMEOUT_MS = 12 * 60 * 60 * 1000;

type Cb = (err?: unknown, value?: session.SessionData | null) => void;

/** express-session's Store interface over our Store port. */
export class PortSessionStore extends session.Store {
  constructor(private readonly store: Store, private readonly clock: Clock) {
    super();
  }

  override get(sid: string, cb: Cb): void {
    this.store.sessions.get(sid, this.clock.now())
      .then((r) => cb(null, r ? JSON.parse(r.data) : null), cb);
  }

  override set(sid: string, sess: session.SessionData, cb?: (err?: unknown) => void): void {
    this.store.sessions.set({
      sid,
      agentId: sess.agentId ?? null,
      data: JSON.stringify(sess),
      expiresAt: this.expiry(sess).toISOString(),
    }).then(() => cb?.(), (err) => cb?.(err));
  }

  override touch(sid: string, sess: session.SessionData, cb?: (err?: unknown) => void): void {
    this.store.sessions.touch(sid, this.expiry(sess).toISOString()).then(() => cb?.(), (err) => cb?.(err));
  }

  override destroy(sid: string, cb?: (err?: unknown) => void): void {
    this.store.sessions.destroy(sid).then(() => cb?.(), (err) => cb?.(err));
  }

  private expiry(sess: session.SessionData): Date {
    const now = this.clock.now().getTime();
    const idle = now + IDLE_TIMEOUT_MS;
    const absolute = sess.signedInAt ? sess.signedInAt + ABSOLUTE_TIMEOUT_MS : idle;
    return new Date(Math.min(idle, absolute));
  }
}

export function sessionCookieName(config: Config): string {
  // The __Host- prefix makes browsers refuse the cookie unless Secure, host-only and Path=/.
  return config.https ? '__Host-helpdesk.sid' : 'helpdesk.sid';
}

export function sessionMiddleware(config: Config, store: Store, clock: Clock): RequestHandler {
  return session({
    name: sessionCookieName(config),
    secret: config.sessionSecret,
    store: new PortSessionStore(store, clock),
    resave: false,
    saveUninitialized: false,
    rolling: true,
    // No `proxy` option: whether the request came over HTTPS is Express's req.secure, which reads
    // X-Forwarded-Proto only from the proxies in TRUST_PROXY.
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      secure: config.https,
      path: '/',
      maxAge: IDLE_TIMEOUT_MS,
    },
  });
}

/** Ends sessions idle for 30 min or signed in for 12 h, by the app's clock. */
export function sessionTimeouts(clock: Clock): RequestHandler {
  return (req, _res, next) => {
    const s = req.session;
    if (!s?.agentId && !s?.customerAdmin) return next();
    const now = clock.now().getTime();
    const idle = now - (s.lastSeenAt ?? 0) > IDLE_TIMEOUT_MS;
    const tooOld = now - (s.signedInAt ?? 0) > ABSOLUTE_TIMEOUT_MS;
    if (idle || tooOld) {
      s.regenerate((err) => next(err));
      return;
    }
    s.lastSeenAt = now;
    next();
  };
}
