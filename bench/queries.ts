// Queries drawn from the imported records, by class, the way an agent types them on a call.
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { foldText } from '../src/search-index/query';
import type { Device, Org, User } from '../src/store/records';
import { Rng } from './stats';

export const QUERY_CLASSES = ['identifier', '2-char prefix', '3+ char prefix', 'full name', 'name + 1 letter', 'typo', 'accent'] as const;
export type QueryClass = typeof QUERY_CLASSES[number];

export interface Sample { users: User[]; devices: Device[]; orgs: Org[] }

const letters = 'abcdefghijklmnopqrstuvwxyz';
const plain = (s: string) => foldText(s).replace(/[^a-z0-9 ]/g, '');

/** One typo in a word of 5 letters or more: two neighbours swapped, or a letter replaced. */
function typo(r: Rng, word: string): string {
  const i = r.int(1, word.length - 2);
  if (r.next() < 0.5 && word[i] !== word[i + 1]) return word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2);
  let c = r.pick([...letters]);
  while (c === word[i]) c = r.pick([...letters]);
  return word.slice(0, i) + c + word.slice(i + 1);
}

function identifier(r: Rng, s: Sample): string {
  const u = r.pick(s.users);
  switch (r.int(0, 8)) {
    case 0: return u.id;
    case 1: return u.id.slice(0, 8);
    case 2: return u.email;
    case 3: {
      if (!u.phone) return u.email;
      const p = parsePhoneNumberFromString(u.phone);
      return p ? p.formatNational() : u.phone;
    }
    case 4: return u.phone || u.id;
    case 5: { const d = r.pick(s.devices); return d.serial || d.id; }
    case 6: { const d = r.pick(s.devices); return d.mac || d.id; }
    case 7: { const o = r.pick(s.orgs); return o.orders[0]?.number ?? o.id; }
    default: { const o = r.pick(s.orgs); return o.sites[0]?.url ?? o.id; }
  }
}

export function makeQueries(s: Sample, perClass: number, seed = 7): Record<QueryClass, string[]> {
  const r = new Rng(seed);
  const name = () => r.pick(s.users);
  const words = () => { const u = name(); return [plain(u.firstName ?? ''), plain(u.lastName ?? '')].filter((w) => w.length > 0); };
  const accented = s.users.filter((u) => /[^\x00-\x7f]/.test(`${u.firstName}${u.lastName}`));
  const gen: Record<QueryClass, () => string> = {
    identifier: () => identifier(r, s),
    '2-char prefix': () => r.pick(words()).slice(0, 2),
    '3+ char prefix': () => { const w = r.pick(words()); return w.slice(0, r.int(3, Math.max(3, Math.min(w.length, 7)))); },
    'full name': () => { const u = name(); return `${u.firstName} ${u.lastName}`; },
    'name + 1 letter': () => { const u = name(); return `${u.firstName} ${plain(u.lastName ?? '').slice(0, 1)}`; },
    typo: () => {
      const u = name();
      const last = plain(u.lastName ?? '');
      const first = plain(u.firstName ?? '');
      if (last.length >= 5) return r.next() < 0.5 ? typo(r, last) : `${first} ${typo(r, last)}`;
      return first.length >= 5 ? typo(r, first) : `${first} ${last}`;
    },
    accent: () => {
      const u = r.pick(accented.length ? accented : s.users);
      return r.next() < 0.5 ? plain(`${u.firstName} ${u.lastName}`) : plain(u.lastName ?? '');
    },
  };
  const out = {} as Record<QueryClass, string[]>;
  for (const c of QUERY_CLASSES) out[c] = Array.from({ length: perClass }, gen[c]);
  return out;
}

/** The HTTP mix: mostly identifiers and names being typed, as calls come in. */
export const HTTP_MIX: ReadonlyArray<readonly [QueryClass, number]> = [
  ['identifier', 30], ['2-char prefix', 10], ['3+ char prefix', 20], ['full name', 15], ['name + 1 letter', 10], ['typo', 10], ['accent', 5],
];
