// @ts-check
/** The status filter: what the page URL asks for, and the list query it leads to. */
import { isStatus } from './statuses.js';

/**
 * The status a page URL's `?status=` asks for (any case), or '' for all.
 * @param {string} search e.g. `location.search`
 */
export function statusFromSearch(search) {
  const wanted = new URLSearchParams(search).get('status')?.toUpperCase() ?? '';
  return isStatus(wanted) ? wanted : '';
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
 * @param {string} status '' for all @param {number} pageSize
 */
export function firstPageQuery(status, pageSize) {
  const query = new URLSearchParams({ limit: String(pageSize) });
  if (status) query.set('status', status);
  return query;
}
