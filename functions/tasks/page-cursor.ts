import { createHash } from 'node:crypto';
import { ValidationError } from './errors.ts';

/**
 * The cursor of a list page: the sort key of the last task shown, and a tag of the
 * query it belongs to, as base64url JSON. It carries no partition key: the partitions
 * a page reads always come from the caller and the filter, so an edited cursor can
 * move within the caller's own tasks but never into another owner's. The tag makes a
 * cursor from another owner, filter or search a 400 instead of a confusing page.
 *
 * One sort key is enough for the sharded views too: every shard is sorted by the same
 * key, so "after the last task shown" is the position in each of them.
 */
export interface PageScope {
  /** The owner whose tasks are listed, or '*' for an operator's view of all owners. */
  owner: string;
  status?: string;
  /** The normalized name prefix of a search. */
  search?: string;
}

const TASK_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const NAME_SORT = /^.{0,512}#[0-9A-HJKMNP-TV-Z]{26}$/su;

export function scopeTag(scope: PageScope): string {
  const canonical = JSON.stringify([scope.owner, scope.status ?? null, scope.search ?? null]);
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 16);
}

export function encodePageCursor(scope: PageScope, after: string): string {
  return Buffer.from(JSON.stringify({ v: 1, s: scopeTag(scope), a: after })).toString('base64url');
}

/** The sort key to continue after; throws a 400 `invalid_cursor` for anything else. */
export function decodePageCursor(cursor: string, scope: PageScope): string {
  const invalid = () => new ValidationError('Invalid cursor', 'invalid_cursor');
  if (cursor.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid();
  const { v, s, a, ...rest } = parsed as Record<string, unknown>;
  const pattern = scope.search === undefined ? TASK_ID : NAME_SORT;
  const valid =
    v === 1 &&
    Object.keys(rest).length === 0 &&
    s === scopeTag(scope) &&
    typeof a === 'string' &&
    pattern.test(a);
  if (!valid) throw invalid();
  return a as string;
}
