import { describe, expect, it } from 'vitest';
import { routeOf, taskHref } from '../../web/route.js';

describe('routeOf', () => {
  it('reads a task page from #/tasks/<id>, decoding the id', () => {
    expect(routeOf('#/tasks/01KB0000000000000000000000')).toEqual({
      page: 'task',
      taskId: '01KB0000000000000000000000',
    });
    expect(routeOf('#/tasks/a%2Fb%20c/')).toEqual({ page: 'task', taskId: 'a/b c' });
  });

  it('takes anything else for the list', () => {
    for (const hash of [
      '',
      '#',
      '#/',
      '#/tasks/',
      '#/tasks',
      '#/tasks/a/b',
      '#/tasks/%E0%A4%A',
      '#/other/x',
    ])
      expect(routeOf(hash), hash).toEqual({ page: 'list' });
  });
});

describe('taskHref', () => {
  it('links to an address that routeOf reads back, whatever the id holds', () => {
    for (const id of ['01KB0000000000000000000000', 'a/b?c#d', 'ünïcode id'])
      expect(routeOf(taskHref(id))).toEqual({ page: 'task', taskId: id });
    expect(taskHref('abc')).toBe('#/tasks/abc');
  });
});
