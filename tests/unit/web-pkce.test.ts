import { describe, expect, it } from 'vitest';
import { authorizeUrl, claimsOf, codeChallenge, logoutUrl, randomText } from '../../web/pkce.js';

const config = {
  signInUrl: 'https://tasks.auth.eu-west-1.amazoncognito.com',
  clientId: 'client-1',
  scopes: ['openid', 'tasks/read'],
};

describe('PKCE', () => {
  it('derives the S256 challenge of RFC 7636 appendix B', async () => {
    expect(await codeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it('makes verifiers of 43 URL-safe characters, different each time', () => {
    const verifier = randomText();
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomText()).not.toBe(verifier);
  });
});

describe('the provider URLs', () => {
  it("asks Cognito's authorize endpoint for a code with the challenge, state and scopes", () => {
    const url = new URL(
      authorizeUrl(config, {
        redirectUri: 'https://d1.cloudfront.net/',
        state: 's',
        challenge: 'c',
      }),
    );
    expect(url.origin + url.pathname).toBe(`${config.signInUrl}/oauth2/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'client-1',
      redirect_uri: 'https://d1.cloudfront.net/',
      scope: 'openid tasks/read',
      state: 's',
      code_challenge: 'c',
      code_challenge_method: 'S256',
    });
  });

  it("signs out at Cognito's logout endpoint, back to the dashboard", () => {
    const url = new URL(logoutUrl(config, 'https://d1.cloudfront.net/'));
    expect(url.pathname).toBe('/logout');
    expect(url.searchParams.get('logout_uri')).toBe('https://d1.cloudfront.net/');
    expect(url.searchParams.get('client_id')).toBe('client-1');
  });
});

describe('claimsOf', () => {
  it('reads the payload of a token, UTF-8 included, and nothing from garbage', () => {
    const payload = Buffer.from(JSON.stringify({ 'cognito:username': 'zoë' })).toString(
      'base64url',
    );
    expect(claimsOf(`x.${payload}.y`)).toEqual({ 'cognito:username': 'zoë' });
    expect(claimsOf('garbage')).toEqual({});
  });
});
