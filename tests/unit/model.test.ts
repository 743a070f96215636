import { describe, expect, it } from 'vitest';
import {
  canTransition,
  isFinished,
  newTask,
  resultView,
  STATUSES,
  type Task,
} from '../../functions/tasks/model.ts';

const task = (fields: Partial<Task>): Task => ({
  ...newTask({ taskId: 'T1', name: null, type: 'simulate', input: {}, now: new Date(0) }),
  ...fields,
});

describe('task model', () => {
  it('creates tasks PENDING with zero progress and no start or finish time', () => {
    const created = newTask({
      taskId: 'T1',
      name: 'n',
      type: 'simulate',
      input: { a: 1 },
      now: new Date(0),
    });
    expect(created).toMatchObject({
      status: 'PENDING',
      progress: 0,
      started_at: null,
      finished_at: null,
    });
    expect(created.created_at).toBe('1970-01-01T00:00:00.000Z');
  });

  it('lets only active tasks be cancelled or failed', () => {
    for (const status of STATUSES) {
      expect(canTransition(status, 'cancel')).toBe(!isFinished(status));
      expect(canTransition(status, 'fail')).toBe(!isFinished(status));
    }
  });

  it('never lets a finished task start, progress or succeed', () => {
    for (const status of ['SUCCESS', 'FAILURE', 'CANCELLED'] as const) {
      for (const name of ['start', 'progress', 'succeed'] as const)
        expect(canTransition(status, name)).toBe(false);
    }
  });

  it('succeeds only from RUNNING', () => {
    expect(STATUSES.filter((s) => canTransition(s, 'succeed'))).toEqual(['RUNNING']);
  });

  it('shows the result, the error, or the progress depending on status', () => {
    expect(resultView(task({ status: 'SUCCESS', result: 'done' }))).toEqual({
      task_id: 'T1',
      status: 'SUCCESS',
      result: 'done',
    });
    expect(resultView(task({ status: 'FAILURE', error: 'boom' }))).toEqual({
      task_id: 'T1',
      status: 'FAILURE',
      error: 'boom',
    });
    expect(resultView(task({ status: 'CANCELLED' }))).toEqual({
      task_id: 'T1',
      status: 'CANCELLED',
      error: 'Task was cancelled',
    });
    expect(resultView(task({ status: 'CANCELLED', result: 'part' }))).toMatchObject({
      result: 'part',
    });
    expect(resultView(task({ status: 'RUNNING', progress: 40 }))).toEqual({
      task_id: 'T1',
      status: 'RUNNING',
      progress: 40,
    });
  });
});
