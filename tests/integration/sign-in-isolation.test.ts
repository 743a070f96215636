/**
 * Every task belongs to its owner: another owner's task answers 404 on every route, the
 * same as a missing one, lists hold only the caller's tasks, cursors never lead into
 * another owner's, and an operator sees every owner's. These hold once the store scopes
 * its keys by owner (the handlers already pass the caller's owner to it).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type apiClient, useLocalService } from '../helpers/local-service.ts';
import { bearer, identityOf, machineToken } from '../helpers/sign-in.ts';

const local = useLocalService({ env: { AUTH: 'local' } });
const api: ReturnType<typeof apiClient> = (...args) => local.api(...args);

const tokens = {} as Record<'alice' | 'bob' | 'machine' | 'operator', string>;
const owned = {} as Record<'alice' | 'bob' | 'machine', string[]>;

async function createAs(token: string, name: string): Promise<string> {
  // Long enough that no task ends before a test cancels it, however loaded the machine.
  const response = await api(
    'POST',
    '/tasks',
    { name, input: { duration_seconds: 600 } },
    bearer(token),
  );
  expect(response.status).toBe(201);
  return response.body.task_id as string;
}

async function listAll(token: string, query = ''): Promise<{ task_id: string }[]> {
  const tasks: { task_id: string }[] = [];
  let next: string | undefined = `/tasks?limit=2${query}`;
  while (next) {
    const response = await api('GET', next, undefined, bearer(token));
    expect(response.status).toBe(200);
    tasks.push(...response.body);
    next = /<([^>]+)>; rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
  }
  return tasks;
}

beforeAll(async () => {
  const identity = await identityOf(local.service);
  tokens.alice = await identity.issueToken('alice');
  tokens.bob = await identity.issueToken('bob');
  tokens.operator = await identity.issueToken('olivia', { admin: true });
  tokens.machine = await machineToken(local.service);
  for (const who of ['alice', 'bob', 'machine'] as const) {
    owned[who] = [];
    for (const n of [1, 2, 3]) owned[who].push(await createAs(tokens[who], `${who} ${n}`));
  }
});

describe("another owner's task", () => {
  const routes = [
    ['GET', '/tasks/{id}/status', undefined],
    ['GET', '/tasks/{id}/result', undefined],
    ['GET', '/tasks/{id}', undefined],
    ['PATCH', '/tasks/{id}/status', { status: 'CANCELLED' }],
    ['DELETE', '/tasks/{id}', undefined],
  ] as const;

  it('answers 404, as a missing task does, on every route and for every pair of owners', async () => {
    for (const [caller, owner] of [
      ['bob', 'alice'],
      ['alice', 'machine'],
      ['machine', 'bob'],
    ] as const) {
      const id = owned[owner][0] ?? '';
      for (const [method, path, body] of routes) {
        const response = await api(method, path.replace('{id}', id), body, bearer(tokens[caller]));
        expect(response.status, `${caller} ${method} ${owner}'s ${path}`).toBe(404);
        expect(response.body.code).toBe('task_not_found');
      }
    }
    const status = await api('GET', `/tasks/${owned.alice[0]}/status`, undefined, {
      ...bearer(tokens.alice),
    });
    expect(status.body.status).not.toBe('CANCELLED');
  });
});

describe('lists', () => {
  it("hold only the caller's tasks, page after page", async () => {
    for (const who of ['alice', 'bob', 'machine'] as const) {
      const ids = (await listAll(tokens[who])).map((task) => task.task_id);
      expect(ids.sort()).toEqual([...owned[who]].sort());
    }
  });

  it("hold only the caller's tasks with a status filter", async () => {
    const id = owned.bob[1] ?? '';
    const cancel = { status: 'CANCELLED' };
    expect((await api('PATCH', `/tasks/${id}/status`, cancel, bearer(tokens.bob))).status).toBe(
      200,
    );
    const ids = (await listAll(tokens.bob, '&status=CANCELLED')).map((task) => task.task_id);
    expect(ids).toEqual([id]);
  });

  it("refuse or ignore a cursor taken from another owner's list", async () => {
    const first = await api('GET', '/tasks?limit=1', undefined, bearer(tokens.alice));
    const link = /<([^>]+)>; rel="next"/.exec(first.headers.get('link') ?? '')?.[1] ?? '';
    const response = await api('GET', link, undefined, bearer(tokens.bob));
    const ids =
      response.status === 200 ? response.body.map((t: { task_id: string }) => t.task_id) : [];
    for (const id of ids) expect(owned.bob).toContain(id);
  });

  it("ignore another owner's ?owner= for a user who is not an operator", async () => {
    const ids = (await listAll(tokens.bob, '&owner=alice')).map((task) => task.task_id);
    for (const id of ids) expect(owned.bob).toContain(id);
  });
});

describe('an operator', () => {
  it("lists every owner's tasks, and one owner's with ?owner=", async () => {
    const all = (await listAll(tokens.operator)).map((task) => task.task_id);
    for (const id of [...owned.alice, ...owned.bob, ...owned.machine]) expect(all).toContain(id);
    const machine = await listAll(tokens.operator, '&owner=tasks-machine');
    expect(machine.map((task) => task.task_id).sort()).toEqual([...owned.machine].sort());
  });

  it("reads, cancels and deletes another owner's task", async () => {
    const id = owned.alice[2] ?? '';
    const headers = bearer(tokens.operator);
    expect((await api('GET', `/tasks/${id}/status`, undefined, headers)).status).toBe(200);
    expect((await api('GET', `/tasks/${id}/result`, undefined, headers)).status).toBe(200);
    const cancelled = await api('PATCH', `/tasks/${id}/status`, { status: 'CANCELLED' }, headers);
    expect(cancelled.status).toBe(200);
    expect((await api('DELETE', `/tasks/${id}`, undefined, headers)).status).toBe(200);
    owned.alice.pop();
  });
});

// Last, so the tasks the tests above cancel are still running when they do.
describe('search and totals', () => {
  it("find only the caller's tasks when searching by name or by id", async () => {
    const search = async (who: 'alice' | 'bob', text: string) => {
      const response = await api('GET', `/tasks?search=${text}`, undefined, bearer(tokens[who]));
      expect(response.status).toBe(200);
      return response.body.map((task: { task_id: string }) => task.task_id).sort();
    };
    expect(await search('alice', 'ALICE')).toEqual([...owned.alice].sort());
    expect(await search('bob', 'alice')).toEqual([]);
    expect(await search('bob', owned.alice[0] ?? '')).toEqual([]);
    expect(await search('alice', (owned.alice[0] ?? '').toLowerCase())).toEqual([owned.alice[0]]);
  });

  it("count only the caller's tasks in the totals; an operator's count every owner's", async () => {
    const totalOf = async (token: string, query = '') => {
      const response = await api('GET', `/tasks/totals${query}`, undefined, bearer(token));
      expect(response.status).toBe(200);
      return response.body.total as number;
    };
    for (const who of ['alice', 'bob', 'machine'] as const)
      expect(await totalOf(tokens[who]), who).toBe(owned[who].length);
    expect(await totalOf(tokens.bob, '?owner=alice')).toBe(owned.bob.length);
    const everyone = owned.alice.length + owned.bob.length + owned.machine.length;
    expect(await totalOf(tokens.operator)).toBeGreaterThanOrEqual(everyone);
    expect(await totalOf(tokens.operator, '?owner=tasks-machine')).toBe(owned.machine.length);
  });
});
