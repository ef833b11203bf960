// Partner administration pages under /admin (partner admins only) and the invited agent's
// /set-password/:token page. Forms post and redirect back with a one-time notice (post/redirect/get,
// so a reload never repeats an action). A new token rides in the session to the page after the
// redirect, which reads and deletes it: it is shown once, never put in an address.
// Revoking a token and disabling an agent take a confirmation step: the first POST only answers a
// confirmation page whose form posts again with confirm=yes (no script needed, CSRF on both).
import { Router, type Request, type Response } from 'express';
import { isAppError, notFound } from '../../errors';
import { idParams, parseInput, validate } from '../../http/validate';
import type { MessageKey } from '../../i18n/i18n';
import type { AgentPrincipal } from '../../http/request-context';
import type { AuditLog } from '../audit/audit.service';
import { requireAgentPage, requirePartnerAdmin } from '../auth/auth.middleware';
import { inviteForm, MIN_PASSWORD_LENGTH, outboxQuery, roleForm, setPasswordForm, setPasswordParams, tokenForm } from './admin.schema';
import { OUTBOX_PAGE_SIZE, type AdminService, type InviteResult } from './admin.service';
import { actionContext } from '../../http/action-context';
import { flash, refusalNotice, takeFlash, type Notice, type RefusalNotices } from '../../http/flash';

export type AdminNotice = Notice;

declare module '../../http/flash' {
  interface FlashKinds {
    admin: AdminNotice;
    /** The token just issued, until the tokens page shows it once. */
    newToken: { name: string; token: string };
  }
}


const confirmed = (req: Request) => req.body?.confirm === 'yes';

const takeNotice = (req: Request) => takeFlash(req, 'admin');

/** A refusal the admin can act on (409) becomes a notice (refusalNotice); anything else goes to the error page. */
const REFUSALS: RefusalNotices = {
  conflict: (err) => ({ key: 'admin.notice.refused', params: { reason: err.message } }),
};
const conflictNotice = (req: Request, err: unknown): AdminNotice => refusalNotice(req, err, REFUSALS);

function inviteNotice({ email, mailSent, suppressed }: InviteResult): AdminNotice {
  if (mailSent) return { tone: 'ok', key: 'admin.notice.invited', params: { email } };
  return { tone: 'error', key: suppressed ? 'admin.notice.inviteSuppressed' : 'admin.notice.inviteMailFailed', params: { email } };
}

/** Field errors of a form, said in the agent's language. */
const fieldErrors = (req: Request, err: unknown, words: Record<string, MessageKey>): Record<string, string> => {
  if (!isAppError(err) || err.code !== 'invalid') throw err;
  return Object.fromEntries((err.details.fields ?? []).map((f) => [f.field, words[f.field] ? req.t(words[f.field], { count: MIN_PASSWORD_LENGTH }) : f.message]));
};
const INVITE_WORDS: Record<string, MessageKey> = { email: 'admin.error.email', name: 'admin.error.name', role: 'admin.error.role' };
const TOKEN_WORDS: Record<string, MessageKey> = { name: 'admin.error.tokenName', ownerId: 'admin.error.owner' };
const PASSWORD_WORDS: Record<string, MessageKey> = { password: 'setPassword.rule', confirm: 'setPassword.mismatch' };

export function adminRoutes(admin: AdminService, audit: AuditLog, outboxEnabled: boolean): Router {
  const router = Router();
  router.use('/admin', requireAgentPage, requirePartnerAdmin);

  const renderAgents = async (req: Request, res: Response, form: { values: Record<string, string>; errors: Record<string, string> }) => {
    const agents = await admin.listAgents(req.principal as AgentPrincipal);
    res.render('admin/agents', { title: req.t('admin.title'), agents, notice: takeNotice(req), ...form, outboxEnabled });
  };

  router.get('/admin', async (req, res) => {
    await renderAgents(req, res, { values: { email: '', name: '', role: 'helpdesk' }, errors: {} });
  });

  router.post('/admin/agents', async (req, res) => {
    const values = { email: String(req.body?.email ?? ''), name: String(req.body?.name ?? ''), role: String(req.body?.role ?? 'helpdesk') };
    let input;
    try {
      input = parseInput(inviteForm, req.body);
    } catch (err) {
      res.status(400);
      return renderAgents(req, res, { values, errors: fieldErrors(req, err, INVITE_WORDS) });
    }
    try {
      flash(req, 'admin', inviteNotice(await admin.invite(actionContext(req, audit), input)));
    } catch (err) {
      if (!isAppError(err) || err.code !== 'conflict') throw err;
      res.status(409);
      return renderAgents(req, res, { values, errors: { email: req.t('admin.error.emailTaken') } });
    }
    res.redirect(303, '/admin');
  });

  router.post('/admin/agents/:id/invite', validate({ params: idParams }, async (req, res) => {
    try {
      flash(req, 'admin', inviteNotice(await admin.resendInvite(actionContext(req, audit), req.input.params.id)));
    } catch (err) {
      flash(req, 'admin', conflictNotice(req, err));
    }
    res.redirect(303, '/admin');
  }));

  router.post('/admin/agents/:id/role', validate({ params: idParams, body: roleForm }, async (req, res) => {
    try {
      await admin.changeRole(actionContext(req, audit), req.input.params.id, req.input.body.role);
      flash(req, 'admin', { tone: 'ok', key: 'admin.notice.roleChanged' });
    } catch (err) {
      flash(req, 'admin', conflictNotice(req, err));
    }
    res.redirect(303, '/admin');
  }));

  for (const [action, disabled] of [['disable', true], ['enable', false]] as const) {
    router.post(`/admin/agents/:id/${action}`, validate({ params: idParams }, async (req, res) => {
      if (disabled && !confirmed(req)) {
        const agent = (await admin.listAgents(req.principal as AgentPrincipal)).find((a) => a.id === req.input.params.id);
        if (!agent) throw notFound('Agent');
        return res.render('admin/confirm', {
          title: req.t('admin.confirm.disableTitle'), heading: req.t('admin.confirm.disableTitle'),
          body: req.t('admin.confirm.disableBody', { email: agent.email }), action: `/admin/agents/${encodeURIComponent(agent.id)}/disable`,
          button: req.t('admin.agent.disable'), back: '/admin',
        });
      }
      try {
        await admin.setDisabled(actionContext(req, audit), req.input.params.id, disabled);
        flash(req, 'admin', { tone: 'ok', key: disabled ? 'admin.notice.disabled' : 'admin.notice.enabled' });
      } catch (err) {
        flash(req, 'admin', conflictNotice(req, err));
      }
      res.redirect(303, '/admin');
    }));
  }

  const renderTokens = async (req: Request, res: Response, extra: { created?: { name: string; token: string } | null; values?: Record<string, string>; errors?: Record<string, string> }) => {
    const p = req.principal as AgentPrincipal;
    const [tokens, agents] = await Promise.all([admin.listTokens(p), admin.listAgents(p)]);
    res.render('admin/tokens', {
      title: req.t('admin.tokens.title'), tokens, owner: agents.find((a) => a.self),
      notice: takeNotice(req), created: extra.created ?? null,
      values: extra.values ?? { name: '' }, errors: extra.errors ?? {},
    });
  };

  router.get('/admin/tokens', (req, res) => {
    // One read: a reload (or the back button) no longer finds it. The answer is no-store (app.ts).
    const created = takeFlash(req, 'newToken');
    return renderTokens(req, res, { created });
  });

  router.post('/admin/tokens', async (req, res) => {
    const values = { name: String(req.body?.name ?? '') };
    let input;
    try {
      input = parseInput(tokenForm, req.body);
    } catch (err) {
      res.status(400);
      return renderTokens(req, res, { values, errors: fieldErrors(req, err, TOKEN_WORDS) });
    }
    const { token, record } = await admin.issueToken(actionContext(req, audit), input);
    flash(req, 'newToken', { name: record.name, token });
    res.redirect(303, '/admin/tokens');
  });

  router.post('/admin/tokens/:id/revoke', validate({ params: idParams }, async (req, res) => {
    if (!confirmed(req)) {
      const token = (await admin.listTokens(req.principal as AgentPrincipal)).find((tk) => tk.id === req.input.params.id);
      if (!token) throw notFound('Token');
      return res.render('admin/confirm', {
        title: req.t('admin.confirm.revokeTitle'), heading: req.t('admin.confirm.revokeTitle'),
        body: req.t('admin.confirm.revokeBody', { name: token.name, hint: token.hint ?? '—' }),
        action: `/admin/tokens/${encodeURIComponent(token.id)}/revoke`, button: req.t('admin.tokens.revoke'), back: '/admin/tokens',
      });
    }
    await admin.revokeToken(actionContext(req, audit), req.input.params.id);
    flash(req, 'admin', { tone: 'ok', key: 'admin.notice.tokenRevoked' });
    res.redirect(303, '/admin/tokens');
  }));

  router.get('/admin/outbox', validate({ query: outboxQuery }, async (req, res) => {
    const { page } = req.input.query;
    const mails = outboxEnabled ? await admin.outbox(req.principal as AgentPrincipal, page) : [];
    res.render('admin/outbox', {
      title: req.t('admin.outbox.title'), mails, page, outboxEnabled, hasNext: mails.length === OUTBOX_PAGE_SIZE,
    });
  }));

  return router;
}

/** The invited agent's page: anonymous, reached from the invitation mail. */
export function setPasswordRoutes(admin: AdminService, audit: AuditLog): Router {
  const router = Router();
  // The token is in the address: no Referer may carry it anywhere, even to this site's own assets.
  router.use('/set-password', (_req, res, next) => {
    res.set('Referrer-Policy', 'no-referrer');
    next();
  });

  const render = (req: Request, res: Response, agent: { email: string; name: string } | null, errors: Record<string, string> = {}) =>
    res.render('admin/set-password', { title: req.t('setPassword.title'), agent, errors, minLength: MIN_PASSWORD_LENGTH, done: false });

  router.get('/set-password/:token', validate({ params: setPasswordParams }, async (req, res) => {
    const agent = await admin.passwordSetup(req.input.params.token);
    if (!agent) res.status(404);
    render(req, res, agent);
  }));

  router.post('/set-password/:token', validate({ params: setPasswordParams }, async (req, res) => {
    const { token } = req.input.params;
    const agent = await admin.passwordSetup(token);
    if (!agent) {
      res.status(404);
      return render(req, res, null);
    }
    let form;
    try {
      form = parseInput(setPasswordForm, req.body);
    } catch (err) {
      res.status(400);
      return render(req, res, agent, fieldErrors(req, err, PASSWORD_WORDS));
    }
    if (!(await admin.setPassword(token, form.password, (entry) => audit.record(req, entry)))) {
      res.status(404);
      return render(req, res, null);
    }
    // Not signed in here: the agent signs in with the new password, through the one sign-in path
    // that regenerates the session, counts failures and audits.
    res.render('admin/set-password', { title: req.t('setPassword.title'), agent, errors: {}, minLength: MIN_PASSWORD_LENGTH, done: true });
  }));

  return router;
}
