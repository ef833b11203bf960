// The SearchIndex contract: every adapter runs this suite and must pass all of it.
import fc from 'fast-check';
import { deviceToDoc, orgToDoc, userToDoc } from '../../src/search-index/documents';
import {
  DEFAULT_LIMIT, MAX_LIMIT, type HitKind, type SearchDoc, type SearchHit, type SearchIndex, type SearchQuery,
} from '../../src/search-index/search-index';
import type { Device, Org, User } from '../../src/store/records';

const A = 'p-north';
const B = 'p-south';

const org = (over: Partial<Org> & Pick<Org, 'id' | 'partnerId' | 'name'>): Org => ({
  status: 'active', createdAt: '2023-04-01T10:00:00Z', domains: [], sites: [], orders: [],
  subscriptions: [], supportPlan: null, settings: {}, ...over,
});

const user = (o: Org, over: Partial<User> & Pick<User, 'id' | 'firstName' | 'lastName' | 'email'>): User => ({
  orgId: o.id, partnerId: o.partnerId, displayName: `${over.firstName} ${over.lastName}`, phone: '', sipAddress: '',
  status: 'active', createdAt: '2023-04-02T08:00:00Z', roles: [], licenses: [], features: [],
  supportContactFor: [], lastEmail: null, ...over,
});

const device = (o: Org, over: Partial<Device> & Pick<Device, 'id' | 'displayName'>): Device => ({
  orgId: o.id, partnerId: o.partnerId, ownerUserId: null, model: 'Room Kit', serial: '', mac: '',
  sipAddress: '', status: 'online', ...over,
});

/** Partner A's customers, and partner B's look-alikes: same names and identifiers, other ids. */
function fixture() {
  const dupre = org({
    id: '0b7e6a4e-5a0c-4c57-9a51-3f1b2f0a9c11', partnerId: A, name: 'Boulangerie Dupré SARL',
    domains: [
      { name: 'dupre.example', claimed: true, verified: true },
      { name: 'unclaimed.example', claimed: false, verified: false },
    ],
    sites: [{ url: 'dupre.webex.com', type: 'meetings', status: 'active' }],
    orders: [{ number: 'WO-48213379', product: 'Webex Meetings', status: 'provisioned', date: '2023-03-28' }],
  });
  const acme = org({
    id: '1c8f7b5f-6b1d-4d68-8a62-4a2c3b1d0e22', partnerId: A, name: 'Acme Corporation',
    domains: [{ name: 'acme.example', claimed: true, verified: false }],
    sites: [{ url: 'acme.webex.com', type: 'meetings', status: 'active' }],
  });
  const helene = user(dupre, {
    id: '5f0c2d1e-8b7a-4e3c-9d21-7a6b5c4d3e2f', firstName: 'Hélène', lastName: 'Dupré',
    email: 'helene.dupre@dupre.example', phone: '+33612345678', sipAddress: 'helene.dupre@dupre.calls.webex.com',
  });
  const christopher = user(acme, {
    id: '6a1d3e2f-9c8b-4f4d-8e32-8b7c6d5e4f30', firstName: 'Christopher', lastName: 'Nakamura',
    email: 'chris.nakamura@acme.example', phone: '+14155550100',
  });
  const marc = user(acme, {
    id: '7b2e4f30-ad9c-4a5e-9f43-9c8d7e6f5a41', firstName: 'Marc', lastName: 'Rossi', email: 'mrossi.support@acme.example',
  });
  const marcel = user(acme, {
    id: '8c3f5041-be0d-4b6f-8a54-ad9e8f7a6b52', firstName: 'Marcel', lastName: 'Rosso', email: 'marcel@acme.example',
  });
  const room = device(dupre, {
    id: '9a8b7c6d-1e2f-4a3b-8c9d-0e1f2a3b4c5d', displayName: 'Salle Rivoli', serial: 'FOC2231X0QZ',
    mac: '00:1A:2B:3C:4D:5E', sipAddress: 'rivoli@dupre.calls.webex.com',
  });
  const a = {
    dupre: orgToDoc(dupre),
    acme: orgToDoc(acme),
    helene: userToDoc(helene, dupre.name),
    christopher: userToDoc(christopher, acme.name),
    marc: userToDoc(marc, acme.name),
    marcel: userToDoc(marcel, acme.name),
    room: deviceToDoc(room, dupre.name),
  };

  const dupreB = { ...dupre, id: 'b0000000-5a0c-4c57-9a51-3f1b2f0a9c11', partnerId: B };
  const b = {
    dupre: orgToDoc(dupreB),
    // Shares the 8-character prefix of Hélène's id in partner A.
    helene: userToDoc({ ...helene, id: '5f0c2d1e-0000-4000-8000-000000000001', orgId: dupreB.id, partnerId: B }, dupreB.name),
    room: deviceToDoc({ ...room, id: 'b9a8b7c6-1e2f-4a3b-8c9d-0e1f2a3b4c5d', orgId: dupreB.id, partnerId: B }, dupreB.name),
  };
  return { a, b, docs: [...Object.values(a), ...Object.values(b)] };
}

const ids = (hits: SearchHit[]) => hits.map((h) => h.id);

export function searchIndexContract(
  label: string,
  make: () => Promise<SearchIndex>,
  teardown?: (i: SearchIndex) => Promise<void>,
): void {
  describe(`SearchIndex contract: ${label}`, () => {
    let index: SearchIndex;
    let f: ReturnType<typeof fixture>;
    const search = (q: string, over: Partial<SearchQuery> = {}) => index.search({ q, partnerId: A, ...over });

    beforeEach(async () => {
      f = fixture();
      index = await make();
      await index.upsert(f.docs);
    });

    afterEach(async () => {
      if (teardown) await teardown(index);
      else await index.close();
    });

    test('when the index answers, then ping resolves and count is the number of documents', async () => {
      await expect(index.ping()).resolves.toBeUndefined();
      expect(await index.count()).toBe(f.docs.length);
    });

    test.each([
      ['a user UUID', '5f0c2d1e-8b7a-4e3c-9d21-7a6b5c4d3e2f', 'helene', 'uuid'],
      ['an org UUID in capitals', '0B7E6A4E-5A0C-4C57-9A51-3F1B2F0A9C11', 'dupre', 'uuid'],
      ['an email in another case', ' Helene.Dupre@DUPRE.example ', 'helene', 'email'],
      ['a SIP address', 'sip:rivoli@dupre.calls.webex.com', 'room', 'sip'],
      ['a Webex site', 'dupre.webex.com', 'dupre', 'site'],
      ['a site as a URL', 'https://acme.webex.com/meet/', 'acme', 'site'],
      ['a claimed domain', 'acme.example', 'acme', 'domain'],
      ['an order number', 'WO-48213379', 'dupre', 'order'],
      ['the digits of an order number', '48213379', 'dupre', 'order'],
      ['a serial number in lower case', 'foc2231x0qz', 'room', 'serial'],
    ] as const)('when the query is %s, then that record is the first hit and is exact', async (_, q, who, field) => {
      const { hits } = await search(q);
      expect(hits[0]).toMatchObject({ id: f.a[who].id, exact: true, matched: { field } });
      expect(hits.filter((h) => h.exact)).toHaveLength(1);
    });

    test('when the query is an identifier that also matches other records by words, then the identifier hit ranks first', async () => {
      const { hits } = await search('dupre.example');
      expect(hits[0]).toMatchObject({ id: f.a.dupre.id, exact: true });
      // Hélène's email holds the same words: found, but after the exact hit and not as exact.
      expect(hits.slice(1)).toContainEqual(expect.objectContaining({ id: f.a.helene.id, exact: false }));
    });

    test('when an identifier is found exactly, then words find more records of that org only', async () => {
      // An Acme user whose address holds the words of Dupré's domain.
      const jean = userToDoc(user(
        { id: f.a.acme.id, partnerId: A, name: 'Acme Corporation' } as Org,
        { id: '4e1b2c3d-7a6f-4b5e-8c4d-3e2f1a0b9c87', firstName: 'Jean', lastName: 'Martin', email: 'jean.martin@dupre.example' },
      ), 'Acme Corporation');
      await index.upsert([jean]);
      const { hits } = await search('dupre.example');
      expect(hits[0]).toMatchObject({ id: f.a.dupre.id, exact: true });
      expect(ids(hits)).toContain(f.a.helene.id);
      expect(ids(hits)).not.toContain(jean.id);
      // Not found exactly (a partial domain): words find records of every org.
      expect(ids((await search('dupre.exa')).hits)).toEqual(expect.arrayContaining([f.a.helene.id, jean.id]));
      // An email found exactly: the other records sharing its words are not listed.
      expect(ids((await search('jean.martin@dupre.example')).hits)).toEqual([jean.id]);
    });

    test('when the domain is neither claimed nor verified, then it does not find the org', async () => {
      const { hits } = await search('unclaimed.example');
      expect(ids(hits)).not.toContain(f.a.dupre.id);
    });

    test('when the query is a fragment of a UUID past its first 8 characters, then it finds nothing', async () => {
      // '5f0c2d1e-8b7a-4e3c-9d21-7a6b5c4d3e2f': only whole or by '5f0c2d1e'.
      for (const q of ['8b7a', '4e3c', '7a6b5c4d3e2f', '8b7a-4e3c']) expect((await search(q)).hits).toEqual([]);
    });

    test('when the query is the 8-character prefix of a UUID, then it finds that user first, in the own partner only', async () => {
      const { hits } = await search('5f0c2d1e');
      expect(hits[0]).toMatchObject({ id: f.a.helene.id, exact: true, matched: { field: 'uuid', ranges: [[0, 8]] } });
      expect(ids(hits)).not.toContain(f.b.helene.id);
      expect(ids((await search('5f0c2d1e', { partnerId: B })).hits)).toEqual([f.b.helene.id]);
    });

    test.each([
      '+33 6 12 34 56 78', '0033 6 12 34 56 78', '06 12 34 56 78', '33612345678', '+33612345678', '06.12.34.56.78',
    ])('when the phone number is written as %s, then the user is the first hit', async (q) => {
      const { hits } = await search(q);
      expect(hits[0]).toMatchObject({ id: f.a.helene.id, exact: true, matched: { field: 'phone', value: '+33612345678' } });
    });

    test.each(['612345678', '6 12 34 56 78', '6.12.34.56.78'])(
      'when the national number is typed without its leading 0 as %s, then the user is the first hit',
      async (q) => {
        const { hits } = await search(q);
        expect(hits[0]).toMatchObject({ id: f.a.helene.id, exact: true, matched: { field: 'phone', value: '+33612345678' } });
      },
    );

    test.each(['5F0C2D1E-8B7A', '5f0c2d1e-8b7a', '5f0C2d1E-8b7A-4e3c'])(
      'when a UUID prefix is typed with its dash as %s, then the record whose id starts with it is the first hit',
      async (q) => {
        const { hits } = await search(q);
        expect(hits[0]).toMatchObject({ id: f.a.helene.id, exact: true, matched: { field: 'uuid', ranges: [[0, q.length]] } });
        expect(ids(hits)).not.toContain(f.b.helene.id);
      },
    );

    test.each(['(415) 555-0100', '+1.415.555.0100', '415-555-0100', '+1 415 555 0100'])(
      'when a North American number is written as %s, then the user is the first hit',
      async (q) => {
        expect((await search(q)).hits[0]).toMatchObject({ id: f.a.christopher.id, exact: true });
      },
    );

    test.each(['00:1A:2B:3C:4D:5E', '00-1a-2b-3c-4d-5e', '001A.2B3C.4D5E', '001a2b3c4d5e'])(
      'when the MAC is written as %s, then the device is the first hit',
      async (q) => {
        expect((await search(q)).hits[0]).toMatchObject({ id: f.a.room.id, exact: true, matched: { field: 'mac' } });
      },
    );

    test.each([
      ['00:1A:2B', 8], ['00-1a-2b-3c', 11], ['00:1a:2b:3c:4d', 14], ['00:1a:2b:', 8],
    ] as const)('when the first octets of the MAC are typed as %s, then the device is the first hit, those octets highlighted', async (q, end) => {
      const { hits } = await search(q);
      expect(hits[0]).toMatchObject({ id: f.a.room.id, exact: true, matched: { field: 'mac', value: '00:1A:2B:3C:4D:5E', ranges: [[0, end]] } });
    });

    test('when the MAC\'s first octets are typed in Cisco\'s dotted notation, then the device is found', async () => {
      for (const q of ['001A.2B', '001a.2b3c']) expect((await search(q)).hits[0]).toMatchObject({ id: f.a.room.id, matched: { field: 'mac' } });
    });

    test('when the query is a fragment from the middle or end of a MAC, then it does not find the device', async () => {
      for (const q of ['4d 5e', '3c 4d 5e', '4D:5E', '2b:3c:4d:5e', '1a', '5e']) expect(ids((await search(q)).hits)).not.toContain(f.a.room.id);
    });

    test.each(['helene dupre', 'HELENE DUPRE', 'Hélène Dupré', 'hélène', 'dUpRé'])(
      'when names are typed as %s, then accents and case do not matter',
      async (q) => {
        expect(ids((await search(q)).hits)).toContain(f.a.helene.id);
      },
    );

    test('when a 5-letter word has one typo, then it still matches, and a 4-letter word does not', async () => {
      expect(ids((await search('rossa')).hits)).toContain(f.a.marc.id);
      expect(ids((await search('mxrc')).hits)).toEqual([]);
    });

    test('when a word of 9 letters or more has two typos, then it matches, and not with three', async () => {
      expect(ids((await search('christofer')).hits)).toContain(f.a.christopher.id);
      expect(ids((await search('kristofer')).hits)).not.toContain(f.a.christopher.id);
    });

    test('when the first letter is wrong, then it counts as two typos, as on Meilisearch', async () => {
      // 6 letters allow one typo: a wrong first letter is two, whole or as a prefix.
      expect(ids((await search('kelene')).hits)).not.toContain(f.a.helene.id);
      expect(ids((await search('kelen')).hits)).not.toContain(f.a.helene.id);
      expect(ids((await search('elene')).hits)).not.toContain(f.a.helene.id);
      expect(ids((await search('hekene')).hits)).toContain(f.a.helene.id);
      // 9 letters or more allow two: a wrong first letter alone matches, with one more typo it does not.
      expect(ids((await search('khristopher')).hits)).toContain(f.a.christopher.id);
      expect(ids((await search('kristopher')).hits)).not.toContain(f.a.christopher.id);
      expect(ids((await search('chrystopha')).hits)).toContain(f.a.christopher.id);
    });

    test('when one name has a typo on its first letter and another elsewhere, then the other ranks first', async () => {
      const acme = org({ id: f.a.acme.id, partnerId: A, name: 'Acme Corporation' });
      const [b, h] = [['e1f2a3b4-c5d6-4e7f-8091-a2b3c4d5e6f7', 'Bartmannsen'], ['f2a3b4c5-d6e7-4f80-91a2-b3c4d5e6f708', 'Hartmannsem']]
        .map(([id, lastName]) => userToDoc(user(acme, { id: id!, firstName: 'Ana', lastName: lastName!, email: `${id}@acme.example` }), acme.name));
      await index.upsert([b!, h!]);
      // Both are one edit from the query; Bartmannsen's is on the first letter, so it counts two.
      expect(ids((await search('hartmannsen')).hits)).toEqual([h!.id, b!.id]);
    });

    test('when an 8-letter word has two typos, then it does not match', async () => {
      expect(ids((await search('nekamira')).hits)).not.toContain(f.a.christopher.id);
    });

    test('when two neighbouring letters are swapped, then it counts as one typo', async () => {
      // 'hleene' is two edits from 'helene' without swaps, so only a swap-aware distance finds it.
      expect(ids((await search('hleene')).hits)).toContain(f.a.helene.id);
      expect(ids((await search('durpe')).hits)).toContain(f.a.helene.id);
    });

    test('when an identifier field word has a typo, then it does not match (typos are for names only)', async () => {
      expect(ids((await search('support')).hits)).toContain(f.a.marc.id);
      expect(ids((await search('supprot')).hits)).toEqual([]);
      expect(ids((await search('foc2231x0zq')).hits)).toEqual([]);
    });

    test('when the last word is incomplete, then it matches as a prefix', async () => {
      expect(ids((await search('hel')).hits)).toContain(f.a.helene.id);
      expect(ids((await search('dupre hél')).hits)).toContain(f.a.helene.id);
      expect(ids((await search('Boulangerie Dup')).hits)).toContain(f.a.dupre.id);
    });

    test('when a word other than the last is incomplete, then it is not a prefix', async () => {
      expect(ids((await search('hel dupre')).hits)).not.toContain(f.a.helene.id);
    });

    test('when an email is typed partly, then it matches by its words and the last as a prefix', async () => {
      const { hits } = await search('chris.naka');
      expect(hits[0]).toMatchObject({ id: f.a.christopher.id, exact: false });
      const m = hits[0]!.matched!;
      expect(m.field).toBe('email');
      expect(m.ranges.map(([s, e]) => m.value.slice(s, e))).toEqual(['chris', 'nakamura']);
    });

    test('when one query word matches nothing, then nothing is found (every word must match)', async () => {
      expect((await search('helene nakamura')).hits).toEqual([]);
      expect(ids((await search('christopher nakamura')).hits)).toEqual([f.a.christopher.id]);
    });

    test('when one record matches without typos and another with one, then the one without comes first', async () => {
      expect(ids((await search('rossi')).hits)).toEqual([f.a.marc.id, f.a.marcel.id]);
      expect(ids((await search('rosso')).hits)).toEqual([f.a.marcel.id, f.a.marc.id]);
    });

    test('when a word is in one record\'s name and in another\'s email, then the name match comes first', async () => {
      const { hits } = await search('acme');
      expect(hits[0]).toMatchObject({ id: f.a.acme.id, matched: { field: 'name' } });
      expect(ids(hits)).toEqual(expect.arrayContaining([f.a.christopher.id, f.a.marc.id, f.a.marcel.id]));
    });

    test('when a word matches one name whole and another as a prefix, then the whole word comes first', async () => {
      expect(ids((await search('marc')).hits).slice(0, 2)).toEqual([f.a.marc.id, f.a.marcel.id]);
    });

    test('when hits tie on every rule, then they come in title order, after better attributes', async () => {
      // 'webex' is in the SIP addresses of a user and a device, and in the sites of two orgs.
      const titles = (await search('webex')).hits.map((h) => h.title);
      expect(titles).toEqual(['Hélène Dupré', 'Salle Rivoli', 'Acme Corporation', 'Boulangerie Dupré SARL']);
    });

    test('when a kind is given, then only that kind is found', async () => {
      const { hits } = await search('dupre', { kind: 'org' });
      expect(ids(hits)).toEqual([f.a.dupre.id]);
      for (const kind of ['user', 'device'] as HitKind[]) {
        expect((await search('dupre', { kind })).hits.every((h) => h.kind === kind)).toBe(true);
      }
      expect(ids((await search('dupre', { kind: 'device' })).hits)).toEqual([f.a.room.id]);
    });

    test('when an org is given, then only that org\'s records are found, exact identifiers included', async () => {
      const { hits } = await search('webex', { orgId: f.a.acme.id });
      expect(ids(hits)).toEqual([f.a.acme.id]);
      expect((await search('helene.dupre@dupre.example', { orgId: f.a.acme.id })).hits).toEqual([]);
      expect((await search('rossi', { orgId: 'no-such-org' })).hits).toEqual([]);
    });

    test('when a document is upserted again, then its old words no longer find it', async () => {
      const renamed: SearchDoc = { ...f.a.marc, title: 'Marc Bianchi', fields: { ...f.a.marc.fields, name: ['Marc Bianchi', 'Marc', 'Bianchi'] } };
      await index.upsert([renamed]);
      expect(ids((await search('rossi')).hits)).toEqual([f.a.marcel.id]);
      expect((await search('bianchi')).hits).toEqual([expect.objectContaining({ id: f.a.marc.id, title: 'Marc Bianchi' })]);
      expect(await index.count()).toBe(f.docs.length);
    });

    test('when a document moves to another partner, then only that partner finds it', async () => {
      await index.upsert([{ ...f.a.marc, partnerId: B }]);
      expect(ids((await search('rossi')).hits)).not.toContain(f.a.marc.id);
      expect(ids((await search('rossi', { partnerId: B })).hits)).toContain(f.a.marc.id);
    });

    test('when a document is removed, then no query finds it, and unknown ids are ignored', async () => {
      await index.remove([f.a.room.id, 'no-such-id']);
      expect((await search('FOC2231X0QZ')).hits).toEqual([]);
      expect((await search('rivoli')).hits).toEqual([]);
      expect(await index.count()).toBe(f.docs.length - 1);
      await index.remove([f.a.room.id]);
      expect(await index.count()).toBe(f.docs.length - 1);
    });

    test('when an org is deleted with its users and devices, then no identifier of any of them is found, other orgs stay, and deleting again changes nothing', async () => {
      const gone = [f.a.dupre.id, f.a.helene.id, f.a.room.id];
      await index.remove(gone);
      for (const q of ['dupre', 'helene dupre', 'helene.dupre@dupre.example', '+33 6 12 34 56 78', 'FOC2231X0QZ',
        'dupre.webex.com', 'WO-48213379', f.a.helene.id, '00:1A:2B:3C:4D:5E']) {
        expect(ids((await search(q)).hits).filter((id) => gone.includes(id))).toEqual([]);
      }
      // Partner B's look-alike of the deleted org stays, as do partner A's other records.
      expect(ids((await search('dupre', { partnerId: B })).hits)).toContain(f.b.dupre.id);
      expect(ids((await search('christopher nakamura')).hits)).toEqual([f.a.christopher.id]);
      expect(await index.count()).toBe(f.docs.length - gone.length);
      await index.remove(gone);
      expect(await index.count()).toBe(f.docs.length - gone.length);
    });

    test('when an org moves to another partner with its members, then the old partner finds none of them and the new one finds each', async () => {
      const moved = [f.a.dupre, f.a.helene, f.a.room].map((d) => ({ ...d, partnerId: B }));
      await index.upsert(moved);
      for (const q of ['helene.dupre@dupre.example', 'FOC2231X0QZ', f.a.dupre.id]) {
        expect(ids((await search(q)).hits).filter((id) => moved.some((d) => d.id === id))).toEqual([]);
      }
      expect(ids((await search('helene.dupre@dupre.example', { partnerId: B })).hits)).toContain(f.a.helene.id);
      expect(ids((await search('FOC2231X0QZ', { partnerId: B })).hits)).toContain(f.a.room.id);
      expect(await index.count()).toBe(f.docs.length);
    });

    test('when the index is rebuilt, then searches answer from the old index until the new one is swapped in', async () => {
      const verdi = userToDoc(user(
        org({ id: f.a.acme.id, partnerId: A, name: 'Acme Corporation' }),
        { id: 'd0e1f2a3-b4c5-4d6e-8f70-8192a3b4c5d6', firstName: 'Giulia', lastName: 'Verdi', email: 'giulia@acme.example' },
      ), 'Acme Corporation');
      const kept = f.docs.filter((d) => d.id !== f.a.marc.id);
      let release!: () => void;
      const gate = new Promise<void>((resolve) => { release = resolve; });
      let firstBatchIndexed!: () => void;
      const midway = new Promise<void>((resolve) => { firstBatchIndexed = resolve; });
      async function* slowly(): AsyncGenerator<SearchDoc[]> {
        yield kept.slice(0, 3);
        firstBatchIndexed();
        await gate;
        yield [...kept.slice(3), verdi];
      }

      const rebuilding = index.rebuild(slowly());
      await midway;
      const during = await search('rossi');
      expect(ids(during.hits)).toContain(f.a.marc.id);
      expect((await search('verdi')).hits).toEqual([]);
      expect(ids((await search('helene dupre')).hits)).toContain(f.a.helene.id);

      release();
      expect(await rebuilding).toEqual({ count: kept.length + 1 });
      expect(ids((await search('rossi')).hits)).not.toContain(f.a.marc.id);
      expect(ids((await search('verdi')).hits)).toEqual([verdi.id]);
      expect(await index.count()).toBe(kept.length + 1);
    });

    test('when a name matches, then the ranges point at the matched words of the original value', async () => {
      const { hits } = await search('helene dup');
      const m = hits.find((h) => h.id === f.a.helene.id)!.matched!;
      expect(m.field).toBe('name');
      expect(m.value).toBe('Hélène Dupré');
      expect(m.ranges.map(([s, e]) => m.value.slice(s, e))).toEqual(['Hélène', 'Dupré']);
    });

    test('when an identifier matches exactly, then the range is the whole value', async () => {
      const { hits } = await search('001a2b3c4d5e');
      expect(hits[0]!.matched).toEqual({ field: 'mac', value: '00:1A:2B:3C:4D:5E', ranges: [[0, 17]] });
    });

    test('when no limit is given, then at most the default number of hits come back, and never more than the maximum', async () => {
      const many = Array.from({ length: MAX_LIMIT + 10 }, (_, i) => userToDoc(user(
        org({ id: f.a.acme.id, partnerId: A, name: 'Acme Corporation' }),
        { id: `u-bulk-${String(i).padStart(3, '0')}`, firstName: 'Bulk', lastName: `Caller${i}`, email: `bulk${i}@bulk.example` },
      ), 'Acme Corporation'));
      await index.upsert(many);
      expect((await search('bulk')).hits).toHaveLength(DEFAULT_LIMIT);
      expect((await search('bulk', { limit: 5 })).hits).toHaveLength(5);
      const capped = await search('bulk', { limit: 10_000 });
      expect(capped.hits).toHaveLength(MAX_LIMIT);
      expect(capped.processingTimeMs).toBeGreaterThanOrEqual(0);
    });

    test('when the query is empty or only punctuation, then nothing is found', async () => {
      expect((await search('')).hits).toEqual([]);
      expect((await search('  -- ')).hits).toEqual([]);
    });

    test('when any query is searched for one partner, then no hit belongs to another partner and search never throws', async () => {
      const own = new Map<string, Set<string>>([
        [A, new Set(Object.values(f.a).map((d) => d.id))],
        [B, new Set(Object.values(f.b).map((d) => d.id))],
      ]);
      const values = f.docs.flatMap((d) => Object.values(d.fields).flat() as string[]);
      const query = fc.oneof(
        fc.string(),
        fc.string({ unit: 'grapheme' }),
        fc.constantFrom(...values),
        fc.tuple(fc.constantFrom(...values), fc.nat({ max: 40 })).map(([v, n]) => v.slice(0, n)),
        fc.constantFrom('5f0c2d1e', 'b0000000', '*', '%', '\\', '"', 'OR 1=1', '\u0000', '.'.repeat(300)),
      );
      await fc.assert(fc.asyncProperty(
        query,
        fc.constantFrom(A, B),
        fc.option(fc.constantFrom<HitKind>('org', 'user', 'device'), { nil: undefined }),
        async (q, partnerId, kind) => {
          const { hits } = await index.search({ q, partnerId, kind });
          for (const h of hits) expect(own.get(partnerId)!.has(h.id)).toBe(true);
        },
      ), { numRuns: 300 });
    });
  });
}
