import { createLocalJWKSet, exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { ANONYMOUS_CLAIMS, callerOf } from '../../functions/http/caller.ts';
import {
  anonymousAuthorizer,
  apiGatewayClaims,
  createJwtAuthorizer,
  type JwtAuthorizer,
} from '../../infra/local/jwt-authorizer.ts';
import { httpEvent } from '../helpers/events.ts';

const ISSUER = 'http://localhost:3000/auth';
const DASHBOARD = 'tasks-dashboard';
const MACHINE = 'tasks-machine';
const KID = 'key-1';
const NOW = new Date(Date.UTC(2026, 0, 1, 12));
const nowSeconds = NOW.getTime() / 1000;
const READ = ['tasks/read'];

let signingKey: CryptoKey;
let foreignKey: CryptoKey;
let authorize: JwtAuthorizer;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  signingKey = pair.privateKey;
  foreignKey = (await generateKeyPair('RS256')).privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: KID, alg: 'RS256', use: 'sig' };
  authorize = createJwtAuthorizer({
    issuer: ISSUER,
    audience: [DASHBOARD, MACHINE],
    keys: createLocalJWKSet({ keys: [jwk] }),
    now: () => NOW,
  });
});

/** The string claims of a Cognito access token; iat and exp are added as numbers. */
const ACCESS_TOKEN_TEXT_CLAIMS = {
  sub: 'user-1',
  iss: ISSUER,
  client_id: DASHBOARD,
  token_use: 'access',
  scope: 'openid tasks/read tasks/write',
  username: 'alice',
};

/** A Cognito-shaped access token, with any claim replaced or removed (undefined). */
function accessClaims(overrides: Record<string, unknown> = {}): JWTPayload {
  const claims: Record<string, unknown> = {
    ...ACCESS_TOKEN_TEXT_CLAIMS,
    iat: nowSeconds - 60,
    exp: nowSeconds + 3600,
    ...overrides,
  };
  return Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined));
}

async function sign(claims: JWTPayload, key = signingKey, kid: string | null = KID) {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', ...(kid && { kid }) }).sign(key);
}

const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

async function expectUnauthorized(authorization: string | undefined, reason?: RegExp) {
  const outcome = await authorize(authorization, READ);
  expect(outcome).toMatchObject({ authorized: false, statusCode: 401 });
  if (outcome.authorized) return;
  expect(JSON.parse(outcome.body)).toEqual({ message: 'Unauthorized' });
  expect(outcome.headers['www-authenticate']).toMatch(
    /^Bearer scope="" error="invalid_token" error_description="[^"]+"$/,
  );
  if (reason) expect(outcome.headers['www-authenticate']).toMatch(reason);
}

describe('JWT authorizer refusals (401)', () => {
  it('refuses a request without an Authorization header', async () => {
    await expectUnauthorized(undefined, /missing/);
    await expectUnauthorized('   ', /missing/);
  });

  it('refuses a scheme other than Bearer', async () => {
    await expectUnauthorized(`Basic ${Buffer.from('user:pass').toString('base64')}`);
  });

  it('refuses a token that is not a JWT', async () => {
    await expectUnauthorized('Bearer not-a-token', /malformed/);
    await expectUnauthorized('Bearer a.b.c', /malformed/);
  });

  it('refuses an unsigned token (alg none)', async () => {
    const token = `${segment({ alg: 'none', kid: KID })}.${segment(accessClaims())}.`;
    await expectUnauthorized(`Bearer ${token}`);
  });

  it('refuses a token signed with HS256 over the public key', async () => {
    const secret = new TextEncoder().encode(JSON.stringify(await exportJWK(signingKey)));
    const token = await new SignJWT(accessClaims())
      .setProtectedHeader({ alg: 'HS256', kid: KID })
      .sign(secret);
    await expectUnauthorized(`Bearer ${token}`, /algorithm/);
  });

  it('refuses a token signed by a key the issuer does not publish', async () => {
    await expectUnauthorized(`Bearer ${await sign(accessClaims(), foreignKey)}`, /signature/);
    await expectUnauthorized(
      `Bearer ${await sign(accessClaims(), signingKey, 'other-kid')}`,
      /known key/,
    );
  });

  it('refuses a token without a key id', async () => {
    await expectUnauthorized(`Bearer ${await sign(accessClaims(), signingKey, null)}`, /key id/);
  });

  it('refuses a token whose claims were changed after signing', async () => {
    const [header, , signature] = (await sign(accessClaims())).split('.');
    const tampered = `${header}.${segment(accessClaims({ sub: 'someone-else' }))}.${signature}`;
    await expectUnauthorized(`Bearer ${tampered}`, /signature/);
  });

  it('refuses an expired token, and one without exp', async () => {
    await expectUnauthorized(
      `Bearer ${await sign(accessClaims({ exp: nowSeconds - 1 }))}`,
      /expired/,
    );
    await expectUnauthorized(`Bearer ${await sign(accessClaims({ exp: nowSeconds }))}`, /expired/);
    await expectUnauthorized(`Bearer ${await sign(accessClaims({ exp: undefined }))}`);
  });

  it('refuses a token that is not valid yet (nbf) or issued in the future (iat)', async () => {
    await expectUnauthorized(
      `Bearer ${await sign(accessClaims({ nbf: nowSeconds + 30 }))}`,
      /not valid yet/,
    );
    await expectUnauthorized(
      `Bearer ${await sign(accessClaims({ iat: nowSeconds + 30 }))}`,
      /future/,
    );
  });

  it('refuses a token from another issuer', async () => {
    const token = await sign(accessClaims({ iss: 'http://localhost:3000/other' }));
    await expectUnauthorized(`Bearer ${token}`, /issuer/);
  });

  it('refuses a client_id outside the audience when the token has no aud', async () => {
    await expectUnauthorized(
      `Bearer ${await sign(accessClaims({ client_id: 'stranger' }))}`,
      /audience/,
    );
    await expectUnauthorized(
      `Bearer ${await sign(accessClaims({ client_id: undefined }))}`,
      /audience/,
    );
  });

  it('judges aud, not client_id, when the token has aud', async () => {
    const token = await sign(accessClaims({ aud: 'stranger', client_id: DASHBOARD }));
    await expectUnauthorized(`Bearer ${token}`, /audience/);
  });
});

describe('JWT authorizer route scopes (403)', () => {
  it('forbids a token without any of the route scopes', async () => {
    const token = await sign(accessClaims({ scope: 'tasks/read' }));
    const outcome = await authorize(`Bearer ${token}`, ['tasks/write', 'tasks/admin']);
    expect(outcome).toMatchObject({ authorized: false, statusCode: 403 });
    if (outcome.authorized) return;
    expect(JSON.parse(outcome.body)).toEqual({ message: 'Forbidden' });
    expect(outcome.headers['www-authenticate']).toContain('error="insufficient_scope"');
  });

  it('forbids an ID token, which carries aud and no scope', async () => {
    const idToken = await sign(
      accessClaims({ aud: DASHBOARD, token_use: 'id', scope: undefined, client_id: undefined }),
    );
    const outcome = await authorize(`Bearer ${idToken}`, READ);
    expect(outcome).toMatchObject({ authorized: false, statusCode: 403 });
  });
});

describe('JWT authorizer acceptance', () => {
  it('accepts a valid access token and passes its claims as API Gateway does', async () => {
    const token = await sign(accessClaims({ 'cognito:groups': ['ops', 'dev'], flag: true }));
    const outcome = await authorize(`Bearer ${token}`, ['tasks/write', 'tasks/admin']);
    expect(outcome).toEqual({
      authorized: true,
      jwt: {
        claims: {
          ...ACCESS_TOKEN_TEXT_CLAIMS,
          iat: String(nowSeconds - 60),
          exp: String(nowSeconds + 3600),
          'cognito:groups': '[ops dev]',
          flag: 'true',
        },
        scopes: ['openid', 'tasks/read', 'tasks/write'],
      },
    });
  });

  it('accepts the scheme in any case, and the bare token', async () => {
    const token = await sign(accessClaims({ client_id: MACHINE, sub: MACHINE }));
    for (const header of [`bearer ${token}`, `BEARER ${token}`, token]) {
      expect((await authorize(header, READ)).authorized).toBe(true);
    }
  });

  it('accepts a token whose aud lists a configured audience', async () => {
    const token = await sign(accessClaims({ aud: ['other', MACHINE], client_id: undefined }));
    expect((await authorize(`Bearer ${token}`, READ)).authorized).toBe(true);
  });

  it('checks no scope on a route that requires none', async () => {
    const token = await sign(accessClaims({ scope: undefined }));
    expect(await authorize(`Bearer ${token}`, [])).toMatchObject({
      authorized: true,
      jwt: { scopes: null },
    });
  });
});

describe('apiGatewayClaims', () => {
  it('turns every claim into a string', () => {
    expect(
      apiGatewayClaims({ n: 1.5, list: ['a', 2], obj: { k: 'v' }, none: null } as JWTPayload),
    ).toEqual({
      n: '1.5',
      list: '[a 2]',
      obj: '{"k":"v"}',
      none: '',
    });
  });
});

describe('callerOf', () => {
  const withAuthorizer = (jwt: unknown) => {
    const event = httpEvent({});
    return { ...event, requestContext: { ...event.requestContext, authorizer: { jwt } } };
  };

  it('reads the caller from the claims the authorizer passes on', async () => {
    const token = await sign(accessClaims({ scope: 'tasks/read tasks/admin' }));
    const outcome = await authorize(`Bearer ${token}`, READ);
    if (!outcome.authorized) throw new Error('expected the token to pass');
    expect(callerOf(withAuthorizer(outcome.jwt))).toEqual({
      owner: 'user-1',
      clientId: DASHBOARD,
      scopes: ['tasks/read', 'tasks/admin'],
      canRead: true,
      canWrite: false,
      isAdmin: true,
    });
  });

  it('makes every caller the anonymous owner without sign-in', async () => {
    const outcome = await anonymousAuthorizer()(undefined, ['tasks/write']);
    expect(outcome).toEqual({
      authorized: true,
      jwt: { claims: ANONYMOUS_CLAIMS, scopes: ['tasks/read', 'tasks/write'] },
    });
    if (!outcome.authorized) return;
    expect(callerOf(withAuthorizer(outcome.jwt))).toMatchObject({
      owner: 'anonymous',
      canRead: true,
      canWrite: true,
      isAdmin: false,
    });
  });

  it('refuses an event that reached the handler without claims', () => {
    expect(() => callerOf(httpEvent({ claims: null }))).toThrow(
      expect.objectContaining({ statusCode: 401 }),
    );
    expect(() => callerOf(withAuthorizer({ claims: { sub: '' } }))).toThrow(/no caller/);
  });
});
