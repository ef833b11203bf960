// Customer admin sign-in by magic link. An address that is a full_admin of an org gets
// a single-use link valid 15 minutes; any other address gets nothing, and the asker sees the same
// answer either way. The token exists in clear only in the mail: the store keeps its SHA-256.
// Opening the link shows a confirm button, so a mail scanner prefetching GET links cannot use it up.
import crypto from 'node:crypto';
import type { Clock } from '../../clock';
import { tooMany } from '../../errors';
import type { CustomerAdminPrincipal } from '../../http/request-context';
import type { Lang } from '../../i18n/i18n';
import type { Mailer } from '../../mail/mailer';
import { renderMagicLinkMail } from '../../mail/templates';
import type { MagicLink, Store, User } from '../../store/store';
import { magicToken } from './customer-sign-in.schema';

export const LINK_TTL_MS = 15 * 60 * 1000;
export const LINKS_PER_ADDRESS = { limit: 5, windowMs: 60 * 60 * 1000 };
export const FULL_ADMIN = 'full_admin';

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

/** Who a session's customer admin is, as stored in the session at sign-in. */
export type CustomerAdminSession = Omit<CustomerAdminPrincipal, 'kind'>;

export interface CustomerLoginService {
  /**
   * Emails the address one link per org it administers (grouped by partner, so one partner's mail
   * never names another partner's org). Resolves once the links are stored; `delivery` settles
   * when the mail is sent, so the answer does not wait on the mail server and takes the same time
   * whether or not the address is known.
   */
  requestLink(email: string, lang: Lang): Promise<{ delivery: Promise<void> }>;
  /** The org a usable link signs in to, without using it (the confirm page). */
  peek(token: string): Promise<{ orgName: string } | null>;
  /** Uses the link (once, atomically); the customer admin it signs in, or null. */
  consume(token: string): Promise<CustomerAdminPrincipal | null>;
  /** Re-checks a session's customer admin on every request: still a full_admin of that org? */
  principalFor(session: CustomerAdminSession): Promise<CustomerAdminPrincipal | null>;
}

/**
 * A sign-in link mail that did not go out. It names the users it was for by id and the cause by
 * its code: the cause's own message may hold the address (the suppression refusal does), and the
 * log must not.
 */
export class LinkMailError extends Error {
  readonly code: string;
  constructor(readonly userIds: string[], cause: unknown) {
    const code = String((cause as { code?: unknown })?.code ?? (cause as Error)?.name ?? 'unknown');
    super(`sign-in link mail not sent (${code})`);
    this.name = 'LinkMailError';
    this.code = code;
  }
}

export function createCustomerLoginService(deps: { store: Store; mailer: Mailer; clock: Clock; publicUrl: string }): CustomerLoginService {
  const { store, mailer, clock, publicUrl } = deps;

  const asPrincipal = (u: User): CustomerAdminPrincipal =>
    ({ kind: 'customer_admin', email: u.email, orgId: u.orgId, partnerId: u.partnerId, userId: u.id });

  async function stillAdmin(partnerId: string, orgId: string, userId: string): Promise<User | null> {
    const user = await store.users.get(partnerId, userId);
    return user && user.orgId === orgId && user.roles.includes(FULL_ADMIN) ? user : null;
  }

  async function assertUnderAddressLimit(email: string, now: Date): Promise<void> {
    // Counted for every address, known or not, so the limit itself tells nothing about the address.
    const { count, resetAt } = await store.rateLimits.hit(`magic-link:${email}`, LINKS_PER_ADDRESS.windowMs, now);
    if (count > LINKS_PER_ADDRESS.limit) {
      throw tooMany(Math.max(1, Math.ceil((resetAt.getTime() - now.getTime()) / 1000)),
        `At most ${LINKS_PER_ADDRESS.limit} sign-in links per address in an hour.`);
    }
  }

  async function issueLink(admin: User, now: Date): Promise<string> {
    const token = crypto.randomBytes(32).toString('base64url');
    const link: MagicLink = {
      // A 256-bit random token needs no slow or keyed hash: SHA-256 of it cannot be reversed or guessed.
      tokenHash: sha256(token),
      email: admin.email,
      partnerId: admin.partnerId,
      orgId: admin.orgId,
      userId: admin.id,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + LINK_TTL_MS).toISOString(),
      consumedAt: null,
    };
    await store.magicLinks.create(link);
    return `${publicUrl}/customer/login/${token}`;
  }

  async function sendLinks(email: string, lang: Lang, partnerId: string, links: Array<{ org: string; url: string; userId: string }>) {
    try {
      const partner = await store.partners.get(partnerId);
      const mail = await renderMagicLinkMail({ lang, partner: partner?.name ?? '', links, minutes: LINK_TTL_MS / 60000 });
      await mailer.send({ partnerId, to: email, kind: 'customer_sign_in', ...mail });
    } catch (err) {
      throw new LinkMailError(links.map((l) => l.userId), err);
    }
  }

  return {
    async requestLink(email, lang) {
      const now = clock.now();
      await assertUnderAddressLimit(email, now);
      await store.magicLinks.purgeExpired(now);
      const admins = await store.users.findFullAdminsByEmail(email);
      const byPartner = new Map<string, Array<{ org: string; url: string; userId: string }>>();
      for (const admin of admins) {
        const org = await store.orgs.get(admin.partnerId, admin.orgId);
        if (!org) continue;
        const links = byPartner.get(admin.partnerId) ?? [];
        links.push({ org: org.name, url: await issueLink(admin, now), userId: admin.id });
        byPartner.set(admin.partnerId, links);
      }
      const delivery = Promise.all([...byPartner].map(([partnerId, links]) => sendLinks(email, lang, partnerId, links)))
        .then(() => undefined);
      return { delivery };
    },

    async peek(token) {
      if (!magicToken.safeParse(token).success) return null;
      const link = await store.magicLinks.peek(sha256(token), clock.now());
      if (!link) return null;
      const org = await store.orgs.get(link.partnerId, link.orgId);
      return org ? { orgName: org.name } : null;
    },

    async consume(token) {
      if (!magicToken.safeParse(token).success) return null;
      const link = await store.magicLinks.consume(sha256(token), clock.now());
      if (!link) return null;
      // The role may have been taken away since the mail went out.
      const user = await stillAdmin(link.partnerId, link.orgId, link.userId);
      return user ? asPrincipal(user) : null;
    },

    async principalFor(session) {
      const user = await stillAdmin(session.partnerId, session.orgId, session.userId);
      return user ? asPrincipal(user) : null;
    },
  };
}
