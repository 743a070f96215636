import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { OAuthError } from './oauth-http.ts';
import { DASHBOARD_CLIENT_ID, type IdentityState, MACHINE_CLIENT_ID } from './state.ts';

/** The client the request authenticates as: Basic credentials, a posted secret, or a public client id. */
export function authenticateClient(
  req: IncomingMessage,
  form: URLSearchParams,
  state: IdentityState,
): string {
  let id = form.get('client_id') ?? undefined;
  let secret = form.get('client_secret') ?? undefined;
  const basic = /^basic\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  if (basic) {
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new OAuthError('invalid_client', 'Malformed Basic credentials', 401);
    try {
      id = decodeURIComponent(decoded.slice(0, colon));
      secret = decodeURIComponent(decoded.slice(colon + 1));
    } catch {
      throw new OAuthError('invalid_client', 'Malformed Basic credentials', 401);
    }
  }
  if (id === DASHBOARD_CLIENT_ID && secret === undefined) return id;
  if (
    id === MACHINE_CLIENT_ID &&
    secret !== undefined &&
    sameText(secret, state.machineClientSecret)
  )
    return id;
  throw new OAuthError('invalid_client', 'Client authentication failed', 401);
}

export function isLoopback(url: URL): boolean {
  return ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

export function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

export function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
