import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../functions/tasks/errors.ts';
import { nameKey, shardOf, taskKeys } from '../../functions/tasks/keys.ts';
import { decodePageCursor, encodePageCursor } from '../../functions/tasks/page-cursor.ts';
import { SHARDS } from '../../functions/tasks/schema.ts';
import { appendEvent, milestoneOf } from '../../functions/tasks/timeline.ts';

const ID = '01KB0000000000000000000000';

describe('keys', () => {
  it('spreads task ids over every shard, evenly enough', () => {
    const counts = new Array(SHARDS).fill(0);
    const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
    for (let i = 0; i < 16_000; i++) {
      let random = '';
      for (let c = 0, n = i * 7919; c < 16; c++, n = Math.floor(n / 32) + c * 13)
        random += alphabet[n % 32];
      counts[shardOf(`01KB000000${random}`)]++;
    }
    expect(Math.min(...counts)).toBeGreaterThan(700);
    expect(Math.max(...counts)).toBeLessThan(1300);
  });

  it('folds case and compatibility forms of names', () => {
    expect(nameKey('  Ｎｉｇｈｔｌｙ ﬁle ')).toBe('nightly file');
  });

  it('keys a task by owner, shard and status', () => {
    expect(taskKeys('alice', ID, 'RUNNING', 'Report')).toEqual({
      owner: 'alice',
      owner_status: 'alice#RUNNING',
      shard: `shard#${String(shardOf(ID)).padStart(2, '0')}`,
      shard_status: `RUNNING#shard#${String(shardOf(ID)).padStart(2, '0')}`,
      name_key: 'report',
      name_sort: `report#${ID}`,
    });
  });
});

describe('page cursor', () => {
  const scope = { owner: 'alice', status: 'RUNNING' };

  it('gives back the sort key it was made with, for the same owner and filter', () => {
    expect(decodePageCursor(encodePageCursor(scope, ID), scope)).toBe(ID);
  });

  it.each([
    ['another owner', { owner: 'bob', status: 'RUNNING' }],
    ['another filter', { owner: 'alice' }],
    ['a search', { owner: 'alice', status: 'RUNNING', search: 'x' }],
    ["an operator's view", { owner: '*', status: 'RUNNING' }],
  ])('is refused for %s', (_, other) => {
    expect(() => decodePageCursor(encodePageCursor(scope, ID), other)).toThrow(ValidationError);
  });

  it.each([
    '',
    'not json!',
    Buffer.from('[1]').toString('base64url'),
    encodePageCursor(scope, 'shard#01'),
  ])('refuses %j as a 400 invalid_cursor', (cursor) => {
    expect(() => decodePageCursor(cursor, scope)).toThrow(
      expect.objectContaining({ statusCode: 400, code: 'invalid_cursor' }),
    );
  });
});

describe('timeline', () => {
  it('names the highest milestone reached', () => {
    expect([0, 24.9, 25, 49, 50, 99, 100].map(milestoneOf)).toEqual([0, 0, 25, 25, 50, 75, 75]);
  });

  it('keeps the newest entries up to the limit', () => {
    const events = [1, 2, 3].map((i) => ({ at: String(i), type: 'progress' as const }));
    expect(appendEvent(events, { at: '4', type: 'cancelled' }, 3).map((e) => e.at)).toEqual([
      '2',
      '3',
      '4',
    ]);
  });
});
