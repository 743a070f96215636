/**
 * The list's query, a status filter or a search: its controls, and starting over when it
 * changes. It is kept in the page's address across reloads; the rules are in filter.js.
 */
import { lists, parts, state } from './dashboard-state.js';
import { listQueryFromSearch, queryForSearch, queryForTotal, urlWithListQuery } from './filter.js';
import { refreshBy } from './list-requests.js';
import { render } from './list-view.js';
import { clearSelection } from './selection.js';
import { renderStatusControls } from './view.js';

/** Takes the query the address asks for, and makes its controls change it. */
export function startListQuery() {
  renderStatusControls(parts.filter, parts.counts, chooseTotal);
  Object.assign(state, listQueryFromSearch(location.search));
  parts.filter.value = state.status;
  parts.search.value = state.search;
  parts.filter.addEventListener('change', () =>
    changeQuery({ status: parts.filter.value, search: '' }),
  );
  parts.searchForm.addEventListener('submit', submitSearch);
  // The search box's own clear button (×) fires "search" with an empty value.
  parts.search.addEventListener('search', (event) => {
    if (parts.search.value.trim() === '') submitSearch(event);
  });
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
  parts.filter.value = status;
  if (parts.search.value.trim() !== search) parts.search.value = search;
  history.replaceState(null, '', urlWithListQuery(location.href, { status, search }));
  render();
  refreshBy(0);
}

/** A click on a total: shows only that status, or all again if it already did. */
function chooseTotal(status) {
  changeQuery(queryForTotal(state, status));
}

/** @param {Event} event */
function submitSearch(event) {
  event.preventDefault();
  const query = queryForSearch(state, parts.search.value);
  if (query) changeQuery(query);
}
