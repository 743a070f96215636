import { describe, expect, it } from 'vitest';
import { readTotals, statusesOf, totalsDue, totalsNote } from '../../web/totals.js';

describe('readTotals', () => {
  it('reads every status, a missing one as 0', () => {
    const totals = readTotals({ counts: { SUCCESS: 31, RUNNING: 2 }, total: 33 });
    expect(totals).toEqual({
      counts: { PENDING: 0, RUNNING: 2, SUCCESS: 31, FAILURE: 0, CANCELLED: 0 },
      total: 33,
    });
  });

  it('takes the sum when the total is missing or less than it, and refuses what is not totals', () => {
    expect(readTotals({ counts: { FAILURE: 2, PENDING: -1 } })?.total).toBe(2);
    expect(readTotals({ counts: { FAILURE: 2 }, total: 1 })?.total).toBe(2);
    expect(readTotals(null)).toBeNull();
    expect(readTotals([])).toBeNull();
    expect(readTotals({ error: 'x' })).toBeNull();
  });
});

describe('totalsDue', () => {
  it('follows a changed list, else comes once in a while', () => {
    expect(totalsDue({ listChanged: true, lastAt: 900, now: 1_000, everyMs: 5_000 })).toBe(true);
    expect(totalsDue({ listChanged: false, lastAt: 900, now: 1_000, everyMs: 5_000 })).toBe(false);
    expect(totalsDue({ listChanged: false, lastAt: 0, now: 5_000, everyMs: 5_000 })).toBe(true);
  });
});

describe('totalsNote', () => {
  it('says how many tasks there are and which the list shows', () => {
    const totals = { counts: {}, total: 1 };
    expect(totalsNote(totals, '')).toBe('1 task in all');
    expect(totalsNote({ ...totals, total: 40 }, 'SUCCESS')).toBe(
      '40 tasks in all · showing SUCCESS only',
    );
    expect(totalsNote(null, '')).toBe('Totals not available');
  });
});

describe('statusesOf', () => {
  it('changes with a task or a status, not with progress', () => {
    const running = { task_id: 't1', status: 'RUNNING', progress: 10 };
    const before = statusesOf([running]);
    expect(statusesOf([{ ...running, progress: 50 }])).toBe(before);
    expect(statusesOf([{ ...running, status: 'SUCCESS' }])).not.toBe(before);
    expect(statusesOf([running, { task_id: 't2', status: 'PENDING' }])).not.toBe(before);
  });
});
