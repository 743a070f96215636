import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { handler as notFound } from '../../functions/api/not-found.ts';
import { API_TIMEOUT_SECONDS, DEFAULT_ROUTE, type Route } from '../../functions/catalog.ts';
import { byMatchPriority, matchPath } from '../../functions/http/paths.ts';
import { DEFAULT_ROUTE_THROTTLES, type RouteThrottles } from '../route-throttles.ts';
import { BROWSER_SECURITY_HEADERS } from '../security-headers-values.ts';
import { toEvent } from './http-event.ts';
import type { JwtAuthorizer } from './jwt-authorizer.ts';
import { lambdaContext } from './lambda-context.ts';
import {
  allowedHostNames,
  checkBodyType,
  checkHost,
  checkOrigin,
  type Refusal,
} from './request-guard.ts';
import { serveFile } from './static-files.ts';
import { routeTokenBuckets, TOO_MANY_REQUESTS } from './throttle.ts';

export type ApiHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

export interface GatewayOptions {
  routes: readonly { route: Route; handler: ApiHandler }[];
  /** Static files served for GET requests no route claims. */
  webDir: string;
  port: number;
  /** The address to listen on; unless a wildcard (0.0.0.0, ::), also a Host name answered. */
  host: string;
  /** More Host names answered besides the loopback ones; ALLOWED_HOSTS (comma-separated) by default. */
  allowedHosts?: readonly string[];
  /** Sign-in (infra/local/sign-in.ts); without it no route has an authorizer and there is no config.json. */
  signIn?: GatewaySignIn;
  /** Each route's throttle, by route name; the stack's defaults when omitted. */
  throttles?: RouteThrottles;
}

/** What the gateway needs to stand in for the HTTP API's JWT authorizer. */
export interface GatewaySignIn {
  /** Answers the local OpenID provider's requests (under its issuer's path); false for any other. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** API Gateway's JWT authorizer, or the anonymous one with AUTH=none. */
  authorize: JwtAuthorizer;
  /** A route's authorization scopes; undefined for a route without the authorizer (/health). */
  routeScopes(route: Route): readonly string[] | undefined;
  /** The dashboard's `/config.json` for a page served from `origin`. */
  dashboardConfig(origin: string): unknown;
  /** Told the port once the server listens, which PORT=0 leaves to the system. */
  listening?(port: number): Promise<void>;
}

/** API Gateway's own limit on a request body. */
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

/**
 * The local stand-in for the HTTP API: turns each request into an API Gateway v2
 * (payload 2.0) event for the route's handler, and serves the dashboard's files.
 * Before any of that it refuses what only another web page would send (request-guard.ts):
 * a Host that is not this machine's, an Origin of another site, a body that is not JSON.
 * Every answer is JSON (but the dashboard's files) and carries CloudFront's security headers.
 */
export async function startGateway(options: GatewayOptions): Promise<Server> {
  const allowedHosts = allowedHostNames(
    options.host,
    options.allowedHosts ?? (process.env.ALLOWED_HOSTS ?? '').split(','),
  );
  const takeToken = routeTokenBuckets(options.throttles ?? DEFAULT_ROUTE_THROTTLES);
  // Node would answer a request without Host with an empty 400 itself; `serve` answers JSON.
  const server = createServer({ requireHostHeader: false }, (req, res) => {
    serve(req, res, options, allowedHosts, takeToken).catch((error: unknown) => {
      console.error('Gateway error', error);
      if (!res.headersSent)
        send(res, 500, { error: 'Internal server error', code: 'internal_error' });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  // An Expect other than 100-continue: Node's own answer would be an empty 417.
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
    const expectation = {
      error: `Cannot meet Expect: ${req.headers.expect}`,
      code: 'expectation_failed',
    };
    send(res, 417, expectation, { connection: 'close' });
  });
  // Requests Node's parser rejects (a bad method, oversized headers, too slow) still get JSON.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return;
    socket.end(rawResponse(parserRefusal(error.code)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  const address = server.address();
  await options.signIn?.listening?.(
    typeof address === 'object' && address ? address.port : options.port,
  );
  return server;
}

function parserRefusal(errorCode: string | undefined): Refusal {
  if (errorCode === 'HPE_HEADER_OVERFLOW')
    return { status: 431, error: 'Request headers are too large', code: 'headers_too_large' };
  if (errorCode === 'ERR_HTTP_REQUEST_TIMEOUT')
    return { status: 408, error: 'The request was not sent in time', code: 'request_timeout' };
  return { status: 400, error: 'Malformed HTTP request', code: 'bad_request' };
}

/** A whole HTTP/1.1 response for a socket that has no ServerResponse. */
function rawResponse({ status, error, code }: Refusal): string {
  const body = JSON.stringify({ error, code });
  const headers = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    connection: 'close',
    ...BROWSER_SECURITY_HEADERS,
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  return `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${lines.join('')}\r\n${body}`;
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  options: GatewayOptions,
  allowedHosts: ReadonlySet<string>,
  takeToken: (routeName: string) => boolean,
) {
  const { host, origin } = req.headers;
  const wrongHost = checkHost(host, allowedHosts);
  if (wrongHost) {
    sendRefusal(res, wrongHost);
    return;
  }
  // The provider guards its own endpoints (PKCE, one-time interactions), and its sign-in form
  // posts with `Origin: null` under the pages' no-referrer policy, so it answers first.
  if (await options.signIn?.handle(req, res)) return;
  const refusal = checkOrigin(origin, host ?? '');
  if (refusal) {
    sendRefusal(res, refusal);
    return;
  }
  // Prefixed with the origin so that a path starting with `//` stays a path, not a host.
  const url = req.url?.startsWith('/') ? URL.parse(`http://localhost${req.url}`) : null;
  const method = req.method ?? 'GET';
  if (!url) {
    send(res, 400, { error: 'Malformed request target', code: 'bad_request' });
    return;
  }
  if (
    options.signIn &&
    url.pathname === '/config.json' &&
    (method === 'GET' || method === 'HEAD')
  ) {
    const config = options.signIn.dashboardConfig(`http://${host}`);
    send(res, 200, config, { 'cache-control': 'no-cache' }, method === 'HEAD');
    return;
  }
  const matches = options.routes
    .map((entry) => ({ ...entry, params: matchPath(entry.route.path, url.pathname) }))
    .filter((entry) => entry.params !== undefined)
    .sort((a, b) => byMatchPriority(a.route, b.route));
  const match = matches.find((entry) => entry.route.method === method);
  const isFile =
    !match &&
    matches.length === 0 &&
    (method === 'GET' || method === 'HEAD') &&
    (await serveFile(res, options.webDir, url.pathname, method));
  if (isFile) return;
  if (match && !takeToken(match.route.name)) {
    const { status, body } = TOO_MANY_REQUESTS;
    sendUnread(req, res, status, body, { 'content-type': 'application/json' });
    return;
  }
  // API Gateway runs the authorizer before the integration: a refused request never reaches it.
  const scopes = match && options.signIn?.routeScopes(match.route);
  const outcome = scopes && (await options.signIn?.authorize(req.headers.authorization, scopes));
  if (outcome && !outcome.authorized) {
    sendUnread(req, res, outcome.statusCode, outcome.body, outcome.headers);
    return;
  }
  const body = await readBody(req);
  if (body === undefined) {
    // The rest of the body is never read, so this connection cannot carry another request.
    const tooLarge = { error: 'Request body is too large', code: 'payload_too_large' };
    send(res, 413, tooLarge, { connection: 'close' });
    return;
  }
  const wrongType = checkBodyType(req.headers['content-type'], body.length);
  if (wrongType) {
    sendRefusal(res, wrongType);
    return;
  }
  // What no route claims goes to the `$default` route's function, as in the deployed API,
  // so unknown paths and methods get the same 404 and 405 in both places.
  const event = match
    ? toEvent(req, url, `${match.route.method} ${match.route.path}`, match.params ?? {}, body)
    : toEvent(req, url, '$default', {}, body);
  if (outcome) Object.assign(event.requestContext, { authorizer: { jwt: outcome.jwt } });
  const result = match
    ? await invokeWithTimeout(match.handler, event, match.route.name, match.route.timeoutSeconds)
    : await invokeWithTimeout(notFound, event, DEFAULT_ROUTE.name);
  res.writeHead(result.statusCode ?? 200, {
    ...lowerCaseHeaders(result.headers),
    ...BROWSER_SECURITY_HEADERS,
  });
  res.end(
    result.body === undefined
      ? undefined
      : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8'),
  );
  return;
}

/**
 * API Gateway's integration timeout for an HTTP API, 30 s
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html).
 */
const INTEGRATION_TIMEOUT_SECONDS = 30;

/**
 * The function's own timeout is Lambda's: the local runtime counts it from when an
 * environment takes the invocation, as in AWS, where no invocation waits for one. The
 * gateway gives up, as API Gateway does, after its integration timeout, which locally also
 * covers the wait for one of the function's LOCAL_CONCURRENCY environments.
 */
async function invokeWithTimeout(
  handler: ApiHandler,
  event: APIGatewayProxyEventV2,
  name: string,
  timeoutSeconds = API_TIMEOUT_SECONDS,
): Promise<APIGatewayProxyStructuredResultV2> {
  const timer = new AbortController();
  const giveUpMs = INTEGRATION_TIMEOUT_SECONDS * 1000;
  const timedOut = sleep(giveUpMs, undefined, { signal: timer.signal }).then(() => ({
    statusCode: 503,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      error: `The request did not finish within ${INTEGRATION_TIMEOUT_SECONDS} s`,
      code: 'timeout',
    }),
  }));
  timedOut.catch(() => {});
  try {
    const context = lambdaContext(name, timeoutSeconds * 1000);
    return await Promise.race([handler(event, context), timedOut]);
  } catch (error) {
    // Every environment of the function stayed busy: the caller should come back shortly.
    if (error instanceof Error && error.name === 'TooManyRequestsException') {
      return {
        statusCode: 503,
        headers: { 'content-type': 'application/json', 'retry-after': '1' },
        body: JSON.stringify({
          error: 'The service is busy; try again',
          code: 'service_unavailable',
        }),
      };
    }
    throw error;
  } finally {
    timer.abort();
  }
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

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  headOnly = false,
) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
    ...BROWSER_SECURITY_HEADERS,
  });
  res.end(headOnly ? undefined : text);
}

/**
 * An answer sent before the request's body was read: the body is drained and discarded,
 * and a connection that still had one to send is closed after this answer.
 */
function sendUnread(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string>,
) {
  const hasBody =
    req.headers['transfer-encoding'] !== undefined ||
    Number(req.headers['content-length'] ?? 0) > 0;
  req.resume();
  res.writeHead(status, {
    ...lowerCaseHeaders(headers),
    'content-length': String(Buffer.byteLength(text)),
    ...(hasBody && !req.readableEnded ? { connection: 'close' } : {}),
    ...BROWSER_SECURITY_HEADERS,
  });
  res.end(text);
}

function sendRefusal(res: ServerResponse, { status, error, code }: Refusal) {
  send(res, status, { error, code });
}

/** Lower case, so that the security headers replace a handler's own, as CloudFront's override does. */
function lowerCaseHeaders(
  headers: APIGatewayProxyStructuredResultV2['headers'] = {},
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name.toLowerCase(), String(value)]),
  );
}
