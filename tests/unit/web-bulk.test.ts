import { describe, expect, it } from 'vitest';
import { answerOf, inBatches, summarize } from '../../web/bulk.js';

describe('answerOf', () => {
  it('tells a done cancel from one that came too late', () => {
    expect(answerOf('cancel', 200)).toEqual({ done: true, words: 'cancelled' });
    expect(answerOf('cancel', 409)).toEqual({ done: false, words: 'already finished (409)' });
    expect(answerOf('cancel', 404)).toEqual({ done: false, words: 'not found (404)' });
    expect(answerOf('cancel', 0)).toEqual({ done: false, words: 'not reached' });
    expect(answerOf('cancel', 503)).toEqual({ done: false, words: 'failed (503)' });
  });

  it('counts a task already gone as deleted', () => {
    expect(answerOf('remove', 200)).toEqual({ done: true, words: 'deleted' });
    expect(answerOf('remove', 404)).toEqual({ done: true, words: 'not found (404)' });
    expect(answerOf('remove', 500)).toEqual({ done: false, words: 'failed (500)' });
  });
});

describe('summarize', () => {
  it('counts the answers by what they mean, most common first', () => {
    const answers = [200, 409, 200, 200].map((status, i) => ({ taskId: `t${i}`, status }));
    expect(summarize('cancel', answers)).toBe('3 cancelled, 1 already finished (409)');
    expect(summarize('remove', [{ taskId: 't', status: 200 }])).toBe('1 deleted');
    expect(summarize('cancel', [])).toBe('');
  });
});

describe('inBatches', () => {
  it('runs at most `limit` at a time and keeps the order of the items', async () => {
    let running = 0;
    let most = 0;
    const results = await inBatches([1, 2, 3, 4, 5], 2, async (n) => {
      running += 1;
      most = Math.max(most, running);
      await Promise.resolve();
      running -= 1;
      return n * 10;
    });
    expect(results).toEqual([10, 20, 30, 40, 50]);
    expect(most).toBe(2);
  });
});
