import { createHash } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** Only the caller's own cache may keep it, and must ask again (with If-None-Match) each time. */
const REVALIDATE = 'private, no-cache';

export type Response = APIGatewayProxyStructuredResultV2 & { headers: Record<string, string> };

/**
 * A JSON answer. Nothing the API says may be kept by a shared cache (`no-store`), unless
 * the answer says otherwise, as `cacheable` does.
 */
export function json(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

/**
 * A 200 that carries an ETag, or a bodiless 304 when the client already holds this
 * representation, so pollers that see no change cost almost nothing to serve.
 * `advisory` headers (Retry-After) go on both answers but are no part of the representation.
 */
export function cacheable(
  event: APIGatewayProxyEventV2,
  body: unknown,
  headers: Record<string, string> = {},
  advisory: Record<string, string> = {},
): Response {
  const response = json(200, body, { 'cache-control': REVALIDATE, ...headers });
  const etag = `"${createHash('sha256')
    .update(response.body ?? '')
    .update(JSON.stringify(headers))
    .digest('base64url')
    .slice(0, 27)}"`;
  response.headers.etag = etag;
  if (matches(event.headers?.['if-none-match'], etag)) {
    return { statusCode: 304, headers: { etag, 'cache-control': REVALIDATE, ...advisory } };
  }
  Object.assign(response.headers, advisory);
  return response;
}

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === etag || tag === '*');
}
