// Partner administration: a partner admin invites agents, changes their role, disables
// and re-enables them, issues and revokes API tokens, and reads the partner's mail outbox.
// Every change is audited; every lookup is scoped by the admin's partner, so another partner's
// agent or token answers 404 like a missing one.
import crypto from 'node:crypto';
import type { Clock } from '../../clock';
import { conflict, notFound, forbidden, isAppError } from '../../errors';
import type { AgentPrincipal } from '../../http/request-context';
import type { Mailer } from '../../mail/mailer';
import { AddressSuppressedError, suppressionAllows } from '../../mail/suppression-aware-mailer';
import { renderAgentInviteMail } from '../../mail/templates';
import type { Agent, AgentRole, ApiToken, OutboxMail, Store } from '../../store/store';
import type { AuditEntry } from '../audit/audit.service';
import { TOKEN_PREFIX, tokenHint } from '../auth/auth.service';
import { hashPassword } from '../auth/passwords';
import type { ActionContext } from '../../http/action-context';

export const INVITE_TTL_MS = 24 * 60 * 60 * 1000;
export const OUTBOX_PAGE_SIZE = 50;


export interface AgentRow {
  id: string;
  email: string;
  name: string;
  role: AgentRole;
  disabled: boolean;
  /** Invited and not yet chosen a password. */
  invited: boolean;
  locked: boolean;
  createdAt: string;
  self: boolean;
}

/** ownerEmail is null for an integration token, which acts as no agent. */
export interface TokenRow extends Omit<ApiToken, 'tokenHash'> { ownerEmail: string | null }

/** An outbox mail as a partner admin may see it: the text part, secrets masked, never the HTML. */
export interface OutboxRow { id: string; to: string; subject: string; kind: string; createdAt: string; text: string }

/** `suppressed`: the address is on the suppression list, so the invitation mail was not sent. */
export interface InviteResult { email: string; mailSent: boolean; suppressed: boolean }
type InviteMail = Pick<InviteResult, 'mailSent' | 'suppressed'>;

export interface AdminService {
  listAgents(p: AgentPrincipal): Promise<AgentRow[]>;
  invite(ctx: ActionContext, input: { email: string; name: string; role: AgentRole }): Promise<InviteResult>;
  resendInvite(ctx: ActionContext, agentId: string): Promise<InviteResult>;
  changeRole(ctx: ActionContext, agentId: string, role: AgentRole): Promise<void>;
  setDisabled(ctx: ActionContext, agentId: string, disabled: boolean): Promise<{ sessionsEnded: number }>;
  listTokens(p: AgentPrincipal): Promise<TokenRow[]>;
  issueToken(ctx: ActionContext, input: { name: string; ownerId?: string }): Promise<{ token: string; record: ApiToken }>;
  revokeToken(ctx: ActionContext, tokenId: string): Promise<void>;
  outbox(p: AgentPrincipal, page: number): Promise<OutboxRow[]>;
  /** The invited agent behind a set-password link, or null when the link is unknown, used or expired. */
  passwordSetup(token: string): Promise<{ email: string; name: string } | null>;
  /** Sets the password and uses up the link; false when the link no longer works. */
  setPassword(token: string, password: string, audit: (entry: AuditEntry) => Promise<void>): Promise<boolean>;
}

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

/**
 * The outbox rule: mails in the outbox carry verification codes, set-password links and sign-in
 * links. A partner admin reading them must not be able to verify a caller, set an agent's password
 * or sign in as a customer admin, so whatever the kind of mail, the page shows the text part only,
 * with every link cut after its first path segment, every group of 6 or more digits (a code, even
 * grouped "4821 3379") and every long token-like string masked. Masking by shape, not by kind,
 * also covers mail kinds added later.
 */
export function maskSecrets(text: string): string {
  return text
    .replace(/\bhttps?:\/\/[^\s/]+(\/[^\s/?#]*)?[^\s]*/g, (url, first: string | undefined) => {
      const origin = /^https?:\/\/[^\s/]+/.exec(url)![0];
      const rest = url.slice(origin.length + (first?.length ?? 0));
      return rest ? `${origin}${first ?? ''}/…` : url;
    })
    .replace(/[A-Za-z0-9_\-]{24,}/g, (m) => `${m.slice(0, 4)}…`)
    .replace(/\d(?:[ .\-]?\d){5,}/g, (m) => m.replace(/\d/g, '•'));
}

export function createAdminService(deps: {
  store: Store; clock: Clock; mailer: Mailer; publicUrl: string; passwordLogN?: number;
}): AdminService {
  const { store, clock, mailer } = deps;

  /** An agent of the admin's own partner; anyone else's is "not found". */
  async function ownAgent(p: AgentPrincipal, agentId: string): Promise<Agent> {
    const agent = await store.agents.get(agentId);
    if (!agent || agent.partnerId !== p.partnerId) throw notFound('Agent');
    return agent;
  }

  async function sendInvite(ctx: ActionContext, agent: Agent): Promise<InviteMail> {
    const token = crypto.randomBytes(32).toString('base64url');
    const now = clock.now();
    await store.passwordSetups.create({
      tokenHash: sha256(token), agentId: agent.id, partnerId: agent.partnerId,
      createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + INVITE_TTL_MS).toISOString(), usedAt: null,
    });
    const partner = await store.partners.get(agent.partnerId);
    const mail = await renderAgentInviteMail({
      lang: ctx.lang, partner: partner?.name ?? agent.partnerId, name: agent.name, inviter: ctx.principal.name,
      link: `${deps.publicUrl}/set-password/${token}`, hours: INVITE_TTL_MS / 3_600_000,
    });
    try {
      await mailer.send({ partnerId: agent.partnerId, to: agent.email, kind: 'agent_invite', ...mail });
      return { mailSent: true, suppressed: false };
    } catch (err) {
      // The agent exists either way; the admin sees why the mail did not leave and can send it again.
      if (err instanceof AddressSuppressedError) return { mailSent: false, suppressed: true };
      if (isAppError(err) && err.code === 'unavailable') return { mailSent: false, suppressed: false };
      throw err;
    }
  }

  /**
   * Agent addresses are unique across partners, so an address already an agent of another partner
   * cannot be invited. Saying so would tell this partner who works for another, so the admin gets
   * the answer an invitation to that address would get, and nothing is created or sent.
   */
  async function answerAsInvited(ctx: ActionContext, input: { email: string; role: AgentRole }): Promise<InviteResult> {
    const suppressed = !suppressionAllows(await store.suppressions.get(input.email), 'agent_invite');
    // Recorded for the operator, outside this partner's audit log, which would otherwise say it.
    await ctx.audit({ action: 'agent.invite', outcome: 'denied', partnerId: null, detail: { email: input.email, role: input.role } });
    return { email: input.email, mailSent: !suppressed, suppressed };
  }

  return {
    async listAgents(p) {
      const now = clock.now().getTime();
      return (await store.agents.listByPartner(p.partnerId)).map((a) => ({
        id: a.id, email: a.email, name: a.name, role: a.role, disabled: a.disabled, invited: !a.passwordHash,
        locked: !!a.lockedUntil && Date.parse(a.lockedUntil) > now, createdAt: a.createdAt, self: a.id === p.agentId,
      }));
    },

    async invite(ctx, input) {
      const agent: Agent = {
        id: crypto.randomUUID(),
        partnerId: ctx.principal.partnerId,
        email: input.email,
        name: input.name,
        role: input.role,
        // No password until the invitee sets one through the link: nobody can sign in as them before.
        passwordHash: null,
        disabled: false,
        failedLogins: 0,
        lockedUntil: null,
        createdAt: clock.now().toISOString(),
      };
      try {
        await store.agents.create(agent);
      } catch (err) {
        if (!isAppError(err) || err.code !== 'conflict') throw err;
        const holder = await store.agents.getByEmail(agent.email);
        if (holder && holder.partnerId !== agent.partnerId) return answerAsInvited(ctx, agent);
        throw conflict('An agent with this email already exists.');
      }
      const sent = await sendInvite(ctx, agent);
      await ctx.audit({ action: 'agent.invite', subject: `agent:${agent.id}`, outcome: sent.mailSent ? 'success' : 'failure',
        detail: { email: agent.email, role: agent.role, ...sent } });
      return { email: agent.email, ...sent };
    },

    async resendInvite(ctx, agentId) {
      const agent = await ownAgent(ctx.principal, agentId);
      if (agent.passwordHash) throw conflict('This agent has already set a password.');
      if (agent.disabled) throw conflict('This agent is disabled.');
      const sent = await sendInvite(ctx, agent);
      await ctx.audit({ action: 'agent.invite_resend', subject: `agent:${agent.id}`, outcome: sent.mailSent ? 'success' : 'failure',
        detail: { email: agent.email, ...sent } });
      return { email: agent.email, ...sent };
    },

    async changeRole(ctx, agentId, role) {
      const agent = await ownAgent(ctx.principal, agentId);
      // The acting admin stays an admin: a partner can never lose its last one by accident.
      if (agent.id === ctx.principal.agentId) throw conflict('You cannot change your own role.');
      if (agent.role === role) return;
      await store.agents.update({ ...agent, role });
      await ctx.audit({ action: 'agent.role_change', subject: `agent:${agent.id}`, detail: { from: agent.role, to: role } });
    },

    async setDisabled(ctx, agentId, disabled) {
      const agent = await ownAgent(ctx.principal, agentId);
      if (agent.id === ctx.principal.agentId) throw conflict('You cannot disable yourself.');
      if (agent.disabled === disabled) return { sessionsEnded: 0 };
      await store.agents.update({ ...agent, disabled });
      // Each request reloads the agent too, but ending the sessions also frees them from the store now.
      const sessionsEnded = disabled ? await store.sessions.destroyByAgent(agent.id) : 0;
      await ctx.audit({ action: disabled ? 'agent.disable' : 'agent.enable', subject: `agent:${agent.id}`,
        detail: disabled ? { sessionsEnded } : {} });
      return { sessionsEnded };
    },

    async listTokens(p) {
      const agents = new Map((await store.agents.listByPartner(p.partnerId)).map((a) => [a.id, a.email]));
      return (await store.apiTokens.listByPartner(p.partnerId)).map(({ tokenHash: _hash, ...t }) =>
        ({ ...t, ownerEmail: t.agentId === null ? null : agents.get(t.agentId) ?? t.agentId }));
    },

    async issueToken(ctx, input) {
      // A token acts as its owner (audit rows, "who asked" in mails): issuing one to another agent
      // would let an admin act as them. Each agent's tokens are issued by that agent.
      if (input.ownerId && input.ownerId !== ctx.principal.agentId) {
        throw forbidden('An API token is issued to the admin who asks for it, never to another agent.');
      }
      const owner = await ownAgent(ctx.principal, ctx.principal.agentId);
      if (owner.disabled) throw forbidden('This agent is disabled.');
      const token = TOKEN_PREFIX + crypto.randomBytes(32).toString('base64url');
      const record: ApiToken = {
        id: crypto.randomUUID(), agentId: owner.id, partnerId: owner.partnerId, name: input.name,
        tokenHash: sha256(token), hint: tokenHint(token), createdAt: clock.now().toISOString(), lastUsedAt: null, revokedAt: null,
      };
      await store.apiTokens.create(record);
      await ctx.audit({ action: 'token.issue', subject: `token:${record.id}`, detail: { name: record.name, owner: owner.email } });
      return { token, record };
    },

    async revokeToken(ctx, tokenId) {
      const revoked = await store.apiTokens.revoke(ctx.principal.partnerId, tokenId, clock.now().toISOString());
      if (!revoked) {
        const still = (await store.apiTokens.listByPartner(ctx.principal.partnerId)).some((t) => t.id === tokenId);
        if (!still) throw notFound('Token');
        return;
      }
      await ctx.audit({ action: 'token.revoke', subject: `token:${tokenId}` });
    },

    async outbox(p, page) {
      const mails: OutboxMail[] = await store.mailOutbox.listByPartner(p.partnerId,
        { limit: OUTBOX_PAGE_SIZE, offset: (page - 1) * OUTBOX_PAGE_SIZE });
      return mails.map((m) => ({ id: m.id, to: m.to, subject: maskSecrets(m.subject), kind: String(m.kind), createdAt: m.createdAt,
        text: maskSecrets(m.text) }));
    },

    async passwordSetup(token) {
      const setup = await store.passwordSetups.find(sha256(token), clock.now());
      const agent = setup ? await store.agents.get(setup.agentId) : null;
      return agent && !agent.disabled ? { email: agent.email, name: agent.name } : null;
    },

    async setPassword(token, password, audit) {
      const now = clock.now();
      const setup = await store.passwordSetups.consume(sha256(token), now);
      const agent = setup ? await store.agents.get(setup.agentId) : null;
      if (!setup || !agent || agent.disabled) return false;
      await store.agents.update({
        ...agent, passwordHash: await hashPassword(password, deps.passwordLogN), failedLogins: 0, lockedUntil: null,
      });
      await store.sessions.destroyByAgent(agent.id);
      await audit({ action: 'agent.password_set', partnerId: agent.partnerId, actorId: agent.id, subject: `agent:${agent.id}` });
      return true;
    },
  };
}
