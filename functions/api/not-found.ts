import { ROUTES } from '../catalog.ts';
import { httpHandler } from '../http/handler.ts';
import { matchPath } from '../http/paths.ts';
import { json } from '../http/response.ts';

/** The methods the route table serves on `path`; none when the path is unknown. */
export function allowedMethods(path: string): string[] {
  const methods = ROUTES.filter((route) => matchPath(route.path, path) !== undefined).map(
    (route) => route.method,
  );
  return [...new Set(methods)];
}

export const handler = httpHandler(async (event) => {
  const { method } = event.requestContext.http;
  const path = event.rawPath;
  const allow = allowedMethods(path);
  if (allow.length > 0 && !allow.includes(method)) {
    return json(
      405,
      { error: `Method ${method} is not allowed on ${path}`, code: 'method_not_allowed' },
      { allow: allow.join(', ') },
    );
  }
  return json(404, { error: `No route for ${method} ${path}`, code: 'not_found' });
});
