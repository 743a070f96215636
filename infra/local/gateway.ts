import { randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { API_TIMEOUT_SECONDS, type Route } from '../../functions/routes.ts';
import { lambdaContext } from './lambda-context.ts';

export type ApiHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

export interface GatewayOptions {
  routes: readonly { route: Route; handler: ApiHandler }[];
  /** Static files served for GET requests no route claims. */
  webDir: string;
  port: number;
  host: string;
}

/** API Gateway's own limit on a request body. */
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

/**
 * The local stand-in for the HTTP API: turns each request into an API Gateway v2
 * (payload 2.0) event for the route's handler, and serves the dashboard's files.
 */
export async function startGateway(options: GatewayOptions): Promise<Server> {
  const server = createServer((req, res) => {
    serve(req, res, options).catch((error: unknown) => {
      console.error('Gateway error', error);
      if (!res.headersSent)
        send(res, 500, { error: 'Internal server error', code: 'internal_error' });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  // Requests Node's parser rejects (a bad method, oversized headers) still get a JSON error.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return;
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    const body = JSON.stringify(
      tooLarge
        ? { error: 'Request headers are too large', code: 'headers_too_large' }
        : { error: 'Malformed HTTP request', code: 'bad_request' },
    );
    socket.end(
      `HTTP/1.1 ${tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\n` +
        `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  return server;
}

async function serve(req: IncomingMessage, res: ServerResponse, options: GatewayOptions) {
  // Prefixed with the origin so that a path starting with `//` stays a path, not a host.
  const url = req.url?.startsWith('/') ? URL.parse(`http://localhost${req.url}`) : null;
  const method = req.method ?? 'GET';
  if (!url) {
    send(res, 400, { error: 'Malformed request target', code: 'bad_request' });
    return;
  }
  const matches = options.routes
    .map((entry) => ({ ...entry, params: matchPath(entry.route.path, url.pathname) }))
    .filter((entry) => entry.params !== undefined);
  const match = matches.find((entry) => entry.route.method === method);
  if (match?.params) {
    const body = await readBody(req);
    if (body === undefined) {
      // The rest of the body is never read, so this connection cannot carry another request.
      const tooLarge = { error: 'Request body is too large', code: 'payload_too_large' };
      send(res, 413, tooLarge, { connection: 'close' });
      return;
    }
    const event = toEvent(req, url, match.route, match.params, body);
    const result = await invokeWithTimeout(match.handler, event, match.route.name);
    res.writeHead(result.statusCode ?? 200, stringHeaders(result.headers));
    res.end(
      result.body === undefined
        ? undefined
        : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8'),
    );
    return;
  }
  if (matches.length > 0) {
    const allow = matches.map((entry) => entry.route.method).join(', ');
    send(
      res,
      405,
      { error: `Method ${method} is not allowed on ${url.pathname}`, code: 'method_not_allowed' },
      { allow },
    );
    return;
  }
  if (
    (method === 'GET' || method === 'HEAD') &&
    (await serveFile(res, options.webDir, url.pathname, method))
  )
    return;
  send(res, 404, { error: `No route for ${method} ${url.pathname}`, code: 'not_found' });
}

/** As Lambda ends an invocation that runs out of time, the gateway answers without it. */
async function invokeWithTimeout(
  handler: ApiHandler,
  event: APIGatewayProxyEventV2,
  name: string,
): Promise<APIGatewayProxyStructuredResultV2> {
  const timeoutMs = API_TIMEOUT_SECONDS * 1000;
  const timer = new AbortController();
  const timedOut = sleep(timeoutMs, undefined, { signal: timer.signal }).then(() => ({
    statusCode: 503,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      error: `The request did not finish within ${API_TIMEOUT_SECONDS} s`,
      code: 'timeout',
    }),
  }));
  timedOut.catch(() => {});
  try {
    return await Promise.race([handler(event, lambdaContext(name, timeoutMs)), timedOut]);
  } finally {
    timer.abort();
  }
}

/** The path parameters if `pattern` (with `{name}` segments) matches `path`. */
function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const have = path.split('/');
  if (want.length !== have.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, segment] of want.entries()) {
    const actual = have[i] ?? '';
    if (segment.startsWith('{') && segment.endsWith('}')) {
      if (actual === '') return undefined;
      try {
        params[segment.slice(1, -1)] = decodeURIComponent(actual);
      } catch {
        params[segment.slice(1, -1)] = actual;
      }
    } else if (segment !== actual) {
      return undefined;
    }
  }
  return params;
}

function toEvent(
  req: IncomingMessage,
  url: URL,
  route: Route,
  pathParameters: Record<string, string>,
  body: Buffer,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams)
    query[name] = name in query ? `${query[name]},${value}` : value;
  const now = new Date();
  const routeKey = `${route.method} ${route.path}`;
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(Object.keys(query).length > 0 && { queryStringParameters: query }),
    ...(Object.keys(pathParameters).length > 0 && { pathParameters }),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: route.method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 && { body: body.toString('base64') }),
    isBase64Encoded: body.length > 0,
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function serveFile(
  res: ServerResponse,
  webDir: string,
  pathname: string,
  method: string,
): Promise<boolean> {
  let relative: string;
  try {
    relative = normalize(decodeURIComponent(pathname === '/' ? '/index.html' : pathname));
  } catch {
    return false;
  }
  const file = join(webDir, relative);
  if (!file.startsWith(webDir + sep)) return false;
  try {
    if (!(await stat(file)).isFile()) return false;
  } catch {
    return false;
  }
  const content = await readFile(file);
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
    'content-length': String(content.length),
    'cache-control': 'no-cache',
  });
  res.end(method === 'HEAD' ? undefined : content);
  return true;
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function stringHeaders(
  headers: APIGatewayProxyStructuredResultV2['headers'] = {},
): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, String(value)]));
}
