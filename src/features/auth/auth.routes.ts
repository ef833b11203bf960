import { Router } from 'express';
import type { AppDeps } from '../../app';
import type { AuditLog } from '../audit/audit.service';
import { parseInput } from '../../http/validate';
import { isAppError } from '../../errors';
import { limiter } from '../../http/security';
import { sameOriginPath } from '../../http/redirects';
import type { AuthService } from './auth.service';
import { signInForm } from './auth.schema';

/** Only same-site paths: never an open redirect after sign-in. */
const safeNext = (next: unknown) => sameOriginPath(next);

export function authRoutes(deps: AppDeps, auth: AuthService, audit: AuditLog): Router {
  const router = Router();
  const signInLimit = limiter(deps.store, deps.clock, {
    name: 'signin-ip', windowMs: 15 * 60 * 1000, limit: 50, key: (req) => req.ip ?? 'unknown',
  });

  router.get('/login', (req, res) => {
    if (req.principal) return res.redirect(303, safeNext(req.query.next));
    res.render('auth/login', { title: req.t('auth.signIn'), values: { email: '', next: safeNext(req.query.next) }, error: null });
  });

  router.post('/login', signInLimit, async (req, res, next) => {
    const values = { email: String(req.body?.email ?? ''), next: safeNext(req.body?.next) };
    let form;
    try {
      form = parseInput(signInForm, req.body);
    } catch (err) {
      if (!isAppError(err)) throw err;
      return res.status(400).render('auth/login', { title: req.t('auth.signIn'), values, error: err.message });
    }
    const result = await auth.signIn(form.email, form.password);
    if (!result.ok) {
      await audit.record(req, {
        action: 'auth.sign_in', outcome: 'failure', partnerId: result.agent?.partnerId ?? null,
        actorId: result.agent?.id ?? null, detail: { email: form.email, reason: result.reason },
      });
      const error = result.reason === 'locked'
        ? req.t('auth.locked', { minutes: result.retryAfterMinutes ?? 15 })
        : req.t('auth.failed');
      return res.status(401).render('auth/login', { title: req.t('auth.signIn'), values, error, focus: 'password' });
    }
    const agent = result.agent;
    // A new session id at sign-in: a session fixed before sign-in is worth nothing after it.
    req.session.regenerate((err) => {
      if (err) return next(err);
      const now = deps.clock.now().getTime();
      req.session.agentId = agent.id;
      req.session.signedInAt = now;
      req.session.lastSeenAt = now;
      req.session.save(async (saveErr) => {
        if (saveErr) return next(saveErr);
        req.principal = { kind: 'agent', agentId: agent.id, partnerId: agent.partnerId, role: agent.role, email: agent.email, name: agent.name, via: 'session' };
        try {
          await audit.record(req, { action: 'auth.sign_in' });
          res.redirect(303, values.next);
        } catch (auditErr) {
          next(auditErr);
        }
      });
    });
  });

  router.post('/logout', async (req, res, next) => {
    if (req.principal) await audit.record(req, { action: 'auth.sign_out' });
    req.session.destroy((err) => {
      if (err) return next(err);
      res.clearCookie(deps.sessionCookieName, { path: '/' });
      res.redirect(303, '/login');
    });
  });

  return router;
}
