import { StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { Response } from '../../functions/http/response.ts';
import { newTask } from '../../functions/tasks/model.ts';
import { db, resetAwsMocks, sfn } from '../helpers/aws-mocks.ts';
import { context, httpEvent } from '../helpers/events.ts';
import { fakeClock } from '../helpers/fake-clock.ts';
import { scriptStore } from '../helpers/scripted-store.ts';
import { mockedTaskHandlers } from '../helpers/task-handlers.ts';

/*
 * Nothing a client sends produces a 5xx: whatever the body, query or path id, every
 * handler answers below 500, and a 4xx always carries a JSON `{ error, code }`.
 */

const task = newTask({ taskId: 'T1', name: null, type: 'simulate', input: {}, now: new Date(0) });
const handlers = mockedTaskHandlers(fakeClock());

beforeEach(() => {
  resetAwsMocks();
  // Requests change what the store holds (cancelled, deleted, created tasks): every state must be safe.
  scriptStore(db, [task]);
  sfn.on(StartExecutionCommand).resolves({});
  sfn.on(StopExecutionCommand).resolves({});
});

afterAll(() => {
  // Refused keys such as "__proto__" must never have reached a prototype.
  expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

function expectClientSafe(response: Response) {
  const status = response.statusCode ?? 0;
  expect(status).toBeGreaterThanOrEqual(200);
  expect(status).toBeLessThan(500);
  if (status >= 400) {
    expect(response.headers['content-type']).toBe('application/json');
    const body = JSON.parse(response.body ?? '');
    expect(body).toEqual({ error: expect.any(String), code: expect.stringMatching(/^[a-z_]+$/) });
  }
}

/** Keys that trip naive validation: inherited names, the empty key, and the fields themselves. */
const PROTOTYPE_NAMES = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
];
const trickyKey = fc.oneof(
  {
    arbitrary: fc.constantFrom('', ...PROTOTYPE_NAMES, 'name', 'type', 'input', 'status'),
    weight: 4,
  },
  fc.constantFrom('duration_seconds', 'fail'),
  fc.string(),
);
const RUNS = { numRuns: 400 };
const trickyValue = fc.oneof(
  {
    arbitrary: fc.constantFrom('simulate', 'CANCELLED', '', 10, true, null, ...PROTOTYPE_NAMES),
    weight: 3,
  },
  fc.jsonValue(),
);

/** A JSON object text; written by hand because building the object would turn "__proto__" into a prototype. */
const asObjectText = (entries: [string, string][]) =>
  `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`;
const objectText = (value: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.array(fc.tuple(trickyKey, value), { maxLength: 6 }).map(asObjectText);
/** Objects of only these fields, each at most once: they get past the unknown-field check. */
const fieldsText = (keys: string[], value: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc
    .uniqueArray(fc.tuple(fc.constantFrom(...keys), value), { selector: ([key]) => key })
    .map(asObjectText);

const jsonText = fc.jsonValue().map((value) => JSON.stringify(value));
const valueText = trickyValue.map((value) => JSON.stringify(value));
const nestedObjectText = objectText(fc.oneof(valueText, objectText(jsonText)));
const inputText = fieldsText(['duration_seconds', 'fail'], valueText);
const requestText = fieldsText(['name', 'type', 'input', 'status'], fc.oneof(valueText, inputText));

const bodyText = fc.oneof(
  { arbitrary: requestText, weight: 4 },
  { arbitrary: nestedObjectText, weight: 4 },
  jsonText,
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('', ' ', 'null', '[]', '{', '{"name":', '"\\ud800"'),
);

const withBody = (event: APIGatewayProxyEventV2, body: string | Uint8Array) =>
  typeof body === 'string'
    ? { ...event, body }
    : { ...event, body: Buffer.from(body).toString('base64'), isBase64Encoded: true };

const anyBody = fc.oneof(bodyText, fc.uint8Array({ maxLength: 64 }));
const anyId = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('T1', ''));
const anyQuery = fc
  .array(
    fc.tuple(
      fc.oneof(trickyKey, fc.constantFrom('limit', 'cursor', 'search', 'owner')),
      fc.oneof(
        fc.string(),
        fc.string({ unit: 'binary' }),
        fc.constantFrom('01JDZ0N5Q8W4X3M2V7K9T6R1BC'),
      ),
    ),
    {
      maxLength: 5,
    },
  )
  .map((entries) => Object.fromEntries(entries));

describe('nothing a client sends produces a 5xx', () => {
  it('POST /tasks, any body', async () => {
    await fc.assert(
      fc.asyncProperty(anyBody, async (body) => {
        expectClientSafe(
          await handlers.create(withBody(httpEvent({ method: 'POST' }), body), context),
        );
      }),
    );
  });

  it('PATCH /tasks/{id}/status, any id and body', async () => {
    await fc.assert(
      fc.asyncProperty(anyId, anyBody, async (id, body) => {
        const event = withBody(httpEvent({ method: 'PATCH', id }), body);
        expectClientSafe(await handlers.cancel(event, context));
      }),
      RUNS,
    );
  });

  it('GET /tasks, any query', async () => {
    await fc.assert(
      fc.asyncProperty(anyQuery, async (query) => {
        expectClientSafe(await handlers.list(httpEvent({ query }), context));
      }),
      RUNS,
    );
  });

  it('GET /tasks/totals, any query', async () => {
    await fc.assert(
      fc.asyncProperty(anyQuery, async (query) => {
        expectClientSafe(
          await handlers.totals(httpEvent({ path: '/tasks/totals', query }), context),
        );
      }),
      RUNS,
    );
  });

  it.each(['status', 'result', 'delete', 'get'] as const)(
    '%s of /tasks/{id}, any id',
    async (name) => {
      await fc.assert(
        fc.asyncProperty(anyId, async (id) => {
          expectClientSafe(await handlers[name](httpEvent({ id }), context));
        }),
      );
    },
  );

  it('answers 400 naming the field for any object with a key it does not know', async () => {
    const unknownKey = trickyKey.filter((key) => !['name', 'type', 'input'].includes(key));
    await fc.assert(
      fc.asyncProperty(unknownKey, jsonText, async (key, value) => {
        const body = `{${JSON.stringify(key)}:${value}}`;
        const response = await handlers.create(httpEvent({ method: 'POST', body }), context);
        expect(response.statusCode).toBe(400);
        expect(JSON.parse(response.body ?? '')).toEqual({
          error: `Unknown field "${key}"; allowed: name, type, input`,
          code: 'invalid_request',
        });
      }),
    );
    expect(db.calls()).toHaveLength(0);
  });
});
