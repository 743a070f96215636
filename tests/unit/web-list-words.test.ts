import { describe, expect, it } from 'vitest';
import { emptyListText, listOrderText, listTitle } from '../../web/list-words.js';

describe('listOrderText', () => {
  it('tells newest first, or the search and the order by name', () => {
    expect(listOrderText('')).toBe('newest first');
    expect(listOrderText('report')).toBe('matching “report”, by name');
  });
});

describe('emptyListText', () => {
  it('says the list is loading until its first page arrived', () => {
    expect(emptyListText({ loaded: false, status: 'RUNNING', search: '' })).toBe('Loading tasks…');
  });

  it('names the search or the status that matched nothing', () => {
    expect(emptyListText({ loaded: true, status: '', search: 'report' })).toBe(
      'No task matches “report”.',
    );
    expect(emptyListText({ loaded: true, status: 'FAILURE', search: '' })).toBe(
      'No FAILURE tasks.',
    );
    expect(emptyListText({ loaded: true, status: '', search: '' })).toBe('No tasks yet.');
  });
});

describe('listTitle', () => {
  it('counts active tasks in the title only when there are any', () => {
    expect(listTitle(0)).toBe('Tasks');
    expect(listTitle(3)).toBe('Tasks (3 active)');
  });
});
