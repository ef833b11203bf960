// Meilisearch's filter grammar for the expressions buildFilter writes, read back as tokens so tests
// can check that every value stays one value. Quoting as documented in
// https://www.meilisearch.com/docs/learn/filtering_and_sorting/filter_expression_reference
// ("String values containing whitespace must be enclosed in single or double quotes"); escapes
// inside a quoted value as milli's filter-parser reads them (`\"` and `\\`).

export type FilterToken = { word: string } | { value: string };

/**
 * Reads a filter as Meilisearch's filter parser does for what buildFilter writes: a double-quoted
 * value runs to the first `"` not preceded by an escaping `\`, and `\x` stands for `x` inside it.
 * Anything else is a bare word (attribute, operator, bracket, comma). Throws on an unclosed quote.
 */
export function readFilter(filter: string): FilterToken[] {
  const tokens: FilterToken[] = [];
  let i = 0;
  while (i < filter.length) {
    const c = filter[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (c === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= filter.length) throw new Error(`unclosed quote in ${filter}`);
        const d = filter[i]!;
        if (d === '"') { i++; break; }
        if (d === '\\') {
          if (i + 1 >= filter.length) throw new Error(`dangling escape in ${filter}`);
          value += filter[i + 1];
          i += 2;
        } else {
          value += d;
          i++;
        }
      }
      tokens.push({ value });
      continue;
    }
    if ('[],'.includes(c)) { tokens.push({ word: c }); i++; continue; }
    let word = '';
    while (i < filter.length && !/[\s"[\],]/.test(filter[i]!)) word += filter[i++];
    tokens.push({ word });
  }
  return tokens;
}

