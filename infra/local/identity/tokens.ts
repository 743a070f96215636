/**
 * Tokens shaped like Amazon Cognito's, as far as the API and the dashboard use them.
 * Access token claims: https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html
 * Like Cognito's, access tokens carry `client_id` and no `aud`, so the authorizer's
 * audience list holds client ids; ID tokens carry `aud` and no `scope`.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { SignJWT } from 'jose';
import { type IdentityState, randomId, signingKeyOf } from './state.ts';

export const ACCESS_TOKEN_SECONDS = 60 * 60;
export const REFRESH_TOKEN_SECONDS = 30 * 24 * 60 * 60;

/** A signed-in person, or a machine client acting for itself. */
export interface Principal {
  sub: string;
  /** Cognito's `username`; absent for client-credentials tokens, as there. */
  username?: string;
}

export interface IssuedTokens {
  access_token: string;
  id_token?: string;
  refresh_token?: string;
  token_type: 'Bearer';
  expires_in: number;
}

/**
 * A user's `sub`: stable for a user name, opaque like Cognito's UUIDs, so that nothing
 * comes to rely on `sub` being the name.
 */
export function subjectOf(username: string): string {
  const hex = createHash('sha256').update(`local-user:${username}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function userPrincipal(username: string): Principal {
  return { sub: subjectOf(username), username };
}

interface TokenRequest {
  issuer: string;
  principal: Principal;
  clientId: string;
  scopes: readonly string[];
  now: Date;
  nonce?: string;
}

export async function signAccessToken(
  state: IdentityState,
  request: TokenRequest,
): Promise<string> {
  const { principal, clientId, scopes } = request;
  const claims: Record<string, unknown> = {
    token_use: 'access',
    scope: scopes.join(' '),
    client_id: clientId,
    version: 2,
    auth_time: seconds(request.now),
  };
  if (principal.username) claims.username = principal.username;
  return sign(state, request, claims);
}

export async function signIdToken(state: IdentityState, request: TokenRequest): Promise<string> {
  return new SignJWT({
    token_use: 'id',
    'cognito:username': request.principal.username,
    auth_time: seconds(request.now),
    ...(request.nonce ? { nonce: request.nonce } : {}),
  })
    .setProtectedHeader({ alg: 'RS256', kid: state.signingKey.kid })
    .setIssuer(request.issuer)
    .setSubject(request.principal.sub)
    .setAudience(request.clientId)
    .setIssuedAt(request.now)
    .setExpirationTime(seconds(request.now) + ACCESS_TOKEN_SECONDS)
    .setJti(randomId())
    .sign(await signingKeyOf(state));
}

async function sign(state: IdentityState, request: TokenRequest, claims: Record<string, unknown>) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: state.signingKey.kid })
    .setIssuer(request.issuer)
    .setSubject(request.principal.sub)
    .setIssuedAt(request.now)
    .setExpirationTime(seconds(request.now) + ACCESS_TOKEN_SECONDS)
    .setJti(randomId())
    .sign(await signingKeyOf(state));
}

/** What a refresh token stands for; only this provider reads it. */
export interface RefreshGrant {
  username: string;
  clientId: string;
  scopes: string[];
  exp: number;
}

export function signRefreshToken(state: IdentityState, grant: RefreshGrant): string {
  const body = Buffer.from(JSON.stringify({ ...grant, jti: randomId() })).toString('base64url');
  return `${body}.${mac(state, body)}`;
}

export function readRefreshToken(
  state: IdentityState,
  token: string,
  now: Date,
): RefreshGrant | undefined {
  const [body, signature, extra] = token.split('.');
  if (!body || !signature || extra !== undefined) return undefined;
  const expected = Buffer.from(mac(state, body));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  const grant = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as RefreshGrant;
  return grant.exp > seconds(now) ? grant : undefined;
}

function mac(state: IdentityState, body: string): string {
  return createHmac('sha256', state.refreshTokenSecret).update(body).digest('base64url');
}

export function seconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}
