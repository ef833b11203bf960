// Comparing two search indexes by their answers: the queries an agent would type, drawn from the
// documents, and every answer hit for hit, in order.
import type { SearchDoc, SearchIndex } from '../../src/search-index/search-index';

/** Queries an agent would type, drawn from the documents: names, prefixes, typos, identifiers. */
export function queriesOf(docs: SearchDoc[]): string[] {
  const out = new Set<string>(['a', 'ma', 'zz', 'webex', 'example', 'dupre', 'helene dupre', 'room']);
  docs.filter((_, i) => i % 37 === 0).forEach((d, i) => {
    const name = d.fields.name[0] ?? d.title;
    const words = name.split(/\s+/);
    out.add(name);
    out.add(words[0]!.slice(0, 2));
    out.add(words[0]!.slice(0, 4));
    if (words[1]) out.add(`${words[0]} ${words[1].slice(0, 1)}`);
    const w = words[words.length - 1]!;
    if (w.length >= 5) out.add(`${w.slice(0, 2)}${w[3]}${w[2]}${w.slice(4)}`);
    const id = [d.fields.email[0], d.fields.mac[0], d.fields.site[0], d.fields.phone[0], d.fields.order[0], d.id.slice(0, 8)][i % 6];
    if (id) out.add(id);
  });
  return [...out];
}

export async function answers(index: SearchIndex, queries: string[], partnerId: string): Promise<string[][]> {
  const out: string[][] = [];
  for (const q of queries) {
    out.push((await index.search({ q, partnerId, limit: 20 })).hits.map((h) => `${h.id}${h.exact ? '!' : ''}`));
    out.push((await index.search({ q, partnerId, kind: 'user', limit: 5 })).hits.map((h) => h.id));
  }
  return out;
}
