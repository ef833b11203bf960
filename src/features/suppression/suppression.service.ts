// Email status and the suppression list on the user page. A caller says they never got
// their welcome email: the agent sees the address bounced, when and why, clears it with a reason
// and resends the welcome email. Every read starts from a user scoped by the agent's partner: the
// list is kept per address, and an agent never looks up an address of their own choosing.
import type { Clock } from '../../clock';
import { LocalizedRefusal, type ActionContext } from '../../http/action-context';
import { conflict, forbidden, notFound, tooMany } from '../../errors';
import type { Principal } from '../../http/request-context';
import type { MessageKey } from '../../i18n/i18n';
import type { Mailer } from '../../mail/mailer';
import { AddressSuppressedError } from '../../mail/suppression-aware-mailer';
import { renderWelcomeMail } from '../../mail/templates';
import type { LastEmail, Store, Suppression, User } from '../../store/store';
import { maskEmail } from '../verification/verification.service';

/**
 * A suppression entry as partner `partnerId` sees it. The entry itself (reason, since) is the
 * platform's and shown to every partner whose user has the address; the provider's diagnostic of
 * another partner's mail is not (it may quote that mail), nor whose mail it was.
 */
export function suppressionSeenBy(partnerId: string, entry: Suppression | null): Suppression | null {
  if (!entry) return null;
  const { partnerId: owner, ...shown } = entry;
  return owner && owner !== partnerId ? { ...shown, detail: '' } : shown;
}

/** "In this call": a complaint is cleared only for a caller verified by code this recently. */
export const COMPLAINT_VERIFIED_WITHIN_MS = 30 * 60 * 1000;

/** The user's email state, as the API answers it. */
export interface EmailState {
  email: string;
  lastEmail: LastEmail | null;
  suppression: Suppression | null;
}

export interface EmailPanel extends EmailState {
  /** Whether Clear from suppression list may be used now; false when nothing is suppressed. */
  mayClear: boolean;
  /** Why not, when the address is suppressed but may not be cleared yet. */
  clearBlocked: 'complaint_needs_verification' | null;
}

export interface SuppressionService {
  /** Null when the user is not the agent's to see (the user page answers 404 on its own). */
  panel(principal: Principal, userId: string): Promise<EmailPanel | null>;
  clear(ctx: ActionContext, userId: string, reason: string): Promise<EmailState>;
  resendWelcome(ctx: ActionContext, userId: string): Promise<{ sentTo: string }>;
}

const day = (iso: string) => iso.slice(0, 10);

/** The mailer's refusal, with the words the page needs (reason and date). */
export const suppressedRefusal = (s: Suppression, key: MessageKey) =>
  new LocalizedRefusal(new AddressSuppressedError(s), key, { date: day(s.since) });

/** A welcome email on demand, not a mailbox flood (which would earn the address a spam complaint). */
export const WELCOME_RESENDS_PER_USER = { limit: 3, windowMs: 60 * 60 * 1000 };

export function createSuppressionService(deps: { store: Store; mailer: Mailer; clock: Clock }): SuppressionService {
  const { store, mailer, clock } = deps;

  async function userInScope(principal: Principal, userId: string): Promise<User> {
    const user = await store.users.get(principal.partnerId, userId);
    if (!user) throw notFound('User');
    return user;
  }

  /** The caller read back a code sent to this very address within the last 30 minutes. */
  async function verifiedInThisCall(principal: Principal, user: User): Promise<boolean> {
    const v = await store.verifications.latestForUser(principal.partnerId, user.id);
    if (!v || v.outcome !== 'verified' || !v.settledAt || v.sentTo !== user.email) return false;
    return clock.now().getTime() - Date.parse(v.settledAt) <= COMPLAINT_VERIFIED_WITHIN_MS;
  }

  const stateOf = async (user: User): Promise<EmailState> =>
    ({ email: user.email, lastEmail: user.lastEmail, suppression: suppressionSeenBy(user.partnerId, await store.suppressions.get(user.email)) });

  const audited = (user: User) => ({ orgId: user.orgId, subject: `user:${user.id}` });

  function complaintRefusal(): LocalizedRefusal {
    return new LocalizedRefusal(
      forbidden('This address is suppressed after a spam complaint: it is cleared only once the caller has been '
        + 'verified by code in this call (the last 30 minutes). The user asks for the mail back, not the agent.'),
      'suppression.error.complaintNeedsVerification',
    );
  }

  const notSuppressed = () => new LocalizedRefusal(
    conflict('The address is not on the suppression list.'), 'suppression.error.notSuppressed');

  return {
    async panel(principal, userId) {
      const user = await store.users.get(principal.partnerId, userId);
      if (!user) return null;
      const state = await stateOf(user);
      if (!state.suppression) return { ...state, mayClear: false, clearBlocked: null };
      const blocked = state.suppression.reason === 'complaint' && !(await verifiedInThisCall(principal, user));
      return { ...state, mayClear: !blocked, clearBlocked: blocked ? 'complaint_needs_verification' : null };
    },

    async clear(ctx, userId, reason) {
      const user = await userInScope(ctx.principal, userId);
      const current = await store.suppressions.get(user.email);
      if (!current) throw notSuppressed();
      const verified = await verifiedInThisCall(ctx.principal, user);
      if (current.reason === 'complaint' && !verified) {
        await ctx.audit({
          action: 'suppression.clear', outcome: 'denied', ...audited(user),
          detail: { suppressedFor: current.reason, since: current.since, reason, why: 'complaint_needs_verification' },
        });
        throw complaintRefusal();
      }
      const removed = await store.suppressions.remove(user.email);
      if (!removed) throw notSuppressed();
      // A complaint that arrived between the check and the removal goes back on the list.
      if (removed.reason === 'complaint' && !verified) {
        await store.suppressions.upsert(removed);
        throw complaintRefusal();
      }
      await ctx.audit({
        action: 'suppression.clear', ...audited(user),
        detail: { suppressedFor: removed.reason, since: removed.since, diagnostic: suppressionSeenBy(user.partnerId, removed)!.detail, reason },
      });
      return stateOf(user);
    },

    async resendWelcome(ctx, userId) {
      const user = await userInScope(ctx.principal, userId);
      const suppression = await store.suppressions.get(user.email);
      if (suppression) throw suppressedRefusal(suppression, `suppression.error.welcomeSuppressed.${suppression.reason}`);
      const [partner, org] = await Promise.all([
        store.partners.get(ctx.principal.partnerId),
        store.orgs.get(ctx.principal.partnerId, user.orgId),
      ]);
      // The user record has no language yet: the mail follows the agent's, who speaks with the caller.
      const mail = await renderWelcomeMail({
        lang: ctx.lang,
        partner: partner?.name ?? '',
        org: org?.name ?? '',
        name: user.firstName || user.displayName || user.email,
        email: user.email,
      });
      const sentTo = maskEmail(user.email);
      const limitKey = `welcome-resend:${user.id}`;
      const now = clock.now();
      const slot = await store.rateLimits.hit(limitKey, WELCOME_RESENDS_PER_USER.windowMs, now);
      if (slot.count > WELCOME_RESENDS_PER_USER.limit) {
        await store.rateLimits.decrement(limitKey);
        const seconds = Math.max(1, Math.ceil((slot.resetAt.getTime() - now.getTime()) / 1000));
        throw new LocalizedRefusal(tooMany(seconds, `The welcome email was sent ${WELCOME_RESENDS_PER_USER.limit} times in the last hour; try again later.`),
          'suppression.error.welcomeTooMany', { minutes: Math.ceil(seconds / 60) });
      }
      try {
        await mailer.send({ partnerId: ctx.principal.partnerId, to: user.email, kind: 'welcome', ...mail });
      } catch (err) {
        // Not sent, so not counted.
        await store.rateLimits.decrement(limitKey);
        await ctx.audit({ action: 'email.welcome.resend', outcome: 'failure', ...audited(user), detail: { sentTo, reason: 'mail_not_sent' } });
        throw err;
      }
      await ctx.audit({ action: 'email.welcome.resend', ...audited(user), detail: { sentTo } });
      return { sentTo };
    },
  };
}
