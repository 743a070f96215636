import { describe, expect, it } from 'vitest';
import {
  firstPageQuery,
  listQueryFromSearch,
  queryForSearch,
  queryForTotal,
  statusFromSearch,
  urlWithListQuery,
  urlWithStatus,
} from '../../web/filter.js';

describe('statusFromSearch', () => {
  it.each([
    ['?status=running', 'RUNNING'],
    ['?status=FAILURE&x=1', 'FAILURE'],
    ['?status=DONE', ''],
    ['', ''],
  ])('reads a known status in any case and ignores anything else: %j is %j', (search, status) => {
    expect(statusFromSearch(search)).toBe(status);
  });
});

describe('urlWithStatus', () => {
  it('sets and removes ?status= and keeps other parameters', () => {
    const page = 'http://localhost:3000/?x=1';
    expect(urlWithStatus(page, 'RUNNING')).toBe('http://localhost:3000/?x=1&status=RUNNING');
    expect(urlWithStatus(`${page}&status=RUNNING`, '')).toBe(page);
  });
});

describe('firstPageQuery', () => {
  it('asks for one page, filtered on the server when a status is chosen', () => {
    expect(String(firstPageQuery('', 20))).toBe('limit=20');
    expect(String(firstPageQuery('CANCELLED', 20))).toBe('limit=20&status=CANCELLED');
  });
});

describe('listQueryFromSearch', () => {
  it('reads a trimmed search, which wins over a status', () => {
    expect(listQueryFromSearch('?search=%20Nightly%20')).toEqual({ status: '', search: 'Nightly' });
    expect(listQueryFromSearch('?search=x&status=RUNNING')).toEqual({ status: '', search: 'x' });
    expect(listQueryFromSearch('?status=running&search=%20')).toEqual({
      status: 'RUNNING',
      search: '',
    });
  });
});

describe('urlWithListQuery', () => {
  it('keeps one of status and search in the page URL and other parameters as they are', () => {
    const page = 'http://localhost:3000/?x=1&status=RUNNING#/';
    expect(urlWithListQuery(page, { status: '', search: 'night ly' })).toBe(
      'http://localhost:3000/?x=1&search=night+ly#/',
    );
    expect(urlWithListQuery(page, { status: 'FAILURE' })).toBe(
      'http://localhost:3000/?x=1&status=FAILURE#/',
    );
  });
});

describe('firstPageQuery with a search', () => {
  it('sends the search and never a status with it, which the API refuses', () => {
    expect(String(firstPageQuery('RUNNING', 20, 'night'))).toBe('limit=20&search=night');
  });
});

describe('queryForTotal', () => {
  it.each([
    ['shows only the clicked status', { status: '', search: '' }, 'FAILURE', 'FAILURE'],
    ['shows all again on a second click', { status: 'FAILURE', search: '' }, 'FAILURE', ''],
    [
      'ends a search for the clicked status',
      { status: '', search: 'report' },
      'SUCCESS',
      'SUCCESS',
    ],
  ])('%s', (_, current, clicked, status) => {
    expect(queryForTotal(current, clicked)).toEqual({ status, search: '' });
  });
});

describe('queryForSearch', () => {
  it.each([
    [
      'replaces the status with a trimmed search',
      'RUNNING',
      '',
      '  nightly ',
      { status: '', search: 'nightly' },
    ],
    [
      'keeps the status when the search is cleared',
      'RUNNING',
      'x',
      ' ',
      { status: 'RUNNING', search: '' },
    ],
    ['is null for the search already shown', '', 'nightly', 'nightly  ', null],
    ['is null for no search when none is shown', 'RUNNING', '', '', null],
  ])('%s (status %j, search %j, typed %j)', (_, status, search, typed, next) => {
    expect(queryForSearch({ status, search }, typed)).toEqual(next);
  });
});
