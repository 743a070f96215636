import { describe, expect, it } from 'vitest';
import {
  isFinished,
  newTask,
  resultView,
  STATUSES,
  type Task,
  type TaskStatus,
  TRANSITIONS,
  type TransitionName,
} from '../../functions/tasks/model.ts';

const task = (fields: Partial<Task>): Task => ({
  ...newTask({ taskId: 'T1', name: null, type: 'simulate', input: {}, now: new Date(0) }),
  ...fields,
});

/** The statuses a transition may leave: the store's write is conditioned on them. */
const leaves = (name: TransitionName): readonly TaskStatus[] => TRANSITIONS[name].from;

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
    const active = STATUSES.filter((status) => !isFinished(status));
    expect(active).toEqual(['PENDING', 'RUNNING']);
    expect(leaves('cancel')).toEqual(active);
    expect(leaves('fail')).toEqual(active);
  });

  it('never lets a transition leave a finished task', () => {
    for (const name of Object.keys(TRANSITIONS) as TransitionName[])
      expect(leaves(name).filter(isFinished), name).toEqual([]);
  });

  it('starts only from PENDING, and progresses and succeeds only from RUNNING', () => {
    expect(leaves('start')).toEqual(['PENDING']);
    expect(leaves('progress')).toEqual(['RUNNING']);
    expect(leaves('succeed')).toEqual(['RUNNING']);
  });

  it('ends every transition but start and progress in a finished status', () => {
    const finishing = Object.entries(TRANSITIONS).filter(([, { to }]) => isFinished(to));
    expect(finishing.map(([name]) => name).sort()).toEqual(['cancel', 'fail', 'succeed']);
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
