/**
 * The checked rows and what is done to them at once: a checkbox per row, one for all loaded
 * rows, and "Cancel selected" / "Delete selected" after one confirmation, whose outcome is
 * told in one line and as a mark on each row. The rules are in bulk.js.
 */
import { ApiError, cancelTask, deleteTask } from './api.js';
import { answerOf, inBatches, summarize } from './bulk.js';
import { buttonById, byId, inputById } from './render.js';
import { renderSelection, setBusy } from './view.js';

/** Bulk actions send this many requests at a time. */
const BULK_PARALLEL = 4;

const WORDS = {
  cancel: { verb: 'Cancel', ask: (n) => `Cancel ${n} selected task${n === 1 ? '' : 's'}?` },
  remove: {
    verb: 'Delete',
    ask: (n) =>
      `Delete ${n} selected task${n === 1 ? '' : 's'}? Their work stops and they cannot be restored.`,
  },
};

const parts = {
  list: byId('task-list'),
  selectAll: inputById('select-all'),
  bar: byId('bulk'),
  count: byId('bulk-count'),
  cancel: buttonById('bulk-cancel'),
  remove: buttonById('bulk-delete'),
  outcome: byId('bulk-outcome'),
};

/** Ids of the checked rows. */
const selected = new Set();
/** What the last bulk action did to each of its tasks that is still shown. */
const marks = new Map();
let running = false;

/**
 * What the selection needs of the list.
 * @typedef {{
 *   tasks(): { task_id: string }[],
 *   changed(answers: { taskId: string, task: object | null, gone: boolean }[]): void,
 * }} Host
 */
/** @type {Host} */
let host;

/** @param {Host} list */
export function startSelection(list) {
  host = list;
  parts.selectAll.addEventListener('change', () => {
    if (parts.selectAll.checked) for (const task of host.tasks()) selected.add(task.task_id);
    else selected.clear();
    renderChecks();
  });
  parts.cancel.addEventListener('click', () => void run('cancel'));
  parts.remove.addEventListener('click', () => void run('remove'));
}

/** A row's checkbox changed. */
export function select(taskId, checked) {
  if (checked) selected.add(taskId);
  else selected.delete(taskId);
  renderChecks();
}

/** Forgets the selection and the marks, e.g. for another query of the list. */
export function clearSelection() {
  selected.clear();
  marks.clear();
  parts.outcome.textContent = '';
}

/** The checkboxes, the bulk toolbar and the select-all box, from the selection. */
export function renderChecks() {
  const loaded = new Set(host.tasks().map((task) => task.task_id));
  for (const id of selected) if (!loaded.has(id)) selected.delete(id);
  for (const id of marks.keys()) if (!loaded.has(id)) marks.delete(id);
  renderSelection(parts.list, selected, marks);
  const count = selected.size;
  parts.bar.hidden = count === 0;
  parts.count.textContent = `${count} selected`;
  parts.selectAll.checked = count > 0 && count === loaded.size;
  parts.selectAll.indeterminate = count > 0 && count < loaded.size;
  parts.selectAll.disabled = loaded.size === 0;
}

/**
 * Cancels or deletes every checked task after one confirmation, then says what happened
 * to each. Tasks it is done for leave the selection; the others stay checked.
 * @param {'cancel' | 'remove'} action
 */
async function run(action) {
  const ids = host
    .tasks()
    .map((task) => task.task_id)
    .filter((id) => selected.has(id));
  if (running || ids.length === 0) return;
  if (!window.confirm(WORDS[action].ask(ids.length))) return;
  running = true;
  marks.clear();
  const button = action === 'cancel' ? parts.cancel : parts.remove;
  const label = button.textContent;
  setBusy(button, true, 'Working…');
  parts.outcome.textContent = '';
  const answers = await inBatches(ids, BULK_PARALLEL, async (taskId) => {
    try {
      if (action === 'cancel') return { taskId, status: 200, task: await cancelTask(taskId) };
      await deleteTask(taskId);
      return { taskId, status: 200, task: null };
    } catch (error) {
      return { taskId, status: error instanceof ApiError ? error.status : 0, task: null };
    }
  });
  const changes = answers.map((answer) => {
    const meaning = answerOf(action, answer.status);
    const text = meaning.words[0].toUpperCase() + meaning.words.slice(1);
    marks.set(answer.taskId, { text, done: meaning.done });
    if (meaning.done) selected.delete(answer.taskId);
    return { taskId: answer.taskId, task: answer.task, gone: action === 'remove' && meaning.done };
  });
  parts.outcome.textContent = `${WORDS[action].verb} selected: ${summarize(action, answers)}.`;
  running = false;
  setBusy(button, false, label);
  host.changed(changes);
}
