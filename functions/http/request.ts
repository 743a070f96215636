import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ClientError, TaskNotFoundError, ValidationError } from '../tasks/errors.ts';

export const MAX_BODY_BYTES = 64 * 1024;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The JSON body, or undefined when there is none. */
export function jsonBody(event: APIGatewayProxyEventV2): unknown {
  if (!event.body) return undefined;
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body);
  if (raw.byteLength > MAX_BODY_BYTES) {
    throw new ClientError(
      413,
      'payload_too_large',
      `Request body is larger than ${MAX_BODY_BYTES} bytes`,
    );
  }
  let text: string;
  try {
    text = UTF8.decode(raw);
  } catch {
    throw new ValidationError('Request body is not valid UTF-8', 'malformed_json');
  }
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError('Request body is not valid JSON', 'malformed_json');
  }
}

/** A JSON object body (or an empty one when there is no body). */
export function objectBody(event: APIGatewayProxyEventV2): Record<string, unknown> {
  const body = jsonBody(event);
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError('Request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

/** The `{id}` of the path; ids that cannot exist are not found without asking the table. */
export function taskIdParam(event: APIGatewayProxyEventV2): string {
  const id = event.pathParameters?.id ?? '';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new TaskNotFoundError(id.slice(0, 64));
  return id;
}

export function queryParam(event: APIGatewayProxyEventV2, name: string): string | undefined {
  return event.queryStringParameters?.[name];
}
