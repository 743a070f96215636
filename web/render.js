/**
 * What a task's card in the list and the task page write alike, and the DOM helpers they
 * share. Each write is skipped when the page already shows it, so a refresh that changes
 * nothing touches nothing (and a screen reader announces nothing).
 */
import { formatPercent, outcomeOf, progressOf } from './format.js';

/** @param {string} id */
export const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
/** @param {string} id */
export const buttonById = (id) => /** @type {HTMLButtonElement} */ (byId(id));
/** @param {string} id */
export const inputById = (id) => /** @type {HTMLInputElement} */ (byId(id));
/** @param {string} id */
export const selectById = (id) => /** @type {HTMLSelectElement} */ (byId(id));
/** @param {string} id */
export const formById = (id) => /** @type {HTMLFormElement} */ (byId(id));
/** @param {string} id */
export const progressById = (id) => /** @type {HTMLProgressElement} */ (byId(id));

/** @param {Node} node @param {string} text */
export function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

/** @param {Element} node @param {string} label */
export function setLabel(node, label) {
  if (node.getAttribute('aria-label') !== label) node.setAttribute('aria-label', label);
}

/** Shows or hides `button`; if it goes while focused, `heir` takes the focus. */
export function hideKeepingFocus(button, hidden, heir) {
  if (button.hidden === hidden) return;
  const hadFocus = document.activeElement === button;
  button.hidden = hidden;
  if (hidden && hadFocus) heir.focus();
}

/**
 * The task's progress in its bar and as a percentage, and its outcome (result or error) if
 * it has one.
 * @param {{ progress: HTMLProgressElement, percent: HTMLElement, outcome: HTMLElement,
 *   outcomeLabel: HTMLElement, outcomeText: HTMLElement }} parts
 * @param {import('./statuses.js').Task} task
 */
export function renderProgressAndOutcome(parts, task) {
  const progress = progressOf(task.progress);
  if (parts.progress.value !== progress) parts.progress.value = progress;
  setText(parts.percent, formatPercent(progress));
  const outcome = outcomeOf(task);
  parts.outcome.hidden = !outcome;
  setText(parts.outcomeLabel, outcome ? `${outcome[0]}: ` : '');
  setText(parts.outcomeText, outcome ? outcome[1] : '');
}
