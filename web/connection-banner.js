/**
 * Whether the API can be reached, as the page shows it: the sync mark, the offline banner
 * with its countdown to the next attempt, and the dimmed data. The rules are in connection.js.
 */
import { ApiError } from './api.js';
import { cardClock, countdownText } from './connection.js';
import { lists, parts, state } from './dashboard-state.js';
import { nextTaskAttemptAt, showTaskStale, tickTask } from './task-detail.js';
import { tickCards } from './view.js';

/** A request for the shown page succeeded. */
export function connected() {
  state.failures = 0;
  state.failure = '';
  state.lastLiveAt = Date.now();
  parts.sync.textContent = `Live · updated ${new Date(state.lastLiveAt).toLocaleTimeString()}`;
  showConnection();
}

/**
 * A request for the shown page failed; the banner shows it with `showConnection`.
 * @param {unknown} error
 */
export function disconnected(error) {
  state.failures += 1;
  state.failure = error instanceof ApiError ? error.message : 'The tasks API cannot be reached';
  const since = state.lastLiveAt
    ? ` · data from ${new Date(state.lastLiveAt).toLocaleTimeString()}`
    : '';
  parts.sync.textContent = `Offline${since}`;
}

/** The banner, the offline mark and the dimmed list, with a live countdown to the next attempt. */
export function showConnection() {
  const offline = state.failures > 0;
  parts.connection.hidden = !offline;
  parts.sync.classList.toggle('offline', offline);
  parts.tasks.classList.toggle('stale', offline);
  showTaskStale(offline);
  const reason = offline ? `Reconnecting… ${state.failure}.` : '';
  if (parts.connectionText.textContent !== reason) parts.connectionText.textContent = reason;
  const countdown = offline ? countdownText(nextAttemptAt() - performance.now()) : '';
  if (parts.countdown.textContent !== countdown) parts.countdown.textContent = countdown;
}

/** When the shown page asks the API next, as a `performance.now()` time. */
function nextAttemptAt() {
  return state.page === 'task' ? nextTaskAttemptAt() : lists.refreshAt;
}

/** The clock shown durations are measured by: it stops while offline. */
export function shownNow() {
  return cardClock({
    offline: state.failures > 0,
    lastLiveAt: state.lastLiveAt,
    now: Date.now(),
  });
}

/** Moves the countdown and the shown durations on, without new data. */
export function tick() {
  if (state.failures > 0) showConnection();
  const now = shownNow();
  if (state.page === 'task') tickTask(now);
  else tickCards(parts.list, now);
}
