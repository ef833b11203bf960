// A shard's state in a snapshot (see EmbeddedSearchIndex.snapshots) and the checks it must pass
// when loaded (see ensure() in shard-format.ts).
import { KeyTable } from './key-table';
import { PackedDocs } from './packed-docs';
import { KIND_CODE } from './prepared-docs';
import { DEAD, ensure, entriesOk, isCount, isStrings } from './shard-format';
import { ShardStorage } from './shard-storage';
import type { SnapshotReader, SnapshotWriter } from './snapshot-file';
import { Trie } from './trie';

/** This shard's whole state, for a snapshot: see EmbeddedSearchIndex.saveSnapshot(). */
export function saveShard(s: ShardStorage, w: SnapshotWriter) {
  const n = s.ids.length;
  return {
    partnerId: s.partnerId, ranked: s.ranked,
    trie: s.trie.save(w), keys: s.keys.save(w), packed: s.packed.save(w),
    ids: w.json(s.ids), sortTitles: w.json(s.sortTitles), orgIds: w.json([...s.orgCodes.keys()]),
    fieldMask: w.array(s.fieldMask.subarray(0, Math.min(s.fieldMask.length, s.trie.size))),
    kinds: w.array(s.kinds.subarray(0, n)), orgs: w.array(s.orgs.subarray(0, n)),
    wordsFrom: w.array(s.wordsFrom.subarray(0, n + 1)), words: w.array(s.words.subarray(0, s.wordsFrom[n]!)),
    postData: w.array(s.postData), postStart: w.array(s.postStart), postEnd: w.array(s.postEnd),
    postExtra: w.json([...s.postExtra]),
  };
}

export function loadShard(r: SnapshotReader<unknown>, m: ReturnType<typeof saveShard>): ShardStorage {
  const shard = new ShardStorage(m.partnerId);
  shard.trie = Trie.load(r, m.trie);
  shard.keys = KeyTable.load(r, m.keys);
  shard.packed = PackedDocs.load(r, m.packed);
  shard.ids = r.json(m.ids);
  shard.sortTitles = r.json(m.sortTitles);
  shard.ranked = m.ranked;
  ensure(typeof m.partnerId === 'string' && isStrings(shard.ids) && isStrings(shard.sortTitles), 'shard lists');
  const n = shard.ids.length;
  ensure(shard.sortTitles.length === n && shard.packed.length === n && isCount(m.ranked) && m.ranked <= n, 'shard sizes');
  shard.keys.check(n);
  // Room to add documents: add() doubles these arrays when full, which an empty one never is.
  const room = <T extends Uint8Array<ArrayBuffer> | Int32Array<ArrayBuffer>>(a: T, make: (size: number) => T, extra = 0) => {
    ensure(a.length === n + extra, 'shard arrays');
    const out = make(Math.max(1024, n * 2) + extra);
    out.set(a);
    return out;
  };
  shard.kinds = room(r.array<Uint8Array<ArrayBuffer>>(m.kinds), (k) => new Uint8Array(k));
  shard.orgs = room(r.array<Int32Array<ArrayBuffer>>(m.orgs), (k) => new Int32Array(k));
  shard.wordsFrom = room(r.array<Int32Array<ArrayBuffer>>(m.wordsFrom), (k) => new Int32Array(k), 1);
  shard.words = r.array(m.words);
  shard.fieldMask = r.array(m.fieldMask);
  shard.postData = r.array(m.postData);
  shard.postStart = r.array(m.postStart);
  shard.postEnd = r.array(m.postEnd);
  shard.postExtra = new Map(r.json<Array<[number, number[]]>>(m.postExtra));
  const orgIds = r.json<string[]>(m.orgIds);
  ensure(isStrings(orgIds), 'org list');
  orgIds.forEach((id, code) => shard.orgCodes.set(id, code));
  checkShard(shard, n, orgIds.length);
  for (let slot = 0; slot < n; slot++) {
    (shard.members[shard.orgs[slot]!] ??= []).push(slot);
    if (shard.kinds[slot] === DEAD) shard.dead++;
    else shard.slotOf.set(shard.ids[slot]!, slot);
  }
  return shard;
}

/** See ensure(): every slot, node and range the search code follows from these arrays. */
function checkShard(s: ShardStorage, n: number, orgCount: number): void {
  const nodes = s.trie.size;
  const kindOk = new Set([...Object.values(KIND_CODE), DEAD]);
  const { kinds, orgs, wordsFrom, postStart, postEnd } = s;
  let ok = true;
  for (let slot = 0; slot < n && ok; slot++) {
    ok = kindOk.has(kinds[slot]!) && orgs[slot]! >= 0 && orgs[slot]! < orgCount && wordsFrom[slot]! <= wordsFrom[slot + 1]!;
  }
  ensure(ok, 'document kind, org or words');
  ensure(wordsFrom[0] === 0 && wordsFrom[n] === s.words.length && entriesOk(s.words, nodes), 'forward index');
  ensure(s.fieldMask.length <= nodes && postStart.length === postEnd.length && postStart.length <= nodes, 'posting lists');
  const total = s.postData.length;
  for (let i = 0; i < postStart.length && ok; i++) ok = postStart[i]! >= 0 && postStart[i]! <= postEnd[i]! && postEnd[i]! <= total;
  ensure(ok && entriesOk(s.postData, n), 'posting lists');
  for (const [node, entries] of s.postExtra) {
    ensure(isCount(node) && node < nodes && Array.isArray(entries) && entries.every(Number.isInteger) && entriesOk(entries, n), 'added postings');
  }
}

