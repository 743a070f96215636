// @ts-check
/** Bulk cancel and delete: what each task's answer means, and one line for all of them. */

/** @typedef {'cancel' | 'remove'} BulkAction */
/** @typedef {{ taskId: string, status: number }} BulkAnswer HTTP status, 0 if unreachable */

/**
 * How one task's answer reads: `done` when the action took effect (or had already).
 * @param {BulkAction} action @param {number} status
 * @returns {{ done: boolean, words: string }}
 */
export function answerOf(action, status) {
  if (status >= 200 && status < 300)
    return { done: true, words: action === 'cancel' ? 'cancelled' : 'deleted' };
  if (status === 404) return { done: action === 'remove', words: 'not found (404)' };
  if (action === 'cancel' && status === 409)
    return { done: false, words: 'already finished (409)' };
  if (status === 0) return { done: false, words: 'not reached' };
  return { done: false, words: `failed (${status})` };
}

/**
 * One line for the answers of a bulk action, most common first, e.g.
 * "3 cancelled, 1 already finished (409)".
 * @param {BulkAction} action @param {BulkAnswer[]} answers
 */
export function summarize(action, answers) {
  /** @type {Map<string, number>} */
  const counts = new Map();
  for (const answer of answers) {
    const words = answerOf(action, answer.status).words;
    counts.set(words, (counts.get(words) ?? 0) + 1);
  }
  const parts = [...counts].sort((a, b) => b[1] - a[1]);
  return parts.map(([words, count]) => `${count} ${words}`).join(', ');
}

/**
 * Runs `work` for every item with at most `limit` at a time; the results keep the items' order.
 * @template T, R
 * @param {T[]} items @param {number} limit @param {(item: T) => Promise<R>} work
 * @returns {Promise<R[]>}
 */
export async function inBatches(items, limit, work) {
  /** @type {R[]} */
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(/** @type {T} */ (items[index]));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
