/** What the page shows: task cards and counts. Data goes in as textContent, never as markup. */

export const STATUSES = ['PENDING', 'RUNNING', 'SUCCESS', 'FAILURE', 'CANCELLED'];

export function isActive(task) {
  return task.status === 'PENDING' || task.status === 'RUNNING';
}

const timeOfDay = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });
const dateAndTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** @param {string} tag @param {string} [className] @param {string} [text] */
function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

/** @param {string | null} iso */
function formatTime(iso, now) {
  if (!iso) return '—';
  const date = new Date(iso);
  const sameDay = date.toDateString() === new Date(now).toDateString();
  return (sameDay ? timeOfDay : dateAndTime).format(date);
}

/** @param {number} ms */
function formatDuration(ms) {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(seconds % 60).padStart(2, '0')} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${String(minutes % 60).padStart(2, '0')} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** Whole percents, with one decimal while below 10 so slow tasks visibly move. */
function formatPercent(progress) {
  const shown = progress < 10 ? Math.floor(progress * 10) / 10 : Math.floor(progress);
  return `${shown} %`;
}

function durationOf(task, now) {
  if (!task.started_at) return task.status === 'PENDING' ? 'waiting to start' : '—';
  const end = task.finished_at ? Date.parse(task.finished_at) : now;
  return formatDuration(end - Date.parse(task.started_at));
}

/** What a finished task produced, as [label, text], or null while it runs. */
function outcomeOf(task) {
  if (isActive(task)) return null;
  if (task.error) return ['Error', task.error];
  if (task.result !== undefined && task.result !== null) {
    const text = typeof task.result === 'string' ? task.result : JSON.stringify(task.result);
    return ['Result', text];
  }
  return task.status === 'CANCELLED' ? ['Cancelled', 'Stopped before it finished.'] : null;
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
 * @param {object} task
 * @param {{ cancel(id: string): void, remove(id: string): void, copy(id: string, source: HTMLElement, button: HTMLButtonElement): void }} actions
 */
function createCard(task, actions) {
  const id = task.task_id;
  const card = element('li', 'task');
  card.dataset.taskId = id;

  const title = element('div', 'task-title');
  const name = element('h3', 'task-name');
  const idLine = element('div', 'task-id');
  const idText = element('code', '', id);
  idText.title = id;
  const copy = element('button', 'copy', 'Copy');
  copy.type = 'button';
  copy.setAttribute('aria-label', 'Copy task id');
  copy.addEventListener('click', () => actions.copy(id, idText, copy));
  idLine.append(idText, copy);
  title.append(name, idLine);

  const state = element('div', 'task-state');
  const badge = element('span', 'badge');
  const progress = element('progress');
  progress.max = 100;
  progress.setAttribute('aria-label', 'Progress');
  const percent = element('span', 'percent');
  state.append(badge, progress, percent);

  const meta = element('dl', 'task-meta');
  const parts = {
    created: metaItem(meta, 'Created'),
    type: metaItem(meta, 'Type'),
    updated: metaItem(meta, 'Updated'),
    duration: metaItem(meta, 'Duration'),
  };

  const outcome = element('p', 'task-outcome');
  const outcomeLabel = element('span', 'outcome-label');
  const outcomeText = element('span', 'outcome-text');
  outcome.append(outcomeLabel, outcomeText);

  const buttons = element('div', 'task-actions');
  const cancel = element('button', 'secondary', 'Cancel');
  cancel.type = 'button';
  cancel.addEventListener('click', () => actions.cancel(id));
  const remove = element('button', 'danger', 'Delete');
  remove.type = 'button';
  remove.addEventListener('click', () => actions.remove(id));
  buttons.append(cancel, remove);

  card.append(title, state, meta, outcome, buttons);
  card.parts = {
    name,
    badge,
    progress,
    percent,
    outcome,
    outcomeLabel,
    outcomeText,
    cancel,
    remove,
  };
  Object.assign(card.parts, parts);
  return card;
}

/** Brings a card up to date with `task`; `now` is the clock for running durations. */
function updateCard(card, task, now) {
  const parts = card.parts;
  card.dataset.status = task.status;
  card.task = task;
  setText(parts.name, task.name ?? task.task_id);
  parts.name.classList.toggle('unnamed', !task.name);
  setText(parts.badge, task.status);
  const progress = Math.min(100, Math.max(0, Number(task.progress) || 0));
  if (parts.progress.value !== progress) parts.progress.value = progress;
  setText(parts.percent, formatPercent(progress));
  setText(parts.type, task.type);
  setText(parts.created, formatTime(task.created_at, now));
  setText(parts.updated, formatTime(task.updated_at, now));
  setText(parts.duration, durationOf(task, now));
  parts.created.title = task.created_at;
  parts.updated.title = task.updated_at;
  const outcome = outcomeOf(task);
  parts.outcome.hidden = !outcome;
  setText(parts.outcomeLabel, outcome ? `${outcome[0]}: ` : '');
  setText(parts.outcomeText, outcome ? outcome[1] : '');
  hideKeepingFocus(parts.cancel, !isActive(task), parts.remove);
}

/** Shows or hides `button`; if it goes while focused, `heir` takes the focus. */
function hideKeepingFocus(button, hidden, heir) {
  if (button.hidden === hidden) return;
  const hadFocus = document.activeElement === button;
  button.hidden = hidden;
  if (hidden && hadFocus) heir.focus();
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
 * Fills the counts per status, of the loaded tasks only: counting the whole table
 * would cost a request per status on every refresh.
 * @param {HTMLElement} counts the list with one item per status
 * @param {HTMLElement} note where to say what was counted
 */
export function renderSummary(counts, note, { tasks, status, more }) {
  const byStatus = Object.fromEntries(STATUSES.map((each) => [each, 0]));
  for (const task of tasks) byStatus[task.status] = (byStatus[task.status] ?? 0) + 1;
  for (const each of STATUSES) {
    const item = counts.querySelector(`[data-status="${each}"]`);
    if (!item) continue;
    item.classList.toggle('excluded', status !== '' && status !== each);
    setText(item.querySelector('.count'), String(byStatus[each]));
    const bar = item.querySelector('progress');
    bar.max = Math.max(1, tasks.length);
    bar.value = byStatus[each];
  }
  const which = `${status ? `${status} ` : ''}task${tasks.length === 1 ? '' : 's'}`;
  setText(note, `Of the ${tasks.length} loaded ${which}${more ? ', more not loaded yet' : ''}`);
}
