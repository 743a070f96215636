import { describe, expect, it } from 'vitest';
import type { Task } from '../../web/statuses.js';
import {
  appendPage,
  isAfterByName,
  isOlder,
  mergeFirstPage,
  searchOrderKey,
  upsert,
  withAnswers,
  withChanged,
  withCreated,
  without,
} from '../../web/task-list.js';

/** Tasks newest first, as the API lists them: `t9` is newer than `t1`. */
function task(id: string, status = 'RUNNING'): Task {
  return { task_id: id, status, created_at: `2026-11-30T00:00:0${id.slice(1)}.000Z` };
}
const ids = (tasks: Task[]) => tasks.map((each) => each.task_id);

describe('isOlder', () => {
  it('orders by creation time, then by id, like the API', () => {
    expect(isOlder(task('t1'), task('t2'))).toBe(true);
    expect(isOlder(task('t2'), task('t1'))).toBe(false);
    const same = '2026-11-30T00:00:00.000Z';
    const a = { task_id: 'a', status: 'RUNNING', created_at: same };
    const b = { task_id: 'b', status: 'RUNNING', created_at: same };
    expect(isOlder(a, b)).toBe(true);
    expect(isOlder(b, a)).toBe(false);
  });
});

describe('mergeFirstPage', () => {
  it('takes the first page as it is when there is no older page', () => {
    const merged = mergeFirstPage([task('t5'), task('t4')], [task('t6'), task('t5')], false);
    expect(ids(merged.tasks)).toEqual(['t6', 't5']);
    expect(merged.olderKept).toBe(false);
  });

  it('keeps older loaded tasks below a first page that overlaps them', () => {
    const shown = [task('t5'), task('t4'), task('t3'), task('t2')];
    const merged = mergeFirstPage(shown, [task('t6'), task('t5'), task('t4')], true);
    expect(ids(merged.tasks)).toEqual(['t6', 't5', 't4', 't3', 't2']);
    expect(merged.olderKept).toBe(true);
  });

  it('takes the first page as the truth for the tasks it covers', () => {
    const shown = [task('t5'), task('t4', 'RUNNING'), task('t3')];
    const merged = mergeFirstPage(shown, [task('t5'), task('t4', 'SUCCESS')], true);
    expect(merged.tasks.map((each) => each.status)).toEqual(['RUNNING', 'SUCCESS', 'RUNNING']);
  });

  it('drops a task deleted elsewhere that was within the first page', () => {
    const shown = [task('t5'), task('t4'), task('t3'), task('t2')];
    const merged = mergeFirstPage(shown, [task('t5'), task('t3')], true);
    expect(ids(merged.tasks)).toEqual(['t5', 't3', 't2']);
  });

  it('drops the older tasks when the first page no longer touches them', () => {
    const shown = [task('t3'), task('t2'), task('t1')];
    const merged = mergeFirstPage(shown, [task('t9'), task('t8')], true);
    expect(ids(merged.tasks)).toEqual(['t9', 't8']);
    expect(merged.olderKept).toBe(false);
  });

  it('shows an empty first page as empty', () => {
    expect(mergeFirstPage([task('t1')], [], true)).toEqual({ tasks: [], olderKept: false });
  });
});

describe('appendPage', () => {
  it('appends an older page without repeating tasks already shown', () => {
    const shown = [task('t5'), task('t4')];
    expect(ids(appendPage(shown, [task('t4'), task('t3')]))).toEqual(['t5', 't4', 't3']);
  });
});

describe('upsert and without', () => {
  it('replaces a shown task in place and puts a new one first', () => {
    const shown = [task('t5'), task('t4')];
    const replaced = upsert(shown, task('t4', 'CANCELLED'));
    expect(replaced.map((each) => `${each.task_id}:${each.status}`)).toEqual([
      't5:RUNNING',
      't4:CANCELLED',
    ]);
    expect(ids(upsert(shown, task('t6')))).toEqual(['t6', 't5', 't4']);
    expect(shown[1]?.status).toBe('RUNNING');
  });

  it('removes a task by id', () => {
    expect(ids(without([task('t5'), task('t4')], 't5'))).toEqual(['t4']);
  });
});

describe('mergeFirstPage of search results', () => {
  const named = (id: string, name: string): Task => ({
    task_id: id,
    status: 'SUCCESS',
    name,
    created_at: '2026-11-30T00:00:00.000Z',
  });

  it('keeps loaded results that sort after the first page by name, as the API orders them', () => {
    const shown = [
      named('1', 'alpha'),
      named('2', 'Beta'),
      named('3', 'gamma'),
      named('4', 'Zeta'),
    ];
    const merged = mergeFirstPage(
      shown,
      [named('1', 'alpha'), named('2', 'Beta')],
      true,
      isAfterByName,
    );
    expect(ids(merged.tasks)).toEqual(['1', '2', '3', '4']);
    expect(searchOrderKey(named('9', ' Ｂeta '))).toBe('beta#9');
  });
});

describe('withCreated', () => {
  it('puts a new task first when the list shows all tasks or its status', () => {
    const shown = [task('t2'), task('t1')];
    expect(ids(withCreated(shown, task('t3'), { status: '', search: '' }))).toEqual([
      't3',
      't2',
      't1',
    ]);
    expect(
      ids(withCreated(shown, task('t3', 'PENDING'), { status: 'PENDING', search: '' })),
    ).toEqual(['t3', 't2', 't1']);
  });

  it('leaves the list as it is under another status or a search', () => {
    const shown = [task('t2'), task('t1')];
    expect(withCreated(shown, task('t3', 'PENDING'), { status: 'RUNNING', search: '' })).toBe(
      shown,
    );
    expect(withCreated(shown, task('t3'), { status: '', search: 't3' })).toBe(shown);
  });
});

describe('withChanged', () => {
  it('replaces a shown task in place and never adds one that is not shown', () => {
    const shown = [task('t2'), task('t1')];
    const done = task('t1', 'SUCCESS');
    expect(withChanged(shown, 't1', done)).toEqual([task('t2'), done]);
    expect(ids(withChanged(shown, 't3', task('t3')))).toEqual(['t2', 't1']);
  });

  it('removes a task that is gone', () => {
    expect(ids(withChanged([task('t2'), task('t1')], 't2', null))).toEqual(['t1']);
  });
});

describe('withAnswers', () => {
  it('takes each changed task and drops each gone one', () => {
    const shown = [task('t3'), task('t2'), task('t1')];
    const cancelled = task('t3', 'CANCELLED');
    const tasks = withAnswers(shown, [
      { taskId: 't3', task: cancelled, gone: false },
      { taskId: 't2', task: null, gone: true },
      { taskId: 't1', task: null, gone: false },
    ]);
    expect(tasks).toEqual([cancelled, task('t1')]);
  });
});
