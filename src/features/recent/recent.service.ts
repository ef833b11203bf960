// The agent's recently opened users, orgs and devices, for the home page. The store keeps only
// references; each is read again, scoped to the agent's partner, when listed, so a record deleted or
// moved to another partner since simply drops out of the list.
import type { Clock } from '../../clock';
import type { Principal } from '../../http/request-context';
import { deviceToDoc, orgToDoc, userToDoc } from '../../search-index/documents';
import type { RecentKind, Store } from '../../store/store';

/** How many the home page shows. */
export const RECENT_SHOWN = 10;
/** How many the store keeps per agent: more than shown, so records gone since still leave ten to show. */
export const RECENT_KEPT = 30;

export interface RecentEntry { kind: RecentKind; id: string; title: string; subtitle: string; openedAt: string }

export interface RecentService {
  opened(principal: Principal, kind: RecentKind, id: string): Promise<void>;
  list(principal: Principal): Promise<RecentEntry[]>;
}

export function createRecentService(store: Store, clock: Clock): RecentService {
  async function resolve(partnerId: string, kind: RecentKind, id: string) {
    const orgName = async (orgId: string) => (await store.orgs.get(partnerId, orgId))?.name ?? '';
    if (kind === 'org') {
      const org = await store.orgs.get(partnerId, id);
      return org && orgToDoc(org);
    }
    if (kind === 'user') {
      const user = await store.users.get(partnerId, id);
      return user && userToDoc(user, await orgName(user.orgId));
    }
    const device = await store.devices.get(partnerId, id);
    return device && deviceToDoc(device, await orgName(device.orgId));
  }

  return {
    async opened(principal, kind, id) {
      await store.recents.record({ agentId: principal.agentId, kind, id, openedAt: clock.now().toISOString() }, RECENT_KEPT);
    },
    async list(principal) {
      const entries: RecentEntry[] = [];
      for (const item of await store.recents.list(principal.agentId, RECENT_KEPT)) {
        const doc = await resolve(principal.partnerId, item.kind, item.id);
        if (doc) entries.push({ kind: item.kind, id: item.id, title: doc.title, subtitle: doc.subtitle, openedAt: item.openedAt });
        if (entries.length === RECENT_SHOWN) break;
      }
      return entries;
    },
  };
}
