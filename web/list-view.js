/**
 * The list page as the state says it: the cards, the summary, "Load more", the empty
 * text and the title; and what each card's buttons do.
 */
import { ApiError, cancelTask, deleteTask } from './api.js';
import { shownNow } from './connection-banner.js';
import { lists, parts, state } from './dashboard-state.js';
import { deleteQuestion } from './format.js';
import { emptyListText, listOrderText, listTitle } from './list-words.js';
import { showNotice } from './notice.js';
import { renderChecks, select } from './selection.js';
import { isActive } from './statuses.js';
import { rerun } from './task-create.js';
import { upsert, without } from './task-list.js';
import { markTotalsStale, renderTotals } from './totals-refresh.js';
import { renderCards, setBusy } from './view.js';

/** Shows the list page as the state says; the totals too, as last fetched. */
export function render() {
  renderCards(parts.list, state.tasks, actions, { now: shownNow(), emptyFocus: parts.heading });
  renderChecks();
  renderTotals();
  parts.loadMore.hidden = !state.next;
  if (!state.next) forgetMore();
  parts.empty.hidden = state.tasks.length > 0;
  parts.listOrder.textContent = listOrderText(state.search);
  parts.empty.textContent = emptyListText(state);
  if (state.page !== 'list') return;
  document.title = listTitle(state.tasks.filter(isActive).length);
}

/** Drops a wish for "Load more", e.g. when there is no older page (any more) to load. */
export function forgetMore() {
  if (!lists.moreWanted) return;
  lists.moreWanted = false;
  setBusy(parts.loadMore, false, 'Load more');
}

/** What the buttons of a card do, by the id of its task. */
const actions = {
  async cancel(taskId) {
    try {
      const task = await cancelTask(taskId);
      state.tasks = upsert(state.tasks, task);
      markTotalsStale();
      render();
    } catch (error) {
      showNotice(error);
    }
  },

  async remove(taskId) {
    const task = state.tasks.find((each) => each.task_id === taskId);
    if (!window.confirm(deleteQuestion(taskId, task))) return;
    try {
      await deleteTask(taskId);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) return showNotice(error);
    }
    state.tasks = without(state.tasks, taskId);
    markTotalsStale();
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
