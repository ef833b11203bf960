// Deterministic demo data: the records an import file would hold (src/import/import.schema.ts), for the first start
// of an empty data folder, `helpdesk seed`, tests and benchmarks. Everything comes from one seeded
// PRNG, so the same options always give the same records, in the same order.
//
// The import format's example records (SPEC_ORG and the records after it) are always there
// (Boulangerie Dupré SARL under p-north), with a
// look-alike under p-south (Boulangerie Dupont, Hélène Dupont) so tenant isolation can be shown:
// each partner searching "helene dupre" must find only its own customer.
import type { z } from 'zod';
import type {
  deviceRecordSchema, emailEventRecordSchema, orgRecordSchema, partnerRecordSchema, suppressionRecordSchema,
  userRecordSchema,
} from '../import/import.schema';

type PartnerRecord = z.input<typeof partnerRecordSchema>;
type OrgRecord = z.output<typeof orgRecordSchema>;
type UserRecord = z.output<typeof userRecordSchema>;
type DeviceRecord = z.output<typeof deviceRecordSchema>;
type SuppressionRecord = z.output<typeof suppressionRecordSchema>;
type EmailEventRecord = z.output<typeof emailEventRecordSchema>;
export type DemoRecord = PartnerRecord | OrgRecord | UserRecord | DeviceRecord | SuppressionRecord | EmailEventRecord;

export interface DemoOptions { orgs?: number; users?: number; seed?: number }

export const DEMO_DEFAULTS = { orgs: 300, users: 3000, seed: 1 } as const;

/** Subscriptions end relative to this day: some within the 30 days after it. */
export const DEMO_REFERENCE_DATE = '2026-11-22';

export const DEMO_PARTNERS = [
  { id: 'p-north', name: 'Northwind Partners' },
  { id: 'p-south', name: 'Southwind Partners' },
] as const;

/** Ids of the fixed records, for tests and demos of tenant isolation. */
export const DEMO_IDS = {
  dupreOrg: '0b7e6a4e-5a0c-4c57-9a51-3f1b2f0a9c11',
  dupreUser: '5f0c2d1e-8b7a-4e3c-9d21-7a6b5c4d3e2f',
  rivoliDevice: '9a8b7c6d-1e2f-4a3b-8c9d-0e1f2a3b4c5d',
  dupontOrg: '3c9e2b7a-6f1d-4e8a-b5c2-9d0f1e2a3b4c',
  dupontUser: '7e1d3c2b-9a8f-4b6e-a0d1-2c3b4a5f6e7d',
  dupontDevice: '1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9',
} as const;

const EXAMPLE_BOUNCE = '550 5.1.1 mailbox unavailable';

// The example records of the import format (src/import/import.schema.ts), verbatim.
const SPEC_ORG: OrgRecord = {
  kind: 'org', id: DEMO_IDS.dupreOrg, partnerId: 'p-north', name: 'Boulangerie Dupré SARL', status: 'active',
  createdAt: '2023-04-01T10:00:00Z',
  domains: [{ name: 'dupre.example', claimed: true, verified: true }],
  sites: [{ url: 'dupre.webex.com', type: 'meetings', status: 'active' }],
  orders: [{ number: 'WO-48213379', product: 'Webex Meetings', status: 'provisioned', date: '2023-03-28' }],
  subscriptions: [{
    id: 'Sub-100231', plan: 'Webex Suite', status: 'active', start: '2023-04-01', end: '2026-03-31',
    licenses: [{ sku: 'MEET-ENT', name: 'Meetings Enterprise', quantity: 50, used: 37 }],
  }],
  supportPlan: { tier: 'enterprise', region: 'emea' },
  settings: { sso: 'enabled', directorySync: 'off' },
};

const SPEC_USER: UserRecord = {
  kind: 'user', id: DEMO_IDS.dupreUser, orgId: DEMO_IDS.dupreOrg, email: 'helene.dupre@dupre.example',
  firstName: 'Hélène', lastName: 'Dupré', displayName: 'Hélène Dupré', phone: '+33612345678', sipAddress: '',
  status: 'active', createdAt: '2023-04-02T08:00:00Z', roles: ['full_admin'], licenses: ['MEET-ENT'],
  features: ['meetings', 'messaging'], supportContactFor: ['Webex Meetings'],
  lastEmail: { kind: 'welcome', status: 'bounced', at: '2023-04-02T08:01:00Z', detail: EXAMPLE_BOUNCE },
};

const SPEC_DEVICE: DeviceRecord = {
  kind: 'device', id: DEMO_IDS.rivoliDevice, orgId: DEMO_IDS.dupreOrg, ownerUserId: DEMO_IDS.dupreUser,
  displayName: 'Salle Rivoli', model: 'Room Kit', serial: 'FOC2231X0QZ', mac: '00:1A:2B:3C:4D:5E', sipAddress: '',
  status: 'online',
};

const SPEC_SUPPRESSION: SuppressionRecord = {
  kind: 'suppression', email: 'helene.dupre@dupre.example', reason: 'hard_bounce', since: '2023-04-02T08:01:00Z',
  detail: EXAMPLE_BOUNCE,
};

const SPEC_EMAIL_EVENT: EmailEventRecord = {
  kind: 'email_event', email: 'helene.dupre@dupre.example', type: 'bounce', messageKind: 'welcome',
  at: '2023-04-02T08:01:00Z', detail: EXAMPLE_BOUNCE,
};

const LOOKALIKE_ORG: OrgRecord = {
  kind: 'org', id: DEMO_IDS.dupontOrg, partnerId: 'p-south', name: 'Boulangerie Dupont', status: 'active',
  createdAt: '2022-09-12T09:30:00Z',
  domains: [{ name: 'dupont.example', claimed: true, verified: true }],
  sites: [{ url: 'dupont.webex.com', type: 'meetings', status: 'active' }],
  orders: [{ number: 'WO-51730264', product: 'Webex Suite', status: 'provisioned', date: '2022-09-08' }],
  subscriptions: [{
    id: 'Sub-207415', plan: 'Webex Suite', status: 'active', start: '2022-09-12', end: '2026-12-11',
    licenses: [{ sku: 'MEET-ENT', name: 'Meetings Enterprise', quantity: 25, used: 21 }],
  }],
  supportPlan: { tier: 'business', region: 'emea' },
  settings: { sso: 'disabled', directorySync: 'off', defaultLanguage: 'fr_FR' },
};

const LOOKALIKE_USER: UserRecord = {
  kind: 'user', id: DEMO_IDS.dupontUser, orgId: DEMO_IDS.dupontOrg, email: 'helene.dupont@dupont.example',
  firstName: 'Hélène', lastName: 'Dupont', displayName: 'Hélène Dupont', phone: '+33612345679',
  sipAddress: 'helene.dupont@dupont.calls.webex.com', status: 'active', createdAt: '2022-09-12T10:00:00Z',
  roles: ['full_admin'], licenses: ['MEET-ENT'], features: ['meetings', 'messaging'], supportContactFor: [],
  lastEmail: { kind: 'welcome', status: 'delivered', at: '2022-09-12T10:01:00Z', detail: '250 2.0.0 OK' },
};

const LOOKALIKE_DEVICE: DeviceRecord = {
  kind: 'device', id: DEMO_IDS.dupontDevice, orgId: DEMO_IDS.dupontOrg, ownerUserId: null,
  displayName: 'Salle Rivoli', model: 'Room Bar', serial: 'FOC2318K7MP', mac: 'F4:CF:E2:41:7B:09',
  sipAddress: 'salle-rivoli@dupont.rooms.webex.com', status: 'online',
};

interface Locale {
  region: 'americas' | 'emea' | 'apac' | 'japan';
  language: string;
  dataLocation: string;
  weight: number;
  first: string[];
  last: string[];
  /** Builds an org name and the words its domain is made of. */
  orgName: (r: Rng, last: string) => { name: string; slugWords: string };
  rooms: string[];
  /** E.164 prefixes that libphonenumber-js accepts as valid mobile numbers filled up to `phoneLength` characters. */
  phones: string[];
  phoneLength: number;
}

const LOCALES: Locale[] = [
  {
    region: 'emea', language: 'fr_FR', dataLocation: 'EU', weight: 3,
    first: ['Hélène', 'Amélie', 'Jérôme', 'François', 'Céline', 'Zoë', 'Noël', 'Loïc', 'Gaëlle', 'Benoît', 'Élodie', 'Thérèse', 'Raphaël', 'Cécile', 'Anaïs', 'Mathis'],
    last: ['Dupré', 'Lefèvre', 'Bélanger', 'Gérard', 'Rivière', 'Lemaître', 'Girard', 'Fournier', 'Moreau', 'Léger', 'Béranger', 'Mercier', 'Faure', 'Desfossés'],
    orgName: (r, last) => {
      const trade = r.pick(['Boulangerie', 'Pharmacie', 'Cabinet', 'Transports', 'Atelier', 'Librairie', 'Hôtel', 'Fromagerie', 'Éditions', 'Menuiserie']);
      return { name: `${trade} ${last} ${r.pick(['SARL', 'SAS', 'SA'])}`, slugWords: `${trade} ${last}` };
    },
    rooms: ['Salle Rivoli', 'Salle Opéra', 'Salle Montmartre', 'Salle Bastille', 'Salle Étoile', 'Salle Lumière'],
    phones: ['+3361', '+3362', '+3366', '+3367'], phoneLength: 12,
  },
  {
    region: 'emea', language: 'de_DE', dataLocation: 'EU', weight: 2,
    first: ['Jürgen', 'Sören', 'Björn', 'Jörg', 'Käthe', 'Günther', 'Mareike', 'Tobias', 'Uwe', 'Anneliese', 'Matthäus', 'Zoë', 'Lena', 'Jonas'],
    last: ['Müller', 'Schäfer', 'Groß', 'Weiß', 'Köhler', 'Bäcker', 'Schröder', 'Hoffmann', 'Krüger', 'Fuß', 'Wagner', 'Jäger', 'Möller', 'Lehmann'],
    orgName: (r, last) => {
      const trade = r.pick(['Logistik', 'Maschinenbau', 'Bäckerei', 'Steuerberatung', 'Elektrotechnik', 'Brauerei', 'Immobilien', 'Möbelwerk']);
      return { name: `${last} ${trade} ${r.pick(['GmbH', 'AG', 'KG', 'GmbH & Co. KG'])}`, slugWords: `${last} ${trade}` };
    },
    rooms: ['Konferenzraum Spree', 'Besprechungsraum Elbe', 'Raum Zugspitze', 'Konferenzraum Rhein', 'Raum Brocken'],
    phones: ['+49151', '+49160', '+49170', '+49171', '+49176'], phoneLength: 14,
  },
  {
    region: 'emea', language: 'es_ES', dataLocation: 'EU', weight: 2,
    first: ['José', 'María', 'Ángel', 'Iñigo', 'Begoña', 'Nuria', 'Raúl', 'Lucía', 'Álvaro', 'Inés', 'Sofía', 'Martín', 'Adrián', 'Mónica'],
    last: ['Núñez', 'Peña', 'García', 'Martínez', 'Ibáñez', 'Muñoz', 'Fernández', 'López', 'Gómez', 'Sánchez', 'Álvarez', 'Rodríguez', 'Castaño', 'Ortiz'],
    orgName: (r, last) => {
      const trade = r.pick(['Construcciones', 'Asesoría', 'Farmacia', 'Transportes', 'Bodegas', 'Clínica Dental', 'Arquitectos', 'Panadería']);
      return { name: `${trade} ${last} ${r.pick(['SL', 'SA', 'SLU'])}`, slugWords: `${trade} ${last}` };
    },
    rooms: ['Sala Retiro', 'Sala Prado', 'Sala Alhambra', 'Sala Cibeles', 'Sala Montjuïc'],
    phones: ['+346'], phoneLength: 12,
  },
  {
    region: 'emea', language: 'en_GB', dataLocation: 'EU', weight: 2,
    first: ['Oliver', 'Amelia', 'George', 'Chloë', 'Harry', 'Isla', 'Noah', 'Emily', 'Siobhán', 'Seán', 'Renée', 'Zoë'],
    last: ['Smith', "O'Brien", 'Jones', 'Taylor', 'Brown', 'Wilson', 'Evans', 'Clarke', 'Walker', 'Hughes', 'Murphy', 'Patel'],
    orgName: (r, last) => {
      const trade = r.pick(['Solicitors', 'Engineering', 'Logistics', 'Estates', 'Accountants', 'Dental Practice', 'Brewing']);
      return { name: `${last} ${trade} ${r.pick(['Ltd', 'LLP', 'plc'])}`, slugWords: `${last} ${trade}` };
    },
    rooms: ['Meeting Room Thames', 'Boardroom Severn', 'Huddle Room Avon', 'Meeting Room Mersey'],
    phones: ['+447400', '+447555'], phoneLength: 13,
  },
  {
    region: 'americas', language: 'en_US', dataLocation: 'US', weight: 3,
    first: ['James', 'Olivia', 'Liam', 'Emma', 'Mateo', 'Ava', 'Ethan', 'Mia', 'André', 'Renée', 'Zoë', 'Chloé'],
    last: ['Johnson', 'Williams', 'Miller', 'Davis', 'Rodríguez', 'Anderson', 'Thomas', 'Jackson', 'Nguyen', 'Kim', 'Peña', 'Brooks'],
    orgName: (r, last) => {
      const trade = r.pick(['Analytics', 'Health Partners', 'Roofing', 'Capital', 'Software', 'Logistics', 'Law Group', 'Dental']);
      return { name: `${last} ${trade} ${r.pick(['Inc.', 'LLC', 'Corp.'])}`, slugWords: `${last} ${trade}` };
    },
    rooms: ['Conference Room Hudson', 'Huddle Room Yosemite', 'Boardroom Potomac', 'Room Sierra'],
    phones: ['+14152', '+12125', '+16467', '+13128'], phoneLength: 12,
  },
  {
    region: 'apac', language: 'en_AU', dataLocation: 'AU', weight: 1,
    first: ['Jack', 'Charlotte', 'William', 'Matilda', 'Lachlan', 'Ruby', 'Hamish', 'Zoë', 'Chloë', 'Aroha'],
    last: ['Smith', 'Campbell', 'Kelly', 'Ryan', 'Nguyen', 'Wright', 'Thompson', 'Morgan', 'Robinson', 'Lee'],
    orgName: (r, last) => {
      const trade = r.pick(['Mining Services', 'Surf Co', 'Logistics', 'Vineyards', 'Accounting', 'Builders']);
      return { name: `${last} ${trade} Pty Ltd`, slugWords: `${last} ${trade}` };
    },
    rooms: ['Meeting Room Uluru', 'Boardroom Bondi', 'Room Kakadu', 'Room Daintree'],
    phones: ['+6140', '+6141', '+6142', '+6143'], phoneLength: 12,
  },
  {
    region: 'japan', language: 'ja_JP', dataLocation: 'JP', weight: 2,
    first: ['Yūki', 'Shōta', 'Kōji', 'Yūko', 'Haruka', 'Takumi', 'Ren', 'Aoi', 'Sōta', 'Ryūnosuke', 'Misaki', 'Kenta'],
    last: ['Satō', 'Itō', 'Katō', 'Saitō', 'Tanaka', 'Suzuki', 'Takahashi', 'Watanabe', 'Yamamoto', 'Nakamura', 'Ōno', 'Kōno'],
    orgName: (r, last) => {
      const trade = r.pick(['Shōji', 'Kōgyō', 'Seisakusho', 'Denki', 'Kensetsu', 'Shokuhin', 'Unyu']);
      return { name: `${last} ${trade} ${r.pick(['KK', 'Co., Ltd.'])}`, slugWords: `${last} ${trade}` };
    },
    rooms: ['Kaigishitsu Fuji', 'Kaigishitsu Sakura', 'Room Hakone', 'Kaigishitsu Kamo'],
    phones: ['+8180', '+81901', '+81908', '+81909'], phoneLength: 13,
  },
];

const SKUS = [
  { sku: 'MEET-ENT', name: 'Meetings Enterprise', product: 'Webex Meetings', feature: 'meetings' },
  { sku: 'CALL-PRO', name: 'Calling Professional', product: 'Webex Calling', feature: 'calling' },
  { sku: 'MSG-ADV', name: 'Messaging Advanced', product: 'Webex Messaging', feature: 'messaging' },
  { sku: 'WEBINAR-1K', name: 'Webinars 1000', product: 'Webex Webinars', feature: 'webinars' },
  { sku: 'CC-AGENT', name: 'Contact Center Agent', product: 'Webex Contact Center', feature: 'contact_center' },
];
const PLANS = ['Webex Suite', 'Webex Meetings', 'Webex Calling', 'Enterprise Agreement', 'Flex Plan'];
const ORDER_STATUSES = ['provisioned', 'provisioned', 'provisioned', 'pending', 'cancelled'];
/** Named support contacts allowed per product, by tier. */
const CONTACT_QUOTA = { online: 4, business: 6, enterprise: 10, elite: 15 } as const;
const ROOM_MODELS = ['Room Kit', 'Room Kit Mini', 'Room Kit Pro', 'Room Bar', 'Room Bar Pro', 'Board 55', 'Board 70', 'Board Pro 75'];
const PERSONAL_MODELS = ['Desk Pro', 'Desk Mini', 'Desk', 'IP Phone 8865'];
const CISCO_OUIS = ['00:1B:D4', 'F4:CF:E2', 'A4:56:30', '70:10:5C', 'B0:26:80', '2C:AB:EB'];

const DAY = 86_400_000;
const ORGS_FROM = Date.parse('2019-01-07T00:00:00Z');
const ORGS_UNTIL = Date.parse('2026-09-30T00:00:00Z');
const USERS_UNTIL = Date.parse('2026-11-15T00:00:00Z');
const REFERENCE = Date.parse(`${DEMO_REFERENCE_DATE}T00:00:00Z`);

/** mulberry32: tiny, fast, and good enough to make varied demo data from a 32-bit seed. */
export class Rng {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0; }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number { return min + Math.floor(this.next() * (max - min + 1)); }
  chance(p: number): boolean { return this.next() < p; }
  pick<T>(items: readonly T[]): T { return items[Math.floor(this.next() * items.length)]; }
  weighted<T>(items: ReadonlyArray<readonly [T, number]>): T {
    let x = this.next() * items.reduce((sum, [, w]) => sum + w, 0);
    for (const [item, w] of items) if ((x -= w) < 0) return item;
    return items[items.length - 1][0];
  }
  digits(n: number): string { let s = ''; while (s.length < n) s += this.int(0, 9); return s; }
  hex(n: number): string { let s = ''; while (s.length < n) s += this.int(0, 15).toString(16); return s; }
  /** A version 4 UUID made of PRNG output, so ids too are the same for the same seed. */
  uuid(): string {
    return `${this.hex(8)}-${this.hex(4)}-4${this.hex(3)}-${this.pick(['8', '9', 'a', 'b'])}${this.hex(3)}-${this.hex(12)}`;
  }
  /** Draws until `make` gives a value not in `taken`, and takes it. */
  unique(taken: Set<string>, make: () => string): string {
    let v = make();
    while (taken.has(v)) v = make();
    taken.add(v);
    return v;
  }
}

const ascii = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/ß/g, 'ss').toLowerCase();
const slugify = (s: string) => ascii(s).replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
const emailLocal = (first: string, last: string) => `${ascii(first).replace(/[^a-z0-9]/g, '')}.${ascii(last).replace(/[^a-z0-9]/g, '')}`;
const instant = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Demo records in import order (partners, then each org followed by its users, devices and
 * email records). `orgs` and `users` count the fixed example records; at least 2 of each are made.
 */
export function* generateDemoData(opts: DemoOptions = {}): Generator<DemoRecord> {
  const orgCount = Math.max(2, Math.floor(opts.orgs ?? DEMO_DEFAULTS.orgs));
  const userCount = Math.max(2, Math.floor(opts.users ?? DEMO_DEFAULTS.users));
  const r = new Rng(opts.seed ?? DEMO_DEFAULTS.seed);
  const taken = {
    slugs: new Set(['dupre', 'dupont']),
    orders: new Set(['WO-48213379', 'WO-51730264']),
    subscriptions: new Set(['Sub-100231', 'Sub-207415']),
    serials: new Set(['FOC2231X0QZ', 'FOC2318K7MP']),
    macs: new Set(['00:1A:2B:3C:4D:5E', 'F4:CF:E2:41:7B:09']),
  };

  for (const p of DEMO_PARTNERS) yield { kind: 'partner', id: p.id, name: p.name };

  const perOrg = spreadUsers(r, orgCount, userCount);
  for (let i = 0; i < orgCount; i++) {
    const fixed = i === 0
      ? { org: SPEC_ORG, user: SPEC_USER, device: SPEC_DEVICE, email: [SPEC_SUPPRESSION, SPEC_EMAIL_EVENT] }
      : i === 1 ? { org: LOOKALIKE_ORG, user: LOOKALIKE_USER, device: LOOKALIKE_DEVICE, email: [] } : null;
    const locale = fixed ? LOCALES[0] : r.weighted(LOCALES.map((l) => [l, l.weight] as const));
    const org = fixed?.org ?? makeOrg(r, locale, perOrg[i], taken);
    yield org;

    const ctx = new OrgContext(org, locale, taken.serials, taken.macs);
    const devices: DeviceRecord[] = [];
    const emailRecords: Array<SuppressionRecord | EmailEventRecord> = [];
    if (fixed) {
      ctx.note(fixed.user, fixed.device);
      yield fixed.user;
      devices.push(fixed.device);
      emailRecords.push(...fixed.email);
    }
    for (let n = fixed ? 1 : 0; n < perOrg[i]; n++) {
      let user = ctx.makeUser(r, n === 0);
      // Hélène, the example org's full admin, is on the suppression list (the tour shows that page);
      // a second full admin with a working address lets a newcomer try the customer portal and a
      // code on this org too. Set after the draw, so every other record stays as it was.
      if (i === 0 && n === 1) {
        user = { ...user, roles: ['full_admin'], lastEmail: { kind: 'welcome', status: 'delivered', at: user.createdAt, detail: '250 2.0.0 OK' } };
      }
      yield user;
      if (r.chance(1 / 3)) devices.push(ctx.makeDevice(r, user));
      emailRecords.push(...emailRecordsFor(user));
    }
    yield* devices;
    yield* emailRecords;
  }
}

/** Every org gets a first user (its full admin) while users last; the rest go mostly to a few big orgs. */
function spreadUsers(r: Rng, orgs: number, users: number): number[] {
  const counts = Array.from({ length: orgs }, (_, i) => (i < users ? 1 : 0));
  let left = users - Math.min(orgs, users);
  const weights = counts.map(() => 0.2 + r.next() ** 3 * 10);
  const total = weights.reduce((a, b) => a + b, 0);
  const share = weights.map((w) => Math.floor((left * w) / total));
  share.forEach((s, i) => { counts[i] += s; });
  left -= share.reduce((a, b) => a + b, 0);
  for (let i = r.int(0, orgs - 1); left > 0; i = (i + 1) % orgs, left--) counts[i] += 1;
  return counts;
}

function makeOrg(r: Rng, locale: Locale, users: number, taken: Record<'slugs' | 'orders' | 'subscriptions', Set<string>>): OrgRecord {
  const { name, slugWords } = locale.orgName(r, r.pick(locale.last));
  const base = slugify(slugWords);
  let slug = base;
  for (let n = 2; taken.slugs.has(slug); n++) slug = `${base}-${n}`;
  taken.slugs.add(slug);

  const status = r.weighted([['active', 85], ['trial', 10], ['suspended', 5]] as const);
  const created = r.int(ORGS_FROM, ORGS_UNTIL);
  const tier = status === 'trial' ? 'online' : r.weighted([['online', 3], ['business', 4], ['enterprise', 2], ['elite', 1]] as const);
  const skus = SKUS.slice(0, r.int(1, 3)).concat(r.chance(0.15) ? [SKUS[4]] : []);

  const domains = [{ name: `${slug}.example`, claimed: true, verified: r.chance(0.9) }];
  if (r.chance(0.25)) domains.push({ name: `${slug}-mail.example`, claimed: true, verified: false });
  const sites = [{ url: `${slug}.webex.com`, type: 'meetings', status: status === 'suspended' ? 'suspended' : 'active' }];
  if (r.chance(0.2)) sites.push({ url: `${slug}-events.webex.com`, type: 'events', status: r.pick(['active', 'provisioning']) });

  const orders = Array.from({ length: r.int(1, 3) }, (_, n) => ({
    number: r.unique(taken.orders, () => `WO-${r.int(1, 9)}${r.digits(7)}`),
    product: n === 0 ? 'Webex Suite' : r.pick(SKUS).product,
    status: n === 0 ? 'provisioned' : r.pick(ORDER_STATUSES),
    date: day(Math.min(created - r.int(1, 10) * DAY + n * r.int(30, 400) * DAY, REFERENCE - DAY)),
  }));

  const subscriptions = Array.from({ length: r.chance(0.3) ? 2 : 1 }, (_, n) => {
    const start = Math.min(created + n * r.int(60, 700) * DAY, REFERENCE - DAY);
    // Some renewals are due within 30 days of the reference date, so the org page has something to warn about.
    const end = r.chance(0.2) ? REFERENCE + r.int(1, 30) * DAY : Math.max(start + r.int(1, 5) * 365 * DAY, REFERENCE + r.int(31, 900) * DAY);
    return {
      id: r.unique(taken.subscriptions, () => `Sub-${r.int(100000, 999999)}`),
      plan: n === 0 ? r.pick(PLANS) : 'Flex Plan',
      status: status === 'trial' ? 'trial' : status === 'suspended' ? 'suspended' : 'active',
      start: day(start),
      end: day(end),
      licenses: (n === 0 ? skus : [r.pick(skus)]).map((s) => {
        const quantity = Math.max(5, Math.round(users * (1 + r.next() * 0.5)));
        // About one license in ten is over-used: more assigned than bought.
        const used = r.chance(0.1) ? quantity + r.int(1, 5) : Math.round(quantity * (0.4 + r.next() * 0.6));
        return { sku: s.sku, name: s.name, quantity, used };
      }),
    };
  });

  return {
    kind: 'org', id: r.uuid(), partnerId: r.chance(0.55) ? 'p-north' : 'p-south', name, status,
    createdAt: instant(created), domains, sites, orders, subscriptions,
    supportPlan: { tier, region: locale.region },
    settings: {
      sso: r.pick(['enabled', 'disabled']),
      directorySync: r.pick(['on', 'off']),
      defaultLanguage: locale.language,
      dataLocation: locale.dataLocation,
      externalMessaging: r.chance(0.5),
      meetingRecordings: r.pick(['cloud', 'local', 'off']),
    },
  };
}

/** What the users and devices of one org share: its domain, licenses and what is taken already. */
class OrgContext {
  private readonly emails = new Set<string>();
  private readonly rooms = new Set<string>();
  private readonly contacts = new Map<string, number>();
  private readonly slug: string;
  private readonly domain: string;
  private readonly created: number;
  private readonly skus: typeof SKUS;

  constructor(
    private readonly org: OrgRecord,
    private readonly locale: Locale,
    private readonly serials: Set<string>,
    private readonly macs: Set<string>,
  ) {
    this.domain = org.domains[0]?.name ?? `${org.id.slice(0, 8)}.example`;
    this.slug = this.domain.replace(/\.example$/, '');
    this.created = Date.parse(org.createdAt);
    const held = new Set(org.subscriptions.flatMap((s) => s.licenses.map((l) => l.sku)));
    this.skus = SKUS.filter((s) => held.has(s.sku));
  }

  /** Records fixed users and devices so generated ones do not reuse their email or room. */
  note(user: UserRecord, device: DeviceRecord): void {
    this.emails.add(user.email);
    this.rooms.add(device.displayName);
    for (const product of user.supportContactFor) this.contacts.set(product, (this.contacts.get(product) ?? 0) + 1);
  }

  makeUser(r: Rng, first: boolean): UserRecord {
    // Most people carry a name of the org's country; some come from elsewhere.
    const locale = r.chance(0.8) ? this.locale : r.pick(LOCALES);
    const firstName = r.pick(locale.first);
    const lastName = r.pick(locale.last);
    const local = emailLocal(firstName, lastName);
    let email = `${local}@${this.domain}`;
    for (let n = 2; this.emails.has(email); n++) email = `${local}${n}@${this.domain}`;
    this.emails.add(email);

    const status = first ? 'active' : r.weighted([['active', 85], ['pending', 8], ['inactive', 7]] as const);
    const created = r.int(this.created, Math.max(this.created, USERS_UNTIL));
    const roles = first ? ['full_admin'] : r.weighted<string[]>([
      [[], 86], [['full_admin'], 3], [['read_only_admin'], 6], [['support_admin'], 4], [['read_only_admin', 'support_admin'], 1],
    ]);
    const skus = status === 'pending' ? [] : this.skus.filter((_, n) => n === 0 || r.chance(0.6));
    const tier = this.org.supportPlan?.tier ?? 'online';
    const supportContactFor = roles.length && r.chance(0.6)
      ? skus.map((s) => s.product).filter((p) => {
        const used = this.contacts.get(p) ?? 0;
        if (used >= CONTACT_QUOTA[tier]) return false;
        this.contacts.set(p, used + 1);
        return true;
      }).slice(0, 2)
      : [];

    return {
      kind: 'user', id: r.uuid(), orgId: this.org.id, email, firstName, lastName,
      displayName: `${firstName} ${lastName}`,
      phone: r.chance(0.85) ? this.phone(r, locale) : '',
      sipAddress: status === 'pending' ? '' : `${email.split('@')[0]}@${this.slug}.calls.webex.com`,
      status, createdAt: instant(created), roles,
      licenses: skus.map((s) => s.sku),
      features: [...new Set(['messaging', ...skus.map((s) => s.feature)])],
      supportContactFor,
      lastEmail: lastEmail(r, status, created, email),
    };
  }

  private phone(r: Rng, locale: Locale): string {
    const prefix = r.pick(locale.phones);
    return prefix + r.digits(locale.phoneLength - prefix.length);
  }

  makeDevice(r: Rng, user: UserRecord): DeviceRecord {
    const personal = r.chance(0.4);
    let displayName: string;
    if (personal) {
      displayName = `${user.displayName} (${r.pick(PERSONAL_MODELS)})`;
    } else {
      const base = r.pick(this.locale.rooms);
      displayName = base;
      for (let n = 2; this.rooms.has(displayName); n++) displayName = `${base} ${n}`;
    }
    this.rooms.add(displayName);
    const model = personal ? /\((.+)\)$/.exec(displayName)![1] : r.pick(ROOM_MODELS);
    const alnum = '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ';
    return {
      kind: 'device', id: r.uuid(), orgId: this.org.id, ownerUserId: personal ? user.id : null, displayName, model,
      serial: r.unique(this.serials, () =>
        `FOC${r.int(19, 26)}${String(r.int(1, 52)).padStart(2, '0')}${r.pick([...alnum.slice(10)])}${Array.from({ length: 3 }, () => r.pick([...alnum])).join('')}`),
      mac: r.unique(this.macs, () => `${r.pick(CISCO_OUIS)}:${r.hex(6).toUpperCase().match(/../g)!.join(':')}`),
      sipAddress: `${slugify(displayName)}@${this.slug}.rooms.webex.com`,
      status: r.weighted([['online', 75], ['offline', 18], ['activating', 7]] as const),
    };
  }
}

function lastEmail(r: Rng, status: UserRecord['status'], created: number, email: string): UserRecord['lastEmail'] {
  if (r.chance(0.03)) return null;
  const kind = status === 'pending' ? 'activation' : r.weighted([['welcome', 7], ['verification', 2], ['activation', 1]] as const);
  const at = instant(created + r.int(1, 600) * 1000);
  const state = r.weighted([['delivered', 85], ['bounced', 6], ['deferred', 5], ['suppressed', 4]] as const);
  const detail = {
    delivered: '250 2.0.0 OK queued',
    bounced: `550 5.1.1 <${email}>: Recipient address rejected: User unknown`,
    deferred: r.pick(['451 4.7.1 Greylisted, please try again later', '421 4.4.2 Connection timed out']),
    suppressed: 'Not sent: address on the suppression list (spam complaint)',
  }[state];
  return { kind, status: state, at, detail };
}

/** The suppression entries and provider events behind a user's last email, as a full export would hold them. */
function emailRecordsFor(user: UserRecord): Array<SuppressionRecord | EmailEventRecord> {
  const last = user.lastEmail;
  if (!last) return [];
  switch (last.status) {
    case 'bounced':
      return [
        { kind: 'suppression', email: user.email, reason: 'hard_bounce', since: last.at, detail: last.detail },
        { kind: 'email_event', email: user.email, type: 'bounce', messageKind: last.kind, at: last.at, detail: last.detail },
      ];
    case 'deferred':
      return [{ kind: 'email_event', email: user.email, type: 'deferral', messageKind: last.kind, at: last.at, detail: last.detail }];
    case 'suppressed':
      return [{ kind: 'suppression', email: user.email, reason: 'complaint', since: user.createdAt, detail: 'Feedback loop: abuse report' }];
    default:
      return [];
  }
}
