import { toJsonSchema } from '@valibot/to-json-schema';
import * as v from 'valibot';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { env } from '../../functions/config.ts';
import {
  CancelTaskBody,
  CreateTaskBody,
  ListTasksQuery,
  TASK_INPUTS,
  TaskIdPath,
} from '../../functions/http/schemas.ts';
import { jsonObject, parseOrThrow } from '../../functions/http/validation.ts';
import { decodeCursor, encodeCursor } from '../../functions/tasks/cursor.ts';
import { ValidationError } from '../../functions/tasks/errors.ts';
import { taskType } from '../../functions/tasks/types/index.ts';
import { SimulateInput } from '../../functions/tasks/types/simulate.ts';

const SCHEMAS = { CreateTaskBody, CancelTaskBody, ListTasksQuery, TaskIdPath, ...TASK_INPUTS };

describe('request schemas', () => {
  it.each(Object.entries(SCHEMAS))('%s converts to JSON Schema 2020-12', (_, schema) => {
    const json = toJsonSchema(schema, { typeMode: 'input', target: 'draft-2020-12' });
    expect(json.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  it('describes request bodies as objects that refuse unknown fields', () => {
    const json = toJsonSchema(CreateTaskBody, { typeMode: 'input', target: 'draft-2020-12' });
    expect(json).toMatchObject({
      type: 'object',
      additionalProperties: false,
      properties: {
        name: { anyOf: [{ type: 'string' }, { type: 'null' }] },
        type: { enum: ['simulate'], default: 'simulate' },
      },
    });
    expect(TASK_INPUTS.simulate).toBe(SimulateInput);
    expect(toJsonSchema(SimulateInput, { typeMode: 'input' })).toMatchObject({
      additionalProperties: false,
      properties: {
        duration_seconds: { type: 'number', minimum: 1, maximum: 86400, default: 10 },
        fail: { type: 'boolean', default: false },
      },
    });
  });

  it('copies only declared fields, so an own "__proto__" is refused and pollutes nothing', () => {
    const schema = v.optional(jsonObject({ a: v.optional(v.number()) }), {});
    const body = JSON.parse('{"__proto__": {"polluted": true}}');
    expect(() => parseOrThrow(schema, body, { place: 'body' })).toThrow(
      'Unknown field "__proto__"; allowed: a',
    );
    const output = v.parse(schema, { a: 1 }) as Record<string, unknown>;
    expect(Object.getPrototypeOf(output)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses arrays where an object is expected, even empty ones', () => {
    expect(() => parseOrThrow(CreateTaskBody, [], { place: 'body' })).toThrow(
      'Request body must be a JSON object',
    );
  });

  it('counts a name in code points and refuses lone surrogates', () => {
    const parse = (name: string) => v.safeParse(CreateTaskBody, { name }).success;
    expect(parse('🚀'.repeat(200))).toBe(true);
    expect(parse('🚀'.repeat(201))).toBe(false);
    expect(parse('a\ud800')).toBe(false);
    expect(parse('\udc00a')).toBe(false);
  });

  it('fills in the defaults of a bodiless create and cancel', () => {
    expect(v.parse(CreateTaskBody, undefined)).toEqual({ name: null, type: 'simulate' });
    expect(v.parse(CancelTaskBody, undefined)).toEqual({ status: 'CANCELLED' });
    expect(taskType('simulate').parseInput(undefined)).toEqual({
      duration_seconds: 10,
      fail: false,
    });
  });

  it('reads limit as a number, 100 when absent', () => {
    expect(v.parse(ListTasksQuery, {})).toEqual({ limit: 100 });
    expect(v.parse(ListTasksQuery, { limit: '7', status: 'RUNNING' })).toEqual({
      limit: 7,
      status: 'RUNNING',
    });
  });

  it('answers the code of the field at fault', () => {
    const codes = { limit: 'invalid_limit' };
    const fail = (query: unknown) => {
      try {
        parseOrThrow(ListTasksQuery, query, { place: 'query', codes });
      } catch (error) {
        return error instanceof ValidationError && [error.code, error.message];
      }
    };
    expect(fail({ limit: '0' })).toEqual([
      'invalid_limit',
      'Query parameter "limit" must be an integer from 1 to 100',
    ]);
    expect(fail({ toString: '1' })).toEqual([
      'invalid_request',
      'Unknown query parameter "toString"; allowed: search, status, limit, cursor, owner',
    ]);
  });
});

describe('task type registry', () => {
  it.each(['toString', '__proto__', 'constructor', 'valueOf', 'hasOwnProperty', ''])(
    'knows no type named %j',
    (name) => {
      expect(() => taskType(name)).toThrow(expect.objectContaining({ code: 'unknown_type' }));
    },
  );
});

describe('cursor', () => {
  const expected = { task_id: null, kind: 'task' };

  it('decodes the cursor it encoded', () => {
    const key = { task_id: 'T2', kind: 'task' };
    expect(decodeCursor(encodeCursor(key), expected)).toEqual(key);
  });

  it.each([
    ['not base64url', '%%%'],
    ['not JSON', Buffer.from('{').toString('base64url')],
    ['an array', encodeCursor([] as unknown as Record<string, string>)],
    ['another partition', encodeCursor({ task_id: 'T2', kind: 'other' })],
    ['an extra key', encodeCursor({ task_id: 'T2', kind: 'task', x: '1' })],
    ['an empty id', encodeCursor({ task_id: '', kind: 'task' })],
    [
      'an own __proto__',
      Buffer.from('{"__proto__":"x","task_id":"T","kind":"task"}').toString('base64url'),
    ],
  ])('refuses %s as invalid_cursor', (_, cursor) => {
    expect(() => decodeCursor(cursor, expected)).toThrow(
      expect.objectContaining({ code: 'invalid_cursor' }),
    );
  });
});

describe('configuration', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('names a missing required variable', () => {
    vi.stubEnv('TABLE_NAME', '');
    expect(() => env.tableName()).toThrow('Missing required environment variable TABLE_NAME');
  });

  it.each(['abc', '0', '3651', '1e3', ''])(
    'names TASK_RETENTION_DAYS=%j when out of range',
    (raw) => {
      vi.stubEnv('TASK_RETENTION_DAYS', raw);
      if (raw === '') {
        expect(env.retentionDays()).toBe(30);
        return;
      }
      expect(() => env.retentionDays()).toThrow(
        `Environment variable TASK_RETENTION_DAYS must be a number from 1 to 3650, got "${raw}"`,
      );
    },
  );

  it('reads numbers and falls back to defaults', () => {
    vi.stubEnv('WORK_SLICE_SECONDS', '60');
    vi.stubEnv('SERVICE_VERSION', undefined);
    expect(env.workSliceSeconds()).toBe(60);
    expect(env.serviceVersion()).toBe('unknown');
  });
});
