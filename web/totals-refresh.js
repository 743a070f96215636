/** The summary's true totals per status: asked for with list refreshes, and shown. */
import { getTotals } from './api.js';
import { parts, state } from './dashboard-state.js';
import { readTotals, statusesOf, totalsDue } from './totals.js';
import { renderSummary } from './view.js';

/** Totals come with a changed list, else at least this often: a change may be off the page. */
const TOTALS_EVERY_MS = 5_000;

/** True totals per status, fetched with list refreshes. */
const totals = {
  shown: /** @type {import('./totals.js').Totals | null} */ (null),
  /** When they were last asked for, as a `performance.now()` time. */
  askedAt: Number.NEGATIVE_INFINITY,
  /** Something changed that the list may not show (e.g. a task of another status). */
  stale: true,
  inFlight: false,
  /** The tasks and statuses of the first page the totals were last due for. */
  statuses: '',
};

/**
 * After a refresh of the list's first page: asks for the totals if they are due for it.
 * @param {{ changed: boolean, tasks: any[] }} page
 */
export function refreshTotalsFor(page) {
  const statuses = page.changed ? statusesOf(page.tasks) : totals.statuses;
  void refreshTotals(statuses !== totals.statuses);
  totals.statuses = statuses;
}

/** Something changed that the shown list may not tell; the next totals are due. */
export function markTotalsStale() {
  totals.stale = true;
}

/**
 * Asks for the totals when due; at most once per list refresh, and never while one is on its
 * way. Without them (an older API, a failure) the last ones stay.
 * @param {boolean} statusesChanged
 */
async function refreshTotals(statusesChanged) {
  const now = performance.now();
  const due = totalsDue({
    listChanged: statusesChanged || totals.stale,
    lastAt: totals.askedAt,
    now,
    everyMs: TOTALS_EVERY_MS,
  });
  if (!due || totals.inFlight) return;
  totals.inFlight = true;
  totals.askedAt = now;
  totals.stale = false;
  try {
    totals.shown = readTotals(await getTotals()) ?? totals.shown;
    renderTotals();
  } catch {
    // The list says what is wrong with the connection; the totals keep their last values.
  } finally {
    totals.inFlight = false;
  }
}

export function renderTotals() {
  renderSummary(parts.counts, parts.summaryNote, { totals: totals.shown, status: state.status });
}
