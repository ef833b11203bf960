// Store records flattened into search documents. Both adapters index exactly these.
import type { Device, Org, User } from '../store/records';
import type { ScanPart, Store } from '../store/store';
import type { SearchDoc, SearchFields } from './search-index';

const nonEmpty = (values: Array<string | null | undefined>): string[] =>
  [...new Set(values.map((v) => (v ?? '').trim()).filter((v) => v !== ''))];

function fields(partial: Partial<SearchFields>): SearchFields {
  return {
    name: [], email: [], sip: [], site: [], domain: [], order: [], serial: [], mac: [], phone: [], uuid: [],
    ...partial,
  };
}

const joinParts = (parts: Array<string | null | undefined>): string => nonEmpty(parts).join(' · ');

export function orgToDoc(org: Org): SearchDoc {
  // Unclaimed, unverified domains are anyone's to type in; they must not lead to this org.
  const domains = nonEmpty(org.domains.filter((d) => d.claimed || d.verified).map((d) => d.name));
  const sites = nonEmpty(org.sites.map((s) => s.url));
  return {
    id: org.id,
    kind: 'org',
    partnerId: org.partnerId,
    orgId: org.id,
    status: org.status,
    title: org.name,
    subtitle: joinParts([org.status, sites[0] ?? domains[0]]),
    fields: fields({
      name: nonEmpty([org.name]),
      uuid: [org.id],
      site: sites,
      domain: domains,
      order: nonEmpty(org.orders.map((o) => o.number)),
    }),
  };
}

export function userToDoc(user: User, orgName: string): SearchDoc {
  const fullName = `${user.firstName ?? ''} ${user.lastName ?? ''}`.trim();
  return {
    id: user.id,
    kind: 'user',
    partnerId: user.partnerId,
    orgId: user.orgId,
    status: user.status,
    title: user.displayName?.trim() || fullName || user.email,
    subtitle: joinParts([user.email, orgName]),
    fields: fields({
      name: nonEmpty([user.displayName, user.firstName, user.lastName]),
      email: nonEmpty([user.email]),
      sip: nonEmpty([user.sipAddress]),
      phone: nonEmpty([user.phone]),
      uuid: [user.id],
    }),
  };
}

export function deviceToDoc(device: Device, orgName: string): SearchDoc {
  return {
    id: device.id,
    kind: 'device',
    partnerId: device.partnerId,
    orgId: device.orgId,
    status: device.status,
    title: device.displayName?.trim() || device.model || device.serial || device.id,
    subtitle: joinParts([device.model, device.serial, orgName]),
    fields: fields({
      name: nonEmpty([device.displayName]),
      serial: nonEmpty([device.serial]),
      mac: nonEmpty([device.mac]),
      sip: nonEmpty([device.sipAddress]),
      uuid: [device.id],
    }),
  };
}

/** Every org's name by id: users and devices show their org's name. */
export async function orgNamesOf(store: Pick<Store, 'orgs'>, batchSize: number): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for await (const orgs of store.orgs.scan(batchSize)) for (const o of orgs) names.set(o.id, o.name);
  return names;
}

/**
 * Every org, user and device of the store (or of one part of it: see ScanPart) as search
 * documents, in batches; users and devices show the name `orgNames` gives their org.
 */
export async function* storeDocs(
  store: Pick<Store, 'orgs' | 'users' | 'devices'>, orgNames: ReadonlyMap<string, string>, batchSize: number, part?: ScanPart,
): AsyncIterable<SearchDoc[]> {
  for await (const orgs of store.orgs.scan(batchSize, part)) yield orgs.map(orgToDoc);
  for await (const users of store.users.scan(batchSize, part)) yield users.map((u) => userToDoc(u, orgNames.get(u.orgId) ?? ''));
  for await (const devices of store.devices.scan(batchSize, part)) yield devices.map((d) => deviceToDoc(d, orgNames.get(d.orgId) ?? ''));
}
