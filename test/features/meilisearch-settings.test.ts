// What can be checked of the Meilisearch adapter without a server: the settings it applies, the
// documents it stores, the filters and queries it sends and how it merges their hits.
import fc from 'fast-check';
import { deviceToDoc, orgToDoc, userToDoc } from '../../src/search-index/documents';
import {
  MEILI_SETTINGS, RANKING_RULES, SORT, buildFilter, clampLimit, meiliId, mergeHits, planSearch,
  quoteFilterValue, scopeKey, toMeiliDocument, type MeiliDocument,
} from '../../src/search-index/meilisearch/meilisearch-settings';
import { SEARCH_FIELDS } from '../../src/search-index/search-index';
import type { Device, Org, User } from '../../src/store/records';
import { readFilter, type FilterToken } from '../helpers/meili-filter';

const theOrg: Org = {
  id: '0b7e6a4e-5a0c-4c57-9a51-3f1b2f0a9c11', partnerId: 'p-north', name: 'Boulangerie Dupré SARL', status: 'active',
  createdAt: '2023-04-01T10:00:00Z',
  domains: [{ name: 'dupre.example', claimed: true, verified: true }],
  sites: [{ url: 'dupre.webex.com', type: 'meetings', status: 'active' }],
  orders: [{ number: 'WO-48213379', product: 'Webex Meetings', status: 'provisioned', date: '2023-03-28' }],
  subscriptions: [], supportPlan: null, settings: {},
};
const theUser: User = {
  id: '5f0c2d1e-8b7a-4e3c-9d21-7a6b5c4d3e2f', orgId: theOrg.id, partnerId: 'p-north',
  email: 'helene.dupre@dupre.example', firstName: 'Hélène', lastName: 'Dupré', displayName: 'Hélène Dupré',
  phone: '+33612345678', sipAddress: 'sip:helene.dupre@dupre.calls.webex.com', status: 'active',
  createdAt: '2023-04-02T08:00:00Z', roles: [], licenses: [], features: [], supportContactFor: [], lastEmail: null,
};
const theDevice: Device = {
  id: 'SEP 00:1A/Rivoli', orgId: theOrg.id, partnerId: 'p-north', ownerUserId: null,
  displayName: 'Salle Rivoli', model: 'Room Kit', serial: 'FOC2231X0QZ', mac: '00:1A:2B:3C:4D:5E', sipAddress: '', status: 'online',
};
const org = orgToDoc(theOrg);
const helene = userToDoc(theUser, theOrg.name);
const room = deviceToDoc(theDevice, theOrg.name);

const clause = (attribute: string, value: string): FilterToken[] => [{ word: attribute }, { word: '=' }, { value }];

describe('Meilisearch index settings', () => {
  test('when the settings are built, then searchable attributes follow the ranking order of SEARCH_FIELDS, without UUID or MAC fragments', () => {
    expect(MEILI_SETTINGS.searchableAttributes).toEqual(
      ['name', 'email', 'sip', 'site', 'domain', 'order', 'serial', 'phone'],
    );
    expect(MEILI_SETTINGS.searchableAttributes).toEqual(SEARCH_FIELDS.filter((f) => f !== 'uuid' && f !== 'mac'));
  });

  test('when the settings are built, then partner, kind, org, status and identifier keys are filterable', () => {
    expect([...MEILI_SETTINGS.filterableAttributes].sort()).toEqual(['idKeys', 'kind', 'orgKey', 'partnerKey', 'status']);
  });

  test('when the settings are built, then typos follow the search rules and are off on every identifier attribute', () => {
    expect(MEILI_SETTINGS.typoTolerance.enabled).toBe(true);
    expect(MEILI_SETTINGS.typoTolerance.minWordSizeForTypos).toEqual({ oneTypo: 5, twoTypos: 9 });
    expect(MEILI_SETTINGS.typoTolerance.disableOnAttributes).toEqual(
      ['email', 'sip', 'site', 'domain', 'order', 'serial', 'phone'],
    );
  });

  test('when the settings are built, then ranking is typos, attribute, exactness, then title order, with no distinct attribute', () => {
    expect(RANKING_RULES).toEqual(['words', 'typo', 'attributeRank', 'exactness', 'sort']);
    expect(SORT).toEqual(['sortTitle:asc', 'docId:asc']);
    for (const s of SORT) expect(MEILI_SETTINGS.sortableAttributes).toContain(s.split(':')[0]);
    expect(MEILI_SETTINGS.distinctAttribute).toBeNull();
    expect(MEILI_SETTINGS.stopWords).toEqual([]);
  });
});

describe('toMeiliDocument', () => {
  test('when a user is stored, then its identifier keys, folded words and original values are all there', () => {
    const doc = toMeiliDocument(helene);
    expect(doc).toMatchObject({
      id: theUser.id, docId: theUser.id, kind: 'user', partnerId: 'p-north', orgId: theOrg.id, status: 'active',
      partnerKey: scopeKey('p-north'), orgKey: scopeKey(theOrg.id),
      title: 'Hélène Dupré', sortTitle: 'helene dupre',
      name: ['helene dupre', 'helene', 'dupre'],
      email: ['helene dupre dupre example'],
      phone: ['33612345678'],
    });
    expect(doc.idKeys).toEqual(expect.arrayContaining([
      `uuid:${theUser.id}`, 'uuid8:5f0c2d1e', 'email:helene.dupre@dupre.example',
      'sip:helene.dupre@dupre.calls.webex.com', 'phone:33612345678', 'phone:0612345678',
    ]));
    expect(doc.fields.name).toEqual(['Hélène Dupré', 'Hélène', 'Dupré']);
    expect(doc.fields.sip).toEqual(['sip:helene.dupre@dupre.calls.webex.com']);
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });

  test('when a device is stored, then its serial is searchable as the embedded engine splits it, its MAC only whole or by its first octets', () => {
    const doc = toMeiliDocument(room);
    expect(doc.serial).toEqual(['foc2231x0qz']);
    expect(doc.mac).toEqual([]);
    expect(doc.fields.mac).toEqual(['00:1A:2B:3C:4D:5E']);
    expect(doc.idKeys).toEqual(expect.arrayContaining([
      'serial:foc2231x0qz', 'mac:001a2b3c4d5e', 'macprefix:001a2b', 'macprefix:001a2b3c', 'macprefix:001a2b3c4d',
    ]));
  });

  test('when a user with a phone is stored, then the national number without its trunk 0 is one of its keys', () => {
    expect(toMeiliDocument(helene).idKeys).toContain('phone:612345678');
  });

  test('when a field has no value, then it is stored as an empty list', () => {
    const doc = toMeiliDocument(org);
    expect(doc.email).toEqual([]);
    expect(doc.fields.email).toEqual([]);
    expect(doc.order).toEqual(['wo 48213379']);
  });
});

describe('meiliId', () => {
  test('when an id is a UUID, then it is its own primary key', () => {
    expect(meiliId(theUser.id)).toBe(theUser.id);
  });

  test('when an id has characters Meilisearch refuses, or the hash prefix, then it is hashed', () => {
    expect(meiliId(theDevice.id)).toMatch(/^h_[0-9a-f]{64}$/);
    expect(meiliId('h_abc')).toMatch(/^h_[0-9a-f]{64}$/);
    expect(toMeiliDocument(room)).toMatchObject({ id: meiliId(theDevice.id), docId: theDevice.id });
  });

  test('when any two ids differ, then their primary keys differ and Meilisearch accepts both', () => {
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 200 }), fc.string({ minLength: 1, maxLength: 200 }), (a, b) => {
      fc.pre(a !== b);
      expect(meiliId(a)).not.toBe(meiliId(b));
      for (const key of [meiliId(a), meiliId(b)]) expect(key).toMatch(/^[A-Za-z0-9_-]{1,511}$/);
    }));
  });
});

describe('scopeKey', () => {
  test('when partner ids differ only in case, spaces or Unicode form, then their keys differ and survive Meilisearch\'s folding', () => {
    const keys = ['p-north', 'P-North', ' p-north', 'p-north ', 'p-ﬁ', 'p-fi'].map(scopeKey);
    expect(new Set(keys).size).toBe(keys.length);
    // What milli's normalize_facet does to a filter value: trim, NFKD, lower case.
    for (const k of keys) expect(k.trim().normalize('NFKD').toLowerCase()).toBe(k);
  });
});

describe('buildFilter', () => {
  const north = scopeKey('p-north');

  test('when only the partner is given, then the filter is the partner clause', () => {
    expect(buildFilter({ partnerId: 'p-north' })).toBe(`partnerKey = "${north}"`);
  });

  test('when kind, org and identifier keys are given, then each is ANDed after the partner clause', () => {
    expect(buildFilter({ partnerId: 'p-north', kind: 'user', orgId: theOrg.id, idKeys: ['email:a@b.example', 'sip:a@b.example'] }))
      .toBe(`partnerKey = "${north}" AND kind = "user" AND orgKey = "${scopeKey(theOrg.id)}" AND idKeys IN ["email:a@b.example", "sip:a@b.example"]`);
  });

  test('when the org id is hostile, then only its digest reaches the filter', () => {
    const orgId = 'x" OR partnerKey != "';
    expect(readFilter(buildFilter({ partnerId: 'p-north', orgId }))).toEqual([
      ...clause('partnerKey', north), { word: 'AND' }, ...clause('orgKey', scopeKey(orgId)),
    ]);
  });

  test.each([
    ['a double quote', 'x" OR partnerId = "p-south', String.raw`"x\" OR partnerId = \"p-south"`],
    ['a backslash', 'a\\b', String.raw`"a\\b"`],
    ['a trailing backslash', 'p-north\\', String.raw`"p-north\\"`],
    ['an escaped quote', '\\"', String.raw`"\\\""`],
    ['an OR', 'x OR 1 = 1', '"x OR 1 = 1"'],
    ['a partner clause', 'partnerId = x', '"partnerId = x"'],
  ])('when a value holds %s, then it is quoted and escaped into one value', (_, input, quoted) => {
    expect(quoteFilterValue(input)).toBe(quoted);
    expect(readFilter(buildFilter({ partnerId: 'p-north', kind: input, idKeys: [input, 'email:a@b.example'] }))).toEqual([
      ...clause('partnerKey', north), { word: 'AND' }, ...clause('kind', input),
      { word: 'AND' }, { word: 'idKeys' }, { word: 'IN' }, { word: '[' }, { value: input }, { word: ',' }, { value: 'email:a@b.example' }, { word: ']' },
    ]);
  });

  test('when org, kind and keys are any strings, then the partner clause stays first and intact and every value stays one value', () => {
    const anyString = fc.oneof(
      fc.string(),
      fc.string({ unit: 'grapheme' }),
      fc.constantFrom('"', '\\', '\\"', '" OR "', ' OR ', 'partnerId = x', ') OR (', '"p-south"', '\\\\"'),
      fc.array(fc.constantFrom('"', '\\', ' ', 'OR', 'p-south', '[', ']', ',', '='), { maxLength: 12 }).map((a) => a.join('')),
    );
    fc.assert(fc.property(
      anyString,
      fc.option(anyString, { nil: undefined }),
      fc.option(anyString, { nil: undefined }),
      fc.option(fc.array(anyString, { maxLength: 4 }), { nil: undefined }),
      (partnerId, orgId, kind, idKeys) => {
        const filter = buildFilter({ partnerId, kind, orgId, idKeys });
        expect(filter.startsWith(`partnerKey = "${scopeKey(partnerId)}"`)).toBe(true);
        // Balanced: every unescaped quote opens or closes a value, so their number is even.
        expect((filter.replace(/\\[\\"]/g, '').match(/"/g) ?? []).length % 2).toBe(0);
        const expected: FilterToken[] = [...clause('partnerKey', scopeKey(partnerId))];
        if (kind !== undefined) expected.push({ word: 'AND' }, ...clause('kind', kind));
        if (orgId !== undefined) expected.push({ word: 'AND' }, ...clause('orgKey', scopeKey(orgId)));
        if (idKeys !== undefined) {
          expected.push({ word: 'AND' }, { word: 'idKeys' }, { word: 'IN' }, { word: '[' });
          idKeys.forEach((k, i) => expected.push(...(i > 0 ? [{ word: ',' }] : []), { value: k }));
          expected.push({ word: ']' });
        }
        expect(readFilter(filter)).toEqual(expected);
      },
    ), { numRuns: 500 });
  });
});

describe('planSearch', () => {
  const scope = { partnerId: 'p-north' };

  test('when the query is an email, then an exact query filters by its keys and a text query asks for its words', () => {
    const plan = planSearch('helpdesk', { ...scope, q: ' Helene.Dupre@DUPRE.example ', kind: 'user' }, 20);
    expect(plan.keys).toEqual(expect.arrayContaining(['email:helene.dupre@dupre.example']));
    expect(plan.exact).toMatchObject({
      indexUid: 'helpdesk', q: '', limit: 100, sort: SORT,
      filter: expect.stringMatching(new RegExp(`^partnerKey = "${scopeKey('p-north')}" AND kind = "user" AND idKeys IN \\[.*"email:helene.dupre@dupre.example"`)),
    });
    expect(plan.text).toMatchObject({
      indexUid: 'helpdesk', q: 'helene dupre dupre example', limit: 20, matchingStrategy: 'all', sort: SORT,
      filter: `partnerKey = "${scopeKey('p-north')}" AND kind = "user"`,
    });
  });

  test('when the query holds Meilisearch syntax, then only its words are sent', () => {
    expect(planSearch('helpdesk', { ...scope, q: '"hélène" -dupré' }, 20).text?.q).toBe('helene dupre');
  });

  test('when the query has more than ten words, then the first ten are sent, as the embedded engine reads them', () => {
    const words = Array.from({ length: 12 }, (_, i) => `w${i}`);
    expect(planSearch('helpdesk', { ...scope, q: words.join(' ') }, 20).text?.q).toBe(words.slice(0, 10).join(' '));
  });

  test('when the query has no words and no identifier, or the limit is 0, then nothing is sent', () => {
    expect(planSearch('helpdesk', { ...scope, q: '  -- ' }, 20)).toMatchObject({ exact: null, text: null });
    expect(planSearch('helpdesk', { ...scope, q: 'helene' }, 0)).toMatchObject({ exact: null, text: null });
  });

  test.each([
    ['5F0C2D1E-8B7A', 'uuid8:5f0c2d1e'],
    ['00:1A:2B', 'macprefix:001a2b'],
    ['001a.2b3c', 'macprefix:001a2b3c'],
    ['612345678', 'phone:612345678'],
  ])('when the query is %s, then the exact query looks up %s', (q, key) => {
    expect(planSearch('helpdesk', { ...scope, q }, 20).exact?.filter).toContain(`"${key}"`);
  });

  test('when the query is two octets of a MAC, then no MAC key is looked up and the words find no MAC (not searchable)', () => {
    const plan = planSearch('helpdesk', { ...scope, q: '56 78' }, 20);
    expect(plan).toMatchObject({ exact: null, text: { q: '56 78' } });
    expect(MEILI_SETTINGS.searchableAttributes).not.toContain('mac');
  });

  test('when the query is a short word, then only the text query is sent', () => {
    expect(planSearch('helpdesk', { ...scope, q: 'hel' }, 20)).toMatchObject({ exact: null, text: { q: 'hel' } });
  });

  test('when a limit is given, then it is clamped like the embedded engine', () => {
    expect(clampLimit(undefined, 20)).toBe(20);
    expect(clampLimit(Number.NaN, 20)).toBe(20);
    expect(clampLimit(10_000, 20)).toBe(100);
    expect(clampLimit(-3, 20)).toBe(0);
    expect(clampLimit(5.7, 20)).toBe(5);
  });
});

describe('mergeHits', () => {
  const stored = (d: Parameters<typeof toMeiliDocument>[0]): MeiliDocument => toMeiliDocument(d);
  const query = { q: 'dupre.example', partnerId: 'p-north' };

  test('when a document is found exactly and by words, then it comes once, first, as exact', () => {
    const keys = planSearch('helpdesk', query, 20).keys;
    const hits = mergeHits(query, keys, [stored(org)], [stored(helene), stored(org)], 20);
    expect(hits.map((h) => [h.id, h.exact])).toEqual([[org.id, true], [helene.id, false]]);
    expect(hits[0]!.matched).toEqual({ field: 'domain', value: 'dupre.example', ranges: [[0, 13]] });
    expect(hits[1]!.matched).toMatchObject({ field: 'email', value: 'helene.dupre@dupre.example' });
  });

  test('when several documents are found exactly, then the earlier field wins, then the title', () => {
    const a = { ...helene, id: 'u-a', title: 'Zoé', fields: { ...helene.fields, email: ['x@dupre.example'], sip: ['shared@dupre.example'], uuid: ['u-a'] } };
    const b = { ...helene, id: 'u-b', title: 'Anne', fields: { ...helene.fields, email: ['y@dupre.example'], sip: ['shared@dupre.example'], uuid: ['u-b'] } };
    const c = { ...helene, id: 'u-c', title: 'Marc', fields: { ...helene.fields, email: ['shared@dupre.example'], sip: [], uuid: ['u-c'] } };
    const q = { q: 'shared@dupre.example', partnerId: 'p-north' };
    const keys = planSearch('helpdesk', q, 20).keys;
    const hits = mergeHits(q, keys, [stored(a), stored(b), stored(c)], [], 20);
    expect(hits.map((h) => h.id)).toEqual(['u-c', 'u-b', 'u-a']);
  });

  test('when more hits come back than the limit, then the exact ones are kept first', () => {
    const keys = planSearch('helpdesk', query, 1).keys;
    expect(mergeHits(query, keys, [stored(org)], [stored(helene)], 1).map((h) => h.id)).toEqual([org.id]);
  });

  test('when Meilisearch returns an exact hit whose key only matches after folding, then it is not exact', () => {
    const q = { q: 'ｈelene.dupre@dupre.example', partnerId: 'p-north' };
    const keys = planSearch('helpdesk', q, 20).keys;
    expect(mergeHits(q, keys, [stored(helene)], [], 20)).toEqual([]);
  });

  test('when a hit belongs to another partner, then it is dropped', () => {
    const foreign = stored({ ...helene, id: 'u-foreign', partnerId: 'p-south' });
    const hits = mergeHits({ q: 'helene', partnerId: 'p-north' }, [], [], [foreign, stored(helene)], 20);
    expect(hits.map((h) => h.id)).toEqual([helene.id]);
  });

  test('when a name matches, then the ranges point at the words of the original value', () => {
    const q = { q: 'helene dup', partnerId: 'p-north' };
    const [hit] = mergeHits(q, [], [], [stored(helene)], 20);
    const m = hit!.matched!;
    expect(m).toMatchObject({ field: 'name', value: 'Hélène Dupré' });
    expect(m.ranges.map(([s, e]) => m.value.slice(s, e))).toEqual(['Hélène', 'Dupré']);
  });
});
