/**
 * Black-box checks of a running tasks service: a deployed stack through CloudFront, or local mode.
 *
 *   npm run smoke -- <DashboardUrl> [--token <access token>]
 *
 * Prints one PASS or FAIL line per check with what it saw. Exit code: 0 when every check
 * passes, 1 when any fails, 2 for bad arguments or a URL that does not answer at all.
 * Runs on Node's own type stripping: no enums, no parameter properties.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

const REQUEST_TIMEOUT_MS = 15_000;
const TASK_DEADLINE_MS = 60_000;
const POLL_EVERY_MS = 1_000;
const SECURITY_HEADERS = {
  'content-security-policy': undefined,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
} as const;

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: checks read whatever JSON the service returns
  json: any;
}

/** A check's failure: the message is the FAIL line's "what it saw". */
class CheckFailed extends Error {}

/** The URL answered nothing at all (refused, unknown host, timed out). */
class Unreachable extends Error {}

function usageError(message: string): never {
  console.error(`smoke: ${message}`);
  console.error('usage: npm run smoke -- <DashboardUrl> [--token <access token>]');
  process.exit(2);
}

const { positionals, values } = (() => {
  try {
    return parseArgs({ allowPositionals: true, options: { token: { type: 'string' } } });
  } catch (error) {
    return usageError((error as Error).message);
  }
})();
const baseUrl = URL.parse(positionals[0] ?? '');
if (positionals.length !== 1 || !baseUrl || !/^https?:$/.test(baseUrl.protocol))
  usageError('give exactly one http:// or https:// URL');
const serviceUrl = baseUrl.href.replace(/\/+$/, '');
const isHttps = baseUrl.protocol === 'https:';
const token = values.token ?? process.env.TASKS_TOKEN;

async function request(method: string, path: string, init: RequestInit = {}): Promise<Answer> {
  const headers = new Headers(init.headers);
  if (token) headers.set('authorization', `Bearer ${token}`);
  let response: Response;
  let text: string;
  try {
    const signal = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    response = await fetch(`${serviceUrl}${path}`, { ...init, method, headers, signal });
    text = await response.text();
  } catch (error) {
    throw new Unreachable(`cannot reach ${serviceUrl}: ${networkReason(error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

function networkReason(error: unknown): string {
  if (error instanceof DOMException && error.name === 'TimeoutError')
    return `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  const cause = (error as { cause?: { message?: string } }).cause;
  return cause?.message ?? (error as Error).message;
}

function postJson(path: string, body: string): Promise<Answer> {
  return request('POST', path, { headers: { 'content-type': 'application/json' }, body });
}

/** What an answer looked like, short enough for one line. */
function seen(answer: Answer): string {
  const body = answer.text.replace(/\s+/g, ' ').trim();
  return `${answer.status} ${body.length > 160 ? `${body.slice(0, 160)}…` : body}`.trim();
}

function expectStatus(answer: Answer, status: number): void {
  if (answer.status === status) return;
  let hint = '';
  if (answer.status === 401)
    hint = token ? ' (the token was refused)' : ' (a token is needed: --token or TASKS_TOKEN)';
  throw new CheckFailed(`expected ${status}, got ${seen(answer)}${hint}`);
}

function expect(condition: unknown, message: string): asserts condition {
  if (!condition) throw new CheckFailed(message);
}

function expectError(answer: Answer, status: number, code?: string): string {
  expectStatus(answer, status);
  const type = answer.headers.get('content-type') ?? '';
  expect(type.startsWith('application/json'), `expected JSON, got ${type || 'no content-type'}`);
  const { error, code: actual } = answer.json ?? {};
  expect(
    typeof error === 'string' && typeof actual === 'string',
    `not {error, code}: ${seen(answer)}`,
  );
  expect(code === undefined || actual === code, `expected code ${code}, got ${seen(answer)}`);
  return `${answer.status} ${actual}: ${error}`;
}

function expectSecurityHeaders(answer: Answer): string {
  const wanted: Record<string, string | undefined> = { ...SECURITY_HEADERS };
  // Browsers ignore HSTS on a plain-HTTP answer, so local mode does not send it.
  if (isHttps) wanted['strict-transport-security'] = undefined;
  const wrong = Object.entries(wanted).flatMap(([name, value]) => {
    const actual = answer.headers.get(name);
    return actual && (value === undefined || actual === value) ? [] : [`${name}: ${actual}`];
  });
  expect(wrong.length === 0, `wrong or missing: ${wrong.join('; ')}`);
  return Object.keys(wanted)
    .map((name) => `${name}: ${answer.headers.get(name)?.split(';')[0]}`)
    .join(', ');
}

/** GETs twice, the second time with If-None-Match: `tries` attempts, as others may change it. */
async function expectNotModified(path: string, tries = 1): Promise<string> {
  let last = '';
  for (let attempt = 1; attempt <= tries; attempt++) {
    const first = await request('GET', path);
    expectStatus(first, 200);
    const etag = first.headers.get('etag');
    expect(etag, 'no ETag on the 200');
    const second = await request('GET', path, { headers: { 'if-none-match': etag } });
    if (second.status === 304) return `ETag ${etag}, then 304`;
    last = `ETag ${etag}, then ${seen(second)}`;
  }
  throw new CheckFailed(last);
}

let taskId: string | undefined;
function createdTask(): string {
  expect(taskId, 'no task: the create check failed');
  return taskId;
}

const checks: Record<string, () => Promise<string>> = {
  async 'GET /health answers 200 {status:"ok"}'() {
    const answer = await request('GET', '/health');
    if (answer.status === 503) throw new CheckFailed(`unavailable: ${seen(answer)}`);
    expectStatus(answer, 200);
    expect(answer.json?.status === 'ok', `status is not "ok": ${seen(answer)}`);
    return seen(answer);
  },
  async 'GET / serves the dashboard as text/html'() {
    const answer = await request('GET', '/');
    expectStatus(answer, 200);
    const type = answer.headers.get('content-type') ?? '';
    expect(type.startsWith('text/html'), `content-type ${type || 'missing'}`);
    return `200 ${type}, ${answer.text.length} characters`;
  },
  async 'security headers on an API answer'() {
    return expectSecurityHeaders(await request('GET', '/health'));
  },
  async 'security headers on the dashboard'() {
    return expectSecurityHeaders(await request('GET', '/'));
  },
  async 'POST /tasks creates a task: 201, Location, task_id'() {
    const name = `smoke ${new Date().toISOString()}`;
    const answer = await postJson(
      '/tasks',
      JSON.stringify({ name, input: { duration_seconds: 2 } }),
    );
    expectStatus(answer, 201);
    const id = answer.json?.task_id;
    expect(typeof id === 'string' && id !== '', `no task_id: ${seen(answer)}`);
    taskId = id;
    const location = answer.headers.get('location');
    expect(location?.endsWith(`/tasks/${id}/status`), `Location is ${location}`);
    return `201 ${id} ${answer.json.status}, Location ${location}`;
  },
  async 'the task reaches SUCCESS'() {
    const id = createdTask();
    const started = Date.now();
    for (;;) {
      const answer = await request('GET', `/tasks/${id}/status`);
      expectStatus(answer, 200);
      const { status, progress } = answer.json ?? {};
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      if (status === 'SUCCESS') return `SUCCESS after ${seconds} s`;
      expect(status === 'PENDING' || status === 'RUNNING', `ended ${seen(answer)}`);
      const limit = `${TASK_DEADLINE_MS / 1000} s`;
      expect(
        Date.now() - started < TASK_DEADLINE_MS,
        `still ${status} ${progress}% after ${limit}`,
      );
      await sleep(POLL_EVERY_MS);
    }
  },
  async 'GET /tasks/{id}/result shows the result'() {
    const answer = await request('GET', `/tasks/${createdTask()}/result`);
    expectStatus(answer, 200);
    const { status, result } = answer.json ?? {};
    expect(status === 'SUCCESS' && result !== undefined, `no result: ${seen(answer)}`);
    return `200 ${JSON.stringify(result)}`;
  },
  async 'GET /tasks/{id}/status with If-None-Match answers 304'() {
    return expectNotModified(`/tasks/${createdTask()}/status`);
  },
  async 'GET /tasks?limit=5 with If-None-Match answers 304'() {
    return expectNotModified('/tasks?limit=5', 3);
  },
  async 'DELETE /tasks/{id} answers 200'() {
    const answer = await request('DELETE', `/tasks/${createdTask()}`);
    expectStatus(answer, 200);
    return seen(answer);
  },
  async 'the deleted task is 404 task_not_found'() {
    return expectError(
      await request('GET', `/tasks/${createdTask()}/status`),
      404,
      'task_not_found',
    );
  },
  async 'an unknown path is 404 not_found'() {
    return expectError(await request('GET', '/tasks/x/unknown-path'), 404, 'not_found');
  },
  async 'PATCH /health is 405 with Allow'() {
    const answer = await request('PATCH', '/health');
    const saw = expectError(answer, 405, 'method_not_allowed');
    const allow = answer.headers.get('allow');
    expect(allow?.includes('GET'), `Allow is ${allow}`);
    return `${saw}; Allow: ${allow}`;
  },
  async 'an invalid input is 400 with a code'() {
    return expectError(await postJson('/tasks', '{"input":{"duration_seconds":0}}'), 400);
  },
  async 'malformed JSON is 400 malformed_json'() {
    return expectError(await postJson('/tasks', '{"name":'), 400, 'malformed_json');
  },
};

async function main(): Promise<number> {
  try {
    await request('GET', '/health');
  } catch (error) {
    if (!(error instanceof Unreachable)) throw error;
    console.error(`smoke: ${error.message}`);
    return 2;
  }
  let failed = 0;
  for (const [name, check] of Object.entries(checks)) {
    try {
      console.log(`PASS ${name}: ${await check()}`);
    } catch (error) {
      if (!(error instanceof CheckFailed || error instanceof Unreachable)) throw error;
      failed++;
      console.log(`FAIL ${name}: ${error.message}`);
    }
  }
  const total = Object.keys(checks).length;
  console.log(`${total - failed} of ${total} checks passed against ${serviceUrl}`);
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main();
