// The dictionary words one query word matches in a shard's trie, and what walking them costs.
import { firstLetterBudget, typoBudget } from '../query';
import type { ShardView } from './shard-storage';

/**
 * The dictionary words one query word matches, with how (typos << 1 | byPrefix: smaller is better,
 * in the order of the ranking rules): single words, and subtrees whose every word matches as a prefix.
 */
export interface WordMatches {
  nodes: number[];
  codes: number[];
  /** Every word strictly below these nodes matches, with rootCodes. */
  roots: number[];
  rootCodes: number[];
  /** About how many postings the word's matches hold. */
  estimate: number;
}

/** About what walkPostings costs for this word: its postings, and the trie nodes of its subtrees. */
export function walkCost(s: ShardView, m: WordMatches): number {
  let nodes = 0;
  for (const root of m.roots) nodes += root < s.trie.numbered ? s.trie.below[root]! : s.trie.under[root]!;
  return m.estimate + nodes;
}

/**
 * Dictionary words matching one query word: exactly, within the typo budget (an optimal string
 * alignment DP row carried down the trie, pruned when the whole row exceeds the budget) and, for
 * the last word, as a prefix (every word under a trie node that matches the query word, kept as
 * that subtree's root).
 */
export function matchWord(s: ShardView, word: string, isLast: boolean): WordMatches {
  const out: WordMatches = { nodes: [], codes: [], roots: [], rootCodes: [], estimate: 0 };
  const { trie } = s;
  const add = (node: number, code: number) => {
    const count = s.postingCount(node);
    if (count === 0) return;
    out.nodes.push(node);
    out.codes.push(code);
    out.estimate += count;
  };
  const below = (node: number, code: number) => {
    if (trie.eq[node]! < 0) return;
    out.roots.push(node);
    out.rootCodes.push(code);
    out.estimate += trie.under[node]!;
  };
  const budget = typoBudget(word.length);
  if (budget === 0) {
    const node = trie.find(word);
    if (node < 0) return out;
    add(node, 0);
    if (isLast) below(node, 1);
    return out;
  }

  const m = word.length;
  const w = Array.from({ length: m }, (_, j) => word.charCodeAt(j));
  const rows: Int32Array[] = [Int32Array.from({ length: m + 1 }, (_, j) => j)];
  const kids: number[][] = [];
  // Below a first letter other than the query word's, a typo on the first letter counts as two
  // (firstLetterBudget): the distance may be at most `limit` and a match counts `extra` more.
  let limit = budget;
  let extra = 0;
  const walk = (node: number, depth: number, bestPrefix: number): void => {
    const row = rows[depth]!;
    const full = row[m]!;
    const prefixTypos = isLast ? Math.min(bestPrefix, full) : limit + 1;
    if (full <= limit || prefixTypos <= limit) {
      // A word equal to the query word within the budget beats the same word read as a prefix.
      add(node, Math.min(full <= limit ? (full + extra) << 1 : Infinity, prefixTypos <= limit ? ((prefixTypos + extra) << 1) | 1 : Infinity));
    }
    let rowMin = row[0]!;
    for (let j = 1; j <= m; j++) if (row[j]! < rowMin) rowMin = row[j]!;
    if (rowMin > limit || prefixTypos === 0) {
      // Nothing below can match better than as a prefix of what matched here.
      if (prefixTypos <= limit) below(node, ((prefixTypos + extra) << 1) | 1);
      return;
    }
    const next = (rows[depth + 1] ??= new Int32Array(m + 1));
    const prev2 = depth > 0 ? rows[depth - 1]! : null;
    const parentCh = trie.ch[node]!;
    // The query word's own path: its prefixes, which match other fields without typos too.
    const exactPath = depth < m && row[depth] === 0;
    for (const c of trie.children(node, (kids[depth] ??= []))) {
      const ch = trie.ch[c]!;
      // Typos count only in typo fields: off the exact path, a subtree without their words cannot match.
      if (trie.typo[c] === 0 && !(exactPath && ch === w[depth])) continue;
      if (depth === 0) {
        const sameFirst = ch === w[0];
        limit = sameFirst ? budget : firstLetterBudget(budget);
        extra = sameFirst ? 0 : 1;
        // With one typo allowed, no word of another first letter matches: most of the trie is skipped.
        if (limit === 0 && !sameFirst) continue;
      }
      next[0] = depth + 1;
      for (let j = 1; j <= m; j++) {
        let d = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (w[j - 1] === ch ? 0 : 1));
        if (prev2 && j > 1 && w[j - 1] === parentCh && w[j - 2] === ch) d = Math.min(d, prev2[j - 2]! + 1);
        next[j] = d;
      }
      walk(c, depth + 1, prefixTypos);
    }
  };
  walk(0, 0, budget + 1);
  return out;
}

