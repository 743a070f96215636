import { ValidationError } from './errors.ts';

/**
 * The list cursor: the key of the last task of a page, base64url JSON. It is opaque
 * to clients and checked on the way back in, so a forged cursor is a 400, not a 500.
 */
export function encodeCursor(key: Record<string, string>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string, expected: Record<string, string | null>) {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new ValidationError('Invalid cursor', 'invalid_cursor');
  }
  const names = Object.keys(expected).sort();
  const valid =
    typeof key === 'object' &&
    key !== null &&
    !Array.isArray(key) &&
    JSON.stringify(Object.keys(key).sort()) === JSON.stringify(names) &&
    names.every((name) => {
      const value = (key as Record<string, unknown>)[name];
      const want = expected[name];
      return (
        typeof value === 'string' &&
        value.length > 0 &&
        value.length <= 200 &&
        (want === null || value === want)
      );
    });
  if (!valid) throw new ValidationError('Invalid cursor', 'invalid_cursor');
  return key as Record<string, string>;
}
