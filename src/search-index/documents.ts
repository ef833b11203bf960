// Store records flattened into search documents. Both adapters index exactly these.
import type { Device, Org, User } from '../store/records';
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
