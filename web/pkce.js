// @ts-check
/**
 * OAuth 2.0 authorization code with PKCE (RFC 7636) for a public client, by hand with
 * WebCrypto: the three endpoints are fixed by Cognito's managed login (the local provider
 * mirrors them), so no discovery or library is needed.
 * https://docs.aws.amazon.com/cognito/latest/developerguide/using-pkce-in-authorization-code.html
 */

/** @param {Uint8Array} bytes */
export function base64url(bytes) {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A random string of URL-safe characters: 32 bytes make a 43-character verifier. */
export function randomText(bytes = 32) {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** The S256 code challenge of a verifier. @param {string} verifier */
export async function codeChallenge(verifier) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

/**
 * @typedef {{ signInUrl: string, clientId: string, scopes: string[] }} SignInConfig
 * @typedef {{ access_token: string, id_token?: string, refresh_token?: string, expires_in: number }} TokenResponse
 */

/**
 * The authorization endpoint's URL for a sign-in.
 * @param {SignInConfig} config @param {{ redirectUri: string, state: string, challenge: string }} request
 */
export function authorizeUrl(config, { redirectUri, state, challenge }) {
  const url = new URL(`${config.signInUrl}/oauth2/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: redirectUri,
    scope: config.scopes.join(' '),
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  return url.href;
}

/** @param {SignInConfig} config @param {string} redirectUri */
export function logoutUrl(config, redirectUri) {
  const url = new URL(`${config.signInUrl}/logout`);
  url.search = new URLSearchParams({
    client_id: config.clientId,
    logout_uri: redirectUri,
  }).toString();
  return url.href;
}

/**
 * A token endpoint request; the public client sends its id and no secret.
 * @param {SignInConfig} config @param {Record<string, string>} fields
 * @returns {Promise<TokenResponse>}
 */
export async function tokenRequest(config, fields) {
  const response = await fetch(`${config.signInUrl}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: config.clientId, ...fields }),
    cache: 'no-store',
    signal: AbortSignal.timeout(10_000),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok || typeof body.access_token !== 'string')
    throw new Error(body.error_description ?? body.error ?? `Sign-in failed (${response.status})`);
  return body;
}

/** The claims of a JWT, unverified: only to show who is signed in. @param {string} token */
export function claimsOf(token) {
  try {
    const payload = token.split('.')[1] ?? '';
    const binary = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))));
  } catch {
    return {};
  }
}
