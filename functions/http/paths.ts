/**
 * The path parameters if `pattern` (API Gateway's syntax, `{name}` segments) matches
 * `path`, else undefined. An empty segment never matches a parameter.
 */
export function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const have = path.split('/');
  if (want.length !== have.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, segment] of want.entries()) {
    const actual = have[i] ?? '';
    if (segment.startsWith('{') && segment.endsWith('}')) {
      if (actual === '') return undefined;
      try {
        params[segment.slice(1, -1)] = decodeURIComponent(actual);
      } catch {
        params[segment.slice(1, -1)] = actual;
      }
    } else if (segment !== actual) {
      return undefined;
    }
  }
  return params;
}
