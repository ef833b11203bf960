// The call summary: what this agent did for this user in the last hour, read back from the audit
// trail (src/features/audit), as plain text to paste into a ticket. The audit log is the record of
// what happened, so the summary never claims more than it holds: a code counts as verified only
// when its check was audited as verified, a clearance only when it succeeded.
import type { Clock } from '../../clock';
import { notFound } from '../../errors';
import type { Principal } from '../../http/request-context';
import type { MessageKey, Translate } from '../../i18n/i18n';
import type { AuditEvent, Store } from '../../store/store';
import { isTimeZone } from '../../http/time-zone';

/** How far back "this call" reaches. */
export const CALL_WINDOW_MS = 60 * 60_000;
/** More than any one call writes; the window bounds the read anyway. */
const MAX_EVENTS = 500;

export interface CallSummaryOptions {
  /** IANA time zone of the agent; times are shown in UTC when it is unknown. */
  timeZone?: string;
}

export interface CallSummaryService {
  /** The summary's lines, in the agent's language (`t`). Throws 404 when the user is not the agent's to see. */
  forUser(principal: Principal, userId: string, t: Translate, options?: CallSummaryOptions): Promise<string>;
}

const oneLine = (s: unknown) => String(s ?? '').replace(/\s+/g, ' ').trim();

function clockTime(iso: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone })
    .formatToParts(new Date(iso));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '00';
  return `${part('hour')}:${part('minute')} ${timeZone}`;
}

export function createCallSummaryService(store: Store, clock: Clock): CallSummaryService {
  return {
    async forUser(principal, userId, t, options = {}) {
      const user = await store.users.get(principal.partnerId, userId);
      if (!user) throw notFound('User');
      const org = await store.orgs.get(principal.partnerId, user.orgId);
      const timeZone = options.timeZone && isTimeZone(options.timeZone) ? options.timeZone : 'UTC';
      const at = (e: AuditEvent) => clockTime(e.at, timeZone);

      const now = clock.now();
      const { events } = await store.audit.query({
        partnerId: principal.partnerId, orgId: user.orgId, actorId: principal.agentId,
        from: new Date(now.getTime() - CALL_WINDOW_MS).toISOString(), limit: MAX_EVENTS, offset: 0,
      });
      const subject = `user:${user.id}`;
      const aboutUser = (e: AuditEvent) => e.subject === subject && e.outcome === 'success';
      let verified: AuditEvent | null = null;
      let codeSent: AuditEvent | null = null;
      const done: string[] = [];
      const viewReasons = new Set<string>();
      // Oldest first: the summary tells the call in order.
      for (const e of [...events].reverse()) {
        const reason = oneLine(e.detail.reason);
        const line = (key: MessageKey, params: Record<string, string> = {}) => done.push(t(key, { time: at(e), ...params }));
        if (e.action === 'verification.check' && aboutUser(e) && e.detail.status === 'verified') verified = e;
        else if (e.action === 'verification.send' && aboutUser(e)) codeSent = e;
        else if (e.action === 'suppression.clear' && aboutUser(e)) line('summary.suppressionCleared', { reason });
        else if (e.action === 'email.welcome.resend' && aboutUser(e)) line('summary.welcomeResent');
        else if (e.action === 'consent.request' && e.outcome === 'success') line('summary.accessRequested', { reason });
        else if (e.action === 'portal.view' && e.outcome === 'success' && reason && !viewReasons.has(reason)) {
          // Each page of the read-only view is audited; the summary says once per reason that it was opened.
          viewReasons.add(reason);
          line('summary.readOnlyOpened', { reason });
        }
      }

      const name = oneLine(user.displayName) || oneLine(`${user.firstName ?? ''} ${user.lastName ?? ''}`) || user.email;
      const who = t('summary.who', { name, email: user.email, org: org?.name ?? '' });
      const verification = verified
        ? t('summary.verified', { time: at(verified) })
        : codeSent ? t('summary.codeNotVerified', { time: at(codeSent) }) : t('summary.notVerified');
      return [who, verification, ...done].join('\n');
    },
  };
}
