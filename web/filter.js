// @ts-check
/** The list's query: what the page URL asks for (a status or a search), and the API query it leads to. */
import { isStatus } from './statuses.js';

/** The longest search text sent; a name is at most 200 characters. */
export const SEARCH_MAX = 200;

/**
 * The status a page URL's `?status=` asks for (any case), or '' for all.
 * @param {string} search e.g. `location.search`
 */
export function statusFromSearch(search) {
  const wanted = new URLSearchParams(search).get('status')?.toUpperCase() ?? '';
  return isStatus(wanted) ? wanted : '';
}

/**
 * What a page URL's query asks the list for. A search and a status cannot be combined
 * (the API answers 400), so a search wins.
 * @param {string} query e.g. `location.search`
 * @returns {{ status: string, search: string }}
 */
export function listQueryFromSearch(query) {
  const search = (new URLSearchParams(query).get('search') ?? '').trim().slice(0, SEARCH_MAX);
  return search ? { status: '', search } : { status: statusFromSearch(query), search: '' };
}

/**
 * The page URL that keeps the list's query across a reload; other parameters stay.
 * @param {string} href @param {{ status: string, search?: string }} query '' for none
 */
export function urlWithListQuery(href, { status, search = '' }) {
  const url = new URL(href);
  /** @type {[string, string][]} */
  const wanted = [
    ['status', status],
    ['search', search],
  ];
  for (const [key, value] of wanted) {
    if (value) url.searchParams.set(key, value);
    else url.searchParams.delete(key);
  }
  return url.href;
}

/**
 * The page URL that keeps `status` across a reload; other parameters stay.
 * @param {string} href @param {string} status '' for all
 */
export function urlWithStatus(href, status) {
  const url = new URL(href);
  if (status) url.searchParams.set('status', status);
  else url.searchParams.delete('status');
  return url.href;
}

/**
 * The query of the list's first page.
 * @param {string} status '' for all @param {number} pageSize @param {string} [search] '' for none
 */
export function firstPageQuery(status, pageSize, search = '') {
  const query = new URLSearchParams({ limit: String(pageSize) });
  if (search) query.set('search', search);
  else if (status) query.set('status', status);
  return query;
}

/**
 * The query after a click on a total: only that status, or all again if it already was.
 * @param {{ status: string, search: string }} current @param {string} status
 */
export function queryForTotal(current, status) {
  const again = current.status === status && !current.search;
  return { status: again ? '' : status, search: '' };
}

/**
 * The query after a search is submitted, or null when it asks for the shown search again.
 * A search replaces the status; clearing it keeps the status.
 * @param {{ status: string, search: string }} current @param {string} text as typed
 * @returns {{ status: string, search: string } | null}
 */
export function queryForSearch(current, text) {
  const search = text.trim();
  if (search === current.search) return null;
  return { status: search ? '' : current.status, search };
}
