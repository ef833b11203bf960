// Agents sign in with email and password (a session) or an API token (the JSON API).
// 10 failures in a row lock the account for 15 minutes; at most 100 failures an hour per account
// (ASVS 2.2.1); an unknown email counts, locks, answers and costs exactly like a wrong password.
import crypto from 'node:crypto';
import type { Clock } from '../../clock';
import { AppError, conflict, invalid, notFound } from '../../errors';
import type { Agent, AgentRole, ApiToken, Store } from '../../store/store';
import type { AgentPrincipal, IntegrationPrincipal } from '../../http/request-context';
import { hashPassword, verifyPassword } from './passwords';

export const LOCK_AFTER_FAILURES = 10;
export const LOCK_MS = 15 * 60 * 1000;
export const MAX_FAILURES_PER_HOUR = 100;
/** How long consecutive failures on an address that is no agent are remembered. */
const UNKNOWN_FAILURES_WINDOW_MS = 30 * 24 * 60 * 60 * 1000;

export type SignInResult =
  | { ok: true; agent: Agent }
  | { ok: false; reason: 'wrong' | 'locked'; agent: Agent | null; retryAfterMinutes?: number };

export interface AuthService {
  signIn(email: string, password: string): Promise<SignInResult>;
  principalFor(agentId: string, via: AgentPrincipal['via']): Promise<AgentPrincipal | null>;
  /** An agent's token gives that agent; an integration token gives an IntegrationPrincipal. */
  authenticateToken(raw: string): Promise<AgentPrincipal | IntegrationPrincipal | null>;
  /** Whether `raw` is a live integration token (a cheap check for routes that never accept one). */
  isIntegrationToken(raw: string): Promise<boolean>;
  createAgent(input: { partnerId: string; email: string; name: string; role: AgentRole; password: string }): Promise<Agent>;
  createToken(email: string, name: string): Promise<{ token: string; record: ApiToken }>;
  /** A token for a sync job of this partner, acting as no agent: it may only post imports (see app.ts). */
  createIntegrationToken(partnerId: string, name: string): Promise<{ token: string; record: ApiToken }>;
}

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');
export const TOKEN_PREFIX = 'phd_';
/** The display hint kept with a token (see ApiToken.hint): 2 + 4 random characters of 43, not enough to use. */
export const tokenHint = (token: string): string => `${token.slice(0, 6)}…${token.slice(-4)}`;

export function createAuthService(store: Store, clock: Clock, passwordLogN?: number): AuthService {
  // Verified against when the email is unknown, so both paths take the same time.
  const decoy = hashPassword(crypto.randomBytes(16).toString('hex'), passwordLogN);

  /**
   * An address that is no agent goes through the same steps as an agent's, kept in rate-limit
   * counters under the address instead of the agent's record: the same lock after the same
   * failure, for the same time, the same hourly cap, and the scrypt work (against a decoy hash)
   * exactly where an agent's password is checked. Answer, status and time then tell nothing
   * about which addresses are agents.
   */
  async function unknownSignIn(email: string, password: string, agent: Agent | null, now: Date): Promise<SignInResult> {
    const address = email.trim().toLowerCase();
    const lockKey = `signin-unknown-lock:${address}`;
    const failuresKey = `signin-unknown:${address}`;
    const hourlyKey = `signin-unknown-hourly:${address}`;
    if (await store.rateLimits.count(lockKey, now) > 0) {
      // A hit on a running window only reads when it ends.
      const { resetAt } = await store.rateLimits.hit(lockKey, LOCK_MS, now);
      return { ok: false, reason: 'locked', agent, retryAfterMinutes: Math.ceil((resetAt.getTime() - now.getTime()) / 60000) };
    }
    if (await store.rateLimits.count(hourlyKey, now) >= MAX_FAILURES_PER_HOUR) {
      return { ok: false, reason: 'locked', agent, retryAfterMinutes: 60 };
    }
    await verifyPassword(password, await decoy);
    await store.rateLimits.hit(hourlyKey, 60 * 60 * 1000, now);
    // An agent's failure count lasts until a success or a lock; a long window stands in for that.
    const { count } = await store.rateLimits.hit(failuresKey, UNKNOWN_FAILURES_WINDOW_MS, now);
    if (count < LOCK_AFTER_FAILURES) return { ok: false, reason: 'wrong', agent };
    await store.rateLimits.reset(failuresKey);
    await store.rateLimits.hit(lockKey, LOCK_MS, now);
    return { ok: false, reason: 'locked', agent, retryAfterMinutes: LOCK_MS / 60000 };
  }

  const toPrincipal = (a: Agent, via: AgentPrincipal['via']): AgentPrincipal =>
    ({ kind: 'agent', agentId: a.id, partnerId: a.partnerId, role: a.role, email: a.email, name: a.name, via });

  const liveToken = async (raw: string): Promise<ApiToken | null> => {
    if (!raw.startsWith(TOKEN_PREFIX)) return null;
    const record = await store.apiTokens.getByHash(sha256(raw));
    return record && !record.revokedAt ? record : null;
  };

  const issue = async (owner: Pick<ApiToken, 'agentId' | 'partnerId' | 'name' | 'role'>) => {
    const token = TOKEN_PREFIX + crypto.randomBytes(32).toString('base64url');
    const record: ApiToken = {
      id: crypto.randomUUID(),
      ...owner,
      // A 256-bit random token needs no slow hash: SHA-256 cannot be reversed or guessed.
      tokenHash: sha256(token),
      hint: tokenHint(token),
      createdAt: clock.now().toISOString(),
      lastUsedAt: null,
      revokedAt: null,
    };
    if (!record.role) delete record.role;
    await store.apiTokens.create(record);
    return { token, record };
  };

  return {
    async signIn(email, password) {
      const now = clock.now();
      const agent = await store.agents.getByEmail(email);
      // An invited agent who has not chosen a password yet answers like an unknown one.
      if (!agent || agent.disabled || !agent.passwordHash) return unknownSignIn(email, password, agent, now);
      if (agent.lockedUntil && Date.parse(agent.lockedUntil) > now.getTime()) {
        return { ok: false, reason: 'locked', agent, retryAfterMinutes: Math.ceil((Date.parse(agent.lockedUntil) - now.getTime()) / 60000) };
      }
      if (await store.rateLimits.count(`signin-failures:${agent.id}`, now) >= MAX_FAILURES_PER_HOUR) {
        return { ok: false, reason: 'locked', agent, retryAfterMinutes: 60 };
      }
      if (await verifyPassword(password, agent.passwordHash)) {
        if (agent.failedLogins || agent.lockedUntil) await store.agents.update({ ...agent, failedLogins: 0, lockedUntil: null });
        return { ok: true, agent };
      }
      await store.rateLimits.hit(`signin-failures:${agent.id}`, 60 * 60 * 1000, now);
      const failedLogins = agent.failedLogins + 1;
      const locked = failedLogins >= LOCK_AFTER_FAILURES;
      await store.agents.update({
        ...agent,
        failedLogins: locked ? 0 : failedLogins,
        lockedUntil: locked ? new Date(now.getTime() + LOCK_MS).toISOString() : agent.lockedUntil,
      });
      return locked
        ? { ok: false, reason: 'locked', agent, retryAfterMinutes: LOCK_MS / 60000 }
        : { ok: false, reason: 'wrong', agent };
    },

    async principalFor(agentId, via) {
      const agent = await store.agents.get(agentId);
      return agent && !agent.disabled ? toPrincipal(agent, via) : null;
    },

    async authenticateToken(raw) {
      const record = await liveToken(raw);
      if (!record) return null;
      let principal: AgentPrincipal | IntegrationPrincipal;
      if (record.role === 'integration') {
        principal = { kind: 'integration', tokenId: record.id, name: record.name, partnerId: record.partnerId };
      } else {
        const agent = record.agentId ? await store.agents.get(record.agentId) : null;
        if (!agent || agent.disabled || agent.partnerId !== record.partnerId) return null;
        principal = { ...toPrincipal(agent, 'token'), token: { id: record.id, name: record.name } };
      }
      const now = clock.now();
      // Last-used is for the admin page: minute precision is enough and spares a write per request.
      if (!record.lastUsedAt || now.getTime() - Date.parse(record.lastUsedAt) > 60_000) {
        await store.apiTokens.touch(record.id, now.toISOString());
      }
      return principal;
    },

    async isIntegrationToken(raw) {
      return (await liveToken(raw))?.role === 'integration';
    },

    async createAgent(input) {
      if (input.password.length < 12) {
        throw invalid('password: must be at least 12 characters', [{ field: 'password', message: 'at least 12 characters' }]);
      }
      if (!(await store.partners.get(input.partnerId))) {
        throw invalid(`partner: no partner with id ${input.partnerId}`, [{ field: 'partner', message: 'unknown partner' }]);
      }
      const agent: Agent = {
        id: crypto.randomUUID(),
        partnerId: input.partnerId,
        email: input.email.trim().toLowerCase(),
        name: input.name,
        role: input.role,
        passwordHash: await hashPassword(input.password, passwordLogN),
        disabled: false,
        failedLogins: 0,
        lockedUntil: null,
        createdAt: clock.now().toISOString(),
      };
      if (await store.agents.getByEmail(agent.email)) throw conflict(`An agent with email ${agent.email} already exists.`);
      await store.agents.create(agent);
      return agent;
    },

    async createToken(email, name) {
      const agent = await store.agents.getByEmail(email);
      if (!agent) throw notFound('Agent');
      if (agent.disabled) throw new AppError('forbidden', 403, 'This agent is disabled.');
      return issue({ agentId: agent.id, partnerId: agent.partnerId, name });
    },

    async createIntegrationToken(partnerId, name) {
      if (!(await store.partners.get(partnerId))) {
        throw invalid(`partner: no partner with id ${partnerId}`, [{ field: 'partner', message: 'unknown partner' }]);
      }
      return issue({ agentId: null, partnerId, name, role: 'integration' });
    },
  };
}
