// Reminders to an org's admins 14 and 2 days before a grant of 30 days or more ends.
// Every app process runs the job on a timer; each reminder is claimed in the store first (a unique
// row per grant, kind and end), so however many runs overlap, exactly one sends it.
import type { Logger } from 'pino';
import { isLang } from '../../i18n/i18n';
import type { Mailer } from '../../mail/mailer';
import { renderGrantReminderMail } from '../../mail/templates';
import type { ConsentGrant, GrantReminderKind, Store } from '../../store/store';
import { FULL_ADMIN } from '../customer-sign-in/customer-sign-in.service';

const DAY = 24 * 60 * 60 * 1000;
export const REMINDED_FROM_LENGTH_MS = 30 * DAY;
export const REMINDERS: ReadonlyArray<{ kind: GrantReminderKind; beforeMs: number }> = [
  { kind: '2d', beforeMs: 2 * DAY },
  { kind: '14d', beforeMs: 14 * DAY },
];
/** How often main.ts runs the job: well inside the 2-day window, cheap when nothing is due. */
export const REMINDER_INTERVAL_MS = 15 * 60 * 1000;

export interface GrantReminderDeps { store: Store; mailer: Mailer; publicUrl: string; logger?: Logger }

/** Of the reminders due, only the nearest: a run after an outage sends "2 days left", not both. */
function dueKind(grant: ConsentGrant, now: Date): GrantReminderKind | null {
  const left = Date.parse(grant.expiresAt) - now.getTime();
  return REMINDERS.find((r) => left <= r.beforeMs)?.kind ?? null;
}

export function createGrantReminders(deps: GrantReminderDeps): (now: Date) => Promise<{ sent: number }> {
  const { store, mailer, publicUrl, logger } = deps;

  /** Mails the org's full admins; how many there were and how many mails went out. */
  async function remind(grant: ConsentGrant, kind: GrantReminderKind, now: Date): Promise<{ admins: number; sent: number }> {
    const [org, partner, admins] = await Promise.all([
      store.orgs.get(grant.partnerId, grant.orgId),
      store.partners.get(grant.partnerId),
      store.users.listAdmins(grant.partnerId, grant.orgId),
    ]);
    if (!org) return { admins: 0, sent: 0 };
    const lang = isLang(grant.lang) ? grant.lang : 'en';
    const days = Math.max(1, Math.round((Date.parse(grant.expiresAt) - now.getTime()) / DAY));
    const fullAdmins = admins.filter((u) => u.roles.includes(FULL_ADMIN));
    let sent = 0;
    for (const admin of fullAdmins) {
      const mail = await renderGrantReminderMail({
        lang, name: admin.displayName, partner: partner?.name ?? '', org: org.name, days,
        endsAt: grant.expiresAt, link: `${publicUrl}/customer/login`,
      });
      try {
        await mailer.send({ partnerId: grant.partnerId, to: admin.email, kind: `grant_reminder_${kind}`, ...mail });
        sent++;
      } catch (err) {
        logger?.warn({ grantId: grant.id, kind, err: (err as Error).message }, 'grant reminder not sent');
      }
    }
    return { admins: fullAdmins.length, sent };
  }

  return async function runGrantReminders(now: Date) {
    const horizon = Math.max(...REMINDERS.map((r) => r.beforeMs));
    const ending = await store.consentGrants.endingBy(now, new Date(now.getTime() + horizon));
    let sent = 0;
    for (const grant of ending) {
      if (Date.parse(grant.expiresAt) - Date.parse(grant.grantedAt) < REMINDED_FROM_LENGTH_MS) continue;
      const kind = dueKind(grant, now);
      if (!kind || !(await store.grantReminders.claim(grant.id, kind, grant.expiresAt, now))) continue;
      const result = await remind(grant, kind, now);
      // Nothing went out (mail server down): give the claim back so the next run tries again.
      if (result.admins > 0 && result.sent === 0) await store.grantReminders.release(grant.id, kind, grant.expiresAt);
      sent += result.sent;
    }
    return { sent };
  };
}
