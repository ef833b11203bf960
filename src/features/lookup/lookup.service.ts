// Screen-pop: the phone system hands over the caller id when a call rings, and the agent gets the
// users and devices of their own partner whose phone number or SIP address is that caller's.
// The search engine proposes candidates (it knows every notation of a stored number); each is then
// read from the store, scoped to the agent's partner, and kept only if its own phone or SIP
// address is the caller's: a name, serial or order number that happens to hold the digits is no match.
import type { Logger } from 'pino';
import type { Principal } from '../../http/request-context';
import { MAX_LIMIT, type SearchHit, type SearchIndex } from '../../search-index/search-index';
import type { Store } from '../../store/store';
import { parseCallerId, phoneMatches, sipMatches, type CallerId } from './caller-id';

export interface LookupAnswer {
  hits: SearchHit[];
  /** The caller id as read (E.164, digits or a SIP address), for the audit trail and the search box; null when unreadable. */
  normalized: string | null;
  /** The search engine did not answer: no candidates could be found. */
  degraded: boolean;
}

export interface LookupService {
  lookup(principal: Principal, phone: string): Promise<LookupAnswer>;
}

export function createLookupService(index: SearchIndex, store: Store, log: Logger): LookupService {
  async function isCaller(partnerId: string, hit: SearchHit, caller: CallerId): Promise<boolean> {
    if (hit.kind === 'user') {
      const user = await store.users.get(partnerId, hit.id);
      return !!user && (phoneMatches(caller, user.phone) || sipMatches(caller, user.sipAddress));
    }
    if (hit.kind === 'device') {
      const device = await store.devices.get(partnerId, hit.id);
      return !!device && sipMatches(caller, device.sipAddress);
    }
    return false;
  }

  return {
    async lookup(principal, phone) {
      const caller = parseCallerId(phone);
      if (!caller) return { hits: [], normalized: null, degraded: false };
      const normalized = caller.number ?? caller.sip;
      const queries = [...new Set([caller.number, caller.sip].filter((q): q is string => !!q))];
      const candidates = new Map<string, SearchHit>();
      try {
        for (const q of queries) {
          const { hits } = await index.search({ q, partnerId: principal.partnerId, limit: MAX_LIMIT });
          for (const hit of hits) if (hit.kind !== 'org') candidates.set(`${hit.kind}:${hit.id}`, hit);
        }
      } catch (err) {
        log.warn({ err, engine: index.name }, 'search engine failed: caller lookup has no candidates');
        return { hits: [], normalized, degraded: true };
      }
      const hits: SearchHit[] = [];
      for (const hit of candidates.values()) {
        if (await isCaller(principal.partnerId, hit, caller)) hits.push({ ...hit, exact: true });
      }
      return { hits, normalized, degraded: false };
    },
  };
}
