import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { mediaType } from './request-guard.ts';

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * An HTTP API passes a text body to the function as it is and base64-encodes any other,
 * inferring which from the request's Content-Type: `text/plain` arrives with
 * isBase64Encoded false, `image/jpeg` with true.
 * https://aws.amazon.com/blogs/compute/handling-binary-data-using-amazon-api-gateway-http-apis/
 * The list of text types is not published; JSON, XML, JavaScript and text/* are taken as text.
 */
function isTextMediaType(type: string): boolean {
  return (
    type.startsWith('text/') ||
    /^application\/(json|xml|javascript|([\w.-]+\+(json|xml)))$/.test(type)
  );
}

/** The event's `body` and `isBase64Encoded` for a request body, as an HTTP API sets them. */
export function encodeBody(
  body: Buffer,
  contentType: string | undefined,
): Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded'> {
  if (body.length === 0) return { isBase64Encoded: false };
  if (isTextMediaType(mediaType(contentType))) {
    try {
      return { body: UTF8.decode(body), isBase64Encoded: false };
    } catch {
      // Not UTF-8 after all: a string could only carry it with the bad bytes replaced.
    }
  }
  return { body: body.toString('base64'), isBase64Encoded: true };
}

/**
 * A payload format 2.0 event for a request, as an HTTP API's Lambda proxy integration sends it.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 */
export function toEvent(
  req: IncomingMessage,
  url: URL,
  routeKey: string,
  pathParameters: Record<string, string>,
  body: Buffer,
): APIGatewayProxyEventV2 {
  // Duplicate headers are combined with commas, as are duplicate query parameters.
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams)
    query[name] = name in query ? `${query[name]},${value}` : value;
  const now = new Date();
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
        method: req.method ?? 'GET',
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
    ...encodeBody(body, headers['content-type']),
  };
}
