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

/**
 * How API Gateway ranks routes that match the same request: a route with no path
 * variable (a full match) before one with path variables, so `GET /tasks/totals` is not
 * `GET /tasks/{id}` with id "totals"
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html,
 * "Routing API requests"). Among routes with variables, fewer variables first.
 */
export function byMatchPriority(a: { path: string }, b: { path: string }): number {
  return variablesIn(a.path) - variablesIn(b.path);
}

function variablesIn(pattern: string): number {
  return pattern.split('/').filter((segment) => segment.startsWith('{')).length;
}
