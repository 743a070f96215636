/**
 * The local gateway's own rules over real HTTP, with small fake handlers in place of the
 * service's (no DynamoDB, no JVM). Raw sockets send what fetch and http.request cannot.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Route } from '../../functions/catalog.ts';
import { type ApiHandler, startGateway } from '../../infra/local/gateway.ts';
import { CONTENT_SECURITY_POLICY } from '../../infra/security-headers-values.ts';

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const received: APIGatewayProxyEventV2[] = [];
const echo: ApiHandler = async (event) => {
  received.push(event);
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json', 'Content-Security-Policy': 'default-src *' },
    body: JSON.stringify({ body: event.body ?? null, isBase64Encoded: event.isBase64Encoded }),
  };
};
const route = (method: Route['method'], path: string): Route => ({
  name: `${method}${path}`,
  method,
  path,
  entry: 'unused.ts',
  table: {},
});
const routes = [
  { route: route('POST', '/tasks'), handler: echo },
  { route: route('GET', '/tasks'), handler: echo },
  { route: route('PATCH', '/tasks/{id}/status'), handler: echo },
  // Listed before the route it must lose to: the order of the table decides nothing.
  { route: route('GET', '/tasks/{id}'), handler: echo },
  { route: route('GET', '/tasks/totals'), handler: echo },
];

const webDir = mkdtempSync(join(tmpdir(), 'gateway-web-'));
writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>tasks</title>');
let server: Server;
let port: number;

beforeAll(async () => {
  server = await startGateway({
    routes,
    webDir,
    port: 0,
    host: '127.0.0.1',
    allowedHosts: ['tasks.example.test'],
  });
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await close(server);
  rmSync(webDir, { recursive: true, force: true });
});
beforeEach(() => {
  received.length = 0;
});

function close(toClose: Server): Promise<void> {
  return new Promise((done) => {
    toClose.close(() => done());
    toClose.closeAllConnections();
  });
}

/** One request through node:http, which lets a test set Host, Origin and any Content-Type. */
function send(
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: Buffer | string; to?: number } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: options.to ?? port,
        method,
        path,
        agent: false,
        headers: { host: `localhost:${options.to ?? port}`, ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers as Record<string, string>,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Bytes as written, the answer as read until the server closes the connection. */
function sendRaw(text: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', ...rest] = Buffer.concat(chunks).toString().split('\r\n\r\n');
      const [statusLine = '', ...headerLines] = head.split('\r\n');
      const headers = Object.fromEntries(
        headerLines.map((line) => {
          const colon = line.indexOf(':');
          return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
        }),
      );
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    });
    socket.write(text);
  });
}

function expectJsonError(answer: Answer, status: number, code: string) {
  expect(answer.status).toBe(status);
  expect(answer.headers['content-type']).toBe('application/json');
  expect(JSON.parse(answer.body)).toEqual({ error: expect.any(String), code });
}

function expectSecurityHeaders(answer: Answer) {
  expect(answer.headers).toMatchObject({
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
  });
  expect(answer.headers['strict-transport-security']).toBeUndefined();
}

const json = { 'content-type': 'application/json' };
/** Test cases name the gateway's port PORT: it is only known once the gateway listens. */
const withPort = (text: string) => text.replace('PORT', String(port));
const listTasksAtHost = (host: string) =>
  send('GET', '/tasks', { headers: { host: withPort(host) } });

describe('route selection, as API Gateway makes it', () => {
  it('sends /tasks/totals to its own route, not to /tasks/{id}', async () => {
    const answer = await send('GET', '/tasks/totals');
    expect(answer.status).toBe(200);
    expect(received.map((event) => [event.routeKey, event.pathParameters])).toEqual([
      ['GET /tasks/totals', undefined],
    ]);
  });

  it('still sends any other segment to /tasks/{id}', async () => {
    await send('GET', '/tasks/TOTALS');
    await send('GET', '/tasks/01JDZ0N5Q8W4X3M2V7K9T6R1BC');
    expect(received.map((event) => [event.routeKey, event.pathParameters?.id])).toEqual([
      ['GET /tasks/{id}', 'TOTALS'],
      ['GET /tasks/{id}', '01JDZ0N5Q8W4X3M2V7K9T6R1BC'],
    ]);
  });
});

describe('request bodies', () => {
  it('refuses a text/plain body with 415 before any handler runs', async () => {
    const answer = await send('POST', '/tasks', {
      headers: { 'content-type': 'text/plain' },
      body: '{"name":"csrf"}',
    });
    expectJsonError(answer, 415, 'unsupported_media_type');
    expect(received).toHaveLength(0);
  });

  it.each([
    ['a form', 'application/x-www-form-urlencoded'],
    ['multipart', 'multipart/form-data; boundary=x'],
    ['binary', 'application/octet-stream'],
  ])('refuses %s body with 415', async (_, contentType) => {
    const answer = await send('POST', '/tasks', {
      headers: { 'content-type': contentType },
      body: 'a=1',
    });
    expectJsonError(answer, 415, 'unsupported_media_type');
  });

  it('refuses a body without Content-Type with 415', async () => {
    const answer = await sendRaw(
      `POST /tasks HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
    );
    expectJsonError(answer, 415, 'unsupported_media_type');
  });

  it('lets a bodiless POST with a text/plain Content-Type reach its handler', async () => {
    const answer = await send('POST', '/tasks', {
      headers: { 'content-type': 'text/plain;charset=UTF-8', 'content-length': '0' },
    });
    expect(answer.status).toBe(200);
    expect(received).toHaveLength(1);
    expect(received[0]?.body).toBeUndefined();
  });

  it('lets a bodiless PATCH with a form Content-Type reach its handler', async () => {
    const answer = await send('PATCH', '/tasks/abc/status', {
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '0' },
    });
    expect(answer.status).toBe(200);
    expect(received[0]?.pathParameters).toEqual({ id: 'abc' });
  });

  it('passes a JSON body (charset and +json allowed) to the handler raw', async () => {
    for (const contentType of ['application/json; charset=utf-8', 'application/merge-patch+json']) {
      const answer = await send('POST', '/tasks', {
        headers: { 'content-type': contentType },
        body: '{"name":"Grüße"}',
      });
      expect(JSON.parse(answer.body)).toEqual({ body: '{"name":"Grüße"}', isBase64Encoded: false });
    }
  });

  it('base64-encodes a JSON-typed body that is not UTF-8, so no byte is lost', async () => {
    const bytes = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    const answer = await send('POST', '/tasks', { headers: json, body: bytes });
    expect(JSON.parse(answer.body)).toEqual({
      body: bytes.toString('base64'),
      isBase64Encoded: true,
    });
  });
});

describe('Origin', () => {
  it.each([
    'http://evil.example',
    'null',
    'https://localhost:PORT',
    'http://localhost:1',
    'not a url',
  ])('refuses a request from %s with 403', async (origin) => {
    const answer = await send('POST', '/tasks', {
      headers: { ...json, origin: withPort(origin) },
      body: '{}',
    });
    expectJsonError(answer, 403, 'cross_origin_refused');
    expect(received).toHaveLength(0);
  });

  it('refuses a cross-origin GET of the dashboard too', async () => {
    const answer = await send('GET', '/', { headers: { origin: 'http://evil.example' } });
    expectJsonError(answer, 403, 'cross_origin_refused');
  });

  it('accepts a same-origin request, whatever the letter case', async () => {
    const answer = await send('POST', '/tasks', {
      headers: { ...json, host: `LocalHost:${port}`, origin: `http://localhost:${port}` },
      body: '{}',
    });
    expect(answer.status).toBe(200);
  });

  it('accepts a request without Origin', async () => {
    expect((await send('POST', '/tasks', { headers: json, body: '{}' })).status).toBe(200);
  });
});

describe('Host', () => {
  it.each(['evil.example', 'evil.example:PORT', 'localhost.evil.example', '127.0.0.2'])(
    'refuses Host %s with 421',
    async (host) => {
      expectJsonError(await listTasksAtHost(host), 421, 'host_not_allowed');
      expect(received).toHaveLength(0);
    },
  );

  it.each([
    'localhost:PORT',
    'localhost',
    '127.0.0.1:PORT',
    '[::1]:PORT',
    'dashboard.localhost:PORT',
    'tasks.example.test:PORT',
  ])('answers for Host %s', async (host) => {
    expect((await listTasksAtHost(host)).status).toBe(200);
  });

  it('refuses a request without Host with 400 JSON', async () => {
    const answer = await sendRaw('GET /tasks HTTP/1.1\r\nConnection: close\r\n\r\n');
    expectJsonError(answer, 400, 'missing_host');
    expectSecurityHeaders(answer);
  });

  describe('a configured HOST and ALLOWED_HOSTS', () => {
    let other: Server | undefined;
    afterEach(async () => {
      if (other) await close(other);
      other = undefined;
      vi.unstubAllEnvs();
    });

    it('answers for the HOST it listens on', async () => {
      // Any 127.x address is loopback on Linux, but only 127.0.0.1 is a loopback name here.
      other = await startGateway({ routes, webDir, port: 0, host: '127.0.0.2' });
      const otherPort = (other.address() as AddressInfo).port;
      const answer = await new Promise<number>((resolve, reject) => {
        request({ host: '127.0.0.2', port: otherPort, path: '/tasks', agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
          .on('error', reject)
          .end();
      });
      expect(answer).toBe(200);
    });

    it('takes extra names from ALLOWED_HOSTS', async () => {
      vi.stubEnv('ALLOWED_HOSTS', ' Tasks.Lan:8080 , ,other.lan');
      other = await startGateway({ routes, webDir, port: 0, host: '127.0.0.1' });
      const to = (other.address() as AddressInfo).port;
      for (const host of ['tasks.lan', 'other.lan:3000']) {
        expect((await send('GET', '/tasks', { to, headers: { host } })).status).toBe(200);
      }
      expect((await send('GET', '/tasks', { to, headers: { host: 'third.lan' } })).status).toBe(
        421,
      );
    });

    it('refuses to start with an ALLOWED_HOSTS entry that is not a host name', async () => {
      vi.stubEnv('ALLOWED_HOSTS', 'http://tasks.lan/');
      await expect(startGateway({ routes, webDir, port: 0, host: '127.0.0.1' })).rejects.toThrow(
        /Not a host name/,
      );
    });
  });
});

describe('security headers', () => {
  it('are on a handler answer, replacing the handler own CSP', async () => {
    const answer = await send('GET', '/tasks');
    expect(answer.status).toBe(200);
    expectSecurityHeaders(answer);
  });

  it('are on static files', async () => {
    const answer = await send('GET', '/');
    expect(answer.body).toContain('<title>tasks</title>');
    expectSecurityHeaders(answer);
  });

  it.each([
    ['404', 'GET', '/nothing-here', 404, {}],
    ['405', 'DELETE', '/tasks', 405, {}],
    ['415', 'POST', '/tasks', 415, { 'content-type': 'text/plain' }],
    ['421', 'GET', '/', 421, { host: 'evil.example' }],
  ])('are on a %s error', async (_, method, path, status, headers: Record<string, string>) => {
    const answer = await send(method, path, { headers, body: method === 'POST' ? 'x' : undefined });
    expect(answer.status).toBe(status);
    expectSecurityHeaders(answer);
  });
});

describe("answers to what Node's HTTP parser handles itself", () => {
  it('answers Expect: foo with 417 JSON', async () => {
    const answer = await sendRaw(
      'POST /tasks HTTP/1.1\r\nHost: localhost\r\nExpect: foo\r\nContent-Length: 0\r\n\r\n',
    );
    expectJsonError(answer, 417, 'expectation_failed');
    expectSecurityHeaders(answer);
    expect(received).toHaveLength(0);
  });

  it('still honours Expect: 100-continue', async () => {
    const answer = await sendRaw(
      'POST /tasks HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\n' +
        'Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}',
    );
    // The interim 100 Continue comes first; the final answer is the handler's.
    expect(answer.status).toBe(100);
    expect(answer.body).toContain('HTTP/1.1 200 OK');
  });

  it('answers a malformed request line with 400 JSON', async () => {
    const answer = await sendRaw('NOT A REQUEST\r\n\r\n');
    expectJsonError(answer, 400, 'bad_request');
    expectSecurityHeaders(answer);
  });
});
