import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalIdentity, type LocalIdentity } from '../../infra/local/identity/provider.ts';
import { subjectOf } from '../../infra/local/identity/tokens.ts';
import { createJwtAuthorizer, type JwtAuthorizer } from '../../infra/local/jwt-authorizer.ts';

let dataDir: string;
let server: Server;
let origin: string;
let identity: LocalIdentity;
let authorize: JwtAuthorizer;
/** How far the provider's clock is ahead of real time. */
let clockAheadMs = 0;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'local-identity-'));
  server = createServer((req, res) => {
    identity.handle(req, res).then((handled) => {
      if (!handled) res.writeHead(404).end('not mine');
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  identity = await createLocalIdentity({
    issuer: `${origin}/auth`,
    dataDir,
    admins: ['root'],
    now: () => new Date(Date.now() + clockAheadMs),
  });
  authorize = createJwtAuthorizer({
    issuer: identity.issuer,
    audience: identity.audience,
    keys: createRemoteJWKSet(new URL(identity.jwksUri)),
  });
});

afterAll(async () => {
  await new Promise((done) => server?.close(done));
  server?.closeAllConnections();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const CALLBACK = () => `${origin}/callback`;

function tokenRequest(params: Record<string, string>, headers: Record<string, string> = {}) {
  return fetch(`${origin}/auth/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(params),
  });
}

function basic(id: string, secret: string) {
  return { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` };
}

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The dashboard's sign-in, as a browser would drive it: authorize, sign-in page, form post, callback. */
async function signIn(
  username: string,
  challenge: string,
  scope = 'openid tasks/read tasks/write',
) {
  const authorizeUrl = new URL(`${origin}/auth/oauth2/authorize`);
  for (const [name, value] of Object.entries({
    response_type: 'code',
    client_id: identity.dashboardClientId,
    redirect_uri: CALLBACK(),
    scope,
    state: 'state-1',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }))
    authorizeUrl.searchParams.set(name, value);
  const page = await fetch(authorizeUrl, { redirect: 'manual' });
  expect(page.status).toBe(200);
  const html = await page.text();
  const interaction = /name="interaction" value="([^"]+)"/.exec(html)?.[1] ?? '';
  const posted = await fetch(`${origin}/auth/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ interaction, username }),
  });
  return { page, html, posted, location: new URL(posted.headers.get('location') ?? '', origin) };
}

/** The dashboard's exchange of the code in the sign-in callback's location for tokens. */
function exchangeCode(location: URL, verifier: string) {
  return tokenRequest({
    grant_type: 'authorization_code',
    client_id: identity.dashboardClientId,
    code: location.searchParams.get('code') ?? '',
    redirect_uri: CALLBACK(),
    code_verifier: verifier,
  });
}

async function codeFlowTokens(username: string) {
  const { verifier, challenge } = pkce();
  const { location } = await signIn(username, challenge);
  const response = await exchangeCode(location, verifier);
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, string>;
}

describe('local OpenID provider', () => {
  it('publishes discovery and a public JWKS under the issuer', async () => {
    const discovery = await (await fetch(`${origin}/auth/.well-known/openid-configuration`)).json();
    expect(discovery).toMatchObject({
      issuer: `${origin}/auth`,
      authorization_endpoint: `${origin}/auth/oauth2/authorize`,
      token_endpoint: `${origin}/auth/oauth2/token`,
      jwks_uri: identity.jwksUri,
      code_challenge_methods_supported: ['S256'],
    });
    const jwks = (await (await fetch(identity.jwksUri)).json()) as {
      keys: Record<string, string>[];
    };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it('leaves requests outside its path to the server', async () => {
    const response = await fetch(`${origin}/tasks`);
    expect(await response.text()).toBe('not mine');
    expect((await fetch(`${origin}/authority`)).status).toBe(404);
  });

  it('issues machine tokens by client credentials that the authorizer accepts', async () => {
    const { id, secret } = identity.machineClient;
    const response = await tokenRequest({ grant_type: 'client_credentials' }, basic(id, secret));
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    expect(body).not.toHaveProperty('refresh_token');
    const outcome = await authorize(`Bearer ${body.access_token}`, ['tasks/write']);
    expect(outcome).toMatchObject({
      authorized: true,
      jwt: {
        claims: { sub: id, client_id: id, token_use: 'access', scope: 'tasks/read tasks/write' },
      },
    });
    expect(decodeJwt(String(body.access_token))).not.toHaveProperty('aud');
    const scripted = await authorize(`Bearer ${await identity.issueMachineToken()}`, [
      'tasks/read',
    ]);
    expect(scripted).toMatchObject({
      authorized: true,
      jwt: { claims: { sub: id, client_id: id } },
    });
  });

  it('refuses client credentials with a wrong secret, for the public client, or beyond its scopes', async () => {
    const { id, secret } = identity.machineClient;
    const wrong = await tokenRequest({ grant_type: 'client_credentials' }, basic(id, 'nope'));
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_client' });
    const malformed = await tokenRequest(
      { grant_type: 'client_credentials' },
      basic('%E0', secret),
    );
    expect(malformed.status).toBe(401);
    const publicClient = await tokenRequest({
      grant_type: 'client_credentials',
      client_id: identity.dashboardClientId,
    });
    expect(await publicClient.json()).toMatchObject({ error: 'unauthorized_client' });
    const admin = await tokenRequest(
      { grant_type: 'client_credentials', scope: 'tasks/admin' },
      basic(id, secret),
    );
    expect(admin.status).toBe(400);
    expect(await admin.json()).toMatchObject({ error: 'invalid_scope' });
    const posted = await tokenRequest({
      grant_type: 'client_credentials',
      client_id: id,
      client_secret: secret,
      scope: 'tasks/read',
    });
    expect(decodeJwt(((await posted.json()) as { access_token: string }).access_token).scope).toBe(
      'tasks/read',
    );
  });

  it('shows a clearly local sign-in page without inline script or style', async () => {
    const { page, html } = await signIn('alice', pkce().challenge);
    expect(html).toContain('Local sign-in — not a real identity provider');
    expect(html).not.toMatch(/<script|<style|\sstyle=/i);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('signs a user in with authorization code and PKCE; the access token passes the authorizer', async () => {
    const { verifier, challenge } = pkce();
    const { posted, location } = await signIn('alice', challenge);
    expect(posted.status).toBe(302);
    expect(location.origin + location.pathname).toBe(CALLBACK());
    expect(location.searchParams.get('state')).toBe('state-1');
    const response = await exchangeCode(location, verifier);
    expect(response.status).toBe(200);
    const tokens = (await response.json()) as Record<string, string>;
    const outcome = await authorize(`Bearer ${tokens.access_token}`, ['tasks/read']);
    expect(outcome).toMatchObject({
      authorized: true,
      jwt: {
        claims: {
          sub: subjectOf('alice'),
          username: 'alice',
          client_id: identity.dashboardClientId,
          scope: 'openid tasks/read tasks/write',
        },
      },
    });
    expect(decodeJwt(tokens.id_token ?? '')).toMatchObject({
      aud: identity.dashboardClientId,
      'cognito:username': 'alice',
    });
    expect(await authorize(`Bearer ${tokens.id_token}`, ['tasks/read'])).toMatchObject({
      authorized: false,
      statusCode: 403,
    });
    const reused = await exchangeCode(location, verifier);
    expect(await reused.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses a code exchange with the wrong verifier or without one', async () => {
    const { challenge } = pkce();
    for (const verifier of [pkce().verifier, '']) {
      const { location } = await signIn('bob', challenge);
      const response = await exchangeCode(location, verifier);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid_grant' });
    }
  });

  it('refuses a code exchanged more than five minutes after sign-in', async () => {
    const { verifier, challenge } = pkce();
    const { location } = await signIn('erin', challenge);
    clockAheadMs = 5 * 60 * 1000 + 1000;
    try {
      const response = await exchangeCode(location, verifier);
      expect(await response.json()).toMatchObject({ error: 'invalid_grant' });
    } finally {
      clockAheadMs = 0;
    }
  });

  it('refuses an unregistered redirect_uri without redirecting, and requires PKCE', async () => {
    const base = `${origin}/auth/oauth2/authorize?response_type=code&client_id=${identity.dashboardClientId}`;
    const foreign = await fetch(
      `${base}&redirect_uri=${encodeURIComponent('https://evil.example/cb')}`,
      {
        redirect: 'manual',
      },
    );
    expect(foreign.status).toBe(400);
    const port = new URL(origin).port;
    const otherPort = await fetch(
      `${base}&redirect_uri=${encodeURIComponent(`http://127.0.0.1:${Number(port) + 1}/cb`)}`,
      { redirect: 'manual' },
    );
    expect(otherPort.status).toBe(400);
    const sameServer = await fetch(
      `${base}&redirect_uri=${encodeURIComponent(`http://localhost:${port}/cb`)}&code_challenge_method=S256&code_challenge=${pkce().challenge}`,
      { redirect: 'manual' },
    );
    expect(sameServer.status).toBe(200);
    const noPkce = await fetch(`${base}&redirect_uri=${encodeURIComponent(CALLBACK())}&state=s`, {
      redirect: 'manual',
    });
    expect(noPkce.status).toBe(302);
    const location = new URL(noPkce.headers.get('location') ?? '');
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('state')).toBe('s');
  });

  it('asks again for a user name that is not valid', async () => {
    const { posted } = await signIn('not a name', pkce().challenge);
    expect(posted.status).toBe(400);
    expect(await posted.text()).toContain('A user name is 1 to 64');
  });

  it('treats user names without regard to case', async () => {
    const tokens = await codeFlowTokens('Alice');
    expect(decodeJwt(tokens.access_token ?? '')).toMatchObject({
      sub: subjectOf('alice'),
      username: 'alice',
    });
    expect(decodeJwt(await identity.issueToken('ALICE')).sub).toBe(subjectOf('alice'));
  });

  it('gives operators listed as admins the tasks/admin scope', async () => {
    const tokens = await codeFlowTokens('Root');
    expect(decodeJwt(tokens.access_token ?? '').scope).toBe(
      'openid tasks/read tasks/write tasks/admin',
    );
    expect(await authorize(`Bearer ${tokens.access_token}`, ['tasks/admin'])).toMatchObject({
      authorized: true,
    });
  });

  it('refreshes a session with the refresh token, and refuses a tampered one', async () => {
    const tokens = await codeFlowTokens('carol');
    const refresh = (refresh_token: string) =>
      tokenRequest({
        grant_type: 'refresh_token',
        client_id: identity.dashboardClientId,
        refresh_token,
      });
    const refreshed = await refresh(tokens.refresh_token ?? '');
    expect(refreshed.status).toBe(200);
    const body = (await refreshed.json()) as Record<string, string>;
    expect(body).not.toHaveProperty('refresh_token');
    expect(await authorize(`Bearer ${body.access_token}`, ['tasks/read'])).toMatchObject({
      authorized: true,
      jwt: { claims: { sub: subjectOf('carol') } },
    });
    const [payload, mac] = (tokens.refresh_token ?? '').split('.');
    const forged = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()),
        username: 'root',
      }),
    ).toString('base64url');
    const tampered = await refresh(`${forged}.${mac}`);
    expect(await tampered.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('keeps its keys in the data directory, so tokens survive a restart', async () => {
    const token = await identity.issueToken('dave');
    const restarted = await createLocalIdentity({ issuer: identity.issuer, dataDir });
    expect(restarted.jwks()).toEqual(identity.jwks());
    expect(restarted.machineClient).toEqual(identity.machineClient);
    const authorizer = createJwtAuthorizer({
      issuer: restarted.issuer,
      audience: restarted.audience,
      keys: restarted.keys,
    });
    expect(await authorizer(`Bearer ${token}`, ['tasks/write'])).toMatchObject({
      authorized: true,
      jwt: { claims: { username: 'dave', sub: subjectOf('dave') } },
    });
  });
});
