import { describe, expect, it } from 'vitest';
import { rerunOf, taskFromForm } from '../../web/new-task.js';

describe('taskFromForm', () => {
  it('makes a simulated task of the trimmed name, the duration and whether it fails', () => {
    const fields = new FormData();
    fields.set('name', '  nightly report ');
    fields.set('duration_seconds', '2.5');
    fields.set('fail', 'on');
    expect(taskFromForm(fields)).toEqual({
      name: 'nightly report',
      type: 'simulate',
      input: { duration_seconds: 2.5, fail: true },
    });
  });

  it('reads an unchecked box as not failing and a missing name as empty', () => {
    const fields = new FormData();
    fields.set('duration_seconds', '10');
    expect(taskFromForm(fields)).toEqual({
      name: '',
      type: 'simulate',
      input: { duration_seconds: 10, fail: false },
    });
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
