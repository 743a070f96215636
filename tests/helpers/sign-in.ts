import { createHash, randomBytes } from 'node:crypto';
import { createLocalIdentity, type LocalIdentity } from '../../infra/local/identity/provider.ts';
import type { LocalService } from './local-service.ts';

/** The issuer a service started with AUTH=local printed at start-up. */
export function issuerOf(service: LocalService): string {
  const issuer = /local provider at (\S+)/.exec(service.output())?.[1];
  if (!issuer) throw new Error(`No issuer in the service's output:\n${service.output()}`);
  return issuer;
}

/** The running service's provider, from its data directory, to sign tokens in the test. */
export function identityOf(service: LocalService, now?: () => Date): Promise<LocalIdentity> {
  return createLocalIdentity({ issuer: issuerOf(service), dataDir: service.dataDir, now });
}

/** The machine client's id and secret, as local mode prints them at start-up. */
export function machineClientOf(service: LocalService): { id: string; secret: string } {
  const found = /Machine client: id (\S+), secret (\S+)/.exec(service.output());
  if (!found?.[1] || !found[2]) throw new Error('No machine client in the output');
  return { id: found[1], secret: found[2] };
}

/** Client credentials over HTTP, as a machine would ask for its token. */
export async function machineToken(service: LocalService, scope?: string): Promise<string> {
  const { id, secret } = machineClientOf(service);
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (scope) form.set('scope', scope);
  const response = await fetch(`${service.url}/auth/oauth2/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: form,
  });
  const body = (await response.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`No token: ${JSON.stringify(body)}`);
  return body.access_token;
}

export interface CodeFlowTokens {
  access_token: string;
  id_token: string;
  refresh_token: string;
}

/** The dashboard's authorization code + PKCE flow over HTTP, signing in as `username`. */
export async function signInOverHttp(
  service: LocalService,
  username: string,
): Promise<CodeFlowTokens> {
  const config = (await (await fetch(`${service.url}/config.json`)).json()) as {
    signInUrl: string;
    clientId: string;
    scopes: string[];
  };
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const redirectUri = `${service.url}/`;
  const authorize = new URL(`${config.signInUrl}/oauth2/authorize`);
  for (const [name, value] of Object.entries({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: redirectUri,
    scope: config.scopes.join(' '),
    state: 'test-state',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }))
    authorize.searchParams.set(name, value);
  const page = await (await fetch(authorize)).text();
  const interaction = /name="interaction" value="([^"]+)"/.exec(page)?.[1];
  if (!interaction) throw new Error(`No sign-in form:\n${page}`);
  const login = await fetch(`${config.signInUrl}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ interaction, username }),
  });
  const code = new URL(login.headers.get('location') ?? '').searchParams.get('code') ?? '';
  const response = await fetch(`${config.signInUrl}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: config.clientId,
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    }),
  });
  return (await response.json()) as CodeFlowTokens;
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}
