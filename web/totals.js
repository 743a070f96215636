// @ts-check
/** True totals per status, as `GET /tasks/totals` answers them. */
import { STATUSES } from './statuses.js';

/** @typedef {{ counts: Record<string, number>, total: number }} Totals */

/**
 * The totals in an answer, every status present; null when the answer is not totals.
 * @param {unknown} body
 * @returns {Totals | null}
 */
export function readTotals(body) {
  const counts = /** @type {{ counts?: unknown } | null | undefined} */ (body)?.counts;
  if (typeof counts !== 'object' || counts === null) return null;
  /** @type {Record<string, number>} */
  const read = {};
  for (const status of STATUSES) {
    const value = Number(/** @type {Record<string, unknown>} */ (counts)[status] ?? 0);
    read[status] = Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
  }
  const sum = Object.values(read).reduce((a, b) => a + b, 0);
  const total = Number(/** @type {{ total?: unknown }} */ (body).total);
  return { counts: read, total: Number.isFinite(total) && total >= sum ? total : sum };
}

/**
 * What of a page of tasks the totals depend on: which tasks, in which status. Progress
 * alone changes a running page every second but no total.
 * @param {{ task_id: string, status: string, [field: string]: unknown }[]} tasks
 */
export function statusesOf(tasks) {
  return tasks.map((task) => `${task.task_id}:${task.status}`).join(',');
}

/**
 * Whether totals are due with this list refresh: whenever the statuses on the list changed,
 * else once in `everyMs`, so a change beyond the shown page still shows up; never more
 * often than the list.
 * @param {{ listChanged: boolean, lastAt: number, now: number, everyMs: number }} when
 */
export function totalsDue({ listChanged, lastAt, now, everyMs }) {
  return listChanged || now - lastAt >= everyMs;
}

/**
 * What the summary says under its heading.
 * @param {Totals | null} totals @param {string} status the list's filter, '' for all
 */
export function totalsNote(totals, status) {
  if (!totals) return 'Totals not available';
  const all = `${totals.total} task${totals.total === 1 ? '' : 's'} in all`;
  return status ? `${all} · showing ${status} only` : all;
}
