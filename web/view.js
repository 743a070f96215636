/** What the page shows: task cards and counts. Data goes in as textContent, never as markup. */
import { controlNames, durationOf, formatTime } from './format.js';
import { hideKeepingFocus, renderProgressAndOutcome, setLabel, setText } from './render.js';
import { taskHref } from './route.js';
import { isActive, STATUSES, wordsFor } from './statuses.js';
import { totalsNote } from './totals.js';

/** @param {string} tag @param {string} [className] @param {string} [text] */
function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function metaItem(list, label) {
  const item = element('div');
  item.append(element('dt', '', label));
  const value = element('dd');
  item.append(value);
  list.append(item);
  return value;
}

/**
 * @typedef {{
 *   cancel(id: string): void,
 *   remove(id: string): void,
 *   rerun(id: string): void,
 *   select(id: string, selected: boolean): void,
 *   copy(id: string, source: HTMLElement, button: HTMLButtonElement): void,
 * }} CardActions
 */

/** @param {object} task @param {CardActions} actions */
function createCard(task, actions) {
  const id = task.task_id;
  const card = element('li', 'task');
  card.dataset.taskId = id;

  const title = element('div', 'task-title');
  const select = /** @type {HTMLInputElement} */ (element('input', 'select'));
  select.type = 'checkbox';
  select.addEventListener('change', () => actions.select(id, select.checked));
  const name = element('h3', 'task-name');
  const link = /** @type {HTMLAnchorElement} */ (element('a'));
  link.href = taskHref(id);
  name.append(link);
  const mark = element('span', 'bulk-mark');
  mark.hidden = true;
  const idLine = element('div', 'task-id');
  const idText = element('code', '', id);
  idText.title = id;
  const copy = element('button', 'copy', 'Copy');
  copy.type = 'button';
  copy.addEventListener('click', () => actions.copy(id, idText, copy));
  idLine.append(idText, copy);
  title.append(select, name, idLine, mark);

  const state = element('div', 'task-state');
  const badge = element('span', 'badge');
  const progress = element('progress');
  progress.max = 100;
  const percent = element('span', 'percent');
  state.append(badge, progress, percent);

  const meta = element('dl', 'task-meta');
  const parts = {
    created: metaItem(meta, 'Created'),
    type: metaItem(meta, 'Type'),
    updated: metaItem(meta, 'Updated'),
    duration: metaItem(meta, 'Duration'),
  };
  parts.duration.classList.add('duration');

  const outcome = element('p', 'task-outcome');
  const outcomeLabel = element('span', 'outcome-label');
  const outcomeText = element('span', 'outcome-text');
  outcome.append(outcomeLabel, outcomeText);

  const buttons = element('div', 'task-actions');
  const rerun = element('button', 'secondary', 'Re-run');
  rerun.type = 'button';
  rerun.addEventListener('click', () => actions.rerun(id));
  const cancel = element('button', 'secondary', 'Cancel');
  cancel.type = 'button';
  cancel.addEventListener('click', () => actions.cancel(id));
  const remove = element('button', 'danger', 'Delete');
  remove.type = 'button';
  remove.addEventListener('click', () => actions.remove(id));
  buttons.append(rerun, cancel, remove);

  card.append(title, state, meta, outcome, buttons);
  card.parts = {
    name,
    link,
    select,
    mark,
    rerun,
    badge,
    progress,
    percent,
    outcome,
    outcomeLabel,
    outcomeText,
    cancel,
    remove,
    copy,
  };
  Object.assign(card.parts, parts);
  return card;
}

/** Brings a card up to date with `task`; `now` is the clock for running durations. */
function updateCard(card, task, now) {
  const parts = card.parts;
  card.dataset.status = task.status;
  card.task = task;
  setText(parts.link, task.name?.trim() ? task.name : task.task_id);
  parts.name.classList.toggle('unnamed', !task.name);
  setText(parts.badge, task.status);
  renderProgressAndOutcome(parts, task);
  const names = controlNames(task);
  setLabel(parts.cancel, names.cancel);
  setLabel(parts.remove, names.remove);
  setLabel(parts.copy, names.copy);
  setLabel(parts.progress, names.progress);
  setLabel(parts.rerun, names.rerun);
  setLabel(parts.select, names.select);
  setText(parts.type, task.type);
  setText(parts.created, formatTime(task.created_at, now));
  setText(parts.updated, formatTime(task.updated_at, now));
  setText(parts.duration, durationOf(task, now));
  parts.created.title = task.created_at;
  parts.updated.title = task.updated_at;
  hideKeepingFocus(parts.cancel, !isActive(task), parts.remove);
  hideKeepingFocus(parts.rerun, isActive(task), parts.remove);
}

/**
 * Ticks the checkbox of each selected card and shows the mark a bulk action left on it.
 * @param {HTMLElement} list @param {Set<string>} selected @param {Map<string, { text: string, done: boolean }>} marks
 */
export function renderSelection(list, selected, marks) {
  for (const card of list.children) {
    const { select, mark } = card.parts;
    const id = card.dataset.taskId;
    if (select.checked !== selected.has(id)) select.checked = selected.has(id);
    const note = marks.get(id);
    mark.hidden = !note;
    setText(mark, note?.text ?? '');
    mark.classList.toggle('failed', note ? !note.done : false);
  }
}

/**
 * Makes `list` show `tasks` in order, reusing the card of each task that stays, so
 * focus and selection survive a refresh. When the focused card goes, the focus moves to
 * the next card that stays, else the previous one, else the first card, else `emptyFocus`.
 * @param {{ now: number, emptyFocus: HTMLElement }} options `now` is the clock for durations
 */
export function renderCards(list, tasks, actions, { now, emptyFocus }) {
  const cards = new Map([...list.children].map((card) => [card.dataset.taskId, card]));
  const wanted = new Set(tasks.map((task) => task.task_id));
  const focusedCard = document.activeElement?.closest('[data-task-id]');
  const leaving = focusedCard?.parentElement === list && !wanted.has(focusedCard.dataset.taskId);
  const heir = leaving ? neighbourStaying(focusedCard, wanted) : null;
  for (const [id, card] of cards) if (!wanted.has(id)) card.remove();
  let position = list.firstElementChild;
  for (const task of tasks) {
    const card = cards.get(task.task_id) ?? createCard(task, actions);
    if (card.task !== task) updateCard(card, task, now);
    if (card === position) position = position.nextElementSibling;
    else list.insertBefore(card, position);
  }
  if (leaving) (firstButton(heir ?? list.firstElementChild) ?? emptyFocus).focus();
}

/** The nearest card after `card` whose task is `wanted`, else the nearest before it. */
function neighbourStaying(card, wanted) {
  const siblings = [...card.parentElement.children];
  const index = siblings.indexOf(card);
  const stays = (each) => wanted.has(each.dataset.taskId);
  return siblings.slice(index + 1).find(stays) ?? siblings.slice(0, index).findLast(stays) ?? null;
}

/** @param {Element | null} card */
function firstButton(card) {
  return card?.querySelector('button:not([hidden])') ?? null;
}

/** Refreshes what depends on the clock (durations, "today" times) without new data. */
export function tickCards(list, now) {
  for (const card of list.children) if (card.task) updateCard(card, card.task, now);
}

/**
 * The status filter's options and the totals' buttons, one per status, from STATUSES.
 * @param {HTMLSelectElement} filter @param {HTMLElement} counts
 * @param {(status: string) => void} choose called with a total's status when it is clicked
 */
export function renderStatusControls(filter, counts, choose) {
  filter.replaceChildren(new Option('All', ''), ...STATUSES.map((each) => new Option(each, each)));
  counts.replaceChildren(
    ...STATUSES.map((status) => {
      const words = wordsFor(status);
      const item = element('li');
      item.dataset.status = status;
      const button = element('button', 'total');
      button.type = 'button';
      button.setAttribute('aria-pressed', 'false');
      // The space keeps the accessible name "Success 31", not "Success31".
      button.append(element('span', 'label', words.label), ' ', element('span', 'count', '–'));
      button.addEventListener('click', () => choose(status));
      const bar = element('progress');
      bar.max = 1;
      bar.value = 0;
      bar.setAttribute('aria-label', words.share);
      item.append(button, bar);
      return item;
    }),
  );
}

/**
 * Fills the true totals per status; the chosen status's button is pressed.
 * @param {HTMLElement} counts the list with one item per status
 * @param {HTMLElement} note where to say how many there are in all
 * @param {{ totals: import('./totals.js').Totals | null, status: string }} shown
 */
export function renderSummary(counts, note, { totals, status }) {
  for (const item of counts.children) {
    const each = item.dataset.status ?? '';
    item.classList.toggle('excluded', status !== '' && status !== each);
    const button = item.querySelector('button');
    const pressed = String(status === each);
    if (button.getAttribute('aria-pressed') !== pressed)
      button.setAttribute('aria-pressed', pressed);
    const count = totals?.counts[each];
    setText(item.querySelector('.count'), count === undefined ? '–' : String(count));
    const bar = item.querySelector('progress');
    bar.max = Math.max(1, totals?.total ?? 0);
    bar.value = count ?? 0;
  }
  setText(note, totalsNote(totals, status));
}

/**
 * Marks a button busy without disabling it, so a keyboard user keeps the focus on it;
 * its handler ignores activations meanwhile.
 * @param {HTMLButtonElement} button
 */
export function setBusy(button, busy, label) {
  if (busy) button.setAttribute('aria-disabled', 'true');
  else button.removeAttribute('aria-disabled');
  button.textContent = label;
}
