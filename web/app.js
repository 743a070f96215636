import { ApiError, cancelTask, createTask, deleteTask, listTasks } from './api.js';
import { Pacer } from './pacer.js';
import { isActive, renderCards, renderSummary, STATUSES, tickCards } from './view.js';

const PAGE_SIZE = 20;
const REFRESH_MS = 1_000;
const HIDDEN_REFRESH_MS = 5_000;
const MAX_BACKOFF_MS = 5_000;
const NOTICE_MS = 10_000;

/** @param {string} id */
const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const view = {
  heading: byId('tasks-heading'),
  list: byId('task-list'),
  empty: byId('empty'),
  loadMore: /** @type {HTMLButtonElement} */ (byId('load-more')),
  filter: /** @type {HTMLSelectElement} */ (byId('status-filter')),
  form: /** @type {HTMLFormElement} */ (byId('create-form')),
  formError: byId('create-error'),
  notice: byId('notice'),
  connection: byId('connection'),
  connectionText: byId('connection-text'),
  retryNow: byId('retry-now'),
  sync: byId('sync'),
  summaryNote: byId('summary-note'),
  counts: byId('counts'),
};

const state = {
  /** The server-side filter: '' or one status. */
  status: '',
  /** What is shown, newest first: the first page, then older pages loaded on request. */
  tasks: /** @type {any[]} */ ([]),
  loaded: false,
  /** The first page's ETag, so an unchanged list costs a 304. */
  etag: /** @type {string | null} */ (null),
  /** Query of the page after the shown tasks (from the Link header), or null. */
  next: /** @type {URLSearchParams | null} */ (null),
  failures: 0,
  /** A task is being created; another submit meanwhile is ignored. */
  creating: false,
};

/* Pure operations on the shown list. */

/** Whether task `a` sorts after (is older than) task `b` in the API's newest-first order. */
function isOlder(a, b) {
  if (a.created_at !== b.created_at) return a.created_at < b.created_at;
  return a.task_id < b.task_id;
}

/**
 * The shown list after a refresh of the first page. The first page is the truth for
 * every task as new as its last one; older tasks loaded with "Load more" are kept.
 * `olderKept` is false when none were kept, e.g. because so many tasks arrived that
 * the first page no longer touches the loaded ones (a gap the user can load again).
 * @returns {{ tasks: object[], olderKept: boolean }}
 */
function mergeFirstPage(shown, firstPage, firstPageHasMore) {
  const last = firstPage.at(-1);
  if (!firstPageHasMore || !last) return { tasks: firstPage, olderKept: false };
  const inFirstPage = new Set(firstPage.map((task) => task.task_id));
  const older = shown.filter((task) => !inFirstPage.has(task.task_id) && isOlder(task, last));
  const touches = shown.some((task) => inFirstPage.has(task.task_id));
  if (older.length === 0 || !touches) return { tasks: firstPage, olderKept: false };
  return { tasks: [...firstPage, ...older], olderKept: true };
}

/** Appends an older page, skipping tasks already shown. */
function appendPage(shown, page) {
  const ids = new Set(shown.map((task) => task.task_id));
  return [...shown, ...page.filter((task) => !ids.has(task.task_id))];
}

/** Puts `task` in place of the shown task with its id, or first if it is new. */
function upsert(shown, task) {
  const index = shown.findIndex((each) => each.task_id === task.task_id);
  if (index === -1) return [task, ...shown];
  return shown.with(index, task);
}

function without(shown, taskId) {
  return shown.filter((task) => task.task_id !== taskId);
}

/* List requests: the first page (polled) and older pages, through one pacer. */

/** A little over half a second, so that no second holds a third list request even with jitter. */
const LIST_REQUEST_GAP_MS = 550;
const lists = {
  /** When the first page is due again, as a `performance.now()` time. */
  refreshAt: 0,
  /** When the last refresh started, as a `performance.now()` time. */
  lastRefreshStart: Number.NEGATIVE_INFINITY,
  /** "Load more" was asked for and its page has not arrived yet. */
  moreWanted: false,
  /** The list request on its way, so that a new filter can call it off. */
  inFlight: /** @type {AbortController | null} */ (null),
};
const listPacer = new Pacer(LIST_REQUEST_GAP_MS, nextListRequest);

/** "Load more" goes first when asked for: the user is waiting for it. */
function nextListRequest() {
  if (lists.moreWanted && state.next) return { dueAt: 0, run: loadMore };
  return { dueAt: lists.refreshAt, run: refresh };
}

/** Makes the first page due at `at` (a `performance.now()` time), or sooner if it already is. */
function refreshBy(at) {
  lists.refreshAt = Math.min(lists.refreshAt, at);
  listPacer.wake();
}

function firstPageQuery() {
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (state.status) query.set('status', state.status);
  return query;
}

/** The wait between refreshes while all is well: one a second, slower when hidden. */
function pollInterval() {
  return document.hidden ? HIDDEN_REFRESH_MS : REFRESH_MS;
}

function backoff() {
  return Math.min(MAX_BACKOFF_MS, REFRESH_MS * 2 ** (state.failures - 1));
}

/** One list request for the first page; everything on screen is kept up to date from it. */
async function refresh() {
  const controller = new AbortController();
  lists.inFlight = controller;
  const startedAt = performance.now();
  lists.lastRefreshStart = startedAt;
  lists.refreshAt = Number.POSITIVE_INFINITY;
  try {
    const page = await listTasks(firstPageQuery(), { etag: state.etag, signal: controller.signal });
    if (page.changed) applyFirstPage(page);
    connected();
    lists.refreshAt = startedAt + pollInterval();
  } catch (error) {
    if (controller.signal.aborted) return;
    disconnected(error);
    lists.refreshAt = performance.now() + backoff();
  } finally {
    lists.inFlight = null;
  }
}

function applyFirstPage(page) {
  const merged = mergeFirstPage(state.tasks, page.tasks, page.next !== null);
  state.tasks = merged.tasks;
  state.etag = page.etag;
  // While older tasks stay shown, `next` keeps pointing past the oldest of them.
  if (!merged.olderKept) state.next = page.next;
  state.loaded = true;
  render();
}

function connected() {
  state.failures = 0;
  view.connection.hidden = true;
  view.connectionText.textContent = '';
  view.sync.textContent = `Live · updated ${new Date().toLocaleTimeString()}`;
  view.sync.classList.remove('offline');
}

function disconnected(error) {
  state.failures += 1;
  const reason = error instanceof ApiError ? error.message : 'The tasks API cannot be reached';
  const seconds = Math.round(backoff() / 1000);
  view.connectionText.textContent = `Reconnecting… ${reason}. Next attempt in ${seconds} s.`;
  view.connection.hidden = false;
  view.sync.textContent = 'Offline';
  view.sync.classList.add('offline');
}

/**
 * Starts over for a new filter: the old list, ETag and cursor belong to another query.
 * The first page follows as soon as the pacer allows; quick changes share one request.
 */
function changeFilter(status) {
  lists.inFlight?.abort();
  Object.assign(state, { status, tasks: [], loaded: false, etag: null, next: null });
  const url = new URL(location.href);
  if (status) url.searchParams.set('status', status);
  else url.searchParams.delete('status');
  history.replaceState(null, '', url);
  render();
  refreshBy(0);
}

/** A "Load more" click: asks for the next page once, however often it is clicked meanwhile. */
function askForMore() {
  if (lists.moreWanted || !state.next) return;
  lists.moreWanted = true;
  setBusy(view.loadMore, true, 'Loading…');
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

/** Drops a wish for "Load more", e.g. when there is no older page (any more) to load. */
function forgetMore() {
  if (!lists.moreWanted) return;
  lists.moreWanted = false;
  setBusy(view.loadMore, false, 'Load more');
}

/** Appends an older page; if that was the last one, focus moves from "Load more" to it. */
function showOlderPage(page) {
  const firstNew = state.tasks.length;
  const hadFocus = document.activeElement === view.loadMore;
  state.tasks = appendPage(state.tasks, page.tasks);
  state.next = page.next;
  render();
  if (hadFocus && view.loadMore.hidden) focusTask(state.tasks[firstNew] ?? state.tasks.at(-1));
}

/** Focuses the first button of the card of `task`, or the list heading without one. */
function focusTask(task) {
  const card = task && view.list.querySelector(`[data-task-id="${CSS.escape(task.task_id)}"]`);
  (card?.querySelector('button') ?? view.heading).focus();
}

/**
 * Marks a button busy without disabling it, so a keyboard user keeps the focus on it;
 * its handler ignores activations meanwhile.
 * @param {HTMLButtonElement} button
 */
function setBusy(button, busy, label) {
  if (busy) button.setAttribute('aria-disabled', 'true');
  else button.removeAttribute('aria-disabled');
  button.textContent = label;
}

const actions = {
  async cancel(taskId) {
    try {
      const task = await cancelTask(taskId);
      state.tasks = upsert(state.tasks, task);
      render();
    } catch (error) {
      showNotice(error);
    }
  },

  async remove(taskId) {
    const task = state.tasks.find((each) => each.task_id === taskId);
    const label = task?.name ? `"${task.name}"` : taskId;
    if (!window.confirm(`Delete task ${label}? Its work stops and it cannot be restored.`)) return;
    try {
      await deleteTask(taskId);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) return showNotice(error);
    }
    state.tasks = without(state.tasks, taskId);
    render();
  },

  async copy(taskId, source, button) {
    let copied = false;
    try {
      await navigator.clipboard.writeText(taskId);
      copied = true;
    } catch {
      // No clipboard API here (e.g. plain HTTP): select the id so the user can copy it.
      getSelection()?.selectAllChildren(source);
      copied = document.execCommand?.('copy') ?? false;
    }
    button.textContent = copied ? 'Copied' : 'Press Ctrl+C';
    setTimeout(() => {
      button.textContent = 'Copy';
    }, 1_500);
  },
};

/** Creates a task from the form, once at a time; the focus stays where it was. */
async function submitCreate(event) {
  event.preventDefault();
  if (state.creating) return;
  const button = /** @type {HTMLButtonElement} */ (view.form.querySelector('[type="submit"]'));
  state.creating = true;
  setBusy(button, true, 'Creating…');
  view.formError.textContent = '';
  try {
    await createFromForm(new FormData(view.form));
  } catch (error) {
    view.formError.textContent = error instanceof Error ? error.message : String(error);
  } finally {
    state.creating = false;
    setBusy(button, false, 'Create task');
  }
}

/** @param {FormData} fields */
async function createFromForm(fields) {
  const task = await createTask({
    name: String(fields.get('name') ?? '').trim(),
    type: 'simulate',
    input: {
      duration_seconds: Number(fields.get('duration_seconds')),
      fail: fields.get('fail') === 'on',
    },
  });
  if (!state.status || state.status === task.status) state.tasks = upsert(state.tasks, task);
  render();
  view.form.elements.namedItem('name').value = '';
}

let noticeTimer = 0;
function showNotice(error) {
  view.notice.textContent = error instanceof Error ? error.message : String(error);
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => {
    view.notice.textContent = '';
  }, NOTICE_MS);
}

function render() {
  renderCards(view.list, state.tasks, actions, { now: Date.now(), emptyFocus: view.heading });
  renderSummary(view.counts, view.summaryNote, {
    tasks: state.tasks,
    status: state.status,
    more: state.next !== null,
  });
  view.loadMore.hidden = !state.next;
  if (!state.next) forgetMore();
  view.empty.hidden = state.tasks.length > 0;
  if (!state.loaded) view.empty.textContent = 'Loading tasks…';
  else view.empty.textContent = state.status ? `No ${state.status} tasks.` : 'No tasks yet.';
  const running = state.tasks.filter(isActive).length;
  document.title = running > 0 ? `Tasks (${running} active)` : 'Tasks';
}

function start() {
  const initial = new URLSearchParams(location.search).get('status')?.toUpperCase() ?? '';
  state.status = STATUSES.includes(initial) ? initial : '';
  view.filter.value = state.status;
  view.filter.addEventListener('change', () => changeFilter(view.filter.value));
  view.form.addEventListener('submit', submitCreate);
  view.loadMore.addEventListener('click', askForMore);
  view.retryNow.addEventListener('click', () => refreshBy(0));
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && state.failures === 0) refreshBy(lists.lastRefreshStart + REFRESH_MS);
  });
  window.addEventListener('online', () => refreshBy(lists.lastRefreshStart + REFRESH_MS));
  setInterval(() => tickCards(view.list, Date.now()), 1_000);
  render();
  listPacer.wake();
}

start();
