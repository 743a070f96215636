import { describe, expect, it } from 'vitest';
import { firstPageQuery, statusFromSearch, urlWithStatus } from '../../web/filter.js';

describe('statusFromSearch', () => {
  it('reads a known status in any case and ignores anything else', () => {
    expect(statusFromSearch('?status=running')).toBe('RUNNING');
    expect(statusFromSearch('?status=FAILURE&x=1')).toBe('FAILURE');
    expect(statusFromSearch('?status=DONE')).toBe('');
    expect(statusFromSearch('')).toBe('');
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
