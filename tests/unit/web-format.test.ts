import { describe, expect, it } from 'vitest';
import {
  controlNames,
  deleteQuestion,
  durationOf,
  etaText,
  eventWords,
  formatDuration,
  formatPercent,
  formatTime,
  outcomeOf,
  prettyInput,
  progressOf,
  taskLabel,
} from '../../web/format.js';
import type { Task } from '../../web/statuses.js';

const base: Task = {
  task_id: '01KB0000000000000000000000',
  status: 'RUNNING',
  name: 'nightly report',
  created_at: '2026-11-30T10:00:00.000Z',
  started_at: '2026-11-30T10:00:00.000Z',
  finished_at: null,
};

describe('formatDuration', () => {
  it.each([
    [0, '0 s'],
    [-5_000, '0 s'],
    [59_400, '59 s'],
    [59_600, '1 min 00 s'],
    [3_599_000, '59 min 59 s'],
    [3_600_000, '1 h 00 min'],
    [86_399_000, '23 h 59 min'],
    [90_000_000, '1 d 1 h'],
  ])('shows %i ms as "%s"', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('progressOf and formatPercent', () => {
  it('shows a progress with floating-point noise rounded', () => {
    expect(progressOf(27.500000000000004)).toBe(27.5);
    expect(formatPercent(27.500000000000004)).toBe('27 %');
    expect(formatPercent(0.30000000000000004)).toBe('0.3 %');
    expect(formatPercent(1 - 0.9)).toBe('0.1 %');
    expect(formatPercent(9.600000000000001)).toBe('9.6 %');
  });

  it('shows 100 % only once the task is done', () => {
    expect(formatPercent(99.99)).toBe('99 %');
    expect(formatPercent(100)).toBe('100 %');
  });

  it('keeps bad values within 0 and 100', () => {
    expect(progressOf(undefined)).toBe(0);
    expect(progressOf('abc')).toBe(0);
    expect(progressOf(-3)).toBe(0);
    expect(progressOf(250)).toBe(100);
  });
});

describe('durationOf', () => {
  const startedAt = Date.parse('2026-11-30T10:00:00.000Z');

  it('counts a running task to now', () => {
    expect(durationOf(base, startedAt + 75_000)).toBe('1 min 15 s');
  });

  it('counts a finished task to its finish, whatever the clock', () => {
    const finished = { ...base, status: 'SUCCESS', finished_at: '2026-11-30T10:00:30.000Z' };
    expect(durationOf(finished, startedAt + 999_000)).toBe('30 s');
  });

  it('says a pending task waits, and shows a dash for one that never started', () => {
    expect(durationOf({ ...base, status: 'PENDING', started_at: null }, startedAt)).toBe(
      'waiting to start',
    );
    expect(durationOf({ ...base, status: 'CANCELLED', started_at: null }, startedAt)).toBe('—');
  });
});

describe('formatTime', () => {
  const now = Date.parse('2026-11-30T12:00:00.000Z');

  it('shows a dash for no time', () => {
    expect(formatTime(null, now)).toBe('—');
  });

  it('adds the date only to a time of another day', () => {
    const today = formatTime(new Date(now - 1_000).toISOString(), now);
    const lastYear = formatTime('2025-01-15T12:00:00.000Z', now);
    expect(today).not.toMatch(/2026/);
    expect(lastYear).toMatch(/2025/);
  });
});

describe('outcomeOf', () => {
  it('has none while the task runs', () => {
    expect(outcomeOf({ ...base, result: 'x' })).toBeNull();
  });

  it('shows the error, else the result as text, else why a cancelled task has none', () => {
    expect(outcomeOf({ ...base, status: 'FAILURE', error: 'boom' })).toEqual(['Error', 'boom']);
    expect(outcomeOf({ ...base, status: 'SUCCESS', result: { rows: 3 } })).toEqual([
      'Result',
      '{"rows":3}',
    ]);
    expect(outcomeOf({ ...base, status: 'CANCELLED' })).toEqual([
      'Cancelled',
      'Stopped before it finished.',
    ]);
    expect(outcomeOf({ ...base, status: 'SUCCESS' })).toBeNull();
  });
});

describe('taskLabel and controlNames', () => {
  it('names each control after the task', () => {
    expect(controlNames(base)).toEqual({
      cancel: 'Cancel nightly report',
      remove: 'Delete nightly report',
      copy: 'Copy task id of nightly report',
      progress: 'Progress of nightly report',
      rerun: 'Re-run nightly report',
      select: 'Select nightly report',
    });
  });

  it('falls back to the id for a task without a name or with a blank one', () => {
    expect(taskLabel({ ...base, name: null })).toBe(base.task_id);
    expect(taskLabel({ ...base, name: '   ' })).toBe(base.task_id);
    expect(controlNames({ ...base, name: null }).cancel).toBe(`Cancel ${base.task_id}`);
  });
});

describe('eventWords', () => {
  it('names each timeline entry, with the milestone of a progress entry', () => {
    expect(eventWords({ type: 'created' })).toBe('Created');
    expect(eventWords({ type: 'cancel_requested' })).toBe('Cancellation requested');
    expect(eventWords({ type: 'progress', progress: 50 })).toBe('Progress 50 %');
    expect(eventWords({ type: 'something new' })).toBe('something new');
  });
});

describe('etaText', () => {
  it('says how long is left and when, or a dash without an estimate', () => {
    const now = Date.parse('2026-11-30T10:00:00.000Z');
    const text = etaText({ finishAt: now + 75_000, remainingMs: 75_000 }, now);
    expect(text).toMatch(/^about 1 min 15 s left \(at .+\)$/);
    expect(etaText({ finishAt: now, remainingMs: 0 }, now)).toMatch(/^any moment now/);
    expect(etaText(null, now)).toBe('—');
  });
});

describe('prettyInput', () => {
  it('indents the input as JSON', () => {
    expect(prettyInput({ duration_seconds: 10, fail: false })).toBe(
      '{\n  "duration_seconds": 10,\n  "fail": false\n}',
    );
    expect(prettyInput(undefined)).toBe('—');
  });
});

describe('deleteQuestion', () => {
  it('names the task by its name in quotes, else by its id', () => {
    const base = { task_id: 'task-1', status: 'RUNNING', created_at: '2026-11-30T00:00:00.000Z' };
    expect(deleteQuestion('task-1', { ...base, name: ' nightly ' })).toBe(
      'Delete task "nightly"? Its work stops and it cannot be restored.',
    );
    expect(deleteQuestion('task-1', { ...base, name: '  ' })).toBe(
      'Delete task task-1? Its work stops and it cannot be restored.',
    );
    expect(deleteQuestion('task-1')).toBe(
      'Delete task task-1? Its work stops and it cannot be restored.',
    );
  });
});
