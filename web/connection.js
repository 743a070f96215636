// @ts-check
/** When the dashboard asks for the list again, and what it says while it cannot. */

export const REFRESH_MS = 1_000;
export const HIDDEN_REFRESH_MS = 5_000;
export const MAX_BACKOFF_MS = 5_000;

/**
 * The wait between refreshes while all is well: one a second, slower when hidden.
 * @param {boolean} hidden
 */
export function pollInterval(hidden) {
  return hidden ? HIDDEN_REFRESH_MS : REFRESH_MS;
}

/**
 * The wait before the next attempt after `failures` failed ones in a row: 1 s doubling
 * up to 5 s.
 * @param {number} failures at least 1
 */
export function backoff(failures) {
  return Math.min(MAX_BACKOFF_MS, REFRESH_MS * 2 ** Math.max(0, failures - 1));
}

/**
 * The banner's countdown to the next attempt while the API cannot be reached.
 * @param {number} msLeft until the next attempt; not finite while one is on its way
 */
export function countdownText(msLeft) {
  if (!Number.isFinite(msLeft) || msLeft <= 0) return 'Trying again now.';
  return `Next attempt in ${Math.ceil(msLeft / 1000)} s.`;
}

/**
 * The clock the cards show durations by: the real one while live; while offline, the time
 * of the last good refresh, so that shown data does not pretend to move.
 * @param {{ offline: boolean, lastLiveAt: number, now: number }} clock
 */
export function cardClock({ offline, lastLiveAt, now }) {
  return offline ? Math.min(lastLiveAt, now) : now;
}
