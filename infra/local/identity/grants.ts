/** The token endpoint's grants: client credentials, authorization code with PKCE, refresh token. */
import { READ_SCOPE, WRITE_SCOPE } from '../../../functions/http/caller.ts';
import { s256, sameText } from './client-auth.ts';
import { OAuthError } from './oauth-http.ts';
import { DASHBOARD_CLIENT_ID, type IdentityState, MACHINE_CLIENT_ID } from './state.ts';
import {
  type IssuedTokens,
  type Principal,
  readRefreshToken,
  seconds,
  userPrincipal,
} from './tokens.ts';

export const MACHINE_SCOPES = [READ_SCOPE, WRITE_SCOPE];

export interface AuthorizationRequest {
  redirectUri: string;
  scopes: string[];
  state?: string;
  nonce?: string;
  codeChallenge: string;
  expiresAt: number;
}

export interface AuthorizationCode extends AuthorizationRequest {
  username: string;
}

export interface GrantContext {
  state: IdentityState;
  /** Codes not yet exchanged; a code is removed on its first use. */
  codes: Map<string, AuthorizationCode>;
  revoked: ReadonlySet<string>;
  now: () => Date;
  userScopes(username: string, requested: readonly string[]): string[];
  tokensFor(
    principal: Principal,
    clientId: string,
    scopes: string[],
    extras: { idToken?: boolean; refresh?: boolean; nonce?: string },
  ): Promise<IssuedTokens>;
}

/** The tokens for a token request from the authenticated `client`, or an OAuthError. */
export async function grantTokens(
  form: URLSearchParams,
  client: string,
  context: GrantContext,
): Promise<IssuedTokens> {
  const grantType = form.get('grant_type');
  if (grantType === 'client_credentials') {
    if (client !== MACHINE_CLIENT_ID)
      throw new OAuthError(
        'unauthorized_client',
        'Only the machine client may use client_credentials',
      );
    const requested = form.get('scope')?.split(' ').filter(Boolean) ?? MACHINE_SCOPES;
    if (requested.length === 0 || requested.some((scope) => !MACHINE_SCOPES.includes(scope)))
      throw new OAuthError('invalid_scope', `Allowed scopes: ${MACHINE_SCOPES.join(' ')}`);
    return context.tokensFor({ sub: MACHINE_CLIENT_ID }, client, requested, {});
  }
  if (client !== DASHBOARD_CLIENT_ID)
    throw new OAuthError('unauthorized_client', `The machine client may not use ${grantType}`);
  if (grantType === 'authorization_code') {
    const code = context.codes.get(form.get('code') ?? '');
    context.codes.delete(form.get('code') ?? '');
    if (!code || code.expiresAt <= seconds(context.now()))
      throw new OAuthError('invalid_grant', 'The code is unknown, used or expired');
    if (form.get('redirect_uri') !== code.redirectUri)
      throw new OAuthError('invalid_grant', 'redirect_uri differs from the authorization request');
    const verifier = form.get('code_verifier') ?? '';
    if (
      !/^[A-Za-z0-9._~-]{43,128}$/.test(verifier) ||
      !sameText(s256(verifier), code.codeChallenge)
    )
      throw new OAuthError('invalid_grant', 'code_verifier does not match the code_challenge');
    const scopes = context.userScopes(code.username, code.scopes);
    return context.tokensFor(userPrincipal(code.username), client, scopes, {
      idToken: scopes.includes('openid'),
      refresh: true,
      nonce: code.nonce,
    });
  }
  if (grantType === 'refresh_token') {
    const token = form.get('refresh_token') ?? '';
    const grant = readRefreshToken(context.state, token, context.now());
    if (!grant || grant.clientId !== client || context.revoked.has(token))
      throw new OAuthError('invalid_grant', 'The refresh token is invalid, revoked or expired');
    // As Cognito does by default, a refresh returns new access and ID tokens only.
    const scopes = context.userScopes(grant.username, grant.scopes);
    return context.tokensFor(userPrincipal(grant.username), client, scopes, {
      idToken: scopes.includes('openid'),
    });
  }
  throw new OAuthError('unsupported_grant_type', 'grant_type is not supported');
}
