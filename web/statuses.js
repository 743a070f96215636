// @ts-check
/**
 * The task statuses, in life-cycle order: the dashboard's one list of them. The filter
 * and the counts are built from it; tests/unit/web-statuses.test.ts keeps it equal to
 * the API's STATUSES in functions/tasks/model.ts.
 */
export const STATUSES = /** @type {const} */ ([
  'PENDING',
  'RUNNING',
  'SUCCESS',
  'FAILURE',
  'CANCELLED',
]);

/** @typedef {(typeof STATUSES)[number]} Status */

/**
 * A task as the list endpoint returns it (only the fields the dashboard reads).
 * @typedef {{
 *   task_id: string,
 *   status: string,
 *   name?: string | null,
 *   type?: string,
 *   input?: unknown,
 *   progress?: number,
 *   result?: unknown,
 *   error?: string | null,
 *   created_at: string,
 *   updated_at?: string,
 *   started_at?: string | null,
 *   finished_at?: string | null,
 *   events?: { at: string, type: string, progress?: number }[],
 * }} Task
 */

/** @type {Record<Status, { label: string, share: string }>} */
const WORDS = {
  PENDING: { label: 'Pending', share: 'Share of pending tasks' },
  RUNNING: { label: 'Running', share: 'Share of running tasks' },
  SUCCESS: { label: 'Success', share: 'Share of successful tasks' },
  FAILURE: { label: 'Failure', share: 'Share of failed tasks' },
  CANCELLED: { label: 'Cancelled', share: 'Share of cancelled tasks' },
};

/** @param {Status} status */
export function wordsFor(status) {
  return WORDS[status];
}

/** @param {unknown} value @returns {value is Status} */
export function isStatus(value) {
  return typeof value === 'string' && /** @type {readonly string[]} */ (STATUSES).includes(value);
}

/** @param {{ status: string }} task */
export function isActive(task) {
  return task.status === 'PENDING' || task.status === 'RUNNING';
}
