import { describe, expect, it } from 'vitest';
import { STATUSES as API_STATUSES } from '../../functions/tasks/model.ts';
import { isActive, isStatus, STATUSES, wordsFor } from '../../web/statuses.js';

describe('the dashboard statuses', () => {
  it('are the API statuses, in the same order', () => {
    expect(STATUSES).toEqual(API_STATUSES);
  });

  it('each have words for the counts', () => {
    for (const status of STATUSES) expect(wordsFor(status).label).not.toBe('');
  });

  it('tell a status from other strings', () => {
    expect(isStatus('RUNNING')).toBe(true);
    expect(isStatus('running')).toBe(false);
    expect(isStatus(undefined)).toBe(false);
  });

  it('call PENDING and RUNNING tasks active', () => {
    const active = STATUSES.filter((status) => isActive({ status }));
    expect(active).toEqual(['PENDING', 'RUNNING']);
  });
});
