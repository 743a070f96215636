/** The page's wiring: state, events and requests. What it shows is in view.js; the rules in pure modules. */
import {
  ApiError,
  cancelTask,
  createTask,
  deleteTask,
  getTask,
  getTotals,
  listTasks,
  useAuthorization,
} from './api.js';
import { backoff, cardClock, countdownText, pollInterval, REFRESH_MS } from './connection.js';
import { firstPageQuery, listQueryFromSearch, urlWithListQuery } from './filter.js';
import { taskLabel } from './format.js';
import { Pacer } from './pacer.js';
import { LIST_HASH, routeOf, taskHref } from './route.js';
import { clearSelection, renderChecks, select, startSelection } from './selection.js';
import { openSession } from './session.js';
import { isActive } from './statuses.js';
import {
  closeTask,
  nextTaskAttemptAt,
  openTask,
  refreshTaskBy,
  showTaskStale,
  startTaskDetail,
  taskRequest,
  tickTask,
} from './task-detail.js';
import {
  appendPage,
  isAfterByName,
  isOlder,
  mergeFirstPage,
  upsert,
  without,
} from './task-list.js';
import { readTotals, statusesOf, totalsDue } from './totals.js';
import { renderCards, renderStatusControls, renderSummary, setBusy, tickCards } from './view.js';

const PAGE_SIZE = 20;
const NOTICE_MS = 10_000;
/** Totals come with a changed list, else at least this often: a change may be off the page. */
const TOTALS_EVERY_MS = 5_000;
/** Often enough that the retry countdown and running durations change on time. */
const TICK_MS = 250;

/** @param {string} id */
const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const view = {
  heading: byId('tasks-heading'),
  tasks: byId('tasks'),
  list: byId('task-list'),
  empty: byId('empty'),
  loadMore: /** @type {HTMLButtonElement} */ (byId('load-more')),
  filter: /** @type {HTMLSelectElement} */ (byId('status-filter')),
  form: /** @type {HTMLFormElement} */ (byId('create-form')),
  formError: byId('create-error'),
  notice: byId('notice'),
  connection: byId('connection'),
  connectionText: byId('connection-text'),
  countdown: byId('countdown'),
  retryNow: byId('retry-now'),
  sync: byId('sync'),
  summaryNote: byId('summary-note'),
  counts: byId('counts'),
  main: byId('main'),
  listOrder: byId('list-order'),
  searchForm: /** @type {HTMLFormElement} */ (byId('search-form')),
  search: /** @type {HTMLInputElement} */ (byId('search')),
};

const state = {
  /** The server-side filter: '' or one status. */
  status: '',
  /** The search text ('' for none); never together with a status. */
  search: '',
  /** What is shown, newest first: the first page, then older pages loaded on request. */
  tasks: /** @type {any[]} */ ([]),
  loaded: false,
  /** The first page's ETag, so an unchanged list costs a 304. */
  etag: /** @type {string | null} */ (null),
  /** Query of the page after the shown tasks (from the Link header), or null. */
  next: /** @type {URLSearchParams | null} */ (null),
  failures: 0,
  /** Why the last list request failed, while offline. */
  failure: '',
  /** When the shown data was last known current, as a `Date.now()` time. */
  lastLiveAt: 0,
  /** A task is being created; another submit meanwhile is ignored. */
  creating: false,
  rerunning: false,
  /** Which page is shown: the list, or one task's page. */
  page: /** @type {'list' | 'task'} */ ('list'),
};

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

/** The id of the task whose page is shown, '' on the list. */
let shownTaskId = '';

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

/**
 * The task page polls its task instead of the list. On the list, "Load more" goes first
 * when asked for: the user is waiting for it.
 */
function nextListRequest() {
  if (state.page === 'task') return taskRequest();
  if (lists.moreWanted && state.next) return { dueAt: 0, run: loadMore };
  return { dueAt: lists.refreshAt, run: refresh };
}

/** Makes what the page shows due at `at` (a `performance.now()` time), or sooner if it already is. */
function refreshBy(at) {
  lists.refreshAt = Math.min(lists.refreshAt, at);
  refreshTaskBy(at);
  listPacer.wake();
}

/** When the shown page asks the API next, as a `performance.now()` time. */
function nextAttemptAt() {
  return state.page === 'task' ? nextTaskAttemptAt() : lists.refreshAt;
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
    const statuses = page.changed ? statusesOf(page.tasks) : totals.statuses;
    if (page.changed) applyFirstPage(page);
    connected();
    void refreshTotals(statuses !== totals.statuses);
    totals.statuses = statuses;
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

/**
 * Asks for the totals when due; at most once per list refresh, and never while one is on its
 * way. Without them (an older API, a failure) the last ones stay.
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

function connected() {
  state.failures = 0;
  state.failure = '';
  state.lastLiveAt = Date.now();
  view.sync.textContent = `Live · updated ${new Date(state.lastLiveAt).toLocaleTimeString()}`;
  showConnection();
}

function disconnected(error) {
  state.failures += 1;
  state.failure = error instanceof ApiError ? error.message : 'The tasks API cannot be reached';
  const since = state.lastLiveAt
    ? ` · data from ${new Date(state.lastLiveAt).toLocaleTimeString()}`
    : '';
  view.sync.textContent = `Offline${since}`;
}

/** The banner, the offline mark and the dimmed list, with a live countdown to the next attempt. */
function showConnection() {
  const offline = state.failures > 0;
  view.connection.hidden = !offline;
  view.sync.classList.toggle('offline', offline);
  view.tasks.classList.toggle('stale', offline);
  showTaskStale(offline);
  const reason = offline ? `Reconnecting… ${state.failure}.` : '';
  if (view.connectionText.textContent !== reason) view.connectionText.textContent = reason;
  const countdown = offline ? countdownText(nextAttemptAt() - performance.now()) : '';
  if (view.countdown.textContent !== countdown) view.countdown.textContent = countdown;
}

function tick() {
  if (state.failures > 0) showConnection();
  const now = cardClock({
    offline: state.failures > 0,
    lastLiveAt: state.lastLiveAt,
    now: Date.now(),
  });
  if (state.page === 'task') tickTask(now);
  else tickCards(view.list, now);
}

/**
 * Starts over for a new filter or search: the old list, ETag, cursor and selection belong
 * to another query. The first page follows as soon as the pacer allows; quick changes
 * share one request.
 * @param {{ status: string, search: string }} query
 */
function changeQuery({ status, search }) {
  lists.inFlight?.abort();
  Object.assign(state, { status, search, tasks: [], loaded: false, etag: null, next: null });
  clearSelection();
  view.filter.value = status;
  if (view.search.value.trim() !== search) view.search.value = search;
  history.replaceState(null, '', urlWithListQuery(location.href, { status, search }));
  render();
  refreshBy(0);
}

/** A click on a total: shows only that status, or all again if it already did. */
function chooseTotal(status) {
  const again = state.status === status && !state.search;
  changeQuery({ status: again ? '' : status, search: '' });
}

/** @param {Event} event */
function submitSearch(event) {
  event.preventDefault();
  const search = view.search.value.trim();
  if (search === state.search) return;
  changeQuery({ status: search ? '' : state.status, search });
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

const actions = {
  async cancel(taskId) {
    try {
      const task = await cancelTask(taskId);
      state.tasks = upsert(state.tasks, task);
      totals.stale = true;
      render();
    } catch (error) {
      showNotice(error);
    }
  },

  async remove(taskId) {
    const task = state.tasks.find((each) => each.task_id === taskId);
    const label = task?.name?.trim() ? `"${taskLabel(task)}"` : taskId;
    if (!window.confirm(`Delete task ${label}? Its work stops and it cannot be restored.`)) return;
    try {
      await deleteTask(taskId);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) return showNotice(error);
    }
    state.tasks = without(state.tasks, taskId);
    totals.stale = true;
    render();
  },

  rerun(taskId) {
    const task = state.tasks.find((each) => each.task_id === taskId);
    if (task) void rerun(task, showNotice);
  },

  select,

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
  showCreated(task);
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
  const now = cardClock({
    offline: state.failures > 0,
    lastLiveAt: state.lastLiveAt,
    now: Date.now(),
  });
  renderCards(view.list, state.tasks, actions, { now, emptyFocus: view.heading });
  renderChecks();
  renderTotals();
  view.loadMore.hidden = !state.next;
  if (!state.next) forgetMore();
  view.empty.hidden = state.tasks.length > 0;
  view.listOrder.textContent = state.search
    ? `matching “${state.search}”, by name`
    : 'newest first';
  if (!state.loaded) view.empty.textContent = 'Loading tasks…';
  else if (state.search) view.empty.textContent = `No task matches “${state.search}”.`;
  else view.empty.textContent = state.status ? `No ${state.status} tasks.` : 'No tasks yet.';
  if (state.page !== 'list') return;
  const running = state.tasks.filter(isActive).length;
  document.title = running > 0 ? `Tasks (${running} active)` : 'Tasks';
}

/** Shows a task just created on the list, if the list's query would. */
function showCreated(task) {
  totals.stale = true;
  if (state.search) return;
  if (!state.status || state.status === task.status) state.tasks = upsert(state.tasks, task);
}

/**
 * A new task with the same name, type and input as `task`; its page follows.
 * @param {(error: unknown) => void} fail where an error is told
 */
async function rerun(task, fail) {
  if (state.rerunning) return;
  state.rerunning = true;
  try {
    const source = task.input === undefined ? await getTask(task.task_id) : task;
    const created = await createTask({
      ...(source.name ? { name: source.name } : {}),
      type: source.type,
      input: source.input,
    });
    showCreated(created);
    location.hash = taskHref(created.task_id);
  } catch (error) {
    fail(error);
  } finally {
    state.rerunning = false;
  }
}

function renderTotals() {
  renderSummary(view.counts, view.summaryNote, { totals: totals.shown, status: state.status });
}

/* The task page, at #/tasks/<id>. */

/** Shows the page the address asks for. */
function applyRoute() {
  const route = routeOf(location.hash);
  if (route.page === 'task') showTaskPage(route.taskId);
  else showList();
}

/** @param {string} taskId */
function showTaskPage(taskId) {
  if (state.page === 'task' && shownTaskId === taskId) return;
  state.page = 'task';
  shownTaskId = taskId;
  lists.inFlight?.abort();
  view.main.hidden = true;
  openTask(taskId);
  listPacer.wake();
}

function showList() {
  if (state.page === 'list') return;
  const cameFrom = closeTask();
  shownTaskId = '';
  state.page = 'list';
  view.main.hidden = false;
  render();
  // Not when the address names a place on the list (e.g. the form), which keeps its own.
  if (location.hash === '' || location.hash === LIST_HASH) {
    const link = view.list.querySelector(`[data-task-id="${CSS.escape(cameFrom)}"] a`);
    (link ?? view.heading).focus();
  } else {
    // The browser looked for the place while the list was hidden.
    document.getElementById(location.hash.slice(1))?.scrollIntoView();
  }
  refreshBy(0);
}

/**
 * Signs requests in when the API takes sign-in; false while nobody is signed in, when the
 * page shows only its sign-in screen.
 */
async function signIn() {
  const session = await openSession();
  if (session.kind === 'open') return true;
  if (session.kind === 'signed-out') {
    byId('main').hidden = true;
    view.sync.hidden = true;
    byId('signed-out').hidden = false;
    byId('signed-out-reason').textContent = session.reason;
    byId('sign-in').addEventListener('click', () => void session.signIn());
    return false;
  }
  useAuthorization({ header: session.authorization, refused: session.renew });
  byId('signed-in-as').textContent = session.user;
  byId('account').hidden = false;
  byId('sign-out').addEventListener('click', () => void session.signOut());
  return true;
}

async function start() {
  if (!(await signIn())) return;
  renderStatusControls(view.filter, view.counts, chooseTotal);
  Object.assign(state, listQueryFromSearch(location.search));
  view.filter.value = state.status;
  view.search.value = state.search;
  view.filter.addEventListener('change', () =>
    changeQuery({ status: view.filter.value, search: '' }),
  );
  view.searchForm.addEventListener('submit', submitSearch);
  // The search box's own clear button (×) fires "search" with an empty value.
  view.search.addEventListener('search', (event) => {
    if (view.search.value.trim() === '') submitSearch(event);
  });
  startSelection({
    tasks: () => state.tasks,
    changed(changes) {
      for (const { taskId, task, gone } of changes) {
        if (task) state.tasks = upsert(state.tasks, task);
        if (gone) state.tasks = without(state.tasks, taskId);
      }
      totals.stale = true;
      render();
      refreshBy(performance.now());
    },
  });
  startTaskDetail({
    connected,
    disconnected(error) {
      disconnected(error);
      showConnection();
    },
    failures: () => state.failures,
    wake: () => listPacer.wake(),
    rerun: (task, fail) => void rerun(task, fail),
    changed(taskId, task) {
      // Only a task on the list changes there; the list's query may not show it.
      if (task) state.tasks = state.tasks.map((each) => (each.task_id === taskId ? task : each));
      else state.tasks = without(state.tasks, taskId);
      totals.stale = true;
    },
  });
  view.form.addEventListener('submit', submitCreate);
  view.loadMore.addEventListener('click', askForMore);
  view.retryNow.addEventListener('click', () => refreshBy(0));
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && state.failures === 0) refreshBy(lists.lastRefreshStart + REFRESH_MS);
  });
  window.addEventListener('online', () => refreshBy(lists.lastRefreshStart + REFRESH_MS));
  window.addEventListener('hashchange', applyRoute);
  setInterval(tick, TICK_MS);
  render();
  applyRoute();
  listPacer.wake();
}

void start();
