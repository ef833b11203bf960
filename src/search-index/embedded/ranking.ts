// Searching one shard: Meilisearch's ranking rules (exact identifiers, then typos, attribute,
// exactness, then title and id) as functions over a read-only view of the shard's storage
// (ShardView) and its per-search scratch (search-scratch.ts). The rules are pinned by
// test/contract/search-index.contract.ts. The only change a search makes to the shard is
// ShardStorage.tidyPostings(), which drops dead entries of a list it found mostly dead.
import { SEARCH_FIELDS, type HitKind, type SearchHit } from '../search-index';
import { MAX_QUERY_WORDS, identifierEntriesOf, identifierKeys, matchFinder, queryWords, type MatchFinder } from '../query';
import { KIND_CODE, TYPO_FIELD, hashKey } from './prepared-docs';
import { DEAD, FIELD_BITS, FIELD_MASK } from './shard-format';
import type { ShardView } from './shard-storage';
import { matchWord, walkCost, type WordMatches } from './word-matches';

interface Ranked { slot: number; score: number }

/**
 * The hits of one search of the shard: documents with an identifier equal to the query first, then
 * text matches (textSlots()), at most `limit`. The shard must be in live mode (ShardStorage.bulk).
 */
export function searchShard(s: ShardView, q: string, kind: HitKind | undefined, orgId: string | undefined, limit: number): SearchHit[] {
  // A shard in bulk mode has no posting lists yet: nothing searches it before finalize().
  if (s.bulk) throw new Error('a shard is searched only once loaded');
  const kindCode = kind === undefined ? -1 : KIND_CODE[kind];
  const orgCode = orgId === undefined ? -1 : s.orgCodes.get(orgId) ?? -1;
  if (limit === 0 || (orgId !== undefined && orgCode < 0)) return [];
  const passes = (slot: number) => s.kinds[slot] !== DEAD
    && (kindCode < 0 || s.kinds[slot] === kindCode) && (orgCode < 0 || s.orgs[slot] === orgCode);

  const keys = identifierKeys(q);
  const exact = exactSlots(s, keys, passes);
  const explain = matchFinder(q, keys);
  const hits = exact.slice(0, limit).map((slot) => hit(s, slot, explain, true));
  if (hits.length < limit) {
    const exactSet = new Set(exact);
    // An identifier found exactly says whose call it is: words then only find more of those orgs'
    // records (the people at a domain, the org of a site), not every record sharing a word with it.
    const among = exact.length > 0 ? membersOf(s, exact, passes, exactSet) : undefined;
    for (const { slot } of textSlots(s, q, passes, limit - hits.length, exactSet, among)) hits.push(hit(s, slot, explain, false));
  }
  return hits;
}

function hit(s: ShardView, slot: number, explain: MatchFinder, exact: boolean): SearchHit {
  const doc = s.doc(slot);
  return {
    kind: doc.kind, id: doc.id, orgId: doc.orgId, title: doc.title, subtitle: doc.subtitle,
    matched: explain(doc), exact,
  };
}

/** Docs with an identifier equal to the query, in the order of SEARCH_FIELDS, then title and id. */
function exactSlots(s: ShardView, keys: string[], passes: (slot: number) => boolean): number[] {
  const found = new Map<number, number>();
  for (const key of keys) {
    const slots: number[] = [];
    s.keys.lookup(hashKey(key), slots);
    for (const slot of slots) {
      if (found.has(slot) || !passes(slot)) continue;
      const entry = identifierEntriesOf(s.doc(slot)).find((e) => e.key === key);
      if (entry) found.set(slot, SEARCH_FIELDS.indexOf(entry.field));
    }
  }
  return [...found.entries()]
    .sort(([a, fa], [b, fb]) => fa - fb || s.tieBreak(a, b))
    .map(([slot]) => slot);
}

/** The live documents of the orgs of these slots that the filters let through, but not `skip`. */
function membersOf(s: ShardView, slots: number[], passes: (slot: number) => boolean, skip: Set<number>): number[] {
  const out: number[] = [];
  for (const org of new Set(slots.map((slot) => s.orgs[slot]!))) {
    for (const slot of s.members[org] ?? []) if (passes(slot) && !skip.has(slot)) out.push(slot);
  }
  return out;
}

/**
 * Text search as Meilisearch's bucket sort: every word must match; fewer typos first, then the
 * best attributes, then more words matched exactly, then title and id. Only the rarest word walks
 * its postings; each other word is looked for among the candidates' own words (forward index),
 * so a common word or a one-letter prefix costs what the rare word found, not what it matches.
 */
function textSlots(
  s: ShardView, q: string, passes: (slot: number) => boolean, want: number, skip: Set<number>, among?: number[],
): Ranked[] {
  const qWords = queryWords(q);
  if (qWords.length === 0) return [];
  // A word typed twice ("E2:E2") matches the same documents twice: looked up once, counted twice.
  const byText = new Map<string, { m: WordMatches; weight: number }>();
  for (const [i, w] of qWords.entries()) {
    const isLast = i === qWords.length - 1;
    const k = `${isLast ? '>' : '='}${w}`;
    const seen = byText.get(k);
    if (seen) seen.weight++;
    else byText.set(k, { m: matchWord(s, w, isLast), weight: 1 });
  }
  if ([...byText.values()].some(({ m }) => m.nodes.length === 0 && m.roots.length === 0)) return [];
  const sc = s.scratch;
  sc.fit(s.ids.length, s.trie.size);

  const ordered = [...byText.values()].sort((a, b) => a.m.estimate - b.m.estimate);
  let candidates: number[];
  let next = 1;
  if (among) {
    // A few given documents: each word is looked for in their own words.
    for (const slot of among) {
      sc.typoSum[slot] = 0;
      sc.attrSum[slot] = 0;
      sc.exactCount[slot] = 0;
    }
    candidates = among;
    next = 0;
  } else if (ordered.length === 1 && ordered[0]!.weight === 1) {
    return topOneWord(s, ordered[0]!.m, passes, want, skip);
  } else {
    candidates = walkPostings(s, ordered[0]!.m, passes);
    addScores(s, candidates, ordered[0]!.weight, true);
  }
  const wordsPerDoc = s.wordsFrom[s.ids.length]! / Math.max(1, s.ids.length);
  for (let w = next; w < ordered.length && candidates.length > 0; w++) {
    const { m, weight } = ordered[w]!;
    // Looking the word up in each candidate's own words costs about candidates x words per doc;
    // walking the word's postings and keeping the candidates costs about what the word matches.
    const forward = candidates.length * wordsPerDoc * (m.roots.length > 0 ? 2 : 1);
    if (walkCost(s, m) < forward) {
      const mark = sc.nextEpoch();
      for (const slot of candidates) sc.candidateStamp[slot] = mark;
      candidates = walkPostings(s, m, (slot) => sc.candidateStamp[slot] === mark);
      addScores(s, candidates, weight, false);
    } else {
      candidates = checkWord(s, m, candidates, weight);
    }
  }
  if (candidates.length === 0) return [];

  // Keep only the best `want` in a small sorted array: no sort of every candidate.
  const top: Ranked[] = [];
  for (const slot of candidates) {
    if (skip.has(slot)) continue;
    const r = { slot, score: sc.typoSum[slot]! * 65536 + sc.attrSum[slot]! * 256 + (MAX_QUERY_WORDS - sc.exactCount[slot]!) };
    if (top.length === want && compare(s, r, top[want - 1]!) >= 0) continue;
    let lo = 0;
    let hi = top.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compare(s, top[mid]!, r) <= 0) lo = mid + 1; else hi = mid;
    }
    top.splice(lo, 0, r);
    if (top.length > want) top.pop();
  }
  return top;
}

/**
 * The best `want` documents for a one-word query without visiting every match: ranked documents
 * are taken bucket by bucket in ranking order (typos, field, exact before prefix), and within a
 * bucket in slot order, which is title order; a posting list is read only while its slots can
 * still make the top. A bucket is read completely unless it fills the top, so a document met in
 * a later bucket has no better one. Documents added since the last finalize() are few and unranked:
 * they are all scored and merged in.
 */
function topOneWord(s: ShardView, m: WordMatches, passes: (slot: number) => boolean, want: number, skip: Set<number>): Ranked[] {
  const sc = s.scratch;
  const nodes = [...m.nodes];
  const codes = [...m.codes];
  for (let r = 0; r < m.roots.length; r++) {
    const code = m.rootCodes[r]!;
    s.trie.forEachBelow(m.roots[r]!, (n) => {
      if (s.postingCount(n) > 0) { nodes.push(n); codes.push(code); }
    });
  }
  const stamp = sc.nextEpoch();
  const ranked = s.ranked;
  const taken: Ranked[] = [];
  const usable = (slot: number) => s.kinds[slot] !== DEAD && !skip.has(slot) && sc.wordStamp[slot] !== stamp && passes(slot);
  for (let typos = 0; typos <= 2 && taken.length < want; typos++) {
    for (let field = 0; field < SEARCH_FIELDS.length && taken.length < want; field++) {
      if (typos > 0 && !TYPO_FIELD[field]) continue;
      // With typos, a whole word and a prefix score the same (no exact word either way).
      for (const byPrefix of typos === 0 ? [0, 1] : [-1]) {
        const room = want - taken.length;
        if (room <= 0) break;
        const best: number[] = [];
        for (let i = 0; i < nodes.length; i++) {
          const code = codes[i]!;
          if (code >> 1 !== typos || (byPrefix >= 0 && (code & 1) !== byPrefix)) continue;
          const node = nodes[i]!;
          if ((s.fieldMask[node]! & (1 << field)) === 0) continue;
          // Ranked documents are all in the flat part of the list (entries added since come after).
          const { postData } = s;
          for (let p = node < s.postStart.length ? s.postStart[node]! : 0, end = node < s.postStart.length ? s.postEnd[node]! : 0; p < end; p++) {
            const entry = postData[p]!;
            const slot = entry >> FIELD_BITS;
            if (slot >= ranked || (best.length === room && slot >= best[room - 1]!)) break;
            if ((entry & FIELD_MASK) !== field || !usable(slot)) continue;
            let at = best.length;
            while (at > 0 && best[at - 1]! > slot) at--;
            if (best[at - 1] === slot) continue;
            best.splice(at, 0, slot);
            if (best.length > room) best.pop();
          }
        }
        const score = typos * 65536 + field * 256 + (MAX_QUERY_WORDS - (typos === 0 && byPrefix === 0 ? 1 : 0));
        for (const slot of best) {
          sc.wordStamp[slot] = stamp;
          taken.push({ slot, score });
        }
      }
    }
  }
  if (ranked === s.ids.length) return taken;

  // Unranked documents sit at the end of every posting list.
  const extra = new Map<number, number>();
  for (let i = 0; i < nodes.length; i++) {
    const typos = codes[i]! >> 1;
    const score = (entry: number) => typos * 65536 + (entry & FIELD_MASK) * 256 + (MAX_QUERY_WORDS - (codes[i] === 0 ? 1 : 0));
    const consider = (entry: number): boolean => {
      const slot = entry >> FIELD_BITS;
      if (slot < ranked) return false;
      const field = entry & FIELD_MASK;
      if ((typos > 0 && !TYPO_FIELD[field]) || !usable(slot)) return true;
      const previous = extra.get(slot);
      const value = score(entry);
      if (previous === undefined || value < previous) extra.set(slot, value);
      return true;
    };
    const node = nodes[i]!;
    const more = s.postExtra.get(node) ?? [];
    let going = true;
    for (let p = more.length - 1; p >= 0 && going; p--) going = consider(more[p]!);
    if (node < s.postStart.length) {
      for (let p = s.postEnd[node]! - 1; p >= s.postStart[node]! && going; p--) going = consider(s.postData[p]!);
    }
  }
  return [...taken, ...[...extra].map(([slot, score]) => ({ slot, score }))]
    .sort((a, b) => compare(s, a, b))
    .slice(0, want);
}

/** The documents one word matches (and `accept` lets through), with their best match in wordBest. */
function walkPostings(s: ShardView, m: WordMatches, accept: (slot: number) => boolean): number[] {
  const sc = s.scratch;
  const stamp = sc.nextEpoch();
  const list: number[] = [];
  let typos = 0;
  let byPrefix = 0;
  let deadEntries = 0;
  const take = (entry: number) => {
    const slot = entry >> FIELD_BITS;
    const field = entry & FIELD_MASK;
    if (s.kinds[slot] === DEAD) { deadEntries++; return; }
    if (typos > 0 && !TYPO_FIELD[field]) return;
    if (!accept(slot)) return;
    const best = (typos << 5) | (field << 1) | byPrefix;
    if (sc.wordStamp[slot] !== stamp) {
      sc.wordStamp[slot] = stamp;
      sc.wordBest[slot] = best;
      list.push(slot);
    } else if (best < sc.wordBest[slot]!) {
      sc.wordBest[slot] = best;
    }
  };
  const visit = (node: number, code: number) => {
    typos = code >> 1;
    byPrefix = code & 1;
    deadEntries = 0;
    if (node < s.postStart.length) {
      const { postData } = s;
      for (let p = s.postStart[node]!, end = s.postEnd[node]!; p < end; p++) take(postData[p]!);
    }
    const more = s.postExtra.get(node);
    if (more) for (let p = 0; p < more.length; p++) take(more[p]!);
    if (deadEntries * 2 > s.postingCount(node)) s.tidyPostings(node);
  };
  for (let t = 0; t < m.nodes.length; t++) visit(m.nodes[t]!, m.codes[t]!);
  for (let r = 0; r < m.roots.length; r++) {
    const code = m.rootCodes[r]!;
    s.trie.forEachBelow(m.roots[r]!, (n) => visit(n, code));
  }
  return list;
}

/** Adds each slot's best match of the word just walked (wordBest) to its scores, `weight` times. */
function addScores(s: ShardView, slots: number[], weight: number, first: boolean): void {
  const sc = s.scratch;
  for (const slot of slots) {
    const best = sc.wordBest[slot]!;
    const typos = (best >> 5) * weight;
    const attr = ((best >> 1) & 15) * weight;
    const exact = (best >> 5) === 0 && (best & 1) === 0 ? weight : 0;
    if (first) {
      sc.typoSum[slot] = typos;
      sc.attrSum[slot] = attr;
      sc.exactCount[slot] = exact;
    } else {
      sc.typoSum[slot]! += typos;
      sc.attrSum[slot]! += attr;
      sc.exactCount[slot]! += exact;
    }
  }
}

/** The candidates that also match this word, with its best match added to their scores. */
function checkWord(s: ShardView, m: WordMatches, candidates: number[], weight: number): number[] {
  const sc = s.scratch;
  const stamp = sc.nextEpoch();
  const { nodeStamp, nodeCode, rootStamp, rootCode } = sc;
  const { trie } = s;
  for (let t = 0; t < m.nodes.length; t++) {
    const n = m.nodes[t]!;
    if (nodeStamp[n] !== stamp || m.codes[t]! < nodeCode[n]!) nodeCode[n] = m.codes[t]!;
    nodeStamp[n] = stamp;
  }
  // Subtrees matched by prefix: numbered ones as [from, to] ranges of depth-first numbers, sorted
  // and disjoint (the trie walk never goes below a subtree it kept); roots added since the last
  // numbering are found by walking up from the word.
  const { pre, below, numbered, up, depth } = trie;
  const from: number[] = [];
  const to: number[] = [];
  const rangeCode: number[] = [];
  let minDepth = Infinity;
  const order = m.roots.map((_, r) => r).sort((a, b) => (pre[m.roots[a]!] ?? 0) - (pre[m.roots[b]!] ?? 0));
  for (const r of order) {
    const n = m.roots[r]!;
    if (n < numbered) {
      from.push(pre[n]! + 1);
      to.push(pre[n]! + below[n]!);
      rangeCode.push(m.rootCodes[r]!);
    }
    if (rootStamp[n] !== stamp || m.rootCodes[r]! < rootCode[n]!) rootCode[n] = m.rootCodes[r]!;
    rootStamp[n] = stamp;
    minDepth = Math.min(minDepth, depth[n]!);
  }
  const ranges = from.length;
  const kept: number[] = [];
  for (let c = 0; c < candidates.length; c++) {
    const slot = candidates[c]!;
    let best = 255;
    for (let e = s.wordsFrom[slot]!, end = s.wordsFrom[slot + 1]!; e < end; e++) {
      const v = s.words[e]!;
      const node = v >> FIELD_BITS;
      const field = v & FIELD_MASK;
      const typoOk = TYPO_FIELD[field];
      if (nodeStamp[node] === stamp) {
        const code = nodeCode[node]!;
        if (typoOk || code < 2) best = Math.min(best, ((code >> 1) << 5) | (field << 1) | (code & 1));
      }
      if (ranges === 0 && minDepth === Infinity) continue;
      if (node < numbered) {
        if (ranges === 0) continue;
        // The last range starting at or before this node's number is the only one that can hold it.
        const x = pre[node]!;
        let lo = 0;
        let hi = ranges;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (from[mid]! <= x) lo = mid + 1; else hi = mid;
        }
        if (lo === 0 || x > to[lo - 1]!) continue;
        const code = rangeCode[lo - 1]!;
        if (typoOk || code < 2) best = Math.min(best, ((code >> 1) << 5) | (field << 1) | (code & 1));
      } else {
        // Added since the numbering: matched by prefix when an ancestor is the root of a matching subtree.
        for (let a = up[node]!; a > 0 && depth[a]! >= minDepth; a = up[a]!) {
          if (rootStamp[a] !== stamp) continue;
          const code = rootCode[a]!;
          if (typoOk || code < 2) best = Math.min(best, ((code >> 1) << 5) | (field << 1) | (code & 1));
        }
      }
    }
    if (best === 255) continue;
    const typos = best >> 5;
    sc.typoSum[slot]! += typos * weight;
    sc.attrSum[slot]! += ((best >> 1) & 15) * weight;
    sc.exactCount[slot]! += typos === 0 && (best & 1) === 0 ? weight : 0;
    kept.push(slot);
  }
  return kept;
}

function compare(s: ShardView, a: Ranked, b: Ranked): number {
  return a.score - b.score || s.tieBreak(a.slot, b.slot);
}
