import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatedFiles } from '../../client/generate.ts';
import { ROUTES } from '../../functions/catalog.ts';
import { openApiDocument } from '../../functions/http/openapi.ts';
import { responseValidator } from '../helpers/openapi-validator.ts';
import { PENDING_TASK_ANSWER } from '../helpers/task-answer.ts';

const ROOT = resolve(import.meta.dirname, '../..');
// biome-ignore lint/suspicious/noExplicitAny: the document is plain JSON
const document = openApiDocument() as any;
const validate = responseValidator();
/** One generation for both files: it runs openapi-typescript once and biome twice. */
let generation: ReturnType<typeof generatedFiles> | undefined;
const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
  status,
  body,
  headers: new Headers(headers),
});

describe('the OpenAPI document', () => {
  // web/openapi.json is committed; client/schema.d.ts is written at install (and not
  // committed), so this finds types left stale by a schema changed since then.
  it.each(Object.entries({ 'web/openapi.json': 0, 'client/schema.d.ts': 0 }))(
    '%s is what `npm run generate:client` writes from the current schemas',
    async (path) => {
      generation ??= generatedFiles();
      const files = await generation;
      expect(readFileSync(resolve(ROOT, path), 'utf8')).toBe(files[path]);
    },
    30_000,
  );

  it('is OpenAPI 3.1 and describes every route of the route table', () => {
    expect(document.openapi).toBe('3.1.0');
    const described = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item as object).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(described.sort()).toEqual(ROUTES.map((route) => `${route.method} ${route.path}`).sort());
  });

  it('declares the Idempotency-Key, If-None-Match, ETag, Retry-After, Link and Location headers', () => {
    const create = document.paths['/tasks'].post;
    expect(create.parameters).toContainEqual({ $ref: '#/components/parameters/IdempotencyKey' });
    expect(document.components.parameters.IdempotencyKey).toMatchObject({
      in: 'header',
      schema: { pattern: '^[!-~]{1,255}$' },
    });
    expect(Object.keys(create.responses[201].headers)).toEqual(['Location', 'Idempotent-Replayed']);
    const status = document.paths['/tasks/{id}/status'].get;
    expect(status.parameters).toContainEqual({ $ref: '#/components/parameters/IfNoneMatch' });
    expect(Object.keys(status.responses[304].headers)).toEqual(['ETag', 'Retry-After']);
    expect(document.paths['/tasks'].get.responses[200].headers).toHaveProperty('Link');
  });

  it("takes request bodies and limits from the handlers' schemas", () => {
    const { CreateTaskRequest, SimulateInput } = document.components.schemas;
    expect(CreateTaskRequest).toMatchObject({ type: 'object', additionalProperties: false });
    expect(SimulateInput.properties.duration_seconds).toMatchObject({ minimum: 1, maximum: 86400 });
    const wait = document.paths['/tasks/{id}/status'].get.parameters.find(
      (parameter: { name?: string }) => parameter.name === 'wait',
    );
    expect(wait.schema).toEqual({ type: 'string', pattern: '^\\d{1,2}$' });
  });

  it('lists the error codes of each answer', () => {
    const create = document.paths['/tasks'].post.responses;
    expect(create[422].content['application/json'].schema.allOf[1].properties.code.enum).toEqual([
      'idempotency_key_reused',
    ]);
    expect(create[409].headers).toHaveProperty('Retry-After');
  });
});

describe('the response validator', () => {
  const task = PENDING_TASK_ANSWER;

  it('accepts answers the document describes', () => {
    expect(() =>
      validate('POST', '/tasks', answer(201, task, { location: '/tasks/x/status' })),
    ).not.toThrow();
    expect(() =>
      validate(
        'GET',
        `/tasks/${task.task_id}/status?wait=2`,
        answer(304, undefined, { etag: '"a"', 'retry-after': '1' }),
      ),
    ).not.toThrow();
    expect(() => validate('GET', '/index.html', answer(200, '<html>'))).not.toThrow();
  });

  it('refuses an undeclared status, a wrong body, an unknown error code and a malformed header', () => {
    expect(() => validate('DELETE', '/tasks/x', answer(418, {}))).toThrow('does not declare');
    expect(() => validate('POST', '/tasks', answer(201, { ...task, status: 'DONE' }))).toThrow(
      'body does not match',
    );
    expect(() =>
      validate('POST', '/tasks', answer(422, { error: 'x', code: 'not_a_code' })),
    ).toThrow('body does not match');
    expect(() =>
      validate('GET', '/tasks/x/result', answer(200, task, { 'retry-after': 'soon' })),
    ).toThrow('header Retry-After');
  });
});
