// Where a form may send the browser back to (`next`): only a path on this site. The value is
// resolved as a browser would and checked again afterwards, because normalising can turn a
// harmless-looking path into another host: `/.//evil.example` becomes `//evil.example`, which a
// browser reads in a Location header as a host.
const BASE = 'http://same-origin.invalid';

export function sameOriginPath(value: unknown, fallback = '/'): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.length > 2000) return fallback;
  let url: URL;
  try {
    url = new URL(value, BASE);
  } catch {
    return fallback;
  }
  if (url.origin !== BASE) return fallback;
  // WHATWG URL has already turned backslashes into slashes and dropped tabs and newlines.
  const path = url.pathname + url.search + url.hash;
  return path.startsWith('/') && !path.startsWith('//') ? path : fallback;
}
