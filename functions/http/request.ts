import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as v from 'valibot';
import { ClientError, TaskNotFoundError, ValidationError } from '../tasks/errors.ts';
import { TaskIdPath } from './schemas.ts';

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

/** The `{id}` of the path; ids that cannot exist are not found without asking the table. */
export function taskIdParam(event: APIGatewayProxyEventV2): string {
  const id = event.pathParameters?.id ?? '';
  if (!v.safeParse(TaskIdPath, id).success) throw new TaskNotFoundError(id.slice(0, 64));
  return id;
}

/** The query parameters that have a value: `?status=` means no status, as if it were absent. */
export function queryParams(event: APIGatewayProxyEventV2): Record<string, string> {
  return Object.fromEntries(
    Object.entries(event.queryStringParameters ?? {}).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '',
    ),
  );
}
