// Consent's story: a customer admin grants the partner read-only access to their org for
// a period, extends or revokes it, answers the partner's access requests, and reads who from the
// partner looked at what. Agents see whether a grant is active and ask for one. A grant is active
// while it is neither revoked nor past its end, read from the clock on every request: expiry needs
// no job and revocation applies to the very next request.
import crypto from 'node:crypto';
import type { Clock } from '../../clock';
import { AppError, conflict, invalid, isAppError, notFound, tooMany } from '../../errors';
import type { AgentPrincipal, CustomerAdminPrincipal, Principal } from '../../http/request-context';
import { isLang, type Lang } from '../../i18n/i18n';
import type { Mailer } from '../../mail/mailer';
import { AddressSuppressedError, suppressionAllows } from '../../mail/suppression-aware-mailer';
import { renderAccessAnswerMail, renderAccessRequestMail } from '../../mail/templates';
import type { AccessRequest, AuditEvent, ConsentGrant, Org, Store, SupportPlan, User } from '../../store/store';
import { FULL_ADMIN } from '../customer-sign-in/customer-sign-in.service';
import { GRANT_PERIODS, MAX_GRANT_MS, type PeriodInput } from './consent.schema';
import type { ActionContext } from '../../http/action-context';

const DAY = 24 * 60 * 60 * 1000;
export const REQUESTS_PER_AGENT_AND_ORG = { limit: 3, windowMs: 60 * 60 * 1000 };
const HISTORY_LIMIT = 50;
/** The newest page views the access log reads: months of daily use for one org. */
export const ACCESS_LOG_LIMIT = 5000;
export const ACCESS_LOG_PAGE_SIZE = 20;
/**
 * Views by one agent of one page that follow each other within this gap are one visit: a call's
 * page loads and redirects are one row, a visit the next day another.
 */
export const VISIT_GAP_MS = 10 * 60 * 1000;
/** Agent actions that open a page of the org: what the customer's access log lists. */
export const VIEW_ACTIONS = ['org.view', 'user.view', 'device.view', 'portal.view'] as const;

export type GrantState = 'active' | 'expired' | 'revoked';
export interface GrantView extends ConsentGrant { state: GrantState; secondsLeft: number }

export interface AccessLogEntry {
  at: string;
  agentName: string;
  agentEmail: string;
  action: string;
  /** What was opened: the org itself, or a user or device of it (name resolved now). */
  page: 'org' | 'user' | 'device' | 'portal';
  subjectName: string | null;
  reason: string | null;
  via: 'page' | 'api';
}

/** One visit: the views of one page by one agent, each within VISIT_GAP_MS of the one before. */
export interface AccessLogVisit extends AccessLogEntry {
  /** The first view; `at` is the last. */
  firstAt: string;
  count: number;
}

export interface AccessLogPage {
  visits: AccessLogVisit[];
  page: number;
  pages: number;
}

export interface CustomerPortalView {
  org: Pick<Org, 'id' | 'name'>;
  partnerName: string;
  supportPlan: SupportPlan | null;
  active: GrantView | null;
  pending: AccessRequest[];
  history: GrantView[];
  accessLog: AccessLogPage;
}

export interface AgentConsentPanel {
  org: Pick<Org, 'id' | 'name'>;
  active: GrantView | null;
  /** The newest grant when none is active: when it expired or was revoked. */
  last: GrantView | null;
  pending: AccessRequest | null;
  /** The signed-in agent's newest request, once the customer answered it (and none of theirs is pending). */
  answered: AccessRequest | null;
}

/**
 * A new request with how many of the org's full admins its mail reached, or the agent's own request
 * still pending (nothing new stored or sent).
 */
export type AccessRequestResult =
  | { request: AccessRequest; created: true; admins: number; notified: number }
  | { request: AccessRequest; created: false };

/** Without an active grant: the view answers 403 and offers Request access. */
export class NoActiveGrant extends AppError {
  constructor(
    readonly org: Pick<Org, 'id' | 'name'>,
    readonly pending: AccessRequest | null,
    /** The newest grant, expired or revoked, so the page can say since when access is gone. */
    readonly last: GrantView | null = null,
    /**
     * Who a request would be emailed to: the org's full admins, and how many of them have an
     * address the platform mails (not on the suppression list). The page says what a request does.
     */
    readonly admins: { total: number; reachable: number } = { total: 0, reachable: 0 },
  ) {
    super('forbidden', 403, 'This organization has not granted read-only access (or it has ended). Request access first.');
  }
}

/** Who acts, in which language, and how their action lands in the audit trail. */

export interface ConsentService {
  /** The customer portal's consent sections; `logPage` pages the access log (newest visits first). */
  customerPortal(admin: CustomerAdminPrincipal, logPage?: number): Promise<CustomerPortalView>;
  grant(ctx: ActionContext<CustomerAdminPrincipal>, input: PeriodInput): Promise<ConsentGrant>;
  extend(ctx: ActionContext<CustomerAdminPrincipal>, grantId: string, input: PeriodInput): Promise<ConsentGrant>;
  revoke(ctx: ActionContext<CustomerAdminPrincipal>, grantId: string): Promise<ConsentGrant>;
  approve(ctx: ActionContext<CustomerAdminPrincipal>, requestId: string, input: PeriodInput): Promise<ConsentGrant>;
  deny(ctx: ActionContext<CustomerAdminPrincipal>, requestId: string): Promise<AccessRequest>;

  agentPanel(principal: Principal, orgId: string): Promise<AgentConsentPanel>;
  requestAccess(ctx: ActionContext<AgentPrincipal>, orgId: string, reason: string): Promise<AccessRequestResult>;
  /** The org and its active grant, read now; 404 out of scope, NoActiveGrant (403) without one. */
  requireActive(principal: Principal, orgId: string): Promise<{ org: Org; grant: GrantView }>;
}

export function createConsentService(deps: { store: Store; mailer: Mailer; clock: Clock; publicUrl: string }): ConsentService {
  const { store, mailer, clock, publicUrl } = deps;

  const viewOf = (g: ConsentGrant, now: Date): GrantView => {
    const left = Date.parse(g.expiresAt) - now.getTime();
    const state: GrantState = g.revokedAt ? 'revoked' : left > 0 ? 'active' : 'expired';
    return { ...g, state, secondsLeft: state === 'active' ? Math.ceil(left / 1000) : 0 };
  };

  async function orgOf(partnerId: string, orgId: string): Promise<Org> {
    const org = await store.orgs.get(partnerId, orgId);
    if (!org) throw notFound('Organization');
    return org;
  }

  /** The end a period gives, counted from `from`; never more than a year from now. */
  function endOf(input: PeriodInput, from: Date, now: Date): Date {
    let end: number;
    if (input.period === 'custom') {
      // The chosen day is the last day of access, to its end (UTC); a year from now at the latest.
      const day = Date.parse(`${input.until}T00:00:00.000Z`);
      if (Number.isNaN(day) || day > now.getTime() + MAX_GRANT_MS) {
        throw invalid('until: at most one year from today', [{ field: 'until', message: 'at most one year from today' }]);
      }
      end = Math.min(day + DAY, now.getTime() + MAX_GRANT_MS);
    } else {
      end = from.getTime() + GRANT_PERIODS[input.period];
    }
    if (end <= now.getTime()) throw invalid('until: must be in the future', [{ field: 'until', message: 'must be in the future' }]);
    if (end > now.getTime() + MAX_GRANT_MS) {
      throw invalid('period: access ends at most one year from now', [{ field: 'period', message: 'at most one year from now' }]);
    }
    return new Date(end);
  }

  async function grantOf(admin: CustomerAdminPrincipal, grantId: string): Promise<ConsentGrant> {
    const grant = await store.consentGrants.get(admin.partnerId, admin.orgId, grantId);
    if (!grant) throw notFound('Grant');
    return grant;
  }

  async function pendingRequestOf(admin: CustomerAdminPrincipal, requestId: string): Promise<AccessRequest> {
    const request = await store.accessRequests.get(admin.partnerId, admin.orgId, requestId);
    if (!request) throw notFound('Access request');
    if (request.status !== 'pending') throw conflict('This access request was already answered.');
    return request;
  }

  async function createGrant(ctx: ActionContext<CustomerAdminPrincipal>, expiresAt: Date, requestId: string | null) {
    const { principal: admin } = ctx;
    const now = clock.now();
    const grant: ConsentGrant = {
      id: crypto.randomUUID(),
      orgId: admin.orgId,
      partnerId: admin.partnerId,
      grantedBy: admin.userId,
      grantedByEmail: admin.email,
      grantedAt: now.toISOString(),
      expiresAt: expiresAt.toISOString(),
      revokedAt: null,
      revokedBy: null,
      requestId,
      lang: ctx.lang,
    };
    if (!(await store.consentGrants.create(grant, now))) {
      throw conflict('Read-only access is already granted: extend or revoke it instead.');
    }
    await ctx.audit({ action: 'consent.grant', subject: `grant:${grant.id}`, detail: { expiresAt: grant.expiresAt, requestId } });
    return grant;
  }

  async function extendGrant(ctx: ActionContext<CustomerAdminPrincipal>, grant: ConsentGrant, expiresAt: Date) {
    const { principal: admin } = ctx;
    if (expiresAt.getTime() <= Date.parse(grant.expiresAt)) {
      throw invalid('period: the new end must be later than the current one', [{ field: 'period', message: 'later than the current end' }]);
    }
    const extended = await store.consentGrants.extend(admin.partnerId, admin.orgId, grant.id, expiresAt.toISOString(), clock.now());
    if (!extended) throw conflict('This grant has ended or was revoked: grant access again instead.');
    await ctx.audit({
      action: 'consent.extend', subject: `grant:${grant.id}`, detail: { from: grant.expiresAt, expiresAt: extended.expiresAt },
    });
    return extended;
  }

  /**
   * The org's page views by the partner folded into visits, newest first, and one page of them with
   * names: the views of one agent of one page (same reason and channel) each within VISIT_GAP_MS of
   * the one before are one visit. Names are read for the page shown only.
   */
  async function accessLog(org: Org, page: number): Promise<AccessLogPage> {
    const { events: all } = await store.audit.query({
      partnerId: org.partnerId, orgId: org.id, actions: [...VIEW_ACTIONS], limit: ACCESS_LOG_LIMIT, offset: 0,
    });
    // Only people of the partner: the customer's own admins are not "access by the partner".
    const visits: Array<{ last: AuditEvent; firstAt: string; count: number }> = [];
    const open = new Map<string, (typeof visits)[number]>();
    for (const e of all) {
      if (e.actorRole === 'customer_admin') continue;
      const key = [e.actorId, e.action, e.subject, e.detail.reason ?? '', e.detail.via ?? ''].join('\u0000');
      const visit = open.get(key);
      if (visit && Date.parse(visit.firstAt) - Date.parse(e.at) <= VISIT_GAP_MS) {
        visit.firstAt = e.at;
        visit.count += 1;
        continue;
      }
      const started = { last: e, firstAt: e.at, count: 1 };
      open.set(key, started);
      visits.push(started);
    }
    const pages = Math.max(1, Math.ceil(visits.length / ACCESS_LOG_PAGE_SIZE));
    const at = Math.min(Math.max(1, page), pages);
    const shown = visits.slice((at - 1) * ACCESS_LOG_PAGE_SIZE, at * ACCESS_LOG_PAGE_SIZE);
    const agents = new Map((await store.agents.listByPartner(org.partnerId)).map((a) => [a.id, a]));
    const names = await subjectNames(org, shown.map((v) => v.last));
    return {
      page: at,
      pages,
      visits: shown.map(({ last: e, firstAt, count }) => {
        const agent = e.actorId ? agents.get(e.actorId) : undefined;
        const [kind, id] = (e.subject ?? '').split(':');
        return {
          at: e.at,
          firstAt,
          count,
          agentName: agent?.name ?? '',
          agentEmail: agent?.email ?? '',
          action: e.action,
          page: e.action === 'portal.view' ? 'portal' : (e.action.split('.')[0] as AccessLogEntry['page']),
          subjectName: kind === 'user' || kind === 'device' ? names.get(`${kind}:${id}`) ?? null : null,
          reason: typeof e.detail.reason === 'string' ? e.detail.reason : null,
          via: e.detail.via === 'api' ? 'api' : 'page',
        };
      }),
    };
  }

  /** Names of the users and devices in the log, read from the org itself (never another org's). */
  async function subjectNames(org: Org, events: AuditEvent[]): Promise<Map<string, string>> {
    const subjects = [...new Set(events.map((e) => e.subject ?? '').filter((s) => /^(user|device):/.test(s)))];
    const names = new Map<string, string>();
    await Promise.all(subjects.map(async (s) => {
      const [kind, id] = s.split(':');
      const found = kind === 'user' ? await store.users.get(org.partnerId, id) : await store.devices.get(org.partnerId, id);
      if (found && found.orgId === org.id) names.set(s, kind === 'user' ? (found as User).displayName : found.displayName);
    }));
    return names;
  }

  /** The full admins a request is mailed to (mailAdmins), and how many are not on the suppression list. */
  async function requestRecipients(org: Org): Promise<{ total: number; reachable: number }> {
    const admins = (await store.users.listAdmins(org.partnerId, org.id)).filter((u) => u.roles.includes(FULL_ADMIN));
    const suppressed = await Promise.all(admins.map(async (u) => !u.email || !suppressionAllows(await store.suppressions.get(u.email), 'access_request')));
    return { total: admins.length, reachable: suppressed.filter((s) => !s).length };
  }

  /**
   * Mails the org's full admins; how many it reached. An admin whose address is suppressed gets
   * nothing (the mailer refuses it) and a mail the server does not take is not retried: the request
   * is stored either way and waits in the customer portal, so neither is an error of the request.
   */
  async function mailAdmins(org: Org, request: AccessRequest, lang: Lang): Promise<{ admins: number; notified: number }> {
    const admins = (await store.users.listAdmins(org.partnerId, org.id)).filter((u) => u.roles.includes(FULL_ADMIN));
    const partner = await store.partners.get(org.partnerId);
    let notified = 0;
    for (const admin of admins) {
      const mail = await renderAccessRequestMail({
        lang, name: admin.displayName, partner: partner?.name ?? '', org: org.name,
        agent: request.requestedByName, reason: request.reason, link: `${publicUrl}/customer/login`,
      });
      try {
        await mailer.send({ partnerId: org.partnerId, to: admin.email, kind: 'access_request', ...mail });
        notified += 1;
      } catch (err) {
        if (!(err instanceof AddressSuppressedError) && !(isAppError(err) && err.code === 'unavailable')) throw err;
      }
    }
    return { admins: admins.length, notified };
  }

  /**
   * Tells the agent who asked what the customer answered. Best effort, as the request mail: the
   * answer stands whether or not the mail leaves, and the agent also sees it on the org page.
   */
  async function mailAnswer(org: Org, request: AccessRequest, answer: 'approved' | 'denied', until: string | null): Promise<void> {
    const agent = await store.agents.get(request.requestedBy);
    if (!agent || agent.partnerId !== org.partnerId || agent.disabled) return;
    const partner = await store.partners.get(org.partnerId);
    const mail = await renderAccessAnswerMail({
      lang: isLang(request.lang) ? request.lang : 'en', name: agent.name, partner: partner?.name ?? '', org: org.name,
      answer, until, link: `${publicUrl}/orgs/${encodeURIComponent(org.id)}`,
    });
    try {
      await mailer.send({ partnerId: org.partnerId, to: agent.email, kind: 'access_answer', ...mail });
    } catch (err) {
      if (!(err instanceof AddressSuppressedError) && !(isAppError(err) && err.code === 'unavailable')) throw err;
    }
  }

  /** A grant answers every request of the org still waiting: the agents asked for exactly this. */
  async function answerPending(ctx: ActionContext<CustomerAdminPrincipal>, org: Org, grant: ConsentGrant, except?: string): Promise<AccessRequest[]> {
    const { principal: admin } = ctx;
    const pending = await store.accessRequests.listByOrg(org.partnerId, org.id, { status: 'pending', limit: HISTORY_LIMIT, offset: 0 });
    const answered: AccessRequest[] = [];
    for (const request of pending) {
      if (request.id === except) continue;
      const decided = await store.accessRequests.decide(admin.partnerId, admin.orgId, request.id,
        { status: 'approved', by: admin.userId, at: clock.now().toISOString(), grantId: grant.id });
      if (!decided) continue;
      await ctx.audit({ action: 'consent.approve', subject: `request:${request.id}`,
        detail: { requestedBy: request.requestedBy, grantId: grant.id, by: 'grant' } });
      answered.push(decided);
    }
    return answered;
  }

  return {
    async customerPortal(admin, logPage = 1) {
      const now = clock.now();
      const org = await orgOf(admin.partnerId, admin.orgId);
      const [partner, active, pending, history, log] = await Promise.all([
        store.partners.get(org.partnerId),
        store.consentGrants.active(org.partnerId, org.id, now),
        store.accessRequests.listByOrg(org.partnerId, org.id, { status: 'pending', limit: HISTORY_LIMIT, offset: 0 }),
        store.consentGrants.listByOrg(org.partnerId, org.id, { limit: HISTORY_LIMIT, offset: 0 }),
        accessLog(org, logPage),
      ]);
      return {
        org: { id: org.id, name: org.name },
        partnerName: partner?.name ?? '',
        supportPlan: org.supportPlan,
        active: active ? viewOf(active, now) : null,
        pending,
        history: history.map((g) => viewOf(g, now)),
        accessLog: log,
      };
    },

    async grant(ctx, input) {
      const org = await orgOf(ctx.principal.partnerId, ctx.principal.orgId);
      const now = clock.now();
      const grant = await createGrant(ctx, endOf(input, now, now), null);
      for (const request of await answerPending(ctx, org, grant)) await mailAnswer(org, request, 'approved', grant.expiresAt);
      return grant;
    },

    async extend(ctx, grantId, input) {
      const grant = await grantOf(ctx.principal, grantId);
      const now = clock.now();
      // A preset adds to the current end; a custom date is the new last day.
      return extendGrant(ctx, grant, endOf(input, new Date(Math.max(Date.parse(grant.expiresAt), now.getTime())), now));
    },

    async revoke(ctx, grantId) {
      const { principal: admin } = ctx;
      await grantOf(admin, grantId);
      const revoked = await store.consentGrants.revoke(admin.partnerId, admin.orgId, grantId, admin.userId, clock.now());
      if (!revoked) throw conflict('This grant has already ended or was revoked.');
      await ctx.audit({ action: 'consent.revoke', subject: `grant:${grantId}`, detail: { expiresAt: revoked.expiresAt } });
      return revoked;
    },

    async approve(ctx, requestId, input) {
      const { principal: admin } = ctx;
      const request = await pendingRequestOf(admin, requestId);
      const now = clock.now();
      const expiresAt = endOf(input, now, now);
      // An approval while access is already granted lengthens that grant rather than adding another.
      const active = await store.consentGrants.active(admin.partnerId, admin.orgId, now);
      // The grant and the answer commit together or not at all (a transaction on both stores): a
      // request is never approved without its grant, nor a grant made for a request still pending.
      const grant = await store.transaction(async () => {
        const grant = !active ? await createGrant(ctx, expiresAt, request.id)
          : expiresAt.getTime() > Date.parse(active.expiresAt) ? await extendGrant(ctx, active, expiresAt) : active;
        const decided = await store.accessRequests.decide(admin.partnerId, admin.orgId, request.id,
          { status: 'approved', by: admin.userId, at: now.toISOString(), grantId: grant.id });
        if (!decided) throw conflict('This access request was already answered.');
        await ctx.audit({ action: 'consent.approve', subject: `request:${request.id}`,
          detail: { requestedBy: request.requestedBy, grantId: grant.id } });
        return grant;
      });
      // The other agents waiting on this org get the same access: their requests are answered too.
      const org = await orgOf(admin.partnerId, admin.orgId);
      const others = await answerPending(ctx, org, grant, request.id);
      for (const r of [request, ...others]) await mailAnswer(org, r, 'approved', grant.expiresAt);
      return grant;
    },

    async deny(ctx, requestId) {
      const { principal: admin } = ctx;
      const request = await pendingRequestOf(admin, requestId);
      const decided = await store.accessRequests.decide(admin.partnerId, admin.orgId, request.id,
        { status: 'denied', by: admin.userId, at: clock.now().toISOString(), grantId: null });
      if (!decided) throw conflict('This access request was already answered.');
      await ctx.audit({ action: 'consent.deny', subject: `request:${request.id}`, detail: { requestedBy: request.requestedBy } });
      await mailAnswer(await orgOf(admin.partnerId, admin.orgId), request, 'denied', null);
      return decided;
    },

    async agentPanel(principal, orgId) {
      const now = clock.now();
      const org = await orgOf(principal.partnerId, orgId);
      const [active, [last], [pending], recent] = await Promise.all([
        store.consentGrants.active(org.partnerId, org.id, now),
        store.consentGrants.listByOrg(org.partnerId, org.id, { limit: 1, offset: 0 }),
        store.accessRequests.listByOrg(org.partnerId, org.id, { status: 'pending', limit: 1, offset: 0 }),
        store.accessRequests.listByOrg(org.partnerId, org.id, { limit: HISTORY_LIMIT, offset: 0 }),
      ]);
      const own = 'agentId' in principal ? recent.find((r) => r.requestedBy === principal.agentId) : undefined;
      return {
        org: { id: org.id, name: org.name },
        active: active ? viewOf(active, now) : null,
        last: !active && last ? viewOf(last, now) : null,
        pending: pending ?? null,
        answered: own && own.status !== 'pending' ? own : null,
      };
    },

    async requestAccess(ctx, orgId, reason) {
      const { principal: agent } = ctx;
      const org = await orgOf(agent.partnerId, orgId);
      const pending = await store.accessRequests.listByOrg(org.partnerId, org.id, { status: 'pending', limit: HISTORY_LIMIT, offset: 0 });
      const own = pending.find((r) => r.requestedBy === agent.agentId);
      // Asking again while the first is unanswered adds nothing: the admins already have it.
      if (own) return { request: own, created: false };
      const now = clock.now();
      const key = `access-request:${agent.agentId}:${org.id}`;
      const { count, resetAt } = await store.rateLimits.hit(key, REQUESTS_PER_AGENT_AND_ORG.windowMs, now);
      if (count > REQUESTS_PER_AGENT_AND_ORG.limit) {
        throw tooMany(Math.max(1, Math.ceil((resetAt.getTime() - now.getTime()) / 1000)),
          `At most ${REQUESTS_PER_AGENT_AND_ORG.limit} access requests per agent and organization in an hour.`);
      }
      const request: AccessRequest = {
        id: crypto.randomUUID(),
        orgId: org.id,
        partnerId: org.partnerId,
        requestedBy: agent.agentId,
        requestedByName: agent.name,
        reason,
        createdAt: now.toISOString(),
        status: 'pending',
        decidedAt: null,
        decidedBy: null,
        grantId: null,
        lang: ctx.lang,
      };
      await store.accessRequests.create(request);
      await ctx.audit({ action: 'consent.request', orgId: org.id, subject: `request:${request.id}`, detail: { reason } });
      return { request, created: true, ...(await mailAdmins(org, request, ctx.lang)) };
    },

    async requireActive(principal, orgId) {
      const now = clock.now();
      const org = await orgOf(principal.partnerId, orgId);
      const grant = await store.consentGrants.active(org.partnerId, org.id, now);
      if (!grant) {
        const [[pending], [last], admins] = await Promise.all([
          store.accessRequests.listByOrg(org.partnerId, org.id, { status: 'pending', limit: 1, offset: 0 }),
          store.consentGrants.listByOrg(org.partnerId, org.id, { limit: 1, offset: 0 }),
          requestRecipients(org),
        ]);
        throw new NoActiveGrant({ id: org.id, name: org.name }, pending ?? null, last ? viewOf(last, now) : null, admins);
      }
      return { org, grant: viewOf(grant, now) };
    },
  };
}
