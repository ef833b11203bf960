// The embedded engine's snapshot codec (src/search-index/embedded/shard-snapshot.ts): a shard saved
// and loaded again is the same shard, field by field, whatever happened to it before (a bulk build,
// the changes replayed on it before finalize(), live upserts and removals, compactions), and every
// field its classes own is either saved or declared as rebuilt on load or transient. A field added
// to a class and forgotten by the codec would leave the index silently wrong after a restart.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { IndexState } from '../../src/search-index/embedded/index-state';
import { prepareDocs } from '../../src/search-index/embedded/prepared-docs';
import {
  KEY_TABLE_CODEC, PACKED_DOCS_CODEC, SHARD_CODEC, TRIE_CODEC, type Codec,
} from '../../src/search-index/embedded/shard-snapshot';
import { SnapshotDamagedError, readSnapshot, writeSnapshot, type SnapshotReader } from '../../src/search-index/embedded/snapshot-file';
import type { HitKind, SearchDoc } from '../../src/search-index/search-index';

const WORDS = ['smith', 'smyth', 'smithers', 'anna', 'anne', 'annabel', 'berg', 'bergen', 'zoé', 'müller', 'mueller', 'o\'brien'];
const PARTNERS = ['p1', 'p2'];
const ORGS = ['o1', 'o2', 'o3'];
const KINDS: HitKind[] = ['org', 'user', 'device'];

function toDoc(d: { n: number; partner: string; org: string; kind: HitKind; name: string[]; email: string | null; serial: number | null }): SearchDoc {
  const title = d.name.join(' ');
  return {
    id: `id-${d.n}`, kind: d.kind, partnerId: d.partner, orgId: d.org, status: 'active', title, subtitle: d.org,
    fields: {
      name: [title], email: d.email ? [`${d.email}@${d.org}.example`] : [], sip: [], site: [], domain: [`${d.org}.example`],
      order: [], serial: d.serial === null ? [] : [`SN${d.serial}`], mac: [], phone: [], uuid: [],
    },
  };
}

const doc = fc.record({
  n: fc.integer({ min: 0, max: 39 }),
  partner: fc.constantFrom(...PARTNERS),
  org: fc.constantFrom(...ORGS),
  kind: fc.constantFrom(...KINDS),
  name: fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 3 }),
  email: fc.option(fc.constantFrom(...WORDS)),
  serial: fc.option(fc.integer({ min: 0, max: 30 })),
}).map(toDoc);

type Op = { upsert: SearchDoc[] } | { remove: string[] } | { compact: string };
const ids = fc.array(fc.integer({ min: 0, max: 39 }).map((n) => `id-${n}`), { minLength: 1, maxLength: 6 });
/** Changes made while a rebuild runs, replayed on the shard in bulk mode (EmbeddedSearchIndex.rebuildPrepared). */
const replayed = fc.oneof(
  fc.array(doc, { minLength: 1, maxLength: 5 }).map((upsert): Op => ({ upsert })),
  ids.map((remove): Op => ({ remove })),
);
const live = fc.oneof(
  { weight: 3, arbitrary: replayed },
  { weight: 1, arbitrary: fc.constantFrom(...PARTNERS).map((compact): Op => ({ compact })) },
);
const history = fc.record({
  bulk: fc.boolean(),
  // A rebuild reads each record once: unique ids.
  built: fc.uniqueArray(doc, { selector: (d) => d.id, maxLength: 30 }),
  replayed: fc.array(replayed, { maxLength: 4 }),
  live: fc.array(live, { maxLength: 8 }),
});

function apply(state: IndexState, op: Op): void {
  if ('upsert' in op) state.upsert(prepareDocs(op.upsert));
  else if ('remove' in op) for (const id of op.remove) state.remove(id);
  else state.shards.get(op.compact)?.compact();
}

type History = typeof history extends fc.Arbitrary<infer T> ? T : never;

function build(h: History): IndexState {
  const state = new IndexState(h.bulk);
  if (h.bulk) {
    state.upsert(prepareDocs(h.built), true);
    for (const op of h.replayed) apply(state, op);
    state.finalize();
  } else {
    state.upsert(prepareDocs(h.built));
    for (const op of h.replayed) apply(state, op);
  }
  for (const op of h.live) apply(state, op);
  return state;
}

let dir: string;
beforeAll(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shard-roundtrip-')); });
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function roundTrip(state: IndexState, edit?: (meta: ReturnType<IndexState['save']>) => void): Promise<IndexState> {
  const file = path.join(dir, 'index.snapshot');
  await writeSnapshot(file, (w) => {
    const meta = state.save(w);
    edit?.(meta);
    return meta;
  });
  const r = readSnapshot<ReturnType<IndexState['save']>>(file)!;
  return IndexState.load(r as SnapshotReader<unknown>, r.meta);
}

/** Every field the codec saves, compared as saved (the used part of each array), parts included. */
function expectSameFields<T>(codec: Codec<T>, original: T, loaded: T, where: string): void {
  for (const f of codec.fields) {
    const a = f.read(original);
    const b = f.read(loaded);
    if (f.kind === 'part') expectSameFields(f.codec as unknown as Codec<unknown>, a, b, `${where}.${f.name}`);
    else expect({ field: `${where}.${f.name}`, value: b }).toEqual({ field: `${where}.${f.name}`, value: a });
  }
}

const QUERIES = [
  ...WORDS, 'smi', 'an', 'a', 'b', 'smiht', 'anan', 'bergn', 'mueler', 'anna smith', 'smith ann', 'zoe', 'muller',
  'SN1', 'SN12', 'o1.example', 'anna@o2.example', 'id-3',
];

function answers(state: IndexState): unknown[] {
  const out: unknown[] = [];
  for (const partner of PARTNERS) {
    for (const q of QUERIES) {
      out.push(state.search(partner, q, undefined, undefined, 20));
      out.push(state.search(partner, q, 'user', undefined, 3));
      out.push(state.search(partner, q, undefined, 'o2', 5));
    }
  }
  return out;
}

describe('embedded engine snapshot: save then load gives back the same shards', () => {
  test('when random shards are saved and loaded, then every saved field, the fields rebuilt on load and the answers of searches are the same', async () => {
    await fc.assert(fc.asyncProperty(history, async (h) => {
      const state = build(h);
      const loaded = await roundTrip(state);
      expect([...loaded.shards.keys()].sort()).toEqual([...state.shards.keys()].sort());
      for (const [partner, shard] of state.shards) {
        const copy = loaded.shards.get(partner)!;
        expectSameFields(SHARD_CODEC, shard, copy, partner);
        for (const name of SHARD_CODEC.rebuilt) {
          expect({ field: `${partner}.${name}`, value: copy[name] }).toEqual({ field: `${partner}.${name}`, value: shard[name] });
        }
        expect(copy.size).toBe(shard.size);
      }
      expect(answers(loaded)).toEqual(answers(state));
      // And the loaded index keeps working as the original does after the same change.
      const change = [...h.built.slice(0, 2), ...h.live.flatMap((op) => ('upsert' in op ? op.upsert : []))].slice(0, 3)
        .map((d) => ({ ...d, title: `${d.title} Annabel`, fields: { ...d.fields, name: [`${d.title} Annabel`] } }));
      if (change.length > 0) {
        apply(state, { upsert: change });
        apply(loaded, { upsert: change });
        expect(answers(loaded)).toEqual(answers(state));
      }
    }), { numRuns: 60 });
  });

  test('when a class of the shard gains a field, then the codec must save it or declare it rebuilt or transient', () => {
    const state = build({
      bulk: true, built: [toDoc({ n: 1, partner: 'p1', org: 'o1', kind: 'user', name: ['anna'], email: 'anna', serial: 3 })],
      replayed: [], live: [{ upsert: [toDoc({ n: 2, partner: 'p1', org: 'o2', kind: 'device', name: ['berg'], email: null, serial: null })] }],
    });
    const shard = state.shards.get('p1')!;
    const declared = <T>(codec: Codec<T>) => [...codec.fields.map((f) => f.owns), ...codec.rebuilt, ...codec.transient];
    const parts: Array<[string, object, Codec<never>]> = [
      ['shard', shard, SHARD_CODEC as unknown as Codec<never>],
      ['trie', shard.trie, TRIE_CODEC as unknown as Codec<never>],
      ['keys', shard.keys, KEY_TABLE_CODEC as unknown as Codec<never>],
      ['packed', shard.packed, PACKED_DOCS_CODEC as unknown as Codec<never>],
    ];
    for (const [name, object, codec] of parts) {
      const fields: string[] = declared(codec);
      expect({ name, fields: [...new Set(fields)].sort() }).toEqual({ name, fields: [...fields].sort() });
      expect({ name, fields: [...fields].sort() }).toEqual({ name, fields: Object.keys(object).sort() });
    }
    // The parts the shard saves are the ones checked here.
    expect(SHARD_CODEC.fields.filter((f) => f.kind === 'part').map((f) => f.owns).sort()).toEqual(['keys', 'packed', 'trie']);
  });

  test('when a snapshot lacks a field the codec declares, then loading it fails as a damaged snapshot', async () => {
    const state = build({ bulk: false, built: [toDoc({ n: 1, partner: 'p1', org: 'o1', kind: 'user', name: ['anna'], email: null, serial: null })], replayed: [], live: [] });
    const withoutRanked = roundTrip(state, (meta) => { delete (meta.shards[0] as Record<string, unknown>).ranked; });
    await expect(withoutRanked).rejects.toThrow(SnapshotDamagedError);
    await expect(roundTrip(state, (meta) => { delete ((meta.shards[0] as Record<string, Record<string, unknown>>).trie!).typo; }))
      .rejects.toThrow(/no typo/);
  });
});
