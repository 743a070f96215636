/**
 * Which page is shown, as the address says: the list, or one task's page at #/tasks/<id>;
 * and where the focus goes on the way back to the list.
 */
import { lists, parts, state } from './dashboard-state.js';
import { refreshBy, wakeRequests } from './list-requests.js';
import { render } from './list-view.js';
import { LIST_HASH, routeOf } from './route.js';
import { closeTask, openTask } from './task-detail.js';

/** The id of the task whose page is shown, '' on the list. */
let shownTaskId = '';

/** Shows the page the address asks for. */
export function applyRoute() {
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
  parts.main.hidden = true;
  openTask(taskId);
  wakeRequests();
}

function showList() {
  if (state.page === 'list') return;
  const cameFrom = closeTask();
  shownTaskId = '';
  state.page = 'list';
  parts.main.hidden = false;
  render();
  // Not when the address names a place on the list (e.g. the form), which keeps its own.
  if (location.hash === '' || location.hash === LIST_HASH) {
    const link = parts.list.querySelector(`[data-task-id="${CSS.escape(cameFrom)}"] a`);
    (link ?? parts.heading).focus();
  } else {
    // The browser looked for the place while the list was hidden.
    document.getElementById(location.hash.slice(1))?.scrollIntoView();
  }
  refreshBy(0);
}
