/**
 * The dashboard's entry: signs in, then wires the list page, the task page and the bulk
 * actions together and starts polling. Each part lives in its own module.
 */
import { REFRESH_MS } from './connection.js';
import { connected, disconnected, showConnection, tick } from './connection-banner.js';
import { startCreateForm } from './create-form.js';
import { lists, parts, state } from './dashboard-state.js';
import { startListQuery } from './list-query.js';
import { askForMore, refreshBy, wakeRequests } from './list-requests.js';
import { render } from './list-view.js';
import { applyRoute } from './navigation.js';
import { startSelection } from './selection.js';
import { signIn } from './sign-in.js';
import { rerun } from './task-create.js';
import { startTaskDetail } from './task-detail.js';
import { withAnswers, withChanged } from './task-list.js';
import { markTotalsStale } from './totals-refresh.js';

/** Often enough that the retry countdown and running durations change on time. */
const TICK_MS = 250;

async function start() {
  if (!(await signIn())) return;
  startListQuery();
  startSelection({
    tasks: () => state.tasks,
    changed(answers) {
      state.tasks = withAnswers(state.tasks, answers);
      markTotalsStale();
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
    wake: wakeRequests,
    rerun: (task, fail) => void rerun(task, fail),
    changed(taskId, task) {
      // Only a task on the list changes there; the list's query may not show it.
      state.tasks = withChanged(state.tasks, taskId, task);
      markTotalsStale();
    },
  });
  startCreateForm();
  parts.loadMore.addEventListener('click', askForMore);
  parts.retryNow.addEventListener('click', () => refreshBy(0));
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && state.failures === 0) refreshBy(lists.lastRefreshStart + REFRESH_MS);
  });
  window.addEventListener('online', () => refreshBy(lists.lastRefreshStart + REFRESH_MS));
  window.addEventListener('hashchange', applyRoute);
  setInterval(tick, TICK_MS);
  render();
  applyRoute();
  wakeRequests();
}

void start();
