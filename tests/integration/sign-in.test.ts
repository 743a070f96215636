import { decodeJwt, generateKeyPair, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LocalIdentity } from '../../infra/local/identity/provider.ts';
import { type apiClient, useLocalService } from '../helpers/local-service.ts';
import { bearer, identityOf, issuerOf, machineToken, signInOverHttp } from '../helpers/sign-in.ts';

// Sign-in on, as `npm start` runs by default; olivia is an operator.
const local = useLocalService({ env: { AUTH: 'local', LOCAL_ADMINS: 'olivia' } });
const api: ReturnType<typeof apiClient> = (...args) => local.api(...args);

const tokens = {} as Record<'alice' | 'bob' | 'machine' | 'olivia' | 'readOnly', string>;
let identity: LocalIdentity;

beforeAll(async () => {
  identity = await identityOf(local.service);
  tokens.alice = await identity.issueToken('alice');
  tokens.bob = (await signInOverHttp(local.service, 'bob')).access_token;
  tokens.machine = await machineToken(local.service);
  tokens.readOnly = await machineToken(local.service, 'tasks/read');
  tokens.olivia = (await signInOverHttp(local.service, 'olivia')).access_token;
});

/** One request per task route; `{id}` is a real task so that only sign-in can refuse it. */
const TASK_ROUTES = [
  ['POST', '/tasks'],
  ['GET', '/tasks'],
  ['GET', '/tasks/{id}/status'],
  ['GET', '/tasks/{id}/result'],
  ['GET', '/tasks/totals'],
  ['GET', '/tasks/{id}'],
  ['PATCH', '/tasks/{id}/status'],
  ['DELETE', '/tasks/{id}'],
] as const;

const bodyFor = (method: string) =>
  method === 'PATCH' ? { status: 'CANCELLED' } : method === 'POST' ? {} : undefined;

async function createAs(token: string, name = 'mine'): Promise<string> {
  const response = await api('POST', '/tasks', { name }, bearer(token));
  expect(response.status, response.headers.get('www-authenticate') ?? '').toBe(201);
  return response.body.task_id as string;
}

async function taskCount(token: string): Promise<number> {
  const response = await api('GET', '/tasks?limit=100', undefined, bearer(token));
  return (response.body as unknown[]).length;
}

async function expectRefusedEverywhere(headers: Record<string, string>, status: 401 | 403) {
  const id = await createAs(tokens.alice);
  const before = await taskCount(tokens.alice);
  for (const [method, path] of TASK_ROUTES) {
    const response = await api(method, path.replace('{id}', id), bodyFor(method), headers);
    expect(response.status, `${method} ${path}`).toBe(status);
    expect(response.body).toEqual({ message: status === 401 ? 'Unauthorized' : 'Forbidden' });
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
  }
  // No handler ran: nothing was created, cancelled or deleted.
  expect(await taskCount(tokens.alice)).toBe(before);
  const task = await api('GET', `/tasks/${id}/status`, undefined, bearer(tokens.alice));
  expect(task.body.status).not.toBe('CANCELLED');
}

describe('refusals, as API Gateway answers them, before any handler runs', () => {
  it('refuses a request without a token with 401 on every task route', async () => {
    await expectRefusedEverywhere({}, 401);
  });

  it('refuses a token signed by another key under the provider key id', async () => {
    const { kid } = identity.jwks().keys[0] ?? {};
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ ...decodeJwt(tokens.alice) })
      .setProtectedHeader({ alg: 'RS256', kid })
      .sign(privateKey);
    await expectRefusedEverywhere(bearer(forged), 401);
  });

  it('refuses an unsigned token (alg none) and garbage', async () => {
    const [, payload] = tokens.alice.split('.');
    const header = Buffer.from(JSON.stringify({ alg: 'none', kid: 'x' })).toString('base64url');
    await expectRefusedEverywhere(bearer(`${header}.${payload}.`), 401);
    await expectRefusedEverywhere(bearer('not-a-token'), 401);
  });

  it('refuses an expired token', async () => {
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    const past = await identityOf(local.service, () => twoHoursAgo);
    await expectRefusedEverywhere(bearer(await past.issueToken('alice')), 401);
  });

  it('refuses an ID token: it carries no scope, so 403 as in API Gateway', async () => {
    const { id_token } = await signInOverHttp(local.service, 'alice');
    expect(decodeJwt(id_token).token_use).toBe('id');
    await expectRefusedEverywhere(bearer(id_token), 403);
  });

  it('refuses writes to a token with tasks/read only, and lets its reads through', async () => {
    const id = await createAs(tokens.alice);
    for (const [method, path] of TASK_ROUTES) {
      const response = await api(
        method,
        path.replace('{id}', id),
        bodyFor(method),
        bearer(tokens.readOnly),
      );
      if (method === 'GET') expect(response.status, `${method} ${path}`).not.toBe(403);
      else {
        expect(response.status, `${method} ${path}`).toBe(403);
        expect(response.body).toEqual({ message: 'Forbidden' });
      }
    }
  });

  it('closes the connection after refusing a request whose body it did not read', async () => {
    const response = await api('POST', '/tasks', { name: 'x'.repeat(10_000) });
    expect(response.status).toBe(401);
    expect(response.headers.get('connection')).toBe('close');
  });
});

describe('callers that sign in', () => {
  it('lets users, a machine and an operator use every task route', async () => {
    for (const token of [tokens.alice, tokens.bob, tokens.machine, tokens.olivia]) {
      const id = await createAs(token);
      for (const [method, path] of TASK_ROUTES.slice(1)) {
        const response = await api(method, path.replace('{id}', id), bodyFor(method), {
          ...bearer(token),
        });
        expect(response.status, `${method} ${path}`).toBe(200);
      }
    }
  });

  it('gives the machine client its own id as owner (sub), and an operator tasks/admin', () => {
    expect(decodeJwt(tokens.machine)).toMatchObject({ sub: 'tasks-machine' });
    expect(String(decodeJwt(tokens.olivia).scope).split(' ')).toContain('tasks/admin');
    expect(String(decodeJwt(tokens.alice).scope).split(' ')).not.toContain('tasks/admin');
  });

  it('accepts the token alone, without the Bearer prefix, as API Gateway does', async () => {
    const response = await api('GET', '/tasks', undefined, { authorization: tokens.alice });
    expect(response.status).toBe(200);
  });

  it('keeps /health open and free of task data', async () => {
    const response = await api('GET', '/health');
    expect(response.status).toBe(200);
    expect(Object.keys(response.body).sort()).toEqual(['checks', 'service', 'status', 'version']);
  });

  it('answers unknown paths with the contract 404, without a token', async () => {
    const response = await api('GET', '/nope');
    expect(response.status).toBe(404);
    expect(response.body.code).toBe('not_found');
  });
});

describe('the dashboard settings', () => {
  it('serves config.json naming the provider on the page origin, the client and the scopes', async () => {
    const { status, body } = await api('GET', '/config.json');
    expect({ status, body }).toEqual({
      status: 200,
      body: {
        auth: 'oidc',
        issuer: issuerOf(local.service),
        signInUrl: `${local.service.url}/auth`,
        clientId: 'tasks-dashboard',
        scopes: ['openid', 'profile', 'tasks/read', 'tasks/write'],
      },
    });
  });

  it('prints the machine client credentials at start-up', () => {
    expect(local.service.output()).toMatch(/Machine client: id tasks-machine, secret \S{20,}/);
  });
});
