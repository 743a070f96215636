import { describe, expect, it } from 'vitest';
import { estimateFinish } from '../../web/eta.js';
import type { Task } from '../../web/statuses.js';

const running: Task = {
  task_id: 't1',
  status: 'RUNNING',
  created_at: '2026-11-30T10:00:00.000Z',
  started_at: '2026-11-30T10:00:00.000Z',
  updated_at: '2026-11-30T10:00:10.000Z',
  progress: 25,
};
const at = (iso: string) => Date.parse(iso);

describe('estimateFinish', () => {
  it('extrapolates the rate since the start to 100 %', () => {
    // 25 % in 10 s: 100 % 40 s after the start.
    const estimate = estimateFinish(running, at('2026-11-30T10:00:12.000Z'));
    expect(estimate).toEqual({ finishAt: at('2026-11-30T10:00:40.000Z'), remainingMs: 28_000 });
  });

  it('counts down with the clock and never below zero', () => {
    expect(estimateFinish(running, at('2026-11-30T10:00:39.000Z'))?.remainingMs).toBe(1_000);
    expect(estimateFinish(running, at('2026-11-30T10:01:00.000Z'))?.remainingMs).toBe(0);
  });

  it('gives none while nothing can be told: not running, no progress, no times', () => {
    const now = at('2026-11-30T10:00:12.000Z');
    expect(estimateFinish({ ...running, status: 'PENDING' }, now)).toBeNull();
    expect(estimateFinish({ ...running, status: 'SUCCESS' }, now)).toBeNull();
    expect(estimateFinish({ ...running, progress: 0 }, now)).toBeNull();
    expect(estimateFinish({ ...running, progress: undefined }, now)).toBeNull();
    expect(estimateFinish({ ...running, started_at: null }, now)).toBeNull();
    expect(estimateFinish({ ...running, updated_at: running.started_at ?? '' }, now)).toBeNull();
  });

  it('finishes at the last update once progress is at 100 %', () => {
    expect(estimateFinish({ ...running, progress: 100 }, at('2026-11-30T10:00:12.000Z'))).toEqual({
      finishAt: at('2026-11-30T10:00:10.000Z'),
      remainingMs: 0,
    });
  });
});
