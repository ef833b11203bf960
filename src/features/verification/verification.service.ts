// Caller verification by emailed code. The agent presses Send code, the
// caller reads the code from their mailbox, the agent types it into Verify. The code exists in
// clear only between generateCode and the mail: it is stored as a keyed hash, never returned,
// logged or audited, and the agent never sees it.
import crypto from 'node:crypto';
import type { Clock } from '../../clock';
import { LocalizedRefusal, type ActionContext } from '../../http/action-context';
import { notFound, tooMany } from '../../errors';
import type { Principal } from '../../http/request-context';
import type { Mailer } from '../../mail/mailer';
import { AddressSuppressedError, suppressionAllows } from '../../mail/suppression-aware-mailer';
import { renderVerificationMail } from '../../mail/templates';
import type { Store, User, Verification } from '../../store/store';
import { codeMatches, formatCode, generateCode, hashCode } from './codes';
import { verificationChecks } from '../../metrics/metrics';

export const CODE_TTL_MS = 10 * 60 * 1000;
export const MAX_ATTEMPTS = 5;
export const SENDS_PER_USER = { limit: 3, windowMs: 15 * 60 * 1000 };
export const SENDS_PER_AGENT = { limit: 30, windowMs: 60 * 60 * 1000 };
export const FAILURES_PER_USER = { limit: 10, windowMs: 24 * 60 * 60 * 1000 };
/** The user page keeps the latest outcome in view this long: the rest of a call. */
export const SHOWN_FOR_MS = 30 * 60 * 1000;

export type CheckStatus = 'verified' | 'invalid' | 'expired' | 'locked';

export interface CheckResult { status: CheckStatus; attemptsLeft: number; userId: string }

export interface SentCode { id: string; userId: string; sentTo: string; expiresAt: string }

export interface VerificationPanel {
  /** The latest code of this call, or null when none was sent in the last SHOWN_FOR_MS. */
  latest: {
    id: string;
    status: 'pending' | 'verified' | 'expired' | 'locked';
    sentTo: string;
    expiresAt: string;
    secondsLeft: number;
    attemptsLeft: number;
    settledAt: string | null;
  } | null;
  /** 10 failures today: no more codes for this user until the window ends. */
  stopped: boolean;
}

export interface VerificationService {
  send(ctx: ActionContext, userId: string): Promise<SentCode>;
  check(ctx: ActionContext, verificationId: string, code: string): Promise<CheckResult>;
  panel(principal: Principal, userId: string): Promise<VerificationPanel>;
}

/** "jane.doe@example.com" → "j***e@example.com": enough for the caller to recognise, no more. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  const local = email.slice(0, at);
  return `${local[0]}***${local.length > 2 ? local[local.length - 1] : ''}${email.slice(at)}`;
}

const minutesUntil = (at: Date, now: Date) => Math.max(1, Math.ceil((at.getTime() - now.getTime()) / 60_000));
const secondsUntil = (at: Date, now: Date) => Math.max(1, Math.ceil((at.getTime() - now.getTime()) / 1000));

export function createVerificationService(deps: { store: Store; mailer: Mailer; clock: Clock; codeSecret: string }): VerificationService {
  const service = verificationService(deps);
  // Every outcome of a check is counted, by the page and the API alike.
  return {
    ...service,
    async check(ctx, verificationId, code) {
      const result = await service.check(ctx, verificationId, code);
      verificationChecks.inc({ outcome: result.status });
      return result;
    },
  };
}

function verificationService(deps: { store: Store; mailer: Mailer; clock: Clock; codeSecret: string }): VerificationService {
  const { store, mailer, clock, codeSecret } = deps;
  const sendKeyUser = (userId: string) => `verify-send-user:${userId}`;
  const sendKeyAgent = (agentId: string) => `verify-send-agent:${agentId}`;
  const failureKey = (userId: string) => `verify-failures:${userId}`;

  async function userInScope(principal: Principal, userId: string): Promise<User> {
    const user = await store.users.get(principal.partnerId, userId);
    if (!user) throw notFound('User');
    return user;
  }

  /**
   * A suppressed address gets a clear refusal naming the reason and date, not a silent
   * failure, and before a code is issued or a send counted. (The mailer would refuse it anyway.)
   */
  async function assertMayEmail(user: User): Promise<void> {
    const suppression = await store.suppressions.get(user.email);
    if (!suppression || suppressionAllows(suppression, 'verification')) return;
    throw new LocalizedRefusal(new AddressSuppressedError(suppression),
      `verification.error.suppressed.${suppression.reason}`, { date: suppression.since.slice(0, 10) });
  }

  const isStopped = async (userId: string, now: Date) =>
    (await store.rateLimits.count(failureKey(userId), now)) >= FAILURES_PER_USER.limit;

  async function assertNotStopped(user: User, now: Date): Promise<void> {
    if (!(await isStopped(user.id, now))) return;
    // The port reports a window's end only on a hit; the hit is taken back at once.
    const { resetAt } = await store.rateLimits.hit(failureKey(user.id), FAILURES_PER_USER.windowMs, now);
    await store.rateLimits.decrement(failureKey(user.id));
    throw new LocalizedRefusal(
      tooMany(secondsUntil(resetAt, now), `Too many wrong codes for this user today: verification is stopped until ${resetAt.toISOString()}.`),
      'verification.error.stopped', { minutes: minutesUntil(resetAt, now) },
    );
  }

  /** Counts this send against both limits; the returned function gives it back. */
  async function takeSendSlot(principal: Principal, user: User, now: Date): Promise<() => Promise<void>> {
    const userKey = sendKeyUser(user.id);
    const perUser = await store.rateLimits.hit(userKey, SENDS_PER_USER.windowMs, now);
    if (perUser.count > SENDS_PER_USER.limit) {
      await store.rateLimits.decrement(userKey);
      // A code is still waiting: the caller can read that one, and the agent should hear it first.
      const waiting = await store.verifications.latestForUser(user.partnerId, user.id);
      const validFor = waiting && waiting.outcome === 'pending' ? Math.ceil((Date.parse(waiting.expiresAt) - now.getTime()) / 60_000) : 0;
      if (validFor > 0) {
        throw new LocalizedRefusal(
          tooMany(secondsUntil(perUser.resetAt, now), `At most ${SENDS_PER_USER.limit} codes per user in 15 minutes. The last code is still valid for ${validFor} min: ask the caller to read it.`),
          'verification.error.userLimitCodeValid', { count: SENDS_PER_USER.limit, valid: validFor, minutes: minutesUntil(perUser.resetAt, now) },
        );
      }
      throw new LocalizedRefusal(
        tooMany(secondsUntil(perUser.resetAt, now), `At most ${SENDS_PER_USER.limit} codes per user in 15 minutes. Try again in ${minutesUntil(perUser.resetAt, now)} min.`),
        'verification.error.userLimit', { count: SENDS_PER_USER.limit, minutes: minutesUntil(perUser.resetAt, now) },
      );
    }
    const agentKey = sendKeyAgent(principal.agentId);
    const perAgent = await store.rateLimits.hit(agentKey, SENDS_PER_AGENT.windowMs, now);
    if (perAgent.count > SENDS_PER_AGENT.limit) {
      await Promise.all([store.rateLimits.decrement(userKey), store.rateLimits.decrement(agentKey)]);
      throw new LocalizedRefusal(
        tooMany(secondsUntil(perAgent.resetAt, now), `At most ${SENDS_PER_AGENT.limit} codes per agent in an hour. Try again in ${minutesUntil(perAgent.resetAt, now)} min.`),
        'verification.error.agentLimit', { count: SENDS_PER_AGENT.limit, minutes: minutesUntil(perAgent.resetAt, now) },
      );
    }
    return async () => {
      await Promise.all([store.rateLimits.decrement(userKey), store.rateLimits.decrement(agentKey)]);
    };
  }

  async function issueCode(principal: Principal, user: User, now: Date): Promise<{ verification: Verification; code: string }> {
    const id = crypto.randomUUID();
    const code = generateCode();
    const verification: Verification = {
      id,
      partnerId: principal.partnerId,
      orgId: user.orgId,
      userId: user.id,
      sentTo: user.email,
      requestedBy: principal.agentId,
      codeHash: hashCode(codeSecret, id, code),
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + CODE_TTL_MS).toISOString(),
      attempts: 0,
      outcome: 'pending',
      settledAt: null,
    };
    await store.verifications.create(verification);
    return { verification, code };
  }

  async function sendCodeMail(ctx: ActionContext, user: User, code: string): Promise<void> {
    const partner = await store.partners.get(ctx.principal.partnerId);
    // The user record has no language yet: the mail follows the agent's, who speaks with the caller.
    const mail = await renderVerificationMail({
      lang: ctx.lang,
      partner: partner?.name ?? '',
      name: user.firstName || user.displayName || user.email,
      code: formatCode(code),
      minutes: CODE_TTL_MS / 60_000,
    });
    await mailer.send({ partnerId: ctx.principal.partnerId, to: user.email, kind: 'verification', ...mail });
  }

  function answer(v: Verification, applied: boolean): CheckResult {
    const base = { userId: v.userId, attemptsLeft: 0 };
    if (applied) {
      if (v.outcome === 'verified') return { ...base, status: 'verified' };
      if (v.outcome === 'locked') return { ...base, status: 'locked' };
      return { ...base, status: 'invalid', attemptsLeft: MAX_ATTEMPTS - v.attempts };
    }
    if (v.outcome === 'locked') return { ...base, status: 'locked' };
    // Timed out, already used, or replaced by a newer code: either way no longer valid.
    return { ...base, status: 'expired' };
  }

  return {
    async send(ctx, userId) {
      const now = clock.now();
      const user = await userInScope(ctx.principal, userId);
      await assertMayEmail(user);
      await assertNotStopped(user, now);
      const giveBackSlot = await takeSendSlot(ctx.principal, user, now);
      const { verification, code } = await issueCode(ctx.principal, user, now);
      const audited = { orgId: user.orgId, subject: `user:${user.id}` };
      try {
        await sendCodeMail(ctx, user, code);
      } catch (err) {
        // Not sent, so not counted: the code can never be answered and the send is given back.
        await store.verifications.void(ctx.principal.partnerId, verification.id, clock.now());
        await giveBackSlot();
        await ctx.audit({
          action: 'verification.send', outcome: 'failure', ...audited,
          detail: { verificationId: verification.id, reason: 'mail_not_sent' },
        });
        throw err;
      }
      const sentTo = maskEmail(user.email);
      await ctx.audit({ action: 'verification.send', ...audited, detail: { verificationId: verification.id, sentTo } });
      return { id: verification.id, userId: user.id, sentTo, expiresAt: verification.expiresAt };
    },

    async check(ctx, verificationId, code) {
      const now = clock.now();
      const { partnerId } = ctx.principal;
      const found = await store.verifications.get(partnerId, verificationId);
      if (!found) throw notFound('Verification');
      const audited = { orgId: found.orgId, subject: `user:${found.userId}` };

      if (await isStopped(found.userId, now)) {
        await ctx.audit({ action: 'verification.check', outcome: 'denied', ...audited, detail: { verificationId, status: 'locked', reason: 'daily_failures' } });
        return { status: 'locked', attemptsLeft: 0, userId: found.userId };
      }
      const correct = codeMatches(codeSecret, found.id, code, found.codeHash);
      const updated = await store.verifications.attempt(partnerId, verificationId, { correct, now, maxAttempts: MAX_ATTEMPTS });
      const result = updated
        ? answer(updated, true)
        : answer((await store.verifications.get(partnerId, verificationId)) ?? found, false);
      if (updated && !correct) await store.rateLimits.hit(failureKey(found.userId), FAILURES_PER_USER.windowMs, now);

      await ctx.audit({
        action: 'verification.check', outcome: result.status === 'verified' ? 'success' : 'failure', ...audited,
        detail: { verificationId, status: result.status, attemptsLeft: result.attemptsLeft },
      });
      if (updated?.outcome === 'locked') {
        await ctx.audit({ action: 'verification.lock', outcome: 'failure', ...audited, detail: { verificationId, attempts: updated.attempts } });
      }
      return result;
    },

    async panel(principal, userId) {
      const now = clock.now();
      const [v, stopped] = await Promise.all([
        store.verifications.latestForUser(principal.partnerId, userId),
        isStopped(userId, now),
      ]);
      if (!v || v.outcome === 'voided' || now.getTime() - Date.parse(v.createdAt) > SHOWN_FOR_MS) {
        return { latest: null, stopped };
      }
      const expired = v.outcome === 'pending' && Date.parse(v.expiresAt) <= now.getTime();
      return {
        latest: {
          id: v.id,
          status: expired ? 'expired' : v.outcome as 'pending' | 'verified' | 'locked',
          sentTo: maskEmail(v.sentTo),
          expiresAt: v.expiresAt,
          secondsLeft: Math.max(0, Math.ceil((Date.parse(v.expiresAt) - now.getTime()) / 1000)),
          attemptsLeft: Math.max(0, MAX_ATTEMPTS - v.attempts),
          settledAt: v.settledAt,
        },
        stopped,
      };
    },
  };
}
