import { parsePhoneNumberFromString } from 'libphonenumber-js';
import fc from 'fast-check';
import { userToDoc, deviceToDoc, orgToDoc } from '../../src/search-index/documents';
import {
  classifyQuery, damerauDistance, findMatch, foldText, identifierKeys, identifierKeysOf, isUuid, isUuidPrefix,
  normalizeDomain, normalizeEmail, normalizeMac, normalizeMacPrefix, normalizeOrder, normalizePhoneQuery, normalizeSerial,
  normalizeSite, phoneSearchVariants, phoneVariants, uuidPrefixOf, prefixDistance, queryWords, tokenWords, tokenize, typoBudget,
} from '../../src/search-index/query';
import type { Device, Org, User } from '../../src/store/records';

const theOrg: Org = {
  id: '0b7e6a4e-5a0c-4c57-9a51-3f1b2f0a9c11', partnerId: 'p-north', name: 'Boulangerie Dupré SARL', status: 'active',
  createdAt: '2023-04-01T10:00:00Z',
  domains: [{ name: 'dupre.example', claimed: true, verified: true }, { name: 'other.example', claimed: false, verified: false }],
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
  id: '9a8b7c6d-1e2f-4a3b-8c9d-0e1f2a3b4c5d', orgId: theOrg.id, partnerId: 'p-north', ownerUserId: null,
  displayName: 'Salle Rivoli', model: 'Room Kit', serial: 'FOC2231X0QZ', mac: '00:1A:2B:3C:4D:5E', sipAddress: '', status: 'online',
};

describe('foldText and tokenize', () => {
  test('when text has accents, case and compatibility forms, then folding removes them', () => {
    expect(foldText('Hélène DUPRÉ')).toBe('helene dupre');
    expect(foldText('Ｆｕｌｌ ﬁle')).toBe('full file');
  });

  test('when a value is tokenized, then each word is folded and keeps its offsets in the original', () => {
    const value = 'Hélène Dupré-Lefèvre';
    const tokens = tokenize(value);
    expect(tokens.map((t) => t.text)).toEqual(['helene', 'dupre', 'lefevre']);
    expect(tokens.map((t) => value.slice(t.start, t.end))).toEqual(['Hélène', 'Dupré', 'Lefèvre']);
  });

  test('when accents are written as combining marks, then offsets still cover the whole word', () => {
    const value = 'He\u0301le\u0300ne x';
    const [first] = tokenize(value);
    expect(first).toEqual({ text: 'helene', start: 0, end: 8 });
  });

  test('when a compatibility character expands, then the word maps back to the original character', () => {
    const value = 'ﬁle 42';
    expect(tokenize(value)).toEqual([{ text: 'file', start: 0, end: 3 }, { text: '42', start: 4, end: 6 }]);
  });

  test('when an identifier is tokenized, then punctuation separates words', () => {
    expect(tokenize('helene.dupre@dupre.example').map((t) => t.text)).toEqual(['helene', 'dupre', 'dupre', 'example']);
  });

  test('when a query has more than ten words, then only the first ten are read', () => {
    expect(queryWords('a b c d e f g h i j k l')).toHaveLength(10);
  });

  test('when any string is tokenized, then every range is inside it and folds to its word', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (s) => {
      for (const t of tokenize(s)) {
        expect(t.start).toBeGreaterThanOrEqual(0);
        expect(t.end).toBeLessThanOrEqual(s.length);
        expect(t.start).toBeLessThan(t.end);
        expect(t.text.length).toBeGreaterThan(0);
      }
    }));
  });

  test('when any string is split into words for the index, then they are the words tokenize finds', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), fc.constantFrom('ΣΊΣΥΦΟΣ Ltd', 'Hélène Dupré', 'ﬁle ①', 'İstanbul')), (s) => {
      expect(tokenWords(s)).toEqual(tokenize(s).map((t) => t.text));
    }), { numRuns: 500 });
  });
});

describe('identifier normalizers', () => {
  test('when an email has spaces and capitals, then it is trimmed and lower-cased', () => {
    expect(normalizeEmail('  Helene.Dupre@DUPRE.example ')).toBe('helene.dupre@dupre.example');
  });

  test.each(['00:1A:2B:3C:4D:5E', '00-1a-2b-3c-4d-5e', '001A.2B3C.4D5E', '001a2b3c4d5e'])(
    'when a MAC is written as %s, then it normalizes to 12 hex digits',
    (mac) => expect(normalizeMac(mac)).toBe('001a2b3c4d5e'),
  );

  test.each(['00:1A:2B:3C:4D', '00:1A:2B:3C:4D:5G', '00:1A-2B:3C:4D:5E', 'hello'])(
    'when %s is not a MAC, then it normalizes to null',
    (s) => expect(normalizeMac(s)).toBeNull(),
  );

  test('when a stored number is E.164, then it is found by its international and national digits', () => {
    expect(phoneVariants('+33612345678')).toEqual(expect.arrayContaining(['33612345678', '0612345678']));
    expect(phoneVariants('+14155550100')).toEqual(expect.arrayContaining(['14155550100', '4155550100']));
  });

  test('when numbers start alike, then the variants learnt from the first are those libphonenumber gives the next', () => {
    const expected = (phone: string) => {
      const p = parsePhoneNumberFromString(phone)!;
      return new Set([`${p.countryCallingCode}${p.nationalNumber}`, p.formatNational().replace(/\D/g, ''), phone.replace(/\D/g, '')]);
    };
    for (const [first, next] of [
      ['+33612345678', '+33612987654'], ['+390612345678', '+390612999888'], ['+4915112345678', '+4915198765432'],
      ['+14155550100', '+14155559876'], ['+447400123456', '+447400654321'], ['+81901234567', '+81909876543'],
    ]) {
      phoneVariants(first!);
      expect(new Set(phoneVariants(next!))).toEqual(expected(next!));
    }
  });

  test.each([
    ['+33 6 12 34 56 78', '33612345678'],
    ['0033 6 12 34 56 78', '33612345678'],
    ['+33 6 12 34 56 78', '0612345678'],
    ['06 12 34 56 78', '0612345678'],
    ['(415) 555-0100', '4155550100'],
    ['+1.415.555.0100', '14155550100'],
    ['33612345678', '33612345678'],
  ])('when an agent types %s, then %s is looked up', (q, digits) => {
    expect(normalizePhoneQuery(q)).toContain(digits);
  });

  test.each(['12345', 'call 0612345678', 'helene', '00:1A:2B:3C:4D:5E', ''])(
    'when %s does not look like a phone number, then there is nothing to look up',
    (q) => expect(normalizePhoneQuery(q)).toBeNull(),
  );

  test('when a site or domain is typed as a URL, then scheme, path and trailing dot go', () => {
    expect(normalizeSite('https://Acme.Webex.com/meet/room')).toBe('acme.webex.com');
    expect(normalizeDomain('dupre.example.')).toBe('dupre.example');
  });

  test('when an order number has letters and dashes, then it has an alphanumeric and a digits form', () => {
    expect(normalizeOrder('WO-48213379')).toEqual({ alnum: 'wo48213379', digits: '48213379' });
  });

  test('when a serial has separators, then only letters and digits remain, lower-cased', () => {
    expect(normalizeSerial('FOC-2231 X0QZ')).toBe('foc2231x0qz');
  });

  test('when a string is a UUID or its first 8 hex characters, then it is recognised', () => {
    expect(isUuid('5F0C2D1E-8B7A-4E3C-9D21-7A6B5C4D3E2F')).toBe(true);
    expect(isUuid('5f0c2d1e-8b7a')).toBe(false);
    expect(isUuidPrefix('5f0c2d1e')).toBe(true);
    expect(isUuidPrefix('5f0c2d1g')).toBe(false);
  });
});

describe('prefixes and national numbers', () => {
  test('when a UUID is typed in part past its first 8 characters, dashes included, then it is read as a UUID prefix', () => {
    expect(uuidPrefixOf('5F0C2D1E-8B7A')).toBe('5f0c2d1e-8b7a');
    expect(uuidPrefixOf(' 5f0c2d1e-8b7a-4e ')).toBe('5f0c2d1e-8b7a-4e');
    expect(uuidPrefixOf('5f0c2d1e')).toBe('5f0c2d1e');
    for (const s of ['5f0c2d1', '5f0c2d1e8b7a', '5f0c2d1e-8b7a4e3c', '8b7a-4e3c', '5f0c2d1e-8b7g', '5f0c2d1e-8b7a-4e3c-9d21-7a6b5c4d3e2f']) {
      expect(uuidPrefixOf(s)).toBeNull();
    }
    expect(identifierKeys('5F0C2D1E-8B7A')).toContain('uuid8:5f0c2d1e');
    expect(classifyQuery('5F0C2D1E-8B7A')).toBe('uuid_prefix');
  });

  test.each([
    ['00:1A:2B', '001a2b'], ['00-1a-2b-3c', '001a2b3c'], ['00:1a:2b:3c:4d', '001a2b3c4d'], ['00:1a:2b:', '001a2b'],
    ['001A.2B', '001a2b'], ['001a.2b3c', '001a2b3c'], ['001a.2b3c.4d', '001a2b3c4d'],
  ])('when the first octets of a MAC are typed as %s, then they are a MAC prefix', (q, hex) => {
    expect(normalizeMacPrefix(q)).toBe(hex);
    expect(identifierKeys(q)).toContain(`macprefix:${hex}`);
    expect(classifyQuery(q)).toBe('mac');
  });

  test.each(['56 78', '4d:5e', '00:1a', '00:1a:2b:3', '00:1a-2b', '001a2b', '00:1A:2B:3C:4D:5E', '001a.2', '1a2b.3c4d.5e6f'])(
    'when %s is typed, then it is no MAC prefix',
    (q) => expect(normalizeMacPrefix(q)).toBeNull(),
  );

  test('when a device has a MAC, then it is found by its whole address and its first 3, 4 and 5 octets only', () => {
    const keys = identifierKeysOf(deviceToDoc(theDevice, theOrg.name)).filter((k) => k.startsWith('mac'));
    expect(keys.sort()).toEqual(['mac:001a2b3c4d5e', 'macprefix:001a2b', 'macprefix:001a2b3c', 'macprefix:001a2b3c4d']);
  });

  test('when a French number is stored, then search finds it by its national number without the trunk 0 too', () => {
    expect(phoneSearchVariants('+33612345678')).toEqual(expect.arrayContaining(['33612345678', '0612345678', '612345678']));
    // The same shape a second time takes the cached path: same variants.
    expect(phoneSearchVariants('+33687654321')).toEqual(expect.arrayContaining(['33687654321', '0687654321', '687654321']));
    expect(identifierKeysOf(userToDoc(theUser, theOrg.name))).toContain('phone:612345678');
    expect(identifierKeys('612345678')).toContain('phone:612345678');
  });

  test('when a match is found by a prefix, then only the typed part is highlighted', () => {
    const device = deviceToDoc(theDevice, theOrg.name);
    expect(findMatch(device, '00-1a-2b-3c')).toEqual({ field: 'mac', value: '00:1A:2B:3C:4D:5E', ranges: [[0, 11]] });
    expect(findMatch(userToDoc(theUser, theOrg.name), '5F0C2D1E-8B7A')).toEqual({ field: 'uuid', value: theUser.id, ranges: [[0, 13]] });
  });
});

describe('classifyQuery and identifier keys', () => {
  test.each([
    ['5f0c2d1e-8b7a-4e3c-9d21-7a6b5c4d3e2f', 'uuid'],
    ['5f0c2d1e', 'uuid_prefix'],
    ['helene.dupre@dupre.example', 'email'],
    ['+33 6 12 34 56 78', 'phone'],
    ['(415) 555-0100', 'phone'],
    ['0033612345678', 'phone'],
    ['00:1A:2B:3C:4D:5E', 'mac'],
    ['001A.2B3C.4D5E', 'mac'],
    ['WO-48213379', 'order'],
    ['48213379', 'order'],
    ['acme.webex.com', 'domain'],
    ['https://acme.webex.com/meet', 'domain'],
    ['dupre.example', 'domain'],
    ['helene dupre', 'text'],
    ['', 'text'],
  ])('when the query is %s, then it reads as %s', (q, type) => {
    expect(classifyQuery(q)).toBe(type);
  });

  test('when a query is one of a document\'s identifiers in another notation, then their keys meet', () => {
    const docs = [orgToDoc(theOrg), userToDoc(theUser, theOrg.name), deviceToDoc(theDevice, theOrg.name)];
    const all = new Set(docs.flatMap(identifierKeysOf));
    for (const q of [
      '5F0C2D1E-8B7A-4E3C-9D21-7A6B5C4D3E2F', '5f0c2d1e', 'HELENE.DUPRE@dupre.example', 'helene.dupre@dupre.calls.webex.com',
      '06 12 34 56 78', '+33 6 12 34 56 78', 'dupre.webex.com', 'DUPRE.EXAMPLE', 'wo48213379', '48213379',
      'foc2231x0qz', '001a.2b3c.4d5e',
    ]) {
      expect(identifierKeys(q).some((k) => all.has(k))).toBe(true);
    }
  });

  test('when a domain is neither claimed nor verified, then it is not a key of the org', () => {
    expect(identifierKeysOf(orgToDoc(theOrg))).not.toContain('domain:other.example');
  });

  test('when the query is ordinary words, then there are no identifier keys to look up', () => {
    expect(identifierKeys('helene dupre')).toEqual([]);
    expect(identifierKeys('   ')).toEqual([]);
  });
});

describe('typos', () => {
  test('when a word is shorter than 5 letters, then no typo; from 5 one; from 9 two', () => {
    expect([1, 4, 5, 8, 9, 20].map(typoBudget)).toEqual([0, 0, 1, 1, 2, 2]);
  });

  test('when two neighbouring letters are swapped, then the distance is one', () => {
    expect(damerauDistance('helene', 'hleene', 2)).toBe(1);
    expect(damerauDistance('dupre', 'durpe', 2)).toBe(1);
  });

  test('when words differ by substitutions, insertions and deletions, then each counts one', () => {
    expect(damerauDistance('christopher', 'christofer', 3)).toBe(2);
    expect(damerauDistance('rossi', 'rosso', 2)).toBe(1);
    expect(damerauDistance('', 'abc', 5)).toBe(3);
  });

  test('when the distance exceeds the maximum, then max + 1 comes back', () => {
    expect(damerauDistance('abcdef', 'uvwxyz', 1)).toBe(2);
    expect(damerauDistance('a', 'abcdefgh', 2)).toBe(3);
  });

  test('when any two words are compared, then the distance is symmetric and bounded', () => {
    fc.assert(fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
      const d = damerauDistance(a, b, 3);
      expect(damerauDistance(b, a, 3)).toBe(d);
      expect(d).toBeLessThanOrEqual(4);
      expect(d === 0).toBe(a === b);
    }));
  });

  test('when any two words are compared, then the distance is the full alignment table\'s, capped at max + 1', () => {
    // The textbook table, rebuilt for every pair: the engine's version reuses rows and stops early.
    const reference = (a: string, b: string): number => {
      const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
      for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
          d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
          if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
        }
      }
      return d[a.length]![b.length]!;
    };
    // Long words too (over 64 letters), so the reused rows must grow.
    const word = fc.string({ unit: fc.constantFrom('a', 'b', 'c'), maxLength: 90 });
    fc.assert(fc.property(word, word, fc.integer({ min: 0, max: 3 }), (a, b, max) => {
      expect(damerauDistance(a, b, max)).toBe(Math.min(reference(a, b), max + 1));
    }), { numRuns: 500 });
    // Long words a few edits apart, so the table is filled to its last column.
    const edit = fc.tuple(fc.nat(), fc.constantFrom('', 'a', 'b', 'c'), fc.integer({ min: 0, max: 1 }));
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom('a', 'b', 'c'), minLength: 60, maxLength: 90 }), fc.array(edit, { maxLength: 3 }), (a, edits) => {
      let b = a;
      for (const [at, put, drop] of edits) b = b.slice(0, at % b.length) + put + b.slice((at % b.length) + drop);
      expect(damerauDistance(a, b, 3)).toBe(Math.min(reference(a, b), 4));
    }), { numRuns: 300 });
  });

  test('when a word is within the typos of a prefix of another, then the prefix distance says so', () => {
    expect(prefixDistance('hlene', 'helene', 1)).toBe(1);
    expect(prefixDistance('hel', 'helene', 0)).toBe(0);
    expect(prefixDistance('xyz', 'helene', 1)).toBe(2);
  });

  test('when any word is compared with the prefixes of a token, then the fewest typos is the smallest distance to one of them', () => {
    const word = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'd'), maxLength: 10 });
    fc.assert(fc.property(word, word, fc.integer({ min: 0, max: 2 }), (w, token, max) => {
      let expected = max + 1;
      for (let len = 0; len <= token.length; len++) {
        if (Math.abs(len - w.length) <= max) expected = Math.min(expected, damerauDistance(w, token.slice(0, len), max));
      }
      expect(prefixDistance(w, token, max)).toBe(expected);
    }), { numRuns: 1000 });
  });
});

describe('findMatch', () => {
  const doc = userToDoc(theUser, theOrg.name);

  test('when the query equals an identifier, then the whole value is the match', () => {
    expect(findMatch(doc, '06 12 34 56 78')).toEqual({ field: 'phone', value: '+33612345678', ranges: [[0, 12]] });
  });

  test('when words match a name, then the ranges are those words in the original value', () => {
    const m = findMatch(doc, 'dupre hel')!;
    expect(m.field).toBe('name');
    expect(m.ranges.map(([s, e]) => m.value.slice(s, e))).toEqual(['Hélène', 'Dupré']);
  });

  test('when nothing matches, then there is no match', () => {
    expect(findMatch(doc, 'nakamura')).toBeNull();
  });

  test('when a word differs from a name on its first letter, then it is highlighted only where the search engines find it', () => {
    // One typo allowed in 6 letters, and a wrong first letter counts two (Meilisearch's rule).
    expect(findMatch(doc, 'kelene')).toBeNull();
    expect(findMatch(doc, 'kelen')).toBeNull();
    const m = findMatch({ ...doc, fields: { ...doc.fields, name: ['Christopher'] } }, 'khristopher')!;
    expect(m.ranges.map(([s, e]) => m.value.slice(s, e))).toEqual(['Christopher']);
  });
});
