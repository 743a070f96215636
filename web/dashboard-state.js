/**
 * The list page's elements and the dashboard's state, shared by its modules. Only data
 * here: what changes it and what it shows are in the modules that import it.
 */

import { buttonById, byId, formById, inputById, selectById } from './render.js';

export const parts = {
  heading: byId('tasks-heading'),
  tasks: byId('tasks'),
  list: byId('task-list'),
  empty: byId('empty'),
  loadMore: buttonById('load-more'),
  filter: selectById('status-filter'),
  form: formById('create-form'),
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
  searchForm: formById('search-form'),
  search: inputById('search'),
};

export const state = {
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

/** The list's requests: the first page (polled) and older pages. */
export const lists = {
  /** When the first page is due again, as a `performance.now()` time. */
  refreshAt: 0,
  /** When the last refresh started, as a `performance.now()` time. */
  lastRefreshStart: Number.NEGATIVE_INFINITY,
  /** "Load more" was asked for and its page has not arrived yet. */
  moreWanted: false,
  /** The list request on its way, so that a new filter can call it off. */
  inFlight: /** @type {AbortController | null} */ (null),
};
