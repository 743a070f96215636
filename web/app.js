/** The page's wiring: state, events and requests. What it shows is in view.js; the rules in pure modules. */
import {
  ApiError,
  cancelTask,
  createTask,
  deleteTask,
  listTasks,
  useAuthorization,
} from './api.js';
import { backoff, cardClock, countdownText, pollInterval, REFRESH_MS } from './connection.js';
import { firstPageQuery, statusFromSearch, urlWithStatus } from './filter.js';
import { taskLabel } from './format.js';
import { Pacer } from './pacer.js';
import { openSession } from './session.js';
import { isActive } from './statuses.js';
import { appendPage, mergeFirstPage, upsert, without } from './task-list.js';
import { renderCards, renderStatusControls, renderSummary, tickCards } from './view.js';

const PAGE_SIZE = 20;
const NOTICE_MS = 10_000;
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
  /** Why the last list request failed, while offline. */
  failure: '',
  /** When the shown data was last known current, as a `Date.now()` time. */
  lastLiveAt: 0,
  /** A task is being created; another submit meanwhile is ignored. */
  creating: false,
};

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

/** One list request for the first page; everything on screen is kept up to date from it. */
async function refresh() {
  const controller = new AbortController();
  lists.inFlight = controller;
  const startedAt = performance.now();
  lists.lastRefreshStart = startedAt;
  lists.refreshAt = Number.POSITIVE_INFINITY;
  try {
    const page = await listTasks(firstPageQuery(state.status, PAGE_SIZE), {
      etag: state.etag,
      signal: controller.signal,
    });
    if (page.changed) applyFirstPage(page);
    connected();
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
  const reason = offline ? `Reconnecting… ${state.failure}.` : '';
  if (view.connectionText.textContent !== reason) view.connectionText.textContent = reason;
  const countdown = offline ? countdownText(lists.refreshAt - performance.now()) : '';
  if (view.countdown.textContent !== countdown) view.countdown.textContent = countdown;
}

function tick() {
  if (state.failures > 0) showConnection();
  const now = cardClock({
    offline: state.failures > 0,
    lastLiveAt: state.lastLiveAt,
    now: Date.now(),
  });
  tickCards(view.list, now);
}

/**
 * Starts over for a new filter: the old list, ETag and cursor belong to another query.
 * The first page follows as soon as the pacer allows; quick changes share one request.
 */
function changeFilter(status) {
  lists.inFlight?.abort();
  Object.assign(state, { status, tasks: [], loaded: false, etag: null, next: null });
  history.replaceState(null, '', urlWithStatus(location.href, status));
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
    const label = task?.name?.trim() ? `"${taskLabel(task)}"` : taskId;
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
  const now = cardClock({
    offline: state.failures > 0,
    lastLiveAt: state.lastLiveAt,
    now: Date.now(),
  });
  renderCards(view.list, state.tasks, actions, { now, emptyFocus: view.heading });
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
  renderStatusControls(view.filter, view.counts);
  state.status = statusFromSearch(location.search);
  view.filter.value = state.status;
  view.filter.addEventListener('change', () => changeFilter(view.filter.value));
  view.form.addEventListener('submit', submitCreate);
  view.loadMore.addEventListener('click', askForMore);
  view.retryNow.addEventListener('click', () => refreshBy(0));
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && state.failures === 0) refreshBy(lists.lastRefreshStart + REFRESH_MS);
  });
  window.addEventListener('online', () => refreshBy(lists.lastRefreshStart + REFRESH_MS));
  setInterval(tick, TICK_MS);
  render();
  listPacer.wake();
}

void start();
