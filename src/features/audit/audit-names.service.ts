// The audit log in the words people use: filters name a user by email or name, an org by name, an
// agent by email or name, and are turned into ids here, always within the reader's own partner
// (the search service and the store are both scoped by it). Rows show names where ids are stored.
import type { Principal } from '../../http/request-context';
import { foldText, isUuid, normalizeEmail } from '../../search-index/query';
import type { HitKind } from '../../search-index/search-index';
import type { Agent, AuditEvent, Store } from '../../store/store';
import type { SearchService } from '../search/search.service';
import type { AuditSearch } from './audit.service';

/** At most this many records answer one name: a filter is meant to narrow, not to list a directory. */
export const MAX_NAME_MATCHES = 50;

export interface NameFilters {
  org?: string;
  /** A user id, email or name, or any subject as recorded ("agent:…", "token:…"). */
  user?: string;
  agent?: string;
}

export interface ResolvedFilters {
  /** Ids for the store query; an empty list means the name matched nobody (and so no event). */
  orgIds?: string[];
  subjects?: string[];
  actorIds?: string[];
  /** What each filter was understood as, for the page to say ("2 users: Ana Lima, Ana Silva"). */
  matched: { org?: string[]; user?: string[]; agent?: string[] };
  /** The search engine did not answer: names could not be looked up, only ids and emails. */
  degraded: boolean;
}

export interface EventNames {
  /** Actor id → name (agents, and customer admins by their user name). */
  actors: Map<string, string>;
  orgs: Map<string, string>;
  /** Recorded subject ("user:…") → name. */
  subjects: Map<string, string>;
}

/** Every word of the typed name appears in the record's name (accents and case aside). */
const namesMatch = (typed: string, name: string) => {
  const words = foldText(typed).split(/\s+/).filter(Boolean);
  const target = foldText(name);
  return words.length > 0 && words.every((w) => target.includes(w));
};

export function createAuditNames(store: Store, search: SearchService) {
  /** Records of a kind whose name holds every typed word, through the partner-scoped search. */
  async function byName(principal: Principal, kind: HitKind, text: string) {
    const answer = await search.search(principal, { q: text, kind, limit: MAX_NAME_MATCHES });
    return { hits: answer.hits.filter((h) => namesMatch(text, h.title)), degraded: answer.degraded };
  }

  async function orgsNamed(principal: Principal, text: string) {
    const org = isUuid(text) ? await store.orgs.get(principal.partnerId, text.toLowerCase()) : null;
    if (org) return { ids: [org.id], names: [org.name], degraded: false };
    const { hits, degraded } = await byName(principal, 'org', text);
    return { ids: hits.map((h) => h.id), names: hits.map((h) => h.title), degraded };
  }

  async function usersNamed(principal: Principal, text: string) {
    const user = isUuid(text) ? await store.users.get(principal.partnerId, text.toLowerCase()) : null;
    if (user) return { ids: [user.id], names: [user.displayName], degraded: false };
    if (text.includes('@')) {
      const users = await store.users.findByEmail(principal.partnerId, normalizeEmail(text));
      return { ids: users.map((u) => u.id), names: users.map((u) => `${u.displayName} <${u.email}>`), degraded: false };
    }
    const { hits, degraded } = await byName(principal, 'user', text);
    return { ids: hits.map((h) => h.id), names: hits.map((h) => h.title), degraded };
  }

  const agentMatches = (text: string) => (a: Agent) => {
    const t = text.trim().toLowerCase();
    return a.id === t || a.email.toLowerCase() === t || (t.length >= 2 && a.email.toLowerCase().includes(t)) || namesMatch(text, a.name);
  };

  return {
    async resolve(principal: Principal, f: NameFilters): Promise<ResolvedFilters> {
      const out: ResolvedFilters = { matched: {}, degraded: false };
      if (f.org) {
        const r = await orgsNamed(principal, f.org);
        Object.assign(out, { orgIds: r.ids, degraded: out.degraded || r.degraded });
        out.matched.org = r.names;
      }
      if (f.user) {
        if (f.user.includes(':')) out.subjects = [f.user];
        else {
          const r = await usersNamed(principal, f.user);
          Object.assign(out, { subjects: r.ids.map((id) => `user:${id}`), degraded: out.degraded || r.degraded });
          out.matched.user = r.names;
        }
      }
      if (f.agent) {
        const agents = (await store.agents.listByPartner(principal.partnerId)).filter(agentMatches(f.agent));
        out.actorIds = agents.map((a) => a.id);
        out.matched.agent = agents.map((a) => a.name || a.email);
      }
      return out;
    },

    /** Names for the ids of a page of events, read within the partner: another tenant's id stays an id. */
    async namesFor(partnerId: string, events: AuditEvent[]): Promise<EventNames> {
      const agents = new Map((await store.agents.listByPartner(partnerId)).map((a) => [a.id, a]));
      const actors = new Map<string, string>();
      const orgs = new Map<string, string>();
      const subjects = new Map<string, string>();
      const userIds = new Set<string>();
      const deviceIds = new Set<string>();
      const orgIds = new Set<string>();
      for (const e of events) {
        if (e.actorId) {
          const agent = agents.get(e.actorId);
          if (agent) actors.set(e.actorId, agent.name || agent.email);
          else if (e.actorRole === 'customer_admin') userIds.add(e.actorId);
        }
        if (e.orgId) orgIds.add(e.orgId);
        const [kind, id] = (e.subject ?? '').split(':');
        if (!id) continue;
        if (kind === 'user') userIds.add(id);
        else if (kind === 'device') deviceIds.add(id);
        else if (kind === 'org') orgIds.add(id);
        else if (kind === 'agent' && agents.has(id)) subjects.set(e.subject!, agents.get(id)!.name || agents.get(id)!.email);
      }
      await Promise.all([
        ...[...userIds].map(async (id) => {
          const user = await store.users.get(partnerId, id);
          if (!user) return;
          subjects.set(`user:${id}`, user.displayName);
          if (!actors.has(id)) actors.set(id, user.displayName);
        }),
        ...[...deviceIds].map(async (id) => {
          const device = await store.devices.get(partnerId, id);
          if (device) subjects.set(`device:${id}`, device.displayName);
        }),
        ...[...orgIds].map(async (id) => {
          const org = await store.orgs.get(partnerId, id);
          if (!org) return;
          orgs.set(id, org.name);
          subjects.set(`org:${id}`, org.name);
        }),
      ]);
      return { actors, orgs, subjects };
    },
  };
}

export type AuditNames = ReturnType<typeof createAuditNames>;

/** The store query for resolved names: the reader's search plus the id lists. */
export const withNames = (search: AuditSearch, r: ResolvedFilters): AuditSearch =>
  ({ ...search, orgIds: r.orgIds, subjects: r.subjects, actorIds: r.actorIds });
