// @ts-check
/** The shown list of tasks as pure data: merging pages and ordering. */
/** @typedef {import('./statuses.js').Task} Task */

/**
 * Whether task `a` sorts after (is older than) task `b` in the API's newest-first order.
 * @param {Task} a @param {Task} b
 */
export function isOlder(a, b) {
  if (a.created_at !== b.created_at) return a.created_at < b.created_at;
  return a.task_id < b.task_id;
}

/**
 * A task's place in search results, as the API orders them: the name as search compares it
 * (NFKC, lower case, trimmed), then the id.
 * @param {Task} task
 */
export function searchOrderKey(task) {
  return `${(task.name ?? '').normalize('NFKC').toLowerCase().trim()}#${task.task_id}`;
}

/**
 * Whether task `a` sorts after task `b` in search results (ordered by name).
 * @param {Task} a @param {Task} b
 */
export function isAfterByName(a, b) {
  return searchOrderKey(a) > searchOrderKey(b);
}

/**
 * The shown list after a refresh of the first page. The first page is the truth for
 * every task as new as its last one; older tasks loaded with "Load more" are kept.
 * `olderKept` is false when none were kept, e.g. because so many tasks arrived that
 * the first page no longer touches the loaded ones (a gap the user can load again).
 * @param {Task[]} shown @param {Task[]} firstPage @param {boolean} firstPageHasMore
 * @param {(a: Task, b: Task) => boolean} [sortsAfter] the list's order: newest first unless given
 * @returns {{ tasks: Task[], olderKept: boolean }}
 */
export function mergeFirstPage(shown, firstPage, firstPageHasMore, sortsAfter = isOlder) {
  const last = firstPage.at(-1);
  if (!firstPageHasMore || !last) return { tasks: firstPage, olderKept: false };
  const inFirstPage = new Set(firstPage.map((task) => task.task_id));
  const older = shown.filter((task) => !inFirstPage.has(task.task_id) && sortsAfter(task, last));
  const touches = shown.some((task) => inFirstPage.has(task.task_id));
  if (older.length === 0 || !touches) return { tasks: firstPage, olderKept: false };
  return { tasks: [...firstPage, ...older], olderKept: true };
}

/**
 * Appends an older page, skipping tasks already shown.
 * @param {Task[]} shown @param {Task[]} page
 */
export function appendPage(shown, page) {
  const ids = new Set(shown.map((task) => task.task_id));
  return [...shown, ...page.filter((task) => !ids.has(task.task_id))];
}

/**
 * Puts `task` in place of the shown task with its id, or first if it is new.
 * @param {Task[]} shown @param {Task} task
 */
export function upsert(shown, task) {
  const index = shown.findIndex((each) => each.task_id === task.task_id);
  if (index === -1) return [task, ...shown];
  return shown.with(index, task);
}

/** @param {Task[]} shown @param {string} taskId */
export function without(shown, taskId) {
  return shown.filter((task) => task.task_id !== taskId);
}

/**
 * The shown list with a task just created, if the list's query would show it: a search
 * orders by name and shows only matches, so a new task waits for the next refresh there.
 * @param {Task[]} shown @param {Task} task
 * @param {{ status: string, search: string }} query '' for none
 */
export function withCreated(shown, task, { status, search }) {
  if (search) return shown;
  return !status || status === task.status ? upsert(shown, task) : shown;
}

/**
 * The shown list after a change made elsewhere (e.g. on the task page): the task's new
 * state, or without it when `task` is null. A task not shown stays not shown.
 * @param {Task[]} shown @param {string} taskId @param {Task | null} task
 */
export function withChanged(shown, taskId, task) {
  if (!task) return without(shown, taskId);
  return shown.map((each) => (each.task_id === taskId ? task : each));
}

/**
 * The shown list after answers to bulk actions: a changed task in its new state, a gone
 * one removed.
 * @param {Task[]} shown
 * @param {{ taskId: string, task: Task | null, gone: boolean }[]} answers
 */
export function withAnswers(shown, answers) {
  let tasks = shown;
  for (const { taskId, task, gone } of answers) {
    if (task) tasks = upsert(tasks, task);
    if (gone) tasks = without(tasks, taskId);
  }
  return tasks;
}
