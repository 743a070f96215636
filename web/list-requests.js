/**
 * The list's requests: the first page, polled, and older pages on "Load more", through the
 * page's one request pacer, which the task page shares while it is shown.
 */
import { listTasks } from './api.js';
import { backoff, pollInterval } from './connection.js';
import { connected, disconnected, showConnection } from './connection-banner.js';
import { lists, parts, state } from './dashboard-state.js';
import { firstPageQuery } from './filter.js';
import { forgetMore, render } from './list-view.js';
import { showNotice } from './notice.js';
import { Pacer } from './pacer.js';
import { refreshTaskBy, taskRequest } from './task-detail.js';
import { appendPage, isAfterByName, isOlder, mergeFirstPage } from './task-list.js';
import { refreshTotalsFor } from './totals-refresh.js';
import { setBusy } from './view.js';

const PAGE_SIZE = 20;
/** A little over half a second, so that no second holds a third list request even with jitter. */
const LIST_REQUEST_GAP_MS = 550;

const listPacer = new Pacer(LIST_REQUEST_GAP_MS, nextListRequest);

/**
 * The task page polls its task instead of the list. On the list, "Load more" goes first
 * when asked for: the user is waiting for it.
 */
function nextListRequest() {
  if (state.page === 'task') return taskRequest();
  if (lists.moreWanted && state.next) return { dueAt: 0, run: loadMore };
  return { dueAt: lists.refreshAt, run: refresh };
}

/** Lets the pacer look again for a request that is due. */
export function wakeRequests() {
  listPacer.wake();
}

/** Makes what the page shows due at `at` (a `performance.now()` time), or sooner if it already is. */
export function refreshBy(at) {
  lists.refreshAt = Math.min(lists.refreshAt, at);
  refreshTaskBy(at);
  listPacer.wake();
}

/** One list request for the first page; everything on screen is kept up to date from it. */
async function refresh() {
  const controller = new AbortController();
  lists.inFlight = controller;
  const startedAt = performance.now();
  lists.lastRefreshStart = startedAt;
  lists.refreshAt = Number.POSITIVE_INFINITY;
  try {
    const page = await listTasks(firstPageQuery(state.status, PAGE_SIZE, state.search), {
      etag: state.etag,
      signal: controller.signal,
    });
    if (page.changed) applyFirstPage(page);
    connected();
    refreshTotalsFor(page);
    lists.refreshAt = startedAt + pollInterval(document.hidden);
  } catch (error) {
    if (controller.signal.aborted) return;
    disconnected(error);
    lists.refreshAt = performance.now() + backoff(state.failures);
    showConnection();
  } finally {
    lists.inFlight = null;
  }
}

function applyFirstPage(page) {
  const order = state.search ? isAfterByName : isOlder;
  const merged = mergeFirstPage(state.tasks, page.tasks, page.next !== null, order);
  state.tasks = merged.tasks;
  state.etag = page.etag;
  // While older tasks stay shown, `next` keeps pointing past the oldest of them.
  if (!merged.olderKept) state.next = page.next;
  state.loaded = true;
  render();
}

/** A "Load more" click: asks for the next page once, however often it is clicked meanwhile. */
export function askForMore() {
  if (lists.moreWanted || !state.next) return;
  lists.moreWanted = true;
  setBusy(parts.loadMore, true, 'Loading…');
  listPacer.wake();
}

async function loadMore() {
  const controller = new AbortController();
  lists.inFlight = controller;
  const status = state.status;
  try {
    const page = await listTasks(/** @type {URLSearchParams} */ (state.next), {
      signal: controller.signal,
    });
    if (page.changed && status === state.status) showOlderPage(page);
  } catch (error) {
    if (!controller.signal.aborted) showNotice(error);
  } finally {
    lists.inFlight = null;
    forgetMore();
  }
}

/** Appends an older page; if that was the last one, focus moves from "Load more" to it. */
function showOlderPage(page) {
  const firstNew = state.tasks.length;
  const hadFocus = document.activeElement === parts.loadMore;
  state.tasks = appendPage(state.tasks, page.tasks);
  state.next = page.next;
  render();
  if (hadFocus && parts.loadMore.hidden) focusTask(state.tasks[firstNew] ?? state.tasks.at(-1));
}

/** Focuses the first button of the card of `task`, or the list heading without one. */
function focusTask(task) {
  const card = task && parts.list.querySelector(`[data-task-id="${CSS.escape(task.task_id)}"]`);
  (card?.querySelector('button') ?? parts.heading).focus();
}
