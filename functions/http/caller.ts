/**
 * Who is calling, read only from what API Gateway's JWT authorizer hands the function in
 * `requestContext.authorizer.jwt.claims` (every claim a string). Handlers cannot tell local
 * mode from AWS: the local gateway passes the same shape, and in AUTH=none mode it passes
 * ANONYMOUS_CLAIMS.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Route } from '../catalog.ts';
import { ClientError } from '../tasks/errors.ts';

export const READ_SCOPE = 'tasks/read';
export const WRITE_SCOPE = 'tasks/write';
export const ADMIN_SCOPE = 'tasks/admin';

/**
 * A route's authorization scopes, for the stack's JWT authorizer and the local gateway
 * alike. API Gateway lets a token through with any one of them, so operators need no
 * other scope.
 */
export const READ_ROUTE_SCOPES: readonly string[] = [READ_SCOPE, ADMIN_SCOPE];
export const WRITE_ROUTE_SCOPES: readonly string[] = [WRITE_SCOPE, ADMIN_SCOPE];

/** Paths every client may call without a token; they show no task data. */
export const OPEN_PATHS: readonly string[] = ['/health'];

/**
 * The scopes a route requires, from its method: reads need `tasks/read`, writes
 * `tasks/write` (either way `tasks/admin` will do); undefined for an open route.
 */
export function routeScopes(route: Pick<Route, 'method' | 'path'>): readonly string[] | undefined {
  if (OPEN_PATHS.includes(route.path)) return undefined;
  return route.method === 'GET' ? READ_ROUTE_SCOPES : WRITE_ROUTE_SCOPES;
}

export interface Caller {
  /** The owner of the caller's tasks: the token's `sub` (a machine client's id for client credentials). */
  owner: string;
  clientId: string;
  scopes: readonly string[];
  canRead: boolean;
  canWrite: boolean;
  /** An operator, who sees and acts on every owner's tasks. */
  isAdmin: boolean;
}

/** The one owner of every task when local mode runs without sign-in (AUTH=none). */
export const ANONYMOUS_CLAIMS: Readonly<Record<string, string>> = Object.freeze({
  sub: 'anonymous',
  client_id: 'anonymous',
  token_use: 'access',
  scope: `${READ_SCOPE} ${WRITE_SCOPE}`,
});

interface JwtAuthorizerContext {
  jwt?: { claims?: Record<string, unknown> };
}

export function callerOf(event: APIGatewayProxyEventV2): Caller {
  const context = (event.requestContext as { authorizer?: JwtAuthorizerContext }).authorizer;
  const claims = context?.jwt?.claims ?? {};
  const owner = claims.sub;
  if (typeof owner !== 'string' || owner === '') {
    // Only a route deployed without its authorizer gets here; the gateway refuses the rest.
    throw new ClientError(401, 'unauthorized', 'The request carries no caller');
  }
  const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : [];
  return {
    owner,
    clientId: typeof claims.client_id === 'string' ? claims.client_id : '',
    scopes,
    canRead: scopes.includes(READ_SCOPE),
    canWrite: scopes.includes(WRITE_SCOPE),
    isAdmin: scopes.includes(ADMIN_SCOPE),
  };
}

/** What the store lets the caller reach: their own tasks, or every task for an operator. */
export function accessOf(caller: Caller): { owner: string; admin: boolean } {
  return { owner: caller.owner, admin: caller.isAdmin };
}
