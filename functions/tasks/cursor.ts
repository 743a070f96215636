import * as v from 'valibot';
import { jsonObject } from '../http/validation.ts';
import { ValidationError } from './errors.ts';

/**
 * The list cursor: the key of the last task of a page, base64url JSON. It is opaque
 * to clients and checked on the way back in, so a forged cursor is a 400, not a 500.
 */
export function encodeCursor(key: Record<string, string>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

const KEY_PART = v.pipe(v.string(), v.minLength(1), v.maxLength(200));

/** The schema of a cursor whose key has these attributes; a `null` one may hold any value. */
function cursorOf(expected: Record<string, string | null>) {
  const parts = Object.entries(expected).map(([name, value]) => [
    name,
    value === null ? KEY_PART : v.literal(value),
  ]);
  return v.pipe(
    v.string(),
    v.regex(/^[A-Za-z0-9_-]+$/),
    v.transform((cursor) => Buffer.from(cursor, 'base64url').toString('utf8')),
    v.parseJson(),
    jsonObject(Object.fromEntries(parts) as v.ObjectEntries),
  );
}

export function decodeCursor(
  cursor: string,
  expected: Record<string, string | null>,
): Record<string, string> {
  const result = v.safeParse(cursorOf(expected), cursor);
  if (!result.success) throw new ValidationError('Invalid cursor', 'invalid_cursor');
  return result.output as Record<string, string>;
}
