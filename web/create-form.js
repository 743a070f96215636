/** The "New task" form: creates a task, once at a time; the focus stays where it was. */
import { parts, state } from './dashboard-state.js';
import { render } from './list-view.js';
import { taskFromForm } from './new-task.js';
import { createAndShow } from './task-create.js';
import { setBusy } from './view.js';

export function startCreateForm() {
  parts.form.addEventListener('submit', submitCreate);
}

/** @param {SubmitEvent} event */
async function submitCreate(event) {
  event.preventDefault();
  if (state.creating) return;
  const button = /** @type {HTMLButtonElement} */ (parts.form.querySelector('[type="submit"]'));
  state.creating = true;
  setBusy(button, true, 'Creating…');
  parts.formError.textContent = '';
  try {
    await createAndShow(taskFromForm(new FormData(parts.form)));
    render();
    parts.form.elements.namedItem('name').value = '';
  } catch (error) {
    parts.formError.textContent = error instanceof Error ? error.message : String(error);
  } finally {
    state.creating = false;
    setBusy(button, false, 'Create task');
  }
}
