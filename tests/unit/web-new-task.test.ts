import { describe, expect, it } from 'vitest';
import { rerunOf, taskFromForm } from '../../web/new-task.js';

describe('taskFromForm', () => {
  it.each([
    [
      'makes a simulated task of the trimmed name, the duration and whether it fails',
      { name: '  nightly report ', duration_seconds: '2.5', fail: 'on' },
      { name: 'nightly report', input: { duration_seconds: 2.5, fail: true } },
    ],
    [
      'reads an unchecked box as not failing and a missing name as empty',
      { duration_seconds: '10' },
      { name: '', input: { duration_seconds: 10, fail: false } },
    ],
  ])('%s', (_, form, task) => {
    const fields = new FormData();
    for (const [field, value] of Object.entries(form)) fields.set(field, value);
    expect(taskFromForm(fields)).toEqual({ ...task, type: 'simulate' });
  });
});

describe('rerunOf', () => {
  it('copies the name, type and input and nothing else', () => {
    const task = {
      task_id: 'task-1',
      status: 'FAILURE',
      name: 'nightly',
      type: 'simulate',
      input: { duration_seconds: 3, fail: true },
      error: 'boom',
    };
    expect(rerunOf(task)).toEqual({
      name: 'nightly',
      type: 'simulate',
      input: { duration_seconds: 3, fail: true },
    });
  });

  it('leaves out a missing or empty name', () => {
    expect(rerunOf({ name: null, type: 'simulate', input: {} })).toEqual({
      type: 'simulate',
      input: {},
    });
    expect('name' in rerunOf({ name: '', type: 'simulate', input: {} })).toBe(false);
  });
});
