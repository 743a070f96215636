// @ts-check
/**
 * Who uses the dashboard. `config.json` (written at deploy time, or by local mode) says
 * whether the API takes sign-in; with `{auth: "none"}` there is no session and no sign-in UI.
 * Otherwise: authorization code + PKCE against the provider it names, tokens kept in this
 * tab's sessionStorage and refreshed a minute before they expire, and an expired session
 * sends the page back to its sign-in screen with its URL (and so its ?status= filter) kept.
 */
import {
  authorizeUrl,
  claimsOf,
  codeChallenge,
  logoutUrl,
  randomText,
  tokenRequest,
} from './pkce.js';

const TOKENS = 'tasks.tokens';
const PENDING = 'tasks.sign-in';
const ENDED = 'tasks.session-ended';
/** Refresh this long before the access token expires. */
const REFRESH_AHEAD_MS = 60_000;

/**
 * @typedef {import('./pkce.js').SignInConfig} SignInConfig
 * @typedef {{ access: string, refresh?: string, id?: string, expiresAt: number }} Tokens
 * @typedef {{ kind: 'open' } | { kind: 'signed-out', reason: string, signIn(): Promise<void> } |
 *   { kind: 'signed-in', user: string, authorization(): Promise<string>, renew(): Promise<boolean>, signOut(): Promise<void> }} Session
 */

/** Where the provider sends people back to: the dashboard's own directory, as registered. */
const redirectUri = () => new URL('./', location.href).href;

/** @returns {Promise<SignInConfig & { auth: string } | null>} */
async function loadConfig() {
  try {
    const response = await fetch('config.json', { cache: 'no-store' });
    if (!response.ok) return null;
    const config = await response.json();
    return config?.auth === 'oidc' ? config : null;
  } catch {
    return null;
  }
}

/** @returns {Tokens | null} */
function storedTokens() {
  try {
    return JSON.parse(sessionStorage.getItem(TOKENS) ?? 'null');
  } catch {
    return null;
  }
}

/** @param {import('./pkce.js').TokenResponse} response @param {Tokens | null} previous */
function keepTokens(response, previous) {
  /** @type {Tokens} */
  const tokens = {
    access: response.access_token,
    refresh: response.refresh_token ?? previous?.refresh,
    id: response.id_token ?? previous?.id,
    expiresAt: Date.now() + response.expires_in * 1000,
  };
  sessionStorage.setItem(TOKENS, JSON.stringify(tokens));
  return tokens;
}

/** @param {SignInConfig} config */
async function startSignIn(config) {
  const verifier = randomText();
  const state = randomText(16);
  // The page's own URL comes back after sign-in, with its ?status= filter.
  const returnTo = location.pathname + location.search;
  sessionStorage.setItem(PENDING, JSON.stringify({ state, verifier, returnTo }));
  const challenge = await codeChallenge(verifier);
  location.assign(authorizeUrl(config, { redirectUri: redirectUri(), state, challenge }));
}

/**
 * The provider's answer in the URL (`?code=&state=` or `?error=`): exchanges the code,
 * then puts the page's own URL back. Returns a reason to show when sign-in failed.
 * @param {SignInConfig} config @returns {Promise<string | null>}
 */
async function finishSignIn(config) {
  const params = new URLSearchParams(location.search);
  if (!params.has('code') && !params.has('error')) return null;
  const pending = JSON.parse(sessionStorage.getItem(PENDING) ?? 'null');
  sessionStorage.removeItem(PENDING);
  history.replaceState(null, '', pending?.returnTo ?? location.pathname);
  if (params.has('error')) return params.get('error_description') ?? 'Sign-in was refused.';
  if (!pending || pending.state !== params.get('state'))
    return 'That sign-in did not start on this page. Sign in again.';
  try {
    const response = await tokenRequest(config, {
      grant_type: 'authorization_code',
      code: params.get('code') ?? '',
      redirect_uri: redirectUri(),
      code_verifier: pending.verifier,
    });
    keepTokens(response, null);
    return null;
  } catch (error) {
    return `Sign-in failed: ${error instanceof Error ? error.message : error}`;
  }
}

/** @param {Tokens} tokens */
function userOf(tokens) {
  const claims = { ...claimsOf(tokens.access), ...(tokens.id ? claimsOf(tokens.id) : {}) };
  return String(claims['cognito:username'] ?? claims.username ?? claims.email ?? claims.sub ?? '');
}

/** Forgets the tokens and shows the sign-in screen again, on the same URL. @param {string} reason */
function endSession(reason) {
  sessionStorage.removeItem(TOKENS);
  sessionStorage.setItem(ENDED, reason);
  location.reload();
}

/** @returns {Promise<Session>} */
export async function openSession() {
  const config = await loadConfig();
  if (!config) return { kind: 'open' };
  const failure = await finishSignIn(config);
  let tokens = storedTokens();
  if (!tokens) {
    const ended = sessionStorage.getItem(ENDED);
    sessionStorage.removeItem(ENDED);
    return {
      kind: 'signed-out',
      reason: failure ?? ended ?? '',
      signIn: () => startSignIn(config),
    };
  }
  sessionStorage.removeItem(ENDED);

  /** @type {Promise<boolean> | null} */
  let renewing = null;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  const schedule = () => {
    clearTimeout(timer);
    if (!tokens) return;
    const wait = Math.max(0, tokens.expiresAt - REFRESH_AHEAD_MS - Date.now());
    timer = setTimeout(() => void renew(), wait);
  };
  /** One refresh at a time; false (and back to sign-in) when the session cannot go on. */
  const renew = () => {
    renewing ??= (async () => {
      const refreshToken = tokens?.refresh;
      try {
        if (!refreshToken) throw new Error('no refresh token');
        tokens = keepTokens(
          await tokenRequest(config, { grant_type: 'refresh_token', refresh_token: refreshToken }),
          tokens,
        );
        schedule();
        return true;
      } catch {
        endSession('Your session has expired. Sign in again to go on where you were.');
        return false;
      } finally {
        renewing = null;
      }
    })();
    return renewing;
  };
  schedule();
  return {
    kind: 'signed-in',
    user: userOf(tokens),
    async authorization() {
      if (tokens && tokens.expiresAt - Date.now() < REFRESH_AHEAD_MS / 2) await renew();
      return `Bearer ${tokens?.access ?? ''}`;
    },
    renew,
    async signOut() {
      const refreshToken = tokens?.refresh;
      sessionStorage.removeItem(TOKENS);
      if (refreshToken) {
        // Best effort: the refresh token stops working even if the provider keeps a session.
        await fetch(`${config.signInUrl}/oauth2/revoke`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ token: refreshToken, client_id: config.clientId }),
          signal: AbortSignal.timeout(3000),
        }).catch(() => {});
      }
      location.assign(logoutUrl(config, redirectUri()));
    },
  };
}
