/**
 * A local OpenID provider standing in for an Amazon Cognito user pool: authorization code
 * with PKCE for the dashboard (a public client), client credentials for machines (a
 * confidential client), refresh tokens, JWKS and discovery, all under the issuer's path
 * on the local server. Endpoint paths are Cognito's:
 * https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-userpools-server-contract-reference.html
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { ADMIN_SCOPE, READ_SCOPE, WRITE_SCOPE } from '../../../functions/http/caller.ts';
import { authenticateClient, isLoopback } from './client-auth.ts';
import {
  type AuthorizationCode,
  type AuthorizationRequest,
  type GrantContext,
  grantTokens,
  MACHINE_SCOPES,
} from './grants.ts';
import { OAuthError, readForm, redirect, sendJson, sendPage } from './oauth-http.ts';
import { errorPage, SIGN_IN_STYLESHEET, signInPage } from './sign-in-page.ts';
import {
  DASHBOARD_CLIENT_ID,
  loadIdentityState,
  MACHINE_CLIENT_ID,
  publicJwk,
  randomId,
} from './state.ts';
import {
  ACCESS_TOKEN_SECONDS,
  type IssuedTokens,
  type Principal,
  REFRESH_TOKEN_SECONDS,
  seconds,
  signAccessToken,
  signIdToken,
  signRefreshToken,
  userPrincipal,
} from './tokens.ts';

export interface LocalIdentityOptions {
  /** Absolute URL; its path is where the provider is mounted, e.g. `http://localhost:3000/auth`. */
  issuer: string;
  dataDir: string;
  /** User names that are operators: their access tokens also carry `tasks/admin`. */
  admins?: readonly string[];
  /** Redirect URLs allowed besides any URL on the issuer's own origin. */
  redirectUris?: readonly string[];
  now?: () => Date;
}

export interface LocalIdentity {
  issuer: string;
  jwksUri: string;
  /** The authorizer's audience: the client ids, as access tokens carry `client_id` and no `aud`. */
  audience: string[];
  dashboardClientId: string;
  machineClient: { id: string; secret: string };
  /** The signing keys, for a JWT authorizer in the same process. */
  keys: JWTVerifyGetKey;
  jwks(): JSONWebKeySet;
  /** Answers requests under the issuer's path; false for any other request. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** What the dashboard's `config.json` holds in local mode, shaped as SignIn.dashboardSettings(). */
  dashboardSettings(): { issuer: string; signInUrl: string; clientId: string; scopes: string[] };
  /** An access token for `username` as if signed in on the dashboard. */
  issueToken(username: string, options?: { admin?: boolean }): Promise<string>;
  /** An access token for the machine client, as client credentials would give it. */
  issueMachineToken(): Promise<string>;
}

const USER_SCOPES = ['openid', 'profile', READ_SCOPE, WRITE_SCOPE];
const USERNAME = /^[A-Za-z0-9._@+-]{1,64}$/;
const PENDING_SECONDS = 10 * 60;
const CODE_SECONDS = 5 * 60;

export async function createLocalIdentity(options: LocalIdentityOptions): Promise<LocalIdentity> {
  const state = await loadIdentityState(options.dataDir);
  const issuer = options.issuer.replace(/\/$/, '');
  const issuerUrl = new URL(issuer);
  const prefix = issuerUrl.pathname.replace(/\/$/, '');
  const now = options.now ?? (() => new Date());
  const admins = new Set((options.admins ?? []).map((name) => name.toLowerCase()));
  const jwks: JSONWebKeySet = { keys: [publicJwk(state)] };
  const pending = new Map<string, AuthorizationRequest>();
  const codes = new Map<string, AuthorizationCode>();
  const revoked = new Set<string>();
  const keys = createLocalJWKSet(jwks);

  const userScopes = (username: string, requested: readonly string[]) =>
    admins.has(username) ? [...requested, ADMIN_SCOPE] : [...requested];

  const tokensFor = async (
    principal: Principal,
    clientId: string,
    scopes: string[],
    extras: { idToken?: boolean; refresh?: boolean; nonce?: string },
  ): Promise<IssuedTokens> => {
    const request = { issuer, principal, clientId, scopes, now: now(), nonce: extras.nonce };
    const tokens: IssuedTokens = {
      access_token: await signAccessToken(state, request),
      token_type: 'Bearer',
      expires_in: ACCESS_TOKEN_SECONDS,
    };
    if (extras.idToken) tokens.id_token = await signIdToken(state, request);
    if (extras.refresh && principal.username) {
      tokens.refresh_token = signRefreshToken(state, {
        username: principal.username,
        clientId,
        scopes: scopes.filter((scope) => scope !== ADMIN_SCOPE),
        exp: seconds(now()) + REFRESH_TOKEN_SECONDS,
      });
    }
    return tokens;
  };

  const isAllowedRedirect = (uri: string) => {
    const url = URL.parse(uri);
    if (!url || url.hash) return false;
    if ((options.redirectUris ?? []).includes(uri)) return true;
    // The same server is reached as localhost, 127.0.0.1 or [::1].
    return (
      url.protocol === issuerUrl.protocol &&
      url.port === issuerUrl.port &&
      isLoopback(url) &&
      isLoopback(issuerUrl)
    );
  };

  const grants: GrantContext = { state, codes, revoked, now, userScopes, tokensFor };

  const sweep = () => {
    const at = seconds(now());
    for (const [key, value] of pending) if (value.expiresAt <= at) pending.delete(key);
    for (const [key, value] of codes) if (value.expiresAt <= at) codes.delete(key);
  };

  const endpoints: Record<
    string,
    (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>
  > = {
    'GET /.well-known/openid-configuration': async (_req, res) => {
      sendJson(res, 200, {
        issuer,
        authorization_endpoint: `${issuer}/oauth2/authorize`,
        token_endpoint: `${issuer}/oauth2/token`,
        userinfo_endpoint: `${issuer}/oauth2/userInfo`,
        revocation_endpoint: `${issuer}/oauth2/revoke`,
        end_session_endpoint: `${issuer}/logout`,
        jwks_uri: `${issuer}/.well-known/jwks.json`,
        response_types_supported: ['code'],
        grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
        code_challenge_methods_supported: ['S256'],
        scopes_supported: [...USER_SCOPES, ADMIN_SCOPE],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: [
          'client_secret_basic',
          'client_secret_post',
          'none',
        ],
      });
    },
    'GET /.well-known/jwks.json': async (_req, res) => sendJson(res, 200, jwks),
    'GET /sign-in.css': async (_req, res) => {
      res.writeHead(200, {
        'content-type': 'text/css; charset=utf-8',
        'cache-control': 'no-cache',
      });
      res.end(SIGN_IN_STYLESHEET);
    },
    'GET /oauth2/authorize': async (_req, res, url) => {
      const query = url.searchParams;
      const redirectUri = query.get('redirect_uri') ?? '';
      if (query.get('client_id') !== DASHBOARD_CLIENT_ID)
        return sendPage(res, 400, errorPage('Unknown client_id.'));
      if (!isAllowedRedirect(redirectUri))
        return sendPage(res, 400, errorPage('redirect_uri is not a registered callback URL.'));
      const clientState = query.get('state') ?? undefined;
      const fail = (error: string, description: string) =>
        redirect(res, redirectUri, { error, error_description: description, state: clientState });
      if (query.get('response_type') !== 'code')
        return fail('unsupported_response_type', 'response_type must be code');
      const codeChallenge = query.get('code_challenge') ?? '';
      if (
        query.get('code_challenge_method') !== 'S256' ||
        !/^[A-Za-z0-9_-]{43}$/.test(codeChallenge)
      )
        return fail('invalid_request', 'PKCE with code_challenge_method=S256 is required');
      const requested = (query.get('scope') ?? USER_SCOPES.join(' ')).split(' ').filter(Boolean);
      const unknown = requested.filter(
        (scope) => !USER_SCOPES.includes(scope) && scope !== ADMIN_SCOPE,
      );
      if (unknown.length > 0) return fail('invalid_scope', `Unknown scope ${unknown.join(' ')}`);
      sweep();
      const interaction = randomId();
      pending.set(interaction, {
        redirectUri,
        scopes: requested.filter((scope) => scope !== ADMIN_SCOPE),
        state: clientState,
        nonce: query.get('nonce') ?? undefined,
        codeChallenge,
        expiresAt: seconds(now()) + PENDING_SECONDS,
      });
      sendSignIn(res, 200, interaction, redirectUri);
    },
    'POST /login': async (req, res) => {
      const form = await readForm(req);
      const interaction = form.get('interaction') ?? '';
      const request = pending.get(interaction);
      if (!request || request.expiresAt <= seconds(now()))
        return sendPage(
          res,
          400,
          errorPage('This sign-in has expired. Go back to the app and sign in again.'),
        );
      // User names are case-insensitive, as in the user pool (signInCaseSensitive: false).
      const username = (form.get('username') ?? '').trim().toLowerCase();
      if (!USERNAME.test(username))
        return sendSignIn(res, 400, interaction, request.redirectUri, {
          error: 'A user name is 1 to 64 letters, digits or . _ @ + -',
          username,
        });
      pending.delete(interaction);
      const code = randomId(32);
      codes.set(code, { ...request, username, expiresAt: seconds(now()) + CODE_SECONDS });
      redirect(res, request.redirectUri, { code, state: request.state });
    },
    'POST /oauth2/token': async (req, res) => {
      const form = await readForm(req);
      const client = authenticateClient(req, form, state);
      sendJson(res, 200, await grantTokens(form, client, grants));
    },
    'POST /oauth2/revoke': async (req, res) => {
      const form = await readForm(req);
      authenticateClient(req, form, state);
      revoked.add(form.get('token') ?? '');
      sendJson(res, 200, {});
    },
    'GET /oauth2/userInfo': async (req, res) => {
      const token = /^bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
      try {
        const { payload } = await jwtVerify(token, keys, { issuer, currentDate: now() });
        if (payload.token_use !== 'access' || typeof payload.username !== 'string')
          throw new Error();
        sendJson(res, 200, { sub: payload.sub, username: payload.username });
      } catch {
        res.setHeader('www-authenticate', 'Bearer error="invalid_token"');
        sendJson(res, 401, {
          error: 'invalid_token',
          error_description: 'Access token is not valid',
        });
      }
    },
    'GET /logout': async (_req, res, url) => {
      const target = url.searchParams.get('logout_uri') ?? '';
      if (url.searchParams.get('client_id') !== DASHBOARD_CLIENT_ID || !isAllowedRedirect(target))
        return sendPage(res, 400, errorPage('logout_uri is not a registered sign-out URL.'));
      redirect(res, target, {});
    },
  };

  const sendSignIn = (
    res: ServerResponse,
    status: number,
    interaction: string,
    redirectUri: string,
    retry: { error?: string; username?: string } = {},
  ) => {
    // Browsers apply form-action to the redirect that follows the form's POST as well.
    const formAction = ["'self'", new URL(redirectUri).origin];
    sendPage(
      res,
      status,
      signInPage({
        action: `${prefix}/login`,
        interaction,
        stylesheet: `${prefix}/sign-in.css`,
        clientName: 'the tasks dashboard',
        ...retry,
      }),
      formAction,
    );
  };

  return {
    issuer,
    jwksUri: `${issuer}/.well-known/jwks.json`,
    audience: [DASHBOARD_CLIENT_ID, MACHINE_CLIENT_ID],
    dashboardClientId: DASHBOARD_CLIENT_ID,
    machineClient: { id: MACHINE_CLIENT_ID, secret: state.machineClientSecret },
    keys,
    jwks: () => jwks,
    dashboardSettings: () => ({
      issuer,
      signInUrl: issuer,
      clientId: DASHBOARD_CLIENT_ID,
      scopes: ['openid', 'profile', READ_SCOPE, WRITE_SCOPE],
    }),
    async handle(req, res) {
      const url = req.url?.startsWith('/') ? URL.parse(`http://localhost${req.url}`) : null;
      if (!url || (url.pathname !== prefix && !url.pathname.startsWith(`${prefix}/`))) return false;
      const endpoint = endpoints[`${req.method} ${url.pathname.slice(prefix.length)}`];
      try {
        if (!endpoint) {
          sendJson(res, 404, {
            error: `No route for ${req.method} ${url.pathname}`,
            code: 'not_found',
          });
        } else {
          await endpoint(req, res, url);
        }
      } catch (error) {
        if (!(error instanceof OAuthError)) throw error;
        if (error.error === 'invalid_client')
          res.setHeader('www-authenticate', 'Basic realm="tasks"');
        sendJson(res, error.status, { error: error.error, error_description: error.message });
      }
      return true;
    },
    async issueMachineToken() {
      const principal = { sub: MACHINE_CLIENT_ID };
      return (await tokensFor(principal, MACHINE_CLIENT_ID, MACHINE_SCOPES, {})).access_token;
    },
    async issueToken(name, tokenOptions = {}) {
      if (!USERNAME.test(name)) throw new Error(`"${name}" is not a valid user name`);
      const username = name.toLowerCase();
      const scopes = userScopes(username, [READ_SCOPE, WRITE_SCOPE]);
      if (tokenOptions.admin && !scopes.includes(ADMIN_SCOPE)) scopes.push(ADMIN_SCOPE);
      return (await tokensFor(userPrincipal(username), DASHBOARD_CLIENT_ID, scopes, {}))
        .access_token;
    },
  };
}
