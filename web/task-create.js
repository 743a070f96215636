/**
 * New tasks the dashboard makes: shown on the list at once when its query would show
 * them, and re-runs, whose page follows. The request bodies are made in new-task.js.
 */
import { createTask, getTask } from './api.js';
import { state } from './dashboard-state.js';
import { rerunOf } from './new-task.js';
import { taskHref } from './route.js';
import { withCreated } from './task-list.js';
import { markTotalsStale } from './totals-refresh.js';

/**
 * Creates a task and puts it on the shown list; the caller renders.
 * @param {object} body the create request
 */
export async function createAndShow(body) {
  const task = await createTask(body);
  showCreated(task);
  return task;
}

/**
 * A new task with the same name, type and input as `task`; its page follows. One at a time.
 * @param {(error: unknown) => void} fail where an error is told
 */
export async function rerun(task, fail) {
  if (state.rerunning) return;
  state.rerunning = true;
  try {
    const source = task.input === undefined ? await getTask(task.task_id) : task;
    const created = await createAndShow(rerunOf(source));
    location.hash = taskHref(created.task_id);
  } catch (error) {
    fail(error);
  } finally {
    state.rerunning = false;
  }
}

/** Shows a task just created on the list, if the list's query would. */
function showCreated(task) {
  markTotalsStale();
  state.tasks = withCreated(state.tasks, task, state);
}
